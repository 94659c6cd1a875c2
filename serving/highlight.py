"""Marking the words that drove a suggestion in the (masked) complaint, for the admin page.

:func:`highlight` cuts a text into :class:`Segment` pieces, each plain or marked as an OPD term or an
urgency cue. The template escapes every piece, so marking never lets markup through. OPD terms are
whole words (case-insensitive); an urgency cue is a phrase of the normalised text, matched with any
punctuation or spaces between its words. A term the model saw only after slang expansion (``gak`` read
as ``tidak``) has no surface form in the text and is simply not marked; the page lists it anyway.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["Segment", "highlight"]

Kind = Literal["opd", "urgency"]


@dataclass(frozen=True)
class Segment:
    text: str
    kind: Kind | None = None


def _word_pattern(term: str) -> re.Pattern[str] | None:
    words = re.findall(r"\w+", term)
    if not words:
        return None
    return re.compile(r"(?<!\w)" + r"\W+".join(re.escape(w) for w in words) + r"(?!\w)", re.IGNORECASE)


def highlight(text: str, opd_terms: Sequence[str], urgency_cues: Sequence[str]) -> list[Segment]:
    """``text`` cut into plain and marked segments; cues win where they overlap OPD terms."""
    marks: list[Kind | None] = [None] * len(text)
    passes: tuple[tuple[Kind, Sequence[str]], ...] = (("opd", opd_terms), ("urgency", urgency_cues))
    for kind, terms in passes:
        for term in terms:
            pattern = _word_pattern(term)
            if pattern is None:
                continue
            for match in pattern.finditer(text):
                for i in range(match.start(), match.end()):
                    marks[i] = kind
    segments: list[Segment] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or marks[i] != marks[start]:
            segments.append(Segment(text[start:i], marks[start]))
            start = i
    return segments
