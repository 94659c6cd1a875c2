"""Complaint texts as sets of hashed shingles and their MinHash band keys (:mod:`models.similarity` uses them).

A text is read as the router reads it (:func:`models.text.token_runs` and :func:`models.text.words_of_run`:
repair, masking, lower case, slang expanded), stopwords dropped, and each word hashed with CRC-32. Its
*shingles* are those word hashes and the hashes of each pair of adjacent words. MinHash signatures of the
shingle sets are computed for a whole chunk at once with numpy, and cut into band keys for
locality-sensitive hashing. Everything is deterministic (CRC-32, a fixed seed): the same text gives the
same keys in every process, so keys can be stored and looked up anywhere.

:func:`prepare` does all of this for a chunk of texts without any index, so that it can run in the worker
processes that route the chunk, leaving only the ordered look-ups to the process that writes.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import numpy as np

from models.caches import CACHE_SIZE
from models.text import load_stopwords, token_runs, words_of_run

__all__ = [
    "Prepared",
    "band_keys",
    "content_hashes",
    "jaccard",
    "pair_hash",
    "prepare",
    "prepare_words",
    "shingles",
    "signatures",
    "word_hash",
]

_SEED = 1212
# The hash of a pair of adjacent words, (h1 * _PAIR_MULT + h2) mod 2**32 ^ _PAIR_SALT, on CRC-32 word hashes.
_PAIR_MULT = 0x9E3779B1
_PAIR_SALT = 0x5BD1E995
_MASK32 = 0xFFFFFFFF
_MASK32_U64 = np.uint64(_MASK32)
_BAND_MULT = np.uint64(0xBF58476D1CE4E5B9)


def word_hash(word: str) -> int:
    return zlib.crc32(word.encode("utf-8"))


def pair_hash(first: int, second: int) -> int:
    """The shingle of two adjacent words from their :func:`word_hash` (what :func:`prepare` computes in numpy)."""
    return ((first * _PAIR_MULT + second) & _MASK32) ^ _PAIR_SALT


@lru_cache(maxsize=CACHE_SIZE)
def _run_hashes(run: str) -> tuple[int, ...]:
    """Hashes of the content words of one piece of :func:`models.text.token_runs` (cached: the same few
    thousand pieces make up most complaints)."""
    stopwords = load_stopwords()
    return tuple(word_hash(w) for w in words_of_run(run) if w not in stopwords)


def content_hashes(text: str) -> list[int]:
    """CRC-32 hashes of the words of a complaint as the router reads them (normalised, masked, lower case,
    slang expanded), stopwords dropped, in order."""
    return list(chain.from_iterable(map(_run_hashes, token_runs(text))))


def _params(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(_SEED)
    a = rng.integers(0, 2**32, size=num_perm, dtype=np.uint64).astype(np.uint32) | np.uint32(1)
    b = rng.integers(0, 2**32, size=num_perm, dtype=np.uint64).astype(np.uint32)
    return a, b


@lru_cache(maxsize=8)
def _cached_params(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    return _params(num_perm)


def shingles(hashes: Sequence[int]) -> tuple[set[int], set[int]]:
    """The shingles of one text (:func:`content_hashes`) as 32-bit hashes: the pairs of adjacent words, and
    the words together with the pairs."""
    words = np.asarray(hashes, dtype=np.uint32)
    pair_keys, both_keys = _shingle_keys(words, np.asarray([len(words)], dtype=np.int64))
    return set((pair_keys & _MASK32_U64).tolist()), set((both_keys & _MASK32_U64).tolist())


def _shingle_keys(words: np.ndarray, word_ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct pair shingles and the distinct shingles (words and pairs) of many texts, in one numpy pass:
    ``words`` the content-word hashes of all texts one after another, text ``i`` ending at ``word_ends[i]``.
    Each shingle is returned as ``(i << 32) | hash``, sorted, so the shingles of a text are one run."""
    counts = np.diff(word_ends, prepend=0)
    text = np.repeat(np.arange(len(word_ends), dtype=np.uint64), counts) << np.uint64(32)
    flat = words.astype(np.uint64)
    pairs = ((flat[:-1] * np.uint64(_PAIR_MULT) + flat[1:]) & _MASK32_U64) ^ np.uint64(_PAIR_SALT)
    inside = text[:-1] == text[1:]  # a pair does not span two texts
    pair_keys = _distinct(text[:-1][inside] | pairs[inside])
    return pair_keys, _distinct(np.concatenate([pair_keys, text | flat]))


def _distinct(keys: np.ndarray) -> np.ndarray:
    """The sorted distinct values of ``keys`` (what ``np.unique`` gives; a sort and a mask are several times
    faster than its hash table on these arrays of random 64-bit keys)."""
    keys = np.sort(keys)
    keep = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=keep[1:])
    return keys[keep]


