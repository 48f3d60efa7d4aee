"""The reader on issue 9's own examples, one test per kind of reply."""

import pytest

from consent.keywords import ReplyKind, classify_reply
from consent.replies import Verdict, read
from tests.reply_examples import FCC_REVOCATIONS, UNCLEAR

TYPED = [
    "Stpo", "Unsubscibe", "Cancle", "S T O P", "S.T.O.P.", "Stop — Mike",
    "Stop\n\nSent from my iPhone", "STOP 🛑🛑", "Stop!!!!!!", "ＳＴＯＰ ｔｅｘｔｉｎｇ ｍｅ",
]  # fmt: skip
LANGUAGES = [
    ("Quiero darme de baja", "es"),
    ("Sácame de la lista", "es"),
    ("Je ne veux plus recevoir de messages", "fr"),
    ("Bitte austragen", "de"),
    ("Ei soovi enam sõnumeid saada", "et"),
    ("我要退订", "zh"),
    ("拒收", "zh"),
    ("取消訂閱", "zh"),
    ("配信停止", "ja"),
    ("수신거부", "ko"),
    ("Não quero mais receber mensagens", "pt"),
    ("Non voglio più ricevere messaggi", "it"),
    ("Не пишите мне больше", "ru"),
    ("Đừng nhắn tin cho tôi nữa", "vi"),
    ("Sluta skicka sms till mig", "sv"),
    ("Stop med at sende mig beskeder", "da"),
]
NEGATIONS = ["I don't want to unsubscribe", "don't stop", "No quiero darme de baja", "我不想退订"]
OTHER_SENSES = ["I can't stop laughing", "which bus stop?", "I'll stop by later",
                "end of the line?", "cancel my 3 pm booking"]  # fmt: skip
QUOTED = [
    'Liked "Acme: you are number 4. Reply STOP to opt out"',
    "Loved “Your table is ready! Reply STOP to opt out”",
]


@pytest.mark.parametrize("body", FCC_REVOCATIONS)
def test_sentence_form_revocations_from_public_records_opt_out(body: str) -> None:
    assert read(body).verdict is Verdict.OPT_OUT
    assert classify_reply(body).kind is ReplyKind.OPT_OUT


@pytest.mark.parametrize("body", TYPED)
def test_typos_spacing_footers_emoji_and_full_width_are_forgiven(body: str) -> None:
    assert classify_reply(body).kind is ReplyKind.OPT_OUT


@pytest.mark.parametrize(("body", "language"), LANGUAGES)
def test_opt_outs_in_every_language_name_their_language(body: str, language: str) -> None:
    reply = classify_reply(body)

    assert (reply.kind, reply.verdict, reply.language) == (
        ReplyKind.OPT_OUT, Verdict.OPT_OUT, language,
    )  # fmt: skip


@pytest.mark.parametrize("body", NEGATIONS)
def test_a_negation_is_not_an_opt_out_and_says_so(body: str) -> None:
    reply = classify_reply(body)

    assert reply.kind is ReplyKind.OTHER
    assert reply.rule == "negated"


@pytest.mark.parametrize("body", OTHER_SENSES)
def test_another_sense_of_the_word_is_not_an_opt_out(body: str) -> None:
    assert classify_reply(body).kind is ReplyKind.OTHER


@pytest.mark.parametrize("body", QUOTED)
def test_a_tapback_quoting_our_opt_out_line_is_not_an_opt_out(body: str) -> None:
    assert classify_reply(body).kind is ReplyKind.OTHER


def test_our_quoted_line_followed_by_the_keyword_still_opts_out() -> None:
    assert classify_reply('"Reply STOP to opt out" STOP').kind is ReplyKind.OPT_OUT


@pytest.mark.parametrize("body", UNCLEAR)
def test_an_unclear_reply_stops_texts_and_is_marked_unclear(body: str) -> None:
    reply = classify_reply(body)

    assert reply.kind is ReplyKind.OPT_OUT
    assert reply.unclear
    assert reply.method == "sms_free_text"


@pytest.mark.parametrize("body", ["START", "HELP", "STATUS", "?", "YES"])
def test_start_help_and_status_are_not_opt_outs(body: str) -> None:
    assert read(body).verdict is Verdict.NOT_OPT_OUT
    assert classify_reply(body).kind is not ReplyKind.OPT_OUT


def test_every_reading_records_the_rule_and_the_words_that_decided_it() -> None:
    reading = read("Please stop texting me")

    assert (reading.verdict, reading.rule, reading.words) == (
        Verdict.OPT_OUT, "stop_request", ("stop", "texting"),
    )  # fmt: skip


def test_a_keyword_reply_records_the_keyword_rule() -> None:
    reply = classify_reply("STOP")

    assert (reply.verdict, reply.rule, reply.words) == (Verdict.OPT_OUT, "keyword", ("stop",))
