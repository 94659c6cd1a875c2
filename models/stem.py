"""PySastrawi stemming behind a bounded per-word cache, with the team's exception list.

The Sastrawi dictionary (about 30,000 root words) is built once per process by
:func:`sastrawi_stemmer`, never stored on an estimator, so artifacts do not carry it.
``resources/stem_exceptions.tsv`` fixes domain words that Sastrawi breaks
(``pengaduan`` -> ``adu``, ``kecamatan`` -> ``camat``, ``bekasi`` -> ``bekas``).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from models.caches import CACHE_SIZE

__all__ = ["STEM_CACHE_SIZE", "load_exceptions", "sastrawi_stemmer", "stem_word"]

STEM_CACHE_SIZE = CACHE_SIZE


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
    """Stem of one lower-case token; placeholders, short words and exceptions pass through."""
    if len(word) <= 3 or word.startswith("_") or not word.isalpha():
        return word
    exceptions = load_exceptions()
    if word in exceptions:
        return exceptions[word]
    return str(sastrawi_stemmer().stem_word(word)) or word
