import pytest

from consent.keywords import Reply, ReplyKind, classify_reply

OPT_OUTS = [
    ("please stop", "en"),
    ("stop texting me", "en"),
    ("Stop texting me please!", "en"),
    ("STOP SENDING ME MESSAGES", "en"),
    ("stop it", "en"),
    ("stop stop stop", "en"),
    ("Stop. Now.", "en"),
    ("can you stop texting me?", "en"),
    ("just stop", "en"),
    ("ok stop", "en"),
    ("I want to stop", "en"),
    ("stop all texts", "en"),
    ("unsubscribe me", "en"),
    ("Unsubscribe me please", "en"),
    ("no more texts", "en"),
    ("no more messages please", "en"),
    ("don't text me", "en"),
    ("Don’t text me again", "en"),
    ("dont text me", "en"),
    ("do not text me", "en"),
    ("never text me again", "en"),
    ("do not contact me", "en"),
    ("I don't want any more messages", "en"),
    ("take me off your list", "en"),
    ("please take me off the list", "en"),
    ("remove me", "en"),
    ("remove me from your list", "en"),
    ("remove my number", "en"),
    ("leave me alone", "en"),
    ("Leave me alone!!", "en"),
    ("opt me out", "en"),
    ("opt out please", "en"),
    ("wrong number", "en"),
    ("cancel my texts", "en"),
    ("quit texting me", "en"),
    ("para por favor", "es"),
    ("Basta ya", "es"),
    ("no me envíen más mensajes", "es"),
    ("por favor no me manden mensajes", "es"),
    ("deja de enviarme mensajes", "es"),
    ("darme de baja", "es"),
    ("no quiero más mensajes", "es"),
    ("ya no quiero recibir mensajes", "es"),
    ("déjame en paz", "es"),
    ("stop por favor", "es"),
    ("arrêtez de m'envoyer des messages svp", "fr"),
    ("ne m'envoyez plus de sms", "fr"),
    ("bitte keine SMS mehr", "de"),
    ("hör auf", "de"),
    ("palun lõpetage", "et"),
    ("Lõpeta sõnumite saatmine", "et"),
    ("ärge saatke mulle enam sõnumeid", "et"),
    ("jätke mind rahule", "et"),
    ("stop palun", "et"),
    ("请停止发送", "zh"),
    ("不要再给我发短信了", "zh"),
    ("别发了", "zh"),
    ("退订谢谢", "zh"),
    ("请勿打扰", "zh"),
    ("取消订阅", "zh"),
]

NOT_OPT_OUTS = [
    "don't stop the music",
    "will the line stop moving soon?",
    "I stopped by earlier, is my ticket still valid",
    "please don't stop",
    "do not stop texting me",
    "never stop texting me",
    "can't stop now",
    "when does the line stop?",
    "I'm at the bus stop",
    "stop by the desk",
    "keep texting me",
    "no thanks",
    "no",
    "not now",
    "cancel my ticket",
    "take me off the queue",
    "remove me from the queue",
    "I don't want to lose my place",
    "don't text me until it is my turn",
    "unsubscribe from what?",
    "stop 5",
    "no pares",
    "para mí",
    "¿para qué?",
    "ära lõpeta",
    "keine Ahnung",
    "不要停",
    "取消排队",
    "队伍停了吗",
]


@pytest.mark.parametrize(("body", "language"), OPT_OUTS)
def test_short_free_text_that_reads_as_stop_opts_out(body: str, language: str) -> None:
    assert classify_reply(body) == Reply(ReplyKind.OPT_OUT, "sms_free_text", language)


@pytest.mark.parametrize("body", NOT_OPT_OUTS)
def test_messages_that_merely_contain_a_stop_word_are_not_opt_outs(body: str) -> None:
    assert classify_reply(body).kind is ReplyKind.OTHER


def test_a_long_message_asking_to_stop_is_an_opt_out_however_long() -> None:
    # Issue 9 reverses the old word limit: a reply that, read as a whole, asks to stop revokes.
    rambling = "I have told you more than once already that I never asked for any of this, " * 3
    long_request = rambling + "so please stop texting me"

    assert classify_reply(long_request).kind is ReplyKind.OPT_OUT


def test_a_long_message_that_only_mentions_stopping_is_conversation() -> None:
    rambling = "The line did not stop moving all morning and we waited by the bus stop for " * 3

    assert classify_reply(rambling + "an hour").kind is ReplyKind.OTHER
