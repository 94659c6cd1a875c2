"""Duplicate and related complaints: which earlier complaint a new one repeats, how strongly, and how.

Two kinds of match, both against complaints seen *earlier* (in input order):

- ``ulang`` (a re-submission): the same complaint sent again, re-worded a little (slang, typos, a greeting
  dropped, a sentence added or cut, other spacing or case). The text is read as the router reads it
  (:func:`models.text.normalise` and :func:`models.text.tokenize`: repair, masking, lower case, slang expanded;
  stopwords dropped), cut into *shingles* (the words and the pairs of adjacent words), and two complaints are
  compared by the Jaccard similarity of their shingle sets. Candidates come from MinHash locality-sensitive
  hashing (``bands`` bands of ``rows_per_band`` hash minima each, vectorised with numpy over a chunk), and each
  candidate is verified by the exact Jaccard of its shingles: ``score >= resubmission_threshold``, or
  ``late_resubmission_threshold`` when both have dates more than ``resubmission_days`` apart (a citizen
  re-sends within days; months later, alike words are more often another problem of the same kind). Two
  complaints whose location fields name different places are never re-submissions of each other (short
  generic texts such as "jalan berlubang" are the same words about different streets).
- ``terkait`` (related): a different citizen about the same problem: the same place (the ``kelurahan`` or
  ``kecamatan`` the citizen gave, or else a street named in the text), the same predicted OPD, within
  ``window_days`` of each other when dates are known, and the same words about it: at least
  ``related_min_pairs`` pairs of adjacent content words in common, and their overlap coefficient (shared pairs
  over the pairs of the shorter text) at least ``related_threshold``. Single shared words are too weak a
  signal: complaints about two broken street lights in one kelurahan share "lampu", "pju", "mati". So are
  common pairs (with ``related_skip_common``, those of ``resources/common_pairs.txt``, held by more than 0.5% of
  the training complaints: polite formulas such as "mohon bantuan", the names of common faults such as
  "penerangan jalan umum"), which are left out of both texts' pairs before they are compared. And not at
  another spot of the place (``related_spot_veto``, :mod:`models.places`): when both texts name a street and
  no street of one is a street of the other, or both name a house number ("no 12") and they share none, they
  are not related, however much they share (one sender's lists of addresses, street lights out on two streets
  of one kelurahan). A street is the word after jalan/jl/gang (titles such as "raya" skipped, a direction such as
  "lor" or "timur" kept with it: "sidotopo lor" is not "sidotopo kidul"); a common pair such as "jalan rusak"
  or "penerangan jalan umum" names no street. A text that names neither is not vetoed.

:class:`SimilarityIndex` is pure (no I/O) and bounded: it remembers at most ``max_rows`` complaints for
re-submissions (the oldest are forgotten first) and ``related_per_place`` per place and OPD among at most
``max_places`` places, so its memory stays flat whatever the number of complaints. The shingle hashes are
CRC-32 of the words and the MinHash parameters come from a fixed seed, so band keys are the same in every
process and can be stored (:func:`band_keys`).
"""

from __future__ import annotations

from array import array
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from models import places
from models.minhash import Prepared, pair_hash, prepare, prepare_words, word_hash
from models.places import NO_SPOT, Spot, house_numbers, other_spot, place_of, street_positions

__all__ = [
    "KIND_RELATED",
    "KIND_RESUBMISSION",
    "Complaint",
    "Match",
    "SimilarityConfig",
    "SimilarityIndex",
    "load_common_pairs",
    "place_of",
]

KIND_RESUBMISSION = "ulang"
KIND_RELATED = "terkait"


