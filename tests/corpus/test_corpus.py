"""The reader against the whole labelled corpus: the figures issue 9 asks for."""

from tests.corpus.corpus import LABELS, load, score

CASES = load()


def test_the_corpus_is_large_and_labelled() -> None:
    assert len(CASES) >= 600
    assert {case.label for case in CASES} <= set(LABELS)
    assert all(case.source for case in CASES)
    assert len({case.language for case in CASES}) == 14


def test_replies_that_should_stop_the_texts_are_read_as_stopping() -> None:
    figures = score(CASES)

    missed = [case.text for case in CASES if case.should_stop and not case.stops]
    assert figures.recall >= 0.97, missed


def test_replies_that_do_not_ask_to_stop_rarely_stop_the_texts() -> None:
    figures = score(CASES)

    stopped = [case.text for case in CASES if not case.should_stop and case.stops]
    assert figures.false_positive_rate <= 0.01, stopped
