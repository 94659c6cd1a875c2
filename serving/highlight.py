"""Marking the words that drove a suggestion in the (masked) complaint, in the citizen's own spelling.

:func:`highlight` cuts a text into :class:`Segment` pieces, each plain or marked as an OPD term or an urgency
cue. The template escapes every piece, so marking never lets markup through.

The model explains itself in standard words (``gak`` read as ``tidak``, ``jl.`` as ``jalan``), and its danger
cues are phrases of the slang-expanded text. To mark what the citizen typed, each whitespace-separated piece of
the text goes through the model's own tokenizer (:func:`models.text.token_runs`, :func:`~models.text.words_of_run`)
and is marked when one of the standard words it became is an OPD term (or has the stem of one: the term
``setrum`` marks ``kesetrum``), or when its words are part of a cue phrase
(a cue spanning several pieces marks them and what lies between). An OPD term that appears as a word of the text
is marked too (the ``[TELEPON]`` placeholder's word, for instance).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Literal

from models.stem import stem_word
from models.text import standard_form, token_runs, words_of_run

__all__ = ["Segment", "highlight"]

Kind = Literal["opd", "urgency"]

_PIECE_RE = re.compile(r"\S+")
_ABBREVIATION = 3  # letters of an abbreviation like "jl." or "gg." whose dot is part of it
_EDGE_PUNCTUATION = ",;:!?()[]{}\"'“”‘’"


@dataclass(frozen=True)
class Segment:
    text: str
    kind: Kind | None = None


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    words: tuple[str, ...]


def _word_pattern(term: str) -> re.Pattern[str] | None:
    words = re.findall(r"\w+", term)
    if not words:
        return None
    return re.compile(r"(?<!\w)" + r"\W+".join(re.escape(w) for w in words) + r"(?!\w)", re.IGNORECASE)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without surrounding punctuation; a final dot stays on a short abbreviation the slang table
    expands (``jl.``), and goes after any other word (``rusak.``, ``angkot.``)."""
    while start < end and text[start] in _EDGE_PUNCTUATION:
        start += 1
    while end > start and text[end - 1] in _EDGE_PUNCTUATION:
        end -= 1
    word = text[start:end]
    bare = word.rstrip(".")
    if bare != word and not (len(bare) <= _ABBREVIATION and standard_form(bare.lower()) != (bare.lower(),)):
        end = start + len(bare)
    return start, end


def _pieces(text: str) -> list[_Piece]:
    pieces = []
    for match in _PIECE_RE.finditer(text):
        words = tuple(chain.from_iterable(words_of_run(run) for run in token_runs(match.group(0))))
        if words:
            start, end = _trimmed(text, match.start(), match.end())
            if start < end:
                pieces.append(_Piece(start, end, words))
    return pieces


def _cue_spans(pieces: Sequence[_Piece], cue: str) -> list[tuple[int, int]]:
    """Character spans of ``pieces`` whose words, in a row, hold the cue's words in a row."""
    wanted = re.findall(r"\w+", cue.lower())
    if not wanted:
        return []
    owner = [i for i, piece in enumerate(pieces) for _ in piece.words]
    words = [word for piece in pieces for word in piece.words]
    spans = []
    for i in range(len(words) - len(wanted) + 1):
        if words[i : i + len(wanted)] == wanted:
            first, last = pieces[owner[i]], pieces[owner[i + len(wanted) - 1]]
            spans.append((first.start, last.end))
    return spans


def highlight(text: str, opd_terms: Sequence[str], urgency_cues: Sequence[str]) -> list[Segment]:
    """``text`` cut into plain and marked segments; cues win where they overlap OPD terms."""
    marks: list[Kind | None] = [None] * len(text)

    def mark(start: int, end: int, kind: Kind) -> None:
        marks[start:end] = [kind] * (end - start)

    pieces = _pieces(text)
    terms = {t.lower() for t in opd_terms}
    stems = {stem_word(t) for t in terms}
    for piece in pieces:
        if terms.intersection(piece.words) or stems.intersection(map(stem_word, piece.words)):
            mark(piece.start, piece.end, "opd")
    for term in opd_terms:
        pattern = _word_pattern(term)
        for match in pattern.finditer(text) if pattern else ():
            mark(match.start(), match.end(), "opd")
    for cue in urgency_cues:
        for start, end in _cue_spans(pieces, cue):
            mark(start, end, "urgency")
        pattern = _word_pattern(cue)
        for match in pattern.finditer(text) if pattern else ():
            mark(match.start(), match.end(), "urgency")
    segments: list[Segment] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or marks[i] != marks[start]:
            segments.append(Segment(text[start:i], marks[start]))
            start = i
    return segments
