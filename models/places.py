"""Where a complaint is: its place (the kelurahan or kecamatan the citizen gave, else a street named in the
text) and, within a place, its spot (the streets and house numbers the text names).

:func:`place_of` groups complaints for the related rule of :mod:`models.similarity`; :func:`other_spot` tells
two complaints of one place apart when both name where they are and the names do not meet. Streets are read from
the content-word hashes (:func:`models.minhash.content_hashes`); house numbers from the raw text, as numbers are
not content words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from models.minhash import pair_hash, word_hash

__all__ = ["NO_SPOT", "Spot", "field_place", "house_numbers", "other_spot", "place_of", "street_positions", "streets"]

_STREET_WORDS = frozenset({"jalan", "jl", "jln", "gang", "gg"})
# Words that open a street name without naming it ("jalan raya darmo"): the next word is taken too.
_STREET_PREFIXES = frozenset(
    {"raya", "kampung", "kh", "dr", "ir", "kolonel", "mayjen", "mayjend", "jenderal", "jendral", "jend", "letjen"}
    | {"letjend"}
)
# Words after a street's name that make it another street ("ngagel jaya", "ngagel timur"; "sidotopo lor").
_STREET_QUALIFIERS = frozenset(
    {"utara", "selatan", "timur", "barat", "tengah", "lor", "kidul", "wetan", "kulon", "dalam", "luar"}
    | {"jaya", "baru", "indah", "tama", "permai", "asri"}
)
# "no", "nomor" or "nmr" as a word (any case), then a number of at most four digits. Spelled without \b before and
# without re.IGNORECASE so that the search skips ahead to each n: a third of the time over long texts.
_HOUSE_NUMBER_RE = re.compile(r"[nN](?<!\w[nN])(?:[oO]|[oO][mM][oO][rR]|[mM][rR])\b\.?\s*:?\s*(\d{1,4})(?!\d)")
_NOT_PLACE_RE = re.compile(r"[^a-z0-9]+")

_STREET_HASHES = frozenset(map(word_hash, _STREET_WORDS))
_STREET_ARRAY = np.array(sorted(_STREET_HASHES), dtype=np.uint32)
_QUALIFIER_HASHES = frozenset(map(word_hash, _STREET_QUALIFIERS))
_STREET_PREFIX_HASHES = frozenset(map(word_hash, _STREET_PREFIXES))

# The spot a text names: the streets (:func:`streets`) and the house numbers (:func:`house_numbers`), each a
# sorted tuple (a few ints; smaller to remember than a set: the index keeps one per remembered complaint).
Spot = tuple[tuple[int, ...], tuple[int, ...]]
NO_SPOT: Spot = ((), ())


def _street(hashes: Sequence[int]) -> str | None:
    """The street named in a text (the word after jalan/jl/gang, two when the first is a title such as
    "raya"), as the hashes of its words; ``None`` when the text names none."""
    for i, word in enumerate(hashes[:-1]):
        if word in _STREET_HASHES:
            name = hashes[i + 1 : i + 3] if hashes[i + 1] in _STREET_PREFIX_HASHES else hashes[i + 1 : i + 2]
            return "-".join(map(str, name))
    return None


def streets(hashes: Sequence[int], common: frozenset[int], at: Sequence[int] | None = None) -> tuple[int, ...]:
    """Every street a text names (the words after jalan/jl/gang, titles such as "raya" skipped), each as one
    hash, sorted; empty when it names none. "jl darmo" and "jalan raya darmo" both name darmo; a direction or part
    after the name belongs to it ("sidotopo kidul" and "sidotopo lor" are two streets). A word that makes a
    common pair with the street word (``common``, :func:`models.similarity.load_common_pairs`: "jalan rusak",
    "penerangan jalan umum", "jalan ngagel") names a street only with such a qualifier after it ("jalan ngagel
    jaya"). ``at``: where the street words are in ``hashes``, when known (found here otherwise)."""
    names = set()
    if at is None:
        at = [i for i, word in enumerate(hashes) if word in _STREET_HASHES]
    for i in at:
        word = hashes[i]
        after = [name for name in hashes[i + 1 : i + 5] if name not in _STREET_PREFIX_HASHES]
        if not after or after[0] in _STREET_HASHES:
            continue
        qualified = len(after) > 1 and after[1] in _QUALIFIER_HASHES
        if qualified:
            names.add(pair_hash(after[0], after[1]))
        elif pair_hash(word, after[0]) not in common:
            names.add(after[0])
    return tuple(sorted(names))


def house_numbers(text: str) -> tuple[int, ...]:
    """The house numbers a text names ("no 12", "No.7", "nomor: 3a" -> 3, 7, 12), sorted, at most four digits
    (longer runs after "no" are phone or case numbers). Read from the raw text: numbers are not content words."""
    found = _HOUSE_NUMBER_RE.findall(text)
    return tuple(sorted({int(number) for number in found})) if found else ()


def other_spot(spot: Spot, other: Spot) -> bool:
    """Whether two texts name different spots of one place: both name a street and no street of one is a street
    of the other, or both name a house number and they share none."""
    return any(
        mine and theirs and not any(name in theirs for name in mine) for mine, theirs in zip(spot, other, strict=True)
    )


def place_of(kelurahan: Any = None, kecamatan: Any = None, hashes: Sequence[int] = ()) -> str | None:
    """The place of a complaint: the kelurahan the citizen gave, else the kecamatan, else a street named in
    the text (``hashes``: :func:`content_hashes` of it); ``None`` when nothing places it. Case and
    punctuation of the fields do not matter."""
    for value, prefix in ((kelurahan, "kel"), (kecamatan, "kec")):
        if isinstance(value, str):
            name = _NOT_PLACE_RE.sub(" ", value.lower()).strip()
            if name and name not in ("nan", "none", "-"):
                return f"{prefix}:{name}"
    street = _street(hashes)
    return f"jl:{street}" if street else None


@lru_cache(maxsize=4096)
def field_place(kelurahan: str | None, kecamatan: str | None) -> str | None:
    """:func:`place_of` the location fields alone (cached: a city has a few hundred kelurahan)."""
    return place_of(kelurahan, kecamatan)


def street_positions(words: np.ndarray, word_ends: np.ndarray) -> dict[int, list[int]]:
    """The texts of a chunk (``words`` of all texts one after another, text ``i`` ending at ``word_ends[i]``)
    that hold a street word, each with where they are among its words: one vectorised pass over the chunk, so
    that only these texts are read again by :func:`streets`."""
    hits = np.flatnonzero(np.isin(words, _STREET_ARRAY))
    owners = np.searchsorted(word_ends, hits, side="right")
    starts = np.concatenate(([0], word_ends))[owners]
    named: dict[int, list[int]] = {}
    for owner, position in zip(owners.tolist(), (hits - starts).tolist(), strict=True):
        named.setdefault(owner, []).append(position)
    return named
