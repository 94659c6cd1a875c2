"""Marking OPD terms and urgency cues in the masked complaint."""

from __future__ import annotations

import pytest

from serving.highlight import Segment, highlight


def _marked(segments: list[Segment]) -> list[tuple[str, str | None]]:
    return [(s.text, s.kind) for s in segments if s.kind]


def test_segments_put_back_together_give_the_text() -> None:
    text = "Jalan rusak, banyak lubang! Motor jatuh kemarin."
    segments = highlight(text, ["jalan", "rusak"], ["lubang motor jatuh"])
    assert "".join(s.text for s in segments) == text


@pytest.mark.parametrize(
    ("text", "terms", "cues", "expected"),
    [
        ("Jalan RUSAK parah", ["jalan", "rusak"], [], [("Jalan", "opd"), ("RUSAK", "opd")]),
        ("jalanan rusak", ["jalan"], [], [("jalanan", "opd")]),  # same stem as the term
        ("banyak lubang, motor jatuh", [], ["lubang motor jatuh"], [("lubang, motor jatuh", "urgency")]),
        ("banjir masuk rumah", ["banjir"], ["banjir masuk rumah"], [("banjir masuk rumah", "urgency")]),
        ("air tidak mengalir", ["tidak"], [], [("tidak", "opd")]),
        ("gak ada air", ["tidak"], [], [("gak", "opd")]),
        ("Anak kesetrum di jl. Mawar.", ["setrum", "jalan"], [], [("kesetrum", "opd"), ("jl.", "opd")]),
        ("Jalannya rusak.", ["rusak"], [], [("rusak", "opd")]),
        ("naik angkot.", ["angkutan"], [], [("angkot", "opd")]),
        ("kabel PLN putus, anak kesetrum!", [], ["tersetrum"], [("kesetrum", "urgency")]),
        ("banyak lubang di jl. raya, motor jatuh", [], ["lubang di jalan raya"], [("lubang di jl. raya", "urgency")]),
        ("telp [TELEPON] segera", ["telepon"], [], [("TELEPON", "opd")]),
        ("a.b (c)", ["(c)", "..."], [], [("c", "opd")]),
    ],
)
def test_highlight_marks_whole_words_and_cue_phrases(
    text: str, terms: list[str], cues: list[str], expected: list[tuple[str, str]]
) -> None:
    assert _marked(highlight(text, terms, cues)) == expected


def test_highlight_of_empty_text_is_empty() -> None:
    assert highlight("", ["jalan"], ["banjir"]) == []
