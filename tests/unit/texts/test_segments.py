"""Segment counting as carriers bill it: GSM-7 with its extension table, else UCS-2."""

from __future__ import annotations

import pytest

from notifier.texts.segments import MAX_SEGMENTS, SegmentCount, count_segments, fits, fold_to_gsm7


def test_empty_text_takes_no_segment() -> None:
    assert count_segments("") == SegmentCount("GSM-7", 0, 0)


@pytest.mark.parametrize(
    ("length", "segments"), [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)]
)
def test_gsm7_fits_160_alone_and_153_per_concatenated_segment(length: int, segments: int) -> None:
    assert count_segments("a" * length) == SegmentCount("GSM-7", segments, length)


def test_gsm7_limit_is_two_segments() -> None:
    assert MAX_SEGMENTS["GSM-7"] == 2
    assert fits("a" * 306)
    assert not fits("a" * 307)


@pytest.mark.parametrize("char", ["€", "[", "]", "{", "}", "|", "^", "~", "\\", "\f"])
def test_extension_characters_cost_two_septets(char: str) -> None:
    assert count_segments(char) == SegmentCount("GSM-7", 1, 2)
    assert count_segments("a" * 158 + char).segments == 1
    assert count_segments("a" * 159 + char) == SegmentCount("GSM-7", 2, 161)


def test_escape_pair_is_never_split_across_segments() -> None:
    # 306 septets would be 2 segments, but the € cannot straddle the 153-septet boundary.
    text = "a" * 152 + "€" + "a" * 152
    assert count_segments(text) == SegmentCount("GSM-7", 3, 306)
    assert not fits(text)


@pytest.mark.parametrize("char", ["é", "è", "ñ", "Ñ", "ü", "ö", "ä", "à", "Ç", "ß", "¿", "¡", "Δ"])
def test_accented_letters_of_the_basic_table_stay_gsm7(char: str) -> None:
    assert count_segments("Hola " + char).encoding == "GSM-7"


@pytest.mark.parametrize("char", ["õ", "á", "í", "ó", "ú", "ç", "š", "’", "…", "\u202f", "–"])
def test_one_character_outside_the_tables_makes_the_whole_text_ucs2(char: str) -> None:
    count = count_segments("a" * 60 + char)
    assert count.encoding == "UCS-2"
    assert count.units == 61


def test_newlines_are_gsm7() -> None:
    assert count_segments("line one\nline two\r\n").encoding == "GSM-7"


@pytest.mark.parametrize(
    ("length", "segments"), [(70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)]
)
def test_ucs2_fits_70_alone_and_67_per_concatenated_segment(length: int, segments: int) -> None:
    text = "õ" + "a" * (length - 1)
    assert count_segments(text) == SegmentCount("UCS-2", segments, length)
    assert fits(text) == (segments <= 3)


def test_chinese_text_is_ucs2() -> None:
    assert count_segments("你好" * 35) == SegmentCount("UCS-2", 1, 70)
    assert count_segments("你好" * 35 + "。") == SegmentCount("UCS-2", 2, 71)
    assert fits("排" * 201)
    assert not fits("排" * 202)


def test_emoji_count_as_two_utf16_units() -> None:
    assert count_segments("😀") == SegmentCount("UCS-2", 1, 2)
    assert count_segments("a" * 68 + "😀") == SegmentCount("UCS-2", 1, 70)
    assert count_segments("a" * 69 + "😀") == SegmentCount("UCS-2", 2, 71)


def test_surrogate_pair_is_never_split_across_segments() -> None:
    # 134 units would be 2 segments, but the emoji cannot straddle the 67-unit boundary.
    text = "a" * 66 + "😀" + "a" * 66
    assert count_segments(text) == SegmentCount("UCS-2", 3, 134)


def test_fold_to_gsm7_drops_only_the_accents_gsm7_lacks() -> None:
    assert fold_to_gsm7("Tõnismäe Pública Ñuñoa Crème") == "Tonismäe Publica Ñuñoa Crème"
    assert fold_to_gsm7("“Desk 2” – it’s here…") == '"Desk 2" - it\'s here...'
    assert fold_to_gsm7("2:35\u202fPM") == "2:35 PM"


def test_fold_to_gsm7_leaves_what_has_no_gsm7_spelling() -> None:
    assert fold_to_gsm7("上海 😀") == "上海 😀"
