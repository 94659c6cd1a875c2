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

__all__ = ["Prepared", "band_keys", "content_hashes", "jaccard", "prepare", "shingles", "signatures", "word_hash"]

_SEED = 1212
# The hash of a pair of adjacent words, (h1 * _PAIR_MULT + h2) mod 2**32 ^ _PAIR_SALT, on CRC-32 word hashes.
_PAIR_MULT = 0x9E3779B1
_PAIR_SALT = 0x5BD1E995
_MASK32 = 0xFFFFFFFF
_BAND_MULT = np.uint64(0xBF58476D1CE4E5B9)


def word_hash(word: str) -> int:
    return zlib.crc32(word.encode("utf-8"))


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
    return _chunk_shingles([list(hashes)])[0]


def _chunk_shingles(texts: Sequence[list[int]]) -> list[tuple[set[int], set[int]]]:
    """:func:`shingles` of many texts, the pair hashes computed in one numpy pass."""
    lengths = [len(h) for h in texts]
    flat = np.fromiter(chain.from_iterable(texts), dtype=np.uint64, count=sum(lengths))
    pairs = ((flat[:-1] * np.uint64(_PAIR_MULT) + flat[1:]) & np.uint64(_MASK32)) ^ np.uint64(_PAIR_SALT)
    out: list[tuple[set[int], set[int]]] = []
    start = 0
    for hashes, length in zip(texts, lengths, strict=True):
        own = set(pairs[start : start + length - 1].tolist()) if length > 1 else set()
        out.append((own, own.union(hashes)))
        start += length
    return out


def signatures(sets: Sequence[Collection[int]], num_perm: int) -> np.ndarray:
    """MinHash signatures (``len(sets)`` x ``num_perm``, uint32) of uint32 hash sets, one numpy pass over
    all of them. A hash ``x`` is permuted by ``(a x + b) mod 2**32`` (``a`` odd: a bijection), which is
    enough for values that are themselves CRC-32 hashes and costs half of 64-bit arithmetic. An empty set
    gets the all-ones signature (it matches nothing: its band keys are never looked up)."""
    out = np.full((len(sets), num_perm), 0xFFFFFFFF, dtype=np.uint32)
    lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    filled = np.flatnonzero(lengths)
    if not len(filled):
        return out
    a, b = _cached_params(num_perm)
    values = np.fromiter(chain.from_iterable(sets), dtype=np.uint32, count=int(lengths.sum()))
    ends = np.cumsum(lengths[filled])
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


def _flat(groups: Sequence[Collection[int]]) -> tuple[np.ndarray, np.ndarray]:
    ends = np.cumsum([len(g) for g in groups], dtype=np.int64)
    total = int(ends[-1]) if len(ends) else 0
    return np.fromiter(chain.from_iterable(groups), dtype=np.uint32, count=total), ends


def prepare(texts: Sequence[str], bands: int, rows_per_band: int) -> Prepared:
    """Content-word hashes, shingles and band keys of ``texts`` (``bands`` x ``rows_per_band`` MinHash
    values each)."""
    words = [content_hashes(text) for text in texts]
    sets = _chunk_shingles(words)
    keys = band_keys(signatures([both for _, both in sets], bands * rows_per_band), rows_per_band)
    flat_words, word_ends = _flat(words)
    flat_pairs, pair_ends = _flat([pairs for pairs, _ in sets])
    flat_both, both_ends = _flat([both for _, both in sets])
    return Prepared(flat_words, word_ends, flat_pairs, pair_ends, flat_both, both_ends, keys)