def _split(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The hashes of :func:`_shingle_keys` keys as uint32, and where each of the ``n`` texts ends."""
    ends = np.cumsum(np.bincount((keys >> np.uint64(32)).astype(np.int64), minlength=n), dtype=np.int64)
    return (keys & _MASK32_U64).astype(np.uint32), ends


def signatures(sets: Sequence[Collection[int]], num_perm: int) -> np.ndarray:
    """MinHash signatures (``len(sets)`` x ``num_perm``, uint32) of uint32 hash sets, one numpy pass over
    all of them (:func:`_signatures`)."""
    lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    values = np.fromiter(chain.from_iterable(sets), dtype=np.uint32, count=int(lengths.sum()))
    return _signatures(values, np.cumsum(lengths), num_perm)


def _signatures(values: np.ndarray, ends: np.ndarray, num_perm: int) -> np.ndarray:
    """MinHash signatures of sets given flat: set ``i`` is ``values[ends[i-1]:ends[i]]`` (distinct uint32).
    A hash ``x`` is permuted by ``(a x + b) mod 2**32`` (``a`` odd: a bijection), which is enough for
    values that are themselves CRC-32 hashes and costs half of 64-bit arithmetic. An empty set gets the
    all-ones signature (it matches nothing: its band keys are never looked up)."""
    lengths = np.diff(ends, prepend=0)
    out = np.full((len(lengths), num_perm), 0xFFFFFFFF, dtype=np.uint32)
    filled = np.flatnonzero(lengths)
    if not len(filled):
        return out
    a, b = _cached_params(num_perm)
    ends = ends[filled]
    starts = ends - lengths[filled]
    budget = max(1, 2**19 // num_perm)  # hash values per block: the block matrix stays ~2 MB
    minima = np.empty((len(filled), num_perm), dtype=np.uint32)
    row = 0
    while row < len(filled):  # blocks of whole sets, so that reduceat sees each set inside one block
        stop = max(row + 1, int(np.searchsorted(ends, starts[row] + budget, side="right")))
        first, last = int(starts[row]), int(ends[stop - 1])
        block = values[first:last, None] * a[None, :]
        block += b[None, :]
        minima[row:stop] = np.minimum.reduceat(block, starts[row:stop] - first, axis=0)
        row = stop
    out[filled] = minima
    return out


def band_keys(signature: np.ndarray, rows_per_band: int) -> np.ndarray:
    """One int64 key per band of each signature (``n`` x ``bands``); the band number is part of the key."""
    n, num_perm = signature.shape
    bands = num_perm // rows_per_band
    grouped = signature[:, : bands * rows_per_band].reshape(n, bands, rows_per_band).astype(np.uint64)
    keys = np.broadcast_to(np.arange(bands, dtype=np.uint64) + np.uint64(1), (n, bands)).copy()
    for r in range(rows_per_band):
        keys = keys * _BAND_MULT + grouped[:, :, r]
    return keys.view(np.int64)


def jaccard(a: set[int], b: Collection[int]) -> float:
    """Exact Jaccard similarity of a set and a collection of distinct values (0 when either is empty)."""
    if not a or not b:
        return 0.0
    shared = len(a.intersection(b))
    return shared / (len(a) + len(b) - shared)


@dataclass(frozen=True)
class Prepared:
    """What the index needs of a chunk of texts, as flat arrays (cheap to send between processes): per text
    ``i``, its content-word hashes ``words[word_ends[i-1]:word_ends[i]]``, its distinct pair shingles
    ``pairs[...pair_ends...]``, its distinct shingles ``shingles[...shingle_ends...]`` and its band keys
    ``keys[i]``."""

    words: np.ndarray
    word_ends: np.ndarray
    pairs: np.ndarray
    pair_ends: np.ndarray
    shingles: np.ndarray
    shingle_ends: np.ndarray
    keys: np.ndarray

    def __len__(self) -> int:
        return len(self.word_ends)

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Words, pairs and shingles of text ``i`` (views, not copies)."""
        return (
            self.words[self.word_ends[i - 1] if i else 0 : self.word_ends[i]],
            self.pairs[self.pair_ends[i - 1] if i else 0 : self.pair_ends[i]],
            self.shingles[self.shingle_ends[i - 1] if i else 0 : self.shingle_ends[i]],
        )


def prepare(texts: Sequence[str], bands: int, rows_per_band: int) -> Prepared:
    """Content-word hashes, shingles and band keys of ``texts`` (``bands`` x ``rows_per_band`` MinHash
    values each)."""
    hashes = [content_hashes(text) for text in texts]
    ends = np.cumsum([len(h) for h in hashes], dtype=np.int64)
    words = np.fromiter(chain.from_iterable(hashes), dtype=np.uint32, count=int(ends[-1]) if len(ends) else 0)
    return prepare_words(words, ends, bands, rows_per_band)


def prepare_words(words: np.ndarray, word_ends: np.ndarray, bands: int, rows_per_band: int) -> Prepared:
    """:func:`prepare` of texts whose content-word hashes are known already (the router has read them:
    :meth:`models.tokentable.ReadChunk.content_words`): ``words`` (uint32) of all texts one after another,
    text ``i`` ending at ``word_ends[i]``."""
    words = np.asarray(words, dtype=np.uint32)
    word_ends = np.asarray(word_ends, dtype=np.int64)
    n = len(word_ends)
    pair_keys, both_keys = _shingle_keys(words, word_ends)
    pairs, pair_ends = _split(pair_keys, n)
    both, both_ends = _split(both_keys, n)
    keys = band_keys(_signatures(both, both_ends, bands * rows_per_band), rows_per_band)
    return Prepared(words, word_ends, pairs, pair_ends, both, both_ends, keys)
