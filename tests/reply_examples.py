"""Replies the opt-out rules are held to, as issue 9 gives them: the reader's unit tests and the
webhook's end-to-end tests share them."""

# Sentence-form opt-outs from FCC and court records: each revokes.
FCC_REVOCATIONS = [
    "Stop contacting me",
    "Take my number off your list",
    "I no longer wish to receive these messages",
    "Cease and desist",
    "I withdraw my consent",
    "Leave me alone",
    "Who is this? Stop texting me",
    "STOP!!! I'm not interested",
    "No stop",
    "End texts",
    "Turn off these notifications",
    "I left the line, stop texting me",
    "Thank you, but I would like the text messages to stop",
]
# Replies that may mean stop: they stop the texts at once and ask what was meant.
UNCLEAR = ["not interested", "no more", "wrong number"]
