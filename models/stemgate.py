"""A cheap, exact test of whether a new word *can* stem to one of a fitted model's stems.

Stemming a word the model has never seen is the costly step of reading a complaint (PySastrawi tries
dozens of prefix rules, about 0.3-0.5 ms a word), yet in prediction a stem only matters when it has a
column: any other stem is "unknown" to the features. :class:`KnownStemGate` answers, without stemming,
"can ``stem_word(word)`` be one of these stems?"; when it says no, the table records the word's stem as
unknown without calling PySastrawi, and the features are the same as if it had.

Why the test is exact (it may say yes for nothing, never no for a word that reaches a known stem):
:func:`models.stem.stem_word` returns the word itself, a team exception, or PySastrawi's result; for a word
without a hyphen PySastrawi (Enhanced Confix Stripping, ``Sastrawi.Stemmer.Context``) returns the word itself
or a dictionary root that it reached by cutting, from the end, a derivational suffix (``i``, ``kan``,
``an``, ``is``, ``isme``, ``isasi``), a possessive (``ku``, ``mu``, ``nya``) and a particle (``lah``,
``kah``, ``tah``, ``pun``), each optional, in that order from the inside (the "loop pengembalian akhiran"
puts back ``kan`` or ``k``, which is again such a cut), and up to three prefixes from the front, where each
prefix rule keeps an end of the word and may put one letter before it (``meny-apu`` -> ``sapu``,
``mem-akai`` -> ``pakai``) or keeps a longer end that was already in the word (``menyala`` -> ``nyala``,
``belajar`` -> ``ajar``); the infix rules (``gemetar`` -> ``getar``) keep the first letter and an end. So
a root ``r`` reached from ``word`` is the word with one such suffix combination cut off, or, when the word
starts as some prefix or infix rule requires, ``r[1:]`` is an end of it at least two letters shorter.
Hyphenated words (PySastrawi's plurals) are always let through.
``tests/models/test_stemgate.py`` holds the claim against PySastrawi itself on every word of the corpora.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import product

from models.stem import load_exceptions, sastrawi_stemmer

__all__ = ["SUFFIX_CUTS", "KnownStemGate"]

_DERIVATIONAL = ("", "i", "kan", "an", "is", "isme", "isasi")
_POSSESSIVE = ("", "ku", "mu", "nya")
_PARTICLE = ("", "lah", "kah", "tah", "pun")
# Every suffix combination PySastrawi can cut from the end of a word, longest first.
SUFFIX_CUTS: tuple[str, ...] = tuple(
    sorted({d + p + q for d, p, q in product(_DERIVATIONAL, _POSSESSIVE, _PARTICLE)}, key=len, reverse=True)
)
_PARTICLES = ("nya", "lah", "kah", "tah", "pun", "ku", "mu")  # as models.stem reads exceptions
# How a word starts when a prefix rule of Sastrawi.Morphology.Disambiguator (or RemovePlainPrefix) can fire:
# the rules match ^be ^ber ^di ^ke ^se ^te ^ter ^me.. ^pe.. ^ku ^kau, and the infix rules 37-40 ^C(el|em|er|in)V.
_PREFIX_STARTS = ("be", "di", "ke", "se", "te", "me", "pe", "ku", "ka")
_INFIX = re.compile(r"[bcdfghjklmnpqrstvwxyz](?:el|em|er|in)[aiueo]")


class KnownStemGate:
    """Whether a word may stem to one of ``stems`` (see the module docstring); built once per token table."""

    def __init__(self, stems: Iterable[str]) -> None:
        self.stems = frozenset(stems)
        dictionary = sastrawi_stemmer().dictionary
        # The ends ``r[1:]`` of the known stems PySastrawi can return as roots, by length.
        tails: dict[int, set[str]] = {}
        for stem in self.stems:
            if dictionary.contains(stem):
                tails.setdefault(len(stem) - 1, set()).add(stem[1:])
        self._roots = frozenset(stem for stem in self.stems if dictionary.contains(stem))
        self._tails = {length: frozenset(ends) for length, ends in tails.items()}
        self._lengths = tuple(sorted(self._tails))
        self._exceptions = load_exceptions()

    def may_reach(self, word: str) -> bool:
        """False only if ``stem_word(word)`` is certainly not one of the gate's stems."""
        if word in self.stems or "-" in word or word in self._exceptions:
            return True
        if any(word.endswith(p) and word[: -len(p)] in self._exceptions for p in _PARTICLES):
            return True
        tails, lengths, roots = self._tails, self._lengths, self._roots
        front = word.startswith(_PREFIX_STARTS) or _INFIX.match(word) is not None
        for cut in SUFFIX_CUTS:
            if not word.endswith(cut):
                continue
            middle = word[: len(word) - len(cut)]
            if middle in roots:  # only suffixes cut
                return True
            if not front:  # no prefix or infix rule can fire on this word
                continue
            longest = len(middle) - 2  # a prefix rule takes two letters or more and gives back at most one
            for length in lengths:
                if length > longest:
                    break
                if middle[len(middle) - length :] in tails[length]:
                    return True
        return False
