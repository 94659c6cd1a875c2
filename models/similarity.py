"""Duplicate and related complaints: which earlier complaint a new one repeats, how strongly, and how.

Two kinds of match, both against complaints seen *earlier* (in input order):

- ``ulang`` (a re-submission): the same complaint sent again, re-worded a little (slang, typos, a greeting
  dropped, a sentence added or cut, other spacing or case). The text is read as the router reads it
  (:func:`models.text.normalise` and :func:`models.text.tokenize`: repair, masking, lower case, slang expanded;
  stopwords dropped), cut into *shingles* (the words and the pairs of adjacent words), and two complaints are
  compared by the Jaccard similarity of their shingle sets. Candidates come from MinHash locality-sensitive
  hashing (``bands`` bands of ``rows_per_band`` hash minima each, vectorised with numpy over a chunk), and each
  candidate is verified by the exact Jaccard of its shingles: ``score >= resubmission_threshold``. Two
  complaints whose location fields name different places are never re-submissions of each other (short
  generic texts such as "jalan berlubang" are the same words about different streets).
- ``terkait`` (related): a different citizen about the same problem: the same place (the ``kelurahan`` or
  ``kecamatan`` the citizen gave, or else a street named in the text), the same predicted OPD, within
  ``window_days`` of each other when dates are known, and a shared topic: the overlap coefficient of their
  content words (shared words over the words of the shorter) is at least ``related_threshold``.

:class:`SimilarityIndex` is pure (no I/O) and bounded: it remembers at most ``max_rows`` complaints for
re-submissions (the oldest are forgotten first) and ``related_per_place`` per place and OPD among at most
``max_places`` places, so its memory stays flat whatever the number of complaints. The shingle hashes are
CRC-32 of the words and the MinHash parameters come from a fixed seed, so band keys are the same in every
process and can be stored (:func:`band_keys`).
"""

from __future__ import annotations

import re
import zlib
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from models.caches import CACHE_SIZE
from models.text import load_stopwords, normalise, tokenize

__all__ = [
    "KIND_RELATED",
    "KIND_RESUBMISSION",
    "Complaint",
    "Match",
    "SimilarityConfig",
    "SimilarityIndex",
    "band_keys",
    "jaccard",
    "place_of",
    "shingle_hashes",
    "signatures",
]