@dataclass(frozen=True)
class SimilarityConfig:
    """Thresholds and bounds of the search (see the module docstring for what each means)."""

    resubmission_threshold: float = 0.4
    resubmission_days: int = 14
    late_resubmission_threshold: float = 0.75
    related_threshold: float = 0.2
    related_min_pairs: int = 2
    related_skip_common: bool = True
    related_spot_veto: bool = True
    window_days: int = 14
    bands: int = 24
    rows_per_band: int = 2
    max_rows: int = 100_000
    related_per_place: int = 8
    max_places: int = 50_000

    def __post_init__(self) -> None:
        for name in ("resubmission_threshold", "late_resubmission_threshold", "related_threshold"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {value}")
        for name in ("bands", "rows_per_band", "max_rows", "related_min_pairs", "related_per_place", "max_places"):
            value = getattr(self, name)
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        for name in ("window_days", "resubmission_days"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be at least 0, got {getattr(self, name)}")

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


# What the related rule remembers of a complaint: its key, day, word pairs and spot.
_Recent = tuple[str, int | None, "array[int]", Spot]


@dataclass(frozen=True)
class Match:
    """The earlier complaint that one repeats: its key, the similarity (0-1) and the kind."""

    key: str
    score: float
    kind: str


@lru_cache(maxsize=1)
def load_common_pairs() -> frozenset[int]:
    """Shingles (:func:`models.minhash.pair_hash`) of the word pairs too common to tell two complaints apart
    (``resources/common_pairs.txt``: polite formulas, the names of common faults; see its header)."""
    body = resources.files("models.resources").joinpath("common_pairs.txt").read_text(encoding="utf-8")
    pairs = (line.split() for line in body.splitlines() if line.strip() and not line.startswith("#"))
    return frozenset(pair_hash(word_hash(first), word_hash(second)) for first, second in pairs)


class SimilarityIndex:
    """Complaints seen so far, in order; :meth:`add` answers for new ones, then remembers them.

    Re-submissions: a ring of the last ``max_rows`` complaints (their shingles and band keys) and a table
    from band key to the *earliest* remembered complaint with that key, so that a group of copies points at
    its first member. Related: per (place, OPD) the last ``related_per_place`` complaints (their word pairs
    and day), for at most ``max_places`` such pairs, least recently used forgotten first.
    """

    def __init__(self, config: SimilarityConfig | None = None) -> None:
        self.config = config or SimilarityConfig()
        size = self.config.max_rows
        self._seen = 0
        # the ring of remembered complaints, by sequence number modulo max_rows
        self._keys: list[str | None] = [None] * size
        self._shingles: list[np.ndarray | None] = [None] * size
        self._bands: list[np.ndarray | None] = [None] * size
        self._field_places: list[str | None] = [None] * size
        self._days: list[int | None] = [None] * size
        self._table: dict[int, int] = {}  # band key -> sequence number of the earliest remembered complaint
        self._places: OrderedDict[tuple[str, str], deque[_Recent]] = OrderedDict()

    def __len__(self) -> int:
        """How many complaints are remembered for re-submissions."""
        return min(self._seen, self.config.max_rows)

    def prepare(self, texts: Sequence[str]) -> Prepared:
        """:func:`models.minhash.prepare` with this index's bands (any process can run it)."""
        return prepare(texts, self.config.bands, self.config.rows_per_band)

    def prepare_words(self, words: np.ndarray, word_ends: np.ndarray) -> Prepared:
        """:meth:`prepare` of texts the router has read already (:func:`models.minhash.prepare_words`)."""
        return prepare_words(words, word_ends, self.config.bands, self.config.rows_per_band)

    def add(self, complaints: Sequence[Complaint], prepared: Prepared | None = None) -> list[Match | None]:
        """The match of each complaint among the earlier ones (those added before, and those before it in
        ``complaints``), ``None`` when it matches none; then every complaint is remembered. ``prepared``:
        :meth:`prepare` of their texts, when it was computed elsewhere."""
        if prepared is None:
            prepared = self.prepare([c.text for c in complaints])
        if len(prepared) != len(complaints):
            raise ValueError(f"prepared holds {len(prepared)} texts for {len(complaints)} complaints")
        answers: list[Match | None] = []
        # where each text's words, pairs and shingles start, as Python ints: the loop slices, never indexes numpy
        word_at, pair_at, both_at = (
            [0, *ends.tolist()] for ends in (prepared.word_ends, prepared.pair_ends, prepared.shingle_ends)
        )
        veto = self.config.related_spot_veto
        named = street_positions(prepared.words, prepared.word_ends) if veto else {}
        common = load_common_pairs()
        for i, complaint in enumerate(complaints):
            if both_at[i] == both_at[i + 1]:  # nothing to compare (no content words): matches nothing, not remembered
                answers.append(None)
                continue
            both = prepared.shingles[both_at[i] : both_at[i + 1]]
            pairs = prepared.pairs[pair_at[i] : pair_at[i + 1]]
            field_place = places.field_place(complaint.kelurahan, complaint.kecamatan)
            if complaint.opd:
                place = field_place or place_of(hashes=prepared.words[word_at[i] : word_at[i + 1]].tolist())
            else:
                place = None
            bands = prepared.keys[i]
            match = self._resubmission(both, bands.tolist(), field_place, complaint.day)
            evidence = self._evidence(pairs) if place is not None else set()
            spot = NO_SPOT
            if veto and place is not None:
                at = named.get(i)  # where its street words are; None: it names no street
                words = prepared.words[word_at[i] : word_at[i + 1]]
                streets = () if at is None else places.streets(words.tolist(), common, at)
                numbers = house_numbers(complaint.text)
                spot = (streets, numbers) if streets or numbers else NO_SPOT
            if match is None and place is not None:
                match = self._related(place, complaint, evidence, spot)
            answers.append(match)
            self._remember(complaint, field_place, place, evidence, spot, both, bands)
        return answers

    def _resubmission(
        self, shingles: np.ndarray, bands: list[int], field_place: str | None, day: int | None
    ) -> Match | None:
        best_seq, best = -1, 0.0
        config = self.config
        size = config.max_rows
        own: set[int] | None = None
        checked: set[int] = set()
        for key in bands:
            seq = self._table.get(key)
            if seq is None or seq in checked:
                continue
            checked.add(seq)
            other_place = self._field_places[seq % size]
            if field_place and other_place and field_place != other_place:
                continue
            other = self._shingles[seq % size]
            assert other is not None
            if own is None:
                own = set(shingles.tolist())
            shared = len(own.intersection(other.tolist()))
            score = shared / (len(own) + len(other) - shared)
            other_day = self._days[seq % size]
            late = day is not None and other_day is not None and abs(day - other_day) > config.resubmission_days
            if score < (config.late_resubmission_threshold if late else config.resubmission_threshold):
                continue
            if score > best or (score == best and seq < best_seq):
                best_seq, best = seq, score
        if best_seq < 0:
            return None
        earlier = self._keys[best_seq % size]
        assert earlier is not None
        return Match(earlier, round(best, 4), KIND_RESUBMISSION)

    def _evidence(self, pairs: np.ndarray) -> set[int]:
        """The word pairs of a text that the related rule compares (without the common ones, if so configured)."""
        own = set(pairs.tolist())
        return own - load_common_pairs() if self.config.related_skip_common else own

    def _related(self, place: str, complaint: Complaint, own: set[int], spot: Spot) -> Match | None:
        recent = self._places.get((place, str(complaint.opd)))
        least = self.config.related_min_pairs
        if not recent or len(own) < least:
            return None
        window = self.config.window_days
        best_key, best = "", 0.0
        for key, day, other, theirs in recent:
            if day is not None and complaint.day is not None and abs(day - complaint.day) > window:
                continue
            shared = len(own.intersection(other))
            if shared < least or other_spot(spot, theirs):
                continue
            score = shared / min(len(own), len(other))
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
        pairs: set[int],
        spot: Spot,
        both: np.ndarray,
        bands: np.ndarray,
    ) -> None:
        size = self.config.max_rows
        seq = self._seen
        slot = seq % size
        old = self._bands[slot]
        if old is not None:  # forget the complaint this slot held
            for key in old.tolist():
                if self._table.get(key) == seq - size:
                    del self._table[key]
        # views into the chunk's arrays: a chunk is freed when its last remembered row is forgotten
        self._keys[slot], self._shingles[slot], self._bands[slot] = complaint.key, both, bands
        self._field_places[slot], self._days[slot] = field_place, complaint.day
        setdefault = self._table.setdefault
        for key in bands.tolist():
            setdefault(key, seq)
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
            recent.append((complaint.key, complaint.day, array("I", pairs), spot))
