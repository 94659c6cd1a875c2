"""The picture of a batch run: counts gathered chunk by chunk, then a dictionary and a few lines of text.

Besides counts it keeps the complaints to act on first (urgency ``tinggi``, then those flagged
``needs_review``; ids and predictions, never text, at most :data:`ACTION_LIMIT` of each) and, when the
input has a true OPD column, the accuracy per OPD.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from batch.options import BatchOptions
from batch.rows import ERROR_UNDECODABLE

__all__ = ["ACTION_LIMIT", "NO_URGENCY", "BatchSummary", "encoding_hint", "format_summary"]

NO_URGENCY = "-"  # urgency key of rows without an urgency (errors, or a model without urgency head)
ACTION_LIMIT = 100  # complaints kept per action list (tinggi, needs review) for the report
_ERROR_EXAMPLES = 5
_UTF8 = ("utf-8", "utf8", "utf-8-sig")


def encoding_hint(encoding: str) -> str:
    """What to try when rows of a file read as ``encoding`` were not text in it."""
    if encoding.lower().replace("_", "-") in _UTF8:
        return (
            f"rows with {ERROR_UNDECODABLE} are not valid UTF-8: a file saved by Excel on Windows is often "
            "cp1252, try --encoding cp1252"
        )
    return f"rows with {ERROR_UNDECODABLE} are not valid {encoding}: check --encoding (utf-8, cp1252, latin-1)"


def _counts(values: pd.Series) -> dict[str, int]:
    return {str(key): int(count) for key, count in values.value_counts().items()}


def _present(value: Any) -> bool:
    return value is not None and value is not pd.NA and str(value) not in ("", "nan", "<NA>")


@dataclass
class BatchSummary:
    """Counts over all rows written so far."""

    options: BatchOptions = field(default_factory=BatchOptions)
    rows: int = 0
    needs_review: int = 0
    opd: Counter[str] = field(default_factory=Counter)
    urgency: Counter[str] = field(default_factory=Counter)
    opd_by_urgency: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    error_examples: dict[str, list[str]] = field(default_factory=dict)
    labelled: Counter[str] = field(default_factory=Counter)
    correct: Counter[str] = field(default_factory=Counter)
    urgent: list[dict[str, Any]] = field(default_factory=list)
    to_review: list[dict[str, Any]] = field(default_factory=list)
    to_review_total: int = 0  # flagged for review and not tinggi (the tinggi ones are listed first anyway)

    def add(self, frame: pd.DataFrame) -> None:
        """Count one output chunk (a frame with the columns of :data:`batch.rows.OUTPUT_COLUMNS`)."""
        if len(frame) == 0:
            return
        errors = frame["error"].astype(object)
        failed = errors.ne("") & errors.notna()
        ok = frame.loc[~failed]
        opd = ok["predicted_opd"].astype(object)
        urgency = ok["predicted_urgency"].astype(object).where(ok["predicted_urgency"].notna(), NO_URGENCY)
        self.opd.update(_counts(opd))
        self.urgency.update(_counts(urgency))
        self.opd_by_urgency.update(Counter(zip(opd.tolist(), urgency.tolist(), strict=True)))
        self.needs_review += int(frame["needs_review"].sum())
        self._add_accuracy(ok, opd)
        self._add_actions(frame, ok, urgency)
        if failed.any():
            self.errors.update(_counts(errors[failed]))
            for position in failed[failed].index:
                kind = str(errors[position])
                examples = self.error_examples.setdefault(kind, [])
                if len(examples) < _ERROR_EXAMPLES:
                    examples.append(self._row_id(frame, position))
        self.rows += len(frame)

    def _add_accuracy(self, ok: pd.DataFrame, opd: pd.Series) -> None:
        """Per true OPD: rows with a label, and how many of them were predicted right."""
        column = self.options.label_column
        if column not in ok.columns:
            return
        truth = ok[column].astype(object)
        known = truth.map(_present)
        truth = truth[known].astype(str).str.strip()
        self.labelled.update(_counts(truth))
        right = truth[truth.eq(opd[known].astype(str))]
        self.correct.update(_counts(right))

    def _add_actions(self, frame: pd.DataFrame, ok: pd.DataFrame, urgency: pd.Series) -> None:
        """The first :data:`ACTION_LIMIT` complaints of urgency tinggi, and of the others flagged for review."""
        tinggi = urgency.eq("tinggi")
        review = ok["needs_review"].astype(bool) & ~tinggi
        self.to_review_total += int(review.sum())
        for wanted, kept in ((tinggi, self.urgent), (review, self.to_review)):
            for position in wanted[wanted].index[: max(0, ACTION_LIMIT - len(kept))]:
                kept.append(self._action(frame, position))

    def _action(self, frame: pd.DataFrame, position: Any) -> dict[str, Any]:
        def number(name: str) -> float | None:
            value: Any = frame.at[position, name]
            return None if pd.isna(value) else round(float(value), 2)

        urgency = frame.at[position, "predicted_urgency"]
        return {
            "id": self._row_id(frame, position),
            "opd": str(frame.at[position, "predicted_opd"]),
            "opd_confidence": number("opd_confidence"),
            "urgency": str(urgency) if _present(urgency) else NO_URGENCY,
            "urgency_confidence": number("urgency_confidence"),
            "needs_review": bool(frame.at[position, "needs_review"]),
        }

    def _row_id(self, frame: pd.DataFrame, position: Any) -> str:
        """The id of a row when the input has an id column, else its 1-based row number."""
        id_column = self.options.id_column
        if id_column and id_column in frame.columns:
            value = frame.at[position, id_column]
            if _present(value):
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
            "to_act_on": {"tinggi": self.urgency.get("tinggi", 0), "needs_review": self.to_review_total},
            "accuracy": self.accuracy(),
            "hints": [encoding_hint(self.options.encoding)] if self.errors.get(ERROR_UNDECODABLE) else [],
        }

    def accuracy(self) -> dict[str, Any] | None:
        """Accuracy over the rows with a true OPD, overall and per true OPD; ``None`` without labels."""
        total = sum(self.labelled.values())
        if not total:
            return None
        by_opd = {
            name: {"rows": rows, "correct": self.correct[name], "accuracy": round(self.correct[name] / rows, 4)}
            for name, rows in sorted(self.labelled.items(), key=lambda item: (-item[1], item[0]))
        }
        right = sum(self.correct.values())
        return {
            "column": self.options.label_column,
            "rows": total,
            "correct": right,
            "accuracy": round(right / total, 4),
            "by_opd": by_opd,
        }

    def actions(self) -> dict[str, list[dict[str, Any]]]:
        """The complaints to act on first, for the report: ``tinggi``, then the others flagged for review."""
        return {"tinggi": list(self.urgent), "needs_review": list(self.to_review)}


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
    accuracy = summary.get("accuracy")
    if accuracy:
        lines.append(
            f"accuracy against column {accuracy['column']}: {100 * accuracy['accuracy']:.1f}% "
            f"({accuracy['correct']} of {accuracy['rows']} labelled rows)"
        )
    duplicates = summary.get("duplicates")
    if duplicates:
        lines.append(
            f"duplicates: {duplicates['rows']} rows repeat an earlier one (ulang {duplicates['ulang']}, "
            f"terkait {duplicates['terkait']}) in {duplicates['groups']} groups"
        )
    lines.extend(f"hint: {hint}" for hint in summary.get("hints", []))
    if summary.get("report"):
        lines.append(f"report: {summary['report']}")
    return lines
