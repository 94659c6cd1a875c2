"""``disposisi classify --duplicates``: which earlier row of the same input each row repeats.

:class:`DuplicateFinder` runs in the process that writes the output, on the routed chunks in input order
(whatever the engine: one process, a pool of workers or Dask), so its answers do not depend on ``--jobs``
or the engine. It adds three columns (:data:`DUPLICATE_COLUMNS`): ``duplicate_of`` (the id of an earlier
row, empty when the row repeats none), ``duplicate_score`` (0-1) and ``duplicate_kind`` (``ulang``: the same
complaint re-sent; ``terkait``: another complaint about the same problem at the same place, within the
window of days). The search is :class:`models.similarity.SimilarityIndex`, whose memory is bounded.

It also counts duplicate groups (a row and every row that repeats it, directly or through another) for the
report. Counts and sizes are exact while there are fewer than :data:`GROUP_LIMIT` groups; beyond that the
smallest groups are forgotten (a forgotten group that grows again counts as a new one), so memory stays flat.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from typing import Any

import numpy as np
import pandas as pd

from batch.options import BatchOptions
from batch.rows import check_texts
from models.minhash import Prepared
from models.similarity import KIND_RELATED, KIND_RESUBMISSION, Complaint, SimilarityConfig, SimilarityIndex

__all__ = ["DATE_COLUMN", "DUPLICATE_COLUMNS", "GROUP_LIMIT", "PLACE_COLUMNS", "DuplicateFinder", "row_ids"]

DUPLICATE_COLUMNS = ("duplicate_of", "duplicate_score", "duplicate_kind")
DATE_COLUMN = "tanggal"
PLACE_COLUMNS = ("kelurahan", "kecamatan")
GROUP_LIMIT = 100_000
LARGEST_GROUPS = 10
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


def row_ids(frame: pd.DataFrame, options: BatchOptions, first_row: int) -> list[str]:
    """The id of each row (the id column when the input has one and the row a value), else ``#<row number>``."""
    numbers = [f"#{first_row + i + 1}" for i in range(len(frame))]
    column = options.id_column
    if not column or column not in frame.columns:
        return numbers
    values = frame[column].tolist()
    return [numbers[i] if pd.isna(v) or str(v) == "" else str(v) for i, v in enumerate(values)]


def _days(frame: pd.DataFrame) -> list[int | None]:
    """Day numbers of the ``tanggal`` column (ISO 8601; anything else counts as no date)."""
    if DATE_COLUMN not in frame.columns:
        return [None] * len(frame)
    stamps = pd.to_datetime(frame[DATE_COLUMN].astype(object), errors="coerce", format="ISO8601", utc=True)
    days = (stamps - _EPOCH) // pd.Timedelta(days=1)
    return [None if pd.isna(d) else int(d) for d in days.tolist()]


def _column(frame: pd.DataFrame, name: str) -> list[Any]:
    if name not in frame.columns:
        return [None] * len(frame)
    return [v if isinstance(v, str) else None for v in frame[name].tolist()]


class DuplicateFinder:
    """Adds :data:`DUPLICATE_COLUMNS` to routed chunks given in input order, and counts the groups."""

    def __init__(self, options: BatchOptions, config: SimilarityConfig | None = None) -> None:
        self.options = options
        self.index = SimilarityIndex(config or SimilarityConfig(window_days=options.duplicate_window_days))
        self.rows = 0
        self.kinds: Counter[str] = Counter()
        self.groups = 0
        self._roots: OrderedDict[str, str] = OrderedDict()  # row id -> first row of its group (bounded)
        self._sizes: Counter[str] = Counter()  # group root -> rows in the group

    def mark(self, frame: pd.DataFrame, prepared: Prepared | None = None) -> pd.DataFrame:
        """``frame`` (a routed chunk, with ``error`` and ``predicted_opd``) with the duplicate columns;
        ``prepared``: :meth:`SimilarityIndex.prepare` of its routable texts, when a worker computed it."""
        n = len(frame)
        ids = row_ids(frame, self.options, self.rows)
        self.rows += n
        errors = frame["error"].tolist() if "error" in frame.columns else [""] * n
        texts, _ = check_texts(frame, self.options)  # the texts as they were routed
        opds, days = _column(frame, "predicted_opd"), _days(frame)
        kelurahan, kecamatan = (_column(frame, name) for name in PLACE_COLUMNS)
        ok = [i for i in range(n) if not errors[i]]
        complaints = [Complaint(ids[i], texts[i], kelurahan[i], kecamatan[i], opds[i], days[i]) for i in ok]
        duplicate_of = np.full(n, None, dtype=object)
        score = np.full(n, np.nan)
        kind = np.full(n, None, dtype=object)
        for i, match in zip(ok, self.index.add(complaints, prepared), strict=True):
            if match is None:
                continue
            duplicate_of[i], score[i], kind[i] = match.key, match.score, match.kind
            self._count(ids[i], match.key, match.kind)
        out = frame.drop(columns=[c for c in DUPLICATE_COLUMNS if c in frame.columns])
        added = pd.DataFrame({"duplicate_of": duplicate_of, "duplicate_score": score, "duplicate_kind": kind})
        return pd.concat([out.reset_index(drop=True), added], axis=1)

    def _count(self, row: str, earlier: str, kind: str) -> None:
        self.kinds[kind] += 1
        root = self._roots.get(earlier, earlier)
        self._roots[row] = root
        if len(self._roots) > GROUP_LIMIT:
            self._roots.popitem(last=False)
        if root not in self._sizes:
            self.groups += 1
            self._sizes[root] = 1
        self._sizes[root] += 1
        if len(self._sizes) > GROUP_LIMIT:
            self._sizes = Counter(dict(self._sizes.most_common(GROUP_LIMIT // 2)))

    def as_dict(self) -> dict[str, Any]:
        """Counts for the summary and the report: duplicate rows by kind, groups, the largest groups."""
        return {
            "rows": sum(self.kinds.values()),
            KIND_RESUBMISSION: self.kinds.get(KIND_RESUBMISSION, 0),
            KIND_RELATED: self.kinds.get(KIND_RELATED, 0),
            "groups": self.groups,
            "largest": [{"id": root, "rows": size} for root, size in self._sizes.most_common(LARGEST_GROUPS)],
        }
