"""Duplicate and related complaints among the stored ones: the same engine as batch (:mod:`models.similarity`),
with its memory in SQL so that every API worker sees the same complaints.

When a complaint is stored, :func:`match_and_index` looks up the stored complaints that may repeat it (those that
share a MinHash band key, table ``complaint_bands``, and for related complaints the latest ones with the same
kelurahan, or kecamatan, and OPD within the window of days), replays them in arrival order into a fresh
:class:`~models.similarity.SimilarityIndex`, asks it about the new complaint, records the answer in the
complaint's ``duplicate_of``, ``duplicate_score`` and ``duplicate_kind`` and adds the complaint's band keys.
:func:`most_similar` ranks stored complaints by their similarity to a text (``/v1/route`` with ``similar``).
Texts are compared as stored: masked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, insert, or_, select, update

from models.minhash import content_hashes, shingles
from models.similarity import Complaint, Match, SimilarityConfig, SimilarityIndex
from store.schema import ComplaintBandRow, ComplaintRow

__all__ = ["CANDIDATE_LIMIT", "SimilarComplaint", "match_and_index", "most_similar"]

CANDIDATE_LIMIT = 50  # stored complaints replayed for one new complaint, most shared band keys first
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SimilarComplaint:
    id: str
    score: float
    kind: str | None


def _day(value: datetime | None) -> int | None:
    if value is None:
        return None
    stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
    return (stamp - _EPOCH).days


def _as_complaint(row: ComplaintRow) -> Complaint:
    return Complaint(row.id, row.text, row.kelurahan, row.kecamatan, row.top_opd, _day(row.tanggal))


def _band_candidates(connection: Connection, keys: Sequence[int], exclude: str) -> list[str]:
    shared = func.count().label("shared")
    query = (
        select(ComplaintBandRow.complaint_id, shared)
        .where(ComplaintBandRow.band_key.in_(list(keys)), ComplaintBandRow.complaint_id != exclude)
        .group_by(ComplaintBandRow.complaint_id)
        .order_by(shared.desc(), ComplaintBandRow.complaint_id)
        .limit(CANDIDATE_LIMIT)
    )
    return [row[0] for row in connection.execute(query)]


def _place_candidates(connection: Connection, row: ComplaintRow, config: SimilarityConfig) -> list[str]:
    """The latest complaints with the same kelurahan (else kecamatan) and OPD, within the window of days."""
    if not row.top_opd or not (row.kelurahan or row.kecamatan):
        return []
    query = select(ComplaintRow.id).where(ComplaintRow.top_opd == row.top_opd, ComplaintRow.id != row.id)
    query = query.where(
        ComplaintRow.kelurahan == row.kelurahan if row.kelurahan else ComplaintRow.kecamatan == row.kecamatan
    )
    if row.tanggal is not None:
        window = timedelta(days=config.window_days + 1)
        query = query.where(
            or_(
                ComplaintRow.tanggal.is_(None), ComplaintRow.tanggal.between(row.tanggal - window, row.tanggal + window)
            )
        )
    query = query.order_by(ComplaintRow.received_at.desc(), ComplaintRow.id.desc()).limit(config.related_per_place)
    return list(connection.scalars(query))


def _earlier(connection: Connection, ids: Sequence[str]) -> list[ComplaintRow]:
    if not ids:
        return []
    query = select(ComplaintRow).where(ComplaintRow.id.in_(list(ids)))
    rows = [ComplaintRow(**dict(row._mapping)) for row in connection.execute(query)]
    return sorted(rows, key=lambda r: (r.received_at, r.id))


def match_and_index(connection: Connection, row: ComplaintRow, config: SimilarityConfig | None = None) -> Match | None:
    """The stored complaint that ``row`` (just stored, text masked) repeats, recorded on it; its band keys added."""
    config = config or SimilarityConfig()
    index = SimilarityIndex(config)
    prepared = index.prepare([row.text])
    keys = sorted(set(prepared.keys[0].tolist()))
    ids = dict.fromkeys(_band_candidates(connection, keys, row.id) + _place_candidates(connection, row, config))
    earlier = _earlier(connection, list(ids))
    index.add([_as_complaint(r) for r in earlier])
    (match,) = index.add([_as_complaint(row)], prepared)
    if match is not None:
        connection.execute(
            update(ComplaintRow)
            .where(ComplaintRow.id == row.id)
            .values(duplicate_of=match.key, duplicate_score=match.score, duplicate_kind=match.kind)
        )
    if keys and len(prepared.row(0)[2]):
        connection.execute(insert(ComplaintBandRow), [{"band_key": k, "complaint_id": row.id} for k in keys])
    return match


def most_similar(
    connection: Connection, query: Complaint, k: int, config: SimilarityConfig | None = None
) -> list[SimilarComplaint]:
    """Up to ``k`` stored complaints most like ``query`` (Jaccard of their shingles), best first, among those
    that share a band key with it. ``kind`` is what the engine would call the pair (``ulang``, ``terkait``), or
    ``None`` when the texts are only alike."""
    config = config or SimilarityConfig()
    prepared = SimilarityIndex(config).prepare([query.text])
    own = set(prepared.row(0)[2].tolist())
    if not own:
        return []
    keys = sorted(set(prepared.keys[0].tolist()))
    scored = []
    for row in _earlier(connection, _band_candidates(connection, keys, "")):
        other = shingles(content_hashes(row.text))[1]
        shared = len(own & other)
        if not shared:
            continue
        index = SimilarityIndex(config)
        index.add([_as_complaint(row)])
        (match,) = index.add([query], prepared)
        score = shared / (len(own) + len(other) - shared)
        scored.append(SimilarComplaint(row.id, round(score, 4), match.kind if match is not None else None))
    scored.sort(key=lambda s: (-s.score, s.id))
    return scored[:k]