KIND_RESUBMISSION = "ulang"
KIND_RELATED = "terkait"
_SEED = 1212
_MASK32 = np.uint64(0xFFFFFFFF)
# Multiplier of the pair hash (a 64-bit odd constant, from splitmix64) and the salt of pair shingles.
_PAIR_MULT = np.uint64(0x9E3779B97F4A7C15)
_BAND_MULT = np.uint64(0xBF58476D1CE4E5B9)
_STREET_WORDS = frozenset({"jalan", "jl", "jln", "gang", "gg"})
# Words that open a street name without naming it ("jalan raya darmo"): the next word is taken too.
_STREET_PREFIXES = frozenset({"raya", "kampung", "kh", "dr", "ir", "mayjen", "jenderal", "letjen", "kolonel"})
_NOT_PLACE_RE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class SimilarityConfig:
    """Thresholds and bounds of the search (see the module docstring for what each means)."""

    resubmission_threshold: float = 0.4
    related_threshold: float = 0.5
    window_days: int = 14
    bands: int = 32
    rows_per_band: int = 2
    max_rows: int = 200_000
    related_per_place: int = 8
    max_places: int = 50_000

    def __post_init__(self) -> None:
        for name in ("resubmission_threshold", "related_threshold"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {value}")
        for name in ("bands", "rows_per_band", "max_rows", "related_per_place", "max_places"):
            value = getattr(self, name)
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        if self.window_days < 0:
            raise ValueError(f"window_days must be at least 0, got {self.window_days}")

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows_per_band


@dataclass(frozen=True)
class Complaint:
    """One complaint as the index sees it: its key (an id), text, and what places it (all optional)."""

    key: str
    text: str
    kelurahan: str | None = None
    kecamatan: str | None = None
    opd: str | None = None
    day: int | None = None  # days since any fixed origin (e.g. the Unix epoch)


@dataclass(frozen=True)
class Match:
    """The earlier complaint that one repeats: its key, the similarity (0-1) and the kind."""

    key: str
    score: float
    kind: str


@lru_cache(maxsize=CACHE_SIZE)
def _word_hash(word: str) -> int:
    return zlib.crc32(word.encode("utf-8"))


def _content_words(text: str) -> list[str]:
    stopwords = load_stopwords()
    return [w for w in tokenize(normalise(text)) if w not in stopwords]


def _street(words: Sequence[str]) -> str | None:
    """``jalan <name>`` (the word after jalan/jl/gang, two when the first is a title) named in the text."""
    for i, word in enumerate(words[:-1]):
        if word in _STREET_WORDS:
            name = words[i + 1 : i + 3] if words[i + 1] in _STREET_PREFIXES else words[i + 1 : i + 2]
            return "jalan " + " ".join(name)
    return None


def place_of(kelurahan: Any = None, kecamatan: Any = None, words: Sequence[str] = ()) -> str | None:
    """The place of a complaint: the kelurahan the citizen gave, else the kecamatan, else a street in the
    text (``words``: its tokens); ``None`` when nothing places it. Case and punctuation do not matter."""
    for value, prefix in ((kelurahan, "kel"), (kecamatan, "kec")):
        if isinstance(value, str):
            name = _NOT_PLACE_RE.sub(" ", value.lower()).strip()
            if name and name not in ("nan", "none", "-"):
                return f"{prefix}:{name}"
    street = _street(words)
    return f"jl:{street}" if street else None


def _params(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(_SEED)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    return a, b


@lru_cache(maxsize=8)
def _cached_params(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    return _params(num_perm)


def shingle_hashes(words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique uint32 hashes of the words, and of the words together with adjacent pairs."""
    if not words:
        empty = np.zeros(0, dtype=np.uint32)
        return empty, empty
    single = np.fromiter(map(_word_hash, words), dtype=np.uint64, count=len(words))
    pairs = (single[:-1] * _PAIR_MULT + single[1:]) & _MASK32
    both = np.unique(np.concatenate([single, pairs ^ np.uint64(0x5BD1E995)]).astype(np.uint32))
    return np.unique(single.astype(np.uint32)), both


def signatures(sets: Sequence[np.ndarray], num_perm: int) -> np.ndarray:
    """MinHash signatures (``len(sets)`` x ``num_perm``, uint32) of uint32 hash sets, one numpy pass over
    all of them. A hash ``x`` is permuted by multiply-shift, ``(a x + b) >> 32`` on 64 bits. An empty set
    gets the all-ones signature (it matches nothing: its band keys are never looked up)."""
    out = np.full((len(sets), num_perm), 0xFFFFFFFF, dtype=np.uint32)
    lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
    filled = np.flatnonzero(lengths)
    if not len(filled):
        return out
    a, b = _cached_params(num_perm)
    values = np.concatenate([sets[int(i)] for i in filled]).astype(np.uint64)
    ends = np.cumsum(lengths[filled])
    starts = ends - lengths[filled]
    budget = max(1, 2**20 // num_perm)  # hash values per block: the block matrix stays ~8 MB
    minima = np.empty((len(filled), num_perm), dtype=np.uint32)
    row = 0
    while row < len(filled):  # blocks of whole sets, so that reduceat sees each set inside one block
        stop = max(row + 1, int(np.searchsorted(ends, starts[row] + budget, side="right")))
        first, last = int(starts[row]), int(ends[stop - 1])
        block = ((values[first:last, None] * a[None, :] + b[None, :]) >> np.uint64(32)).astype(np.uint32)
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


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays (0 when both are empty)."""
    if not len(a) or not len(b):
        return 0.0
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (len(a) + len(b) - shared)


def _overlap(words: set[int], other: np.ndarray) -> float:
    if not words or not len(other):
        return 0.0
    shared = sum(1 for h in other.tolist() if h in words)
    return shared / min(len(words), len(other))


class SimilarityIndex:
    """Complaints seen so far, in order; :meth:`add` answers for new ones, then remembers them.

    Re-submissions: a ring of the last ``max_rows`` complaints (their shingles and keys) and a table from
    band key to the *earliest* remembered complaint with that key, so that a group of copies points at its
    first member. Related: per (place, OPD) the last ``related_per_place`` complaints (their content words and
    day), for at most ``max_places`` such pairs, least recently used forgotten first.
    """

    def __init__(self, config: SimilarityConfig | None = None) -> None:
        self.config = config or SimilarityConfig()
        size = self.config.max_rows
        self._seen = 0
        self._keys: list[str | None] = [None] * size
        self._shingles: list[np.ndarray | None] = [None] * size
        self._bands: list[np.ndarray | None] = [None] * size
        self._field_places: list[str | None] = [None] * size
        self._table: dict[int, int] = {}
        self._places: OrderedDict[tuple[str, str], deque[tuple[str, int | None, np.ndarray]]] = OrderedDict()

    def __len__(self) -> int:
        """How many complaints are remembered for re-submissions."""
        return min(self._seen, self.config.max_rows)

    def add(self, complaints: Sequence[Complaint]) -> list[Match | None]:
        """The match of each complaint among the earlier ones (those added before, and those before it in
        ``complaints``), ``None`` when it matches none; then every complaint is remembered."""
        words = [_content_words(c.text) for c in complaints]
        hashed = [shingle_hashes(w) for w in words]
        keys = band_keys(signatures([h[1] for h in hashed], self.config.num_perm), self.config.rows_per_band)
        answers: list[Match | None] = []
        for i, complaint in enumerate(complaints):
            single, both = hashed[i]
            if not len(both):  # nothing to compare (no content words): matches nothing, not remembered
                answers.append(None)
                continue
            field_place = place_of(complaint.kelurahan, complaint.kecamatan)
            place = (field_place or place_of(words=words[i])) if complaint.opd else None
            match = self._resubmission(both, keys[i], field_place)
            if match is None and place is not None:
                match = self._related(place, complaint, single)
            answers.append(match)
            self._remember(complaint, field_place, place, single, both, keys[i])
        return answers

    def _resubmission(self, shingles: np.ndarray, keys: np.ndarray, field_place: str | None) -> Match | None:
        best_seq, best = -1, 0.0
        size = self.config.max_rows
        checked: set[int] = set()
        for key in keys.tolist():
            seq = self._table.get(key)
            if seq is None or seq in checked:
                continue
            checked.add(seq)
            other_place = self._field_places[seq % size]
            if field_place and other_place and field_place != other_place:
                continue
            other = self._shingles[seq % size]
            assert other is not None
            score = jaccard(shingles, other)
            if score > best or (score == best and seq < best_seq):
                best_seq, best = seq, score
        if best_seq < 0 or best < self.config.resubmission_threshold:
            return None
        key = self._keys[best_seq % size]
        assert key is not None
        return Match(key, round(best, 4), KIND_RESUBMISSION)

    def _related(self, place: str, complaint: Complaint, single: np.ndarray) -> Match | None:
        recent = self._places.get((place, str(complaint.opd)))
        if not recent:
            return None
        words = set(single.tolist())
        window = self.config.window_days
        best_key, best = "", 0.0
        for key, day, other in recent:
            if day is not None and complaint.day is not None and abs(day - complaint.day) > window:
                continue
            score = _overlap(words, other)
            if score > best:
                best_key, best = key, score
        if best < self.config.related_threshold:
            return None
        return Match(best_key, round(best, 4), KIND_RELATED)

    def _remember(
        self,
        complaint: Complaint,
        field_place: str | None,
        place: str | None,
        single: np.ndarray,
        both: np.ndarray,
        keys: np.ndarray,
    ) -> None:
        size = self.config.max_rows
        seq = self._seen
        slot = seq % size
        old = self._bands[slot]
        if old is not None:  # forget the complaint this slot held
            for key in old.tolist():
                if self._table.get(key) == seq - size:
                    del self._table[key]
        self._keys[slot], self._shingles[slot], self._bands[slot] = complaint.key, both, keys
        self._field_places[slot] = field_place
        for key in keys.tolist():
            self._table.setdefault(key, seq)
        self._seen += 1
        if place is not None:
            where = (place, str(complaint.opd))
            recent = self._places.get(where)
            if recent is None:
                recent = self._places[where] = deque(maxlen=self.config.related_per_place)
                if len(self._places) > self.config.max_places:
                    self._places.popitem(last=False)
            else:
                self._places.move_to_end(where)
            recent.append((complaint.key, complaint.day, single))
