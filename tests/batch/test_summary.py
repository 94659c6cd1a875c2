"""batch.summary: counts, the complaints to act on (capped, ids only), accuracy by true OPD, the encoding hint."""

from __future__ import annotations

import pandas as pd
import pytest

from batch import summary as summary_module
from batch.options import BatchOptions
from batch.report import render_report
from batch.summary import BatchSummary, format_summary


def output_chunk(rows: list[tuple[str, str, str, bool, str, str]]) -> pd.DataFrame:
    """(id, true opd, predicted opd, needs_review, urgency, error) -> a frame shaped like batch output."""
    ids, truth, predicted, review, urgency, error = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "id": ids,
            "teks": [f"teks rahasia {i}" for i in ids],
            "opd": truth,
            "predicted_opd": [p or None for p in predicted],
            "opd_confidence": [0.9 if p else float("nan") for p in predicted],
            "predicted_urgency": [u or None for u in urgency],
            "urgency_confidence": [0.8 if u else float("nan") for u in urgency],
            "needs_review": review,
            "error": error,
        }
    )


ROWS = [
    ("A1", "Dinas PU", "Dinas PU", False, "tinggi", ""),
    ("A2", "Dinas PU", "DLH", True, "sedang", ""),
    ("A3", "DLH", "DLH", True, "rendah", ""),
    ("A4", "DLH", "DLH", False, "tinggi", ""),
    ("A5", "", "Dinas PU", True, "tinggi", ""),
    ("A6", "DLH", "", True, "", "empty text"),
]


def test_accuracy_by_true_opd_skips_unlabelled_and_failed_rows() -> None:
    summary = BatchSummary(BatchOptions())
    summary.add(output_chunk(ROWS[:3]))
    summary.add(output_chunk(ROWS[3:]))
    accuracy = summary.as_dict()["accuracy"]
    assert (accuracy["rows"], accuracy["correct"], accuracy["accuracy"]) == (4, 3, 0.75)
    assert accuracy["by_opd"] == {
        "DLH": {"rows": 2, "correct": 2, "accuracy": 1.0},
        "Dinas PU": {"rows": 2, "correct": 1, "accuracy": 0.5},
    }
    assert any("accuracy against column opd: 75.0% (3 of 4 labelled rows)" in line for line in format_lines(summary))


def format_lines(summary: BatchSummary) -> list[str]:
    result = {"output": "x.csv", "seconds": 1.0, "rows_per_second": 6.0, "model_version": "v", **summary.as_dict()}
    return format_summary(result)


def test_actions_list_tinggi_first_then_the_other_flagged_ones_by_id() -> None:
    summary = BatchSummary(BatchOptions())
    summary.add(output_chunk(ROWS))
    actions = summary.actions()
    assert [a["id"] for a in actions["tinggi"]] == ["A1", "A4", "A5"]
    assert [a["id"] for a in actions["needs_review"]] == ["A2", "A3"]  # A6 failed: an error, not an action
    assert actions["tinggi"][2] == {
        "id": "A5",
        "opd": "Dinas PU",
        "opd_confidence": 0.9,
        "urgency": "tinggi",
        "urgency_confidence": 0.8,
        "needs_review": True,
    }
    assert summary.as_dict()["to_act_on"] == {"tinggi": 3, "needs_review": 2}


def test_actions_are_capped_and_the_report_says_how_many_more(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(summary_module, "ACTION_LIMIT", 2)
    summary = BatchSummary(BatchOptions())
    many = [(f"R{i}", "DLH", "DLH", True, "sedang", "") for i in range(5)]
    summary.add(output_chunk(many[:3]))
    summary.add(output_chunk(many[3:]))
    assert [a["id"] for a in summary.actions()["needs_review"]] == ["R0", "R1"]
    page = render_report({"input": "x.csv", "model_version": "v", **summary.as_dict()}, summary.actions())
    assert "<td>R1</td>" in page and "<td>R2</td>" not in page
    assert "dan 3 lainnya." in page
    assert "teks rahasia" not in page


def test_rows_without_an_id_are_named_by_row_number() -> None:
    summary = BatchSummary(BatchOptions(id_column="nomor"))
    summary.add(output_chunk(ROWS[:2]))
    summary.add(output_chunk(ROWS[:1]))
    assert [a["id"] for a in summary.actions()["tinggi"]] == ["#1", "#3"]


@pytest.mark.parametrize(
    ("encoding", "expected"), [("utf-8", "try --encoding cp1252"), ("latin-1", "check --encoding")]
)
def test_undecodable_rows_bring_an_encoding_hint(encoding: str, expected: str) -> None:
    summary = BatchSummary(BatchOptions(encoding=encoding))
    summary.add(output_chunk([("B1", "", "", True, "", "undecodable text")]))
    [hint] = summary.as_dict()["hints"]
    assert expected in hint
    assert f"hint: {hint}" in format_lines(summary)
