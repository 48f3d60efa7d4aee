from collections.abc import Callable, Mapping

import pytest

from consent.keywords import (
    HELP_KEYWORDS,
    OPT_IN_KEYWORDS,
    OPT_OUT_KEYWORDS,
    STATUS_KEYWORDS,
    Reply,
    ReplyKind,
    classify_reply,
)

# The lists as COMPLIANCE.md writes them: the tables must hold at least these.
COMPLIANCE_OPT_OUT = {
    "STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT",
    "OPT OUT", "OPT-OUT", "REMOVE", "ARRET", "ARRÊT", "ARRETE", "ALTO", "PARAR", "BAJA",
    "CANCELAR", "NO MAS", "NO MÁS", "STOPP", "LÕPETA", "LOPETA", "TÜHISTA", "TD", "退订", "取消",
}  # fmt: skip
COMPLIANCE_OPT_IN = {"START", "UNSTOP", "YES"}
COMPLIANCE_HELP = {"HELP", "INFO", "AIDE", "AYUDA", "ABI", "帮助"}
COMPLIANCE_STATUS = {"STATUS", "?"}

TABLES: list[tuple[Mapping[str, str], ReplyKind]] = [
    (OPT_OUT_KEYWORDS, ReplyKind.OPT_OUT),
    (OPT_IN_KEYWORDS, ReplyKind.OPT_IN),
    (HELP_KEYWORDS, ReplyKind.HELP),
    (STATUS_KEYWORDS, ReplyKind.STATUS),
]
EVERY_KEYWORD = [(k, lang, kind) for table, kind in TABLES for k, lang in table.items()]
WORD_KEYWORDS = [(k, lang, kind) for k, lang, kind in EVERY_KEYWORD if k != "?"]
SPELLINGS = [
    pytest.param(lambda k: k, id="as-listed"),
    pytest.param(str.lower, id="lower"),
    pytest.param(str.title, id="title"),
    pytest.param(lambda k: f"  {k.lower()}  ", id="spaces"),
    pytest.param(lambda k: f" {k.title()}. ", id="full-stop"),
    pytest.param(lambda k: f"{k}!!", id="exclaimed"),
    pytest.param(lambda k: f'"{k.lower()}"\n', id="quoted"),
    pytest.param(lambda k: f"¡{k}!", id="spanish-marks"),
    pytest.param(lambda k: f"{k} 🛑", id="emoji"),
]


def expected_reply(kind: ReplyKind, language: str) -> Reply:
    opting = kind in (ReplyKind.OPT_OUT, ReplyKind.OPT_IN)
    return Reply(kind, "sms_keyword" if opting else None, language or None)


@pytest.mark.parametrize(
    ("table", "required"),
    [
        (OPT_OUT_KEYWORDS, COMPLIANCE_OPT_OUT),
        (OPT_IN_KEYWORDS, COMPLIANCE_OPT_IN),
        (HELP_KEYWORDS, COMPLIANCE_HELP),
        (STATUS_KEYWORDS, COMPLIANCE_STATUS),
    ],
)
def test_tables_hold_every_keyword_compliance_lists(
    table: Mapping[str, str], required: set[str]
) -> None:
    assert required <= set(table)


def test_no_keyword_is_in_two_tables() -> None:
    seen = [classify_reply(k).kind for k, _, _ in WORD_KEYWORDS]

    assert seen == [kind for _, _, kind in WORD_KEYWORDS]


def test_queue_commands_are_not_opt_out_or_opt_in_words() -> None:
    commands = {k.casefold() for k in STATUS_KEYWORDS}

    assert not commands & {k.casefold() for k in [*OPT_OUT_KEYWORDS, *OPT_IN_KEYWORDS]}


@pytest.mark.parametrize(("keyword", "language", "kind"), EVERY_KEYWORD)
def test_every_keyword_is_recognised_with_its_language(
    keyword: str, language: str, kind: ReplyKind
) -> None:
    assert classify_reply(keyword) == expected_reply(kind, language)


@pytest.mark.parametrize("spell", SPELLINGS)
@pytest.mark.parametrize(("keyword", "language", "kind"), WORD_KEYWORDS)
def test_keywords_match_in_any_case_with_surrounding_punctuation(
    keyword: str, language: str, kind: ReplyKind, spell: Callable[[str], str]
) -> None:
    assert classify_reply(spell(keyword)) == expected_reply(kind, language)


@pytest.mark.parametrize(
    "body",
    [" Stop. ", "stop!!", "Opt-Out", "opt out", "STOP   ALL", "ＳＴＯＰ", "(stop)", "...STOP..."],
)
def test_stop_in_any_case_with_punctuation_opts_out(body: str) -> None:
    assert classify_reply(body) == Reply(ReplyKind.OPT_OUT, "sms_keyword", "en")


@pytest.mark.parametrize(
    ("body", "language"),
    [("arrête", "fr"), ("Lõpeta!", "et"), ("tühista", "et"), ("no más", "es"), ("No mas.", "es")],
)
def test_accented_and_unaccented_spellings_opt_out(body: str, language: str) -> None:
    assert classify_reply(body) == Reply(ReplyKind.OPT_OUT, "sms_keyword", language)


@pytest.mark.parametrize("body", ["?", " ? ", "??", "？", "Status?", "STATUS"])
def test_status_and_question_mark_ask_for_status(body: str) -> None:
    assert classify_reply(body).kind is ReplyKind.STATUS


def test_a_bare_question_mark_does_not_tell_the_language() -> None:
    assert classify_reply("?") == Reply(ReplyKind.STATUS, None, None)


@pytest.mark.parametrize("body", ["Yes!", "start", "Unstop."])
def test_start_unstop_yes_opt_back_in(body: str) -> None:
    assert classify_reply(body) == Reply(ReplyKind.OPT_IN, "sms_keyword", "en")


@pytest.mark.parametrize("body", ["", "   ", "...", "!?", "hello", "12", "thanks!"])
def test_anything_else_is_other(body: str) -> None:
    assert classify_reply(body) == Reply(ReplyKind.OTHER, None, None)


@pytest.mark.parametrize("body", ["yes please", "help me", "info about my ticket", "start over"])
def test_opt_in_and_help_need_the_exact_keyword(body: str) -> None:
    assert classify_reply(body).kind is ReplyKind.OTHER
