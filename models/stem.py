"""PySastrawi stemming behind a bounded per-word cache, with the team's exception list.

The Sastrawi dictionary (about 30,000 root words) is built once per process by
:func:`sastrawi_stemmer`, never stored on an estimator, so artifacts do not carry it.
``resources/stem_exceptions.tsv`` fixes domain words that Sastrawi breaks
(``pengaduan`` -> ``adu``, ``kecamatan`` -> ``camat``, ``bekasi`` -> ``bekas``).

Sastrawi is the one costly step per unseen word (about 0.25 ms each), so it is where a caller's CPU budget is
enforced: inside ``with analysis_budget(seconds):`` a word that would be stemmed after the thread has spent
``seconds`` of CPU time in that block raises :class:`AnalysisBudgetError`. A text of 20,000 characters of
distinct made-up words otherwise holds a worker for about half a second, and a batch of them for minutes.
Words longer than :data:`MAX_STEM_CHARS` (no Indonesian word is; they are glued or junk tokens) are not stemmed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = [
    "MAX_STEM_CHARS",
    "STEM_CACHE_SIZE",
    "AnalysisBudgetError",
    "analysis_budget",
    "load_exceptions",
    "sastrawi_stemmer",
    "stem_word",
]

STEM_CACHE_SIZE = 200_000
# "mempertanggungjawabkannya", among the longest Indonesian words, has 25 letters.
MAX_STEM_CHARS = 40
# Particles and possessives that follow a whole word (Sastrawi removes them first, as here).
_PARTICLES = ("nya", "lah", "kah", "tah", "pun", "ku", "mu")

# (thread CPU time at which the budget runs out, the budget in seconds); None outside analysis_budget.
_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar("disposisi_analysis_deadline", default=None)


class AnalysisBudgetError(ValueError):
    """Analysing a request's texts took more CPU time than its budget allows."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"analysing this request took more than {seconds:g} s of CPU time (it holds too many distinct "
            "unknown words); send shorter texts or fewer at a time"
        )
        self.seconds = seconds


@contextmanager
def analysis_budget(seconds: float | None) -> Iterator[None]:
    """Within the block, stemming on this thread stops with :class:`AnalysisBudgetError` once the thread
    has used ``seconds`` of CPU time; ``None`` or 0 means no budget."""
    if not seconds:
        yield
        return
    token = _DEADLINE.set((time.thread_time() + seconds, seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _check_budget() -> None:
    deadline = _DEADLINE.get()
    if deadline is not None and time.thread_time() > deadline[0]:
        raise AnalysisBudgetError(deadline[1])


@lru_cache(maxsize=1)
def sastrawi_stemmer() -> Any:
    """The uncached Sastrawi stemmer (dictionary loaded once per process)."""
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer().delegatedStemmer


@lru_cache(maxsize=1)
def load_exceptions() -> dict[str, str]:
    """Word -> stem overrides written by the team."""
    body = resources.files("models.resources").joinpath("stem_exceptions.tsv").read_text(encoding="utf-8")
    table: dict[str, str] = {}
    for line in body.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, _, stem = line.partition("\t")
        table[word.strip()] = (stem or word).strip()
    return table


@lru_cache(maxsize=STEM_CACHE_SIZE)
def stem_word(word: str) -> str:
    """Stem of one lower-case token (hyphenated forms such as ``buku-buku`` included); placeholders, short and
    overlong words and exceptions pass through.

    Only a word that reaches Sastrawi is checked against the budget of :func:`analysis_budget` (a cached
    word costs nothing), and a refused word is not cached."""
    if len(word) <= 3 or len(word) > MAX_STEM_CHARS or word.startswith("_") or not word.replace("-", "").isalpha():
        return word
    exceptions = load_exceptions()
    if word in exceptions:
        return exceptions[word]
    for particle in _PARTICLES:  # bantuannya, perbaikanlah: the exception of the word before the particle
        if word.endswith(particle) and word[: -len(particle)] in exceptions:
            return exceptions[word[: -len(particle)]]
    _check_budget()
    return str(sastrawi_stemmer().stem_word(word)) or word
