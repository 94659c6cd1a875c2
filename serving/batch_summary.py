"""The picture of a batch run: counts gathered chunk by chunk, then a dictionary and a few lines of text."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

__all__ = ["NO_URGENCY", "BatchSummary", "format_summary"]

NO_URGENCY = "-"  # urgency key of rows without an urgency (errors, or a model without urgency head)
_ERROR_EXAMPLES = 5


@dataclass
class BatchSummary:
    """Counts over all rows written so far."""

    id_column: str | None = None
    rows: int = 0
    needs_review: int = 0
    opd: Counter[str] = field(default_factory=Counter)
    urgency: Counter[str] = field(default_factory=Counter)
    opd_by_urgency: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    error_examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, frame: pd.DataFrame) -> None:
        """Count one output chunk (a frame with the columns of :data:`serving.batch_rows.OUTPUT_COLUMNS`)."""
        if len(frame) == 0:
            return
        errors = frame["error"].astype(object)
        failed = errors.ne("") & errors.notna()
        ok = frame.loc[~failed]
        opd = ok["predicted_opd"].astype(object)
        urgency = ok["predicted_urgency"].astype(object).where(ok["predicted_urgency"].notna(), NO_URGENCY)
        self.opd.update(opd.value_counts().to_dict())
        self.urgency.update(urgency.value_counts().to_dict())
        self.opd_by_urgency.update(Counter(zip(opd.tolist(), urgency.tolist(), strict=True)))
        self.needs_review += int(frame["needs_review"].sum())
        if failed.any():
            self.errors.update(errors[failed].value_counts().to_dict())
            for position in failed[failed].index:
                kind = str(errors[position])
                examples = self.error_examples.setdefault(kind, [])
                if len(examples) < _ERROR_EXAMPLES:
                    examples.append(self._row_id(frame, position))
        self.rows += len(frame)

    def _row_id(self, frame: pd.DataFrame, position: Any) -> str:
        """The id of a row when the input has an id column, else its 1-based row number."""
        if self.id_column and self.id_column in frame.columns:
            value = frame.at[position, self.id_column]
            if value is not None and str(value) not in ("", "nan", "<NA>"):
                return str(value)
        return f"#{self.rows + int(position) + 1}"

    @property
    def classified(self) -> int:
        return self.rows - sum(self.errors.values())

    def as_dict(self) -> dict[str, Any]:
        by_opd: dict[str, dict[str, int]] = {}
        for (name, level), count in sorted(self.opd_by_urgency.items()):
            by_opd.setdefault(name, {})[level] = count
        return {
            "rows": self.rows,
            "classified": self.classified,
            "needs_review": self.needs_review,
            "needs_review_share": round(self.needs_review / self.rows, 4) if self.rows else 0.0,
            "opd": dict(self.opd.most_common()),
            "urgency": dict(self.urgency.most_common()),
            "opd_by_urgency": by_opd,
            "errors": dict(self.errors.most_common()),
            "error_examples": {k: list(v) for k, v in self.error_examples.items()},
        }


def format_summary(summary: dict[str, Any]) -> list[str]:
    """The end-of-run summary as lines for stderr."""
    rows = summary["rows"]
    lines = [
        f"{rows} rows -> {summary['output']} in {summary['seconds']:.1f} s ({summary['rows_per_second']:.0f} rows/s), "
        f"model {summary['model_version']}",
        f"classified: {summary['classified']}; needs review: {summary['needs_review']} "
        f"({100 * summary['needs_review_share']:.1f}%)",
    ]
    if summary["urgency"]:
        lines.append("urgency: " + ", ".join(f"{k} {v}" for k, v in summary["urgency"].items()))
    if summary["opd"]:
        lines.append("per OPD:")
        width = max(len(name) for name in summary["opd"])
        lines.extend(f"  {name:<{width}}  {count}" for name, count in summary["opd"].items())
    if summary["errors"]:
        lines.append("errors:")
        for kind, count in summary["errors"].items():
            examples = ", ".join(summary["error_examples"].get(kind, []))
            lines.append(f"  {kind}: {count}" + (f" (e.g. {examples})" if examples else ""))
    else:
        lines.append("errors: none")
    if summary.get("report"):
        lines.append(f"report: {summary['report']}")
    return lines
