"""A short run of benchmarks/load.py: ``disposisi serve --workers 2`` under 8 concurrent clients for 5 s.

Same functions as the 60 s / 64-client benchmark: zero errors, and every feedback answered 201 is in the
SQLite database after the server has stopped.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.load import SECTION, LoadConfig, format_report, run


def test_two_workers_under_load_answer_everything_and_store_every_feedback(
    sample_model_dir: Path, tmp_path: Path
) -> None:
    config = LoadConfig(clients=8, duration=5.0, batch_min=5, batch_max=20)
    report = run(folder=tmp_path, model_dir=sample_model_dir, workers=2, config=config)

    assert report["errors"] == 0, report["error_kinds"]
    assert all(report["per_kind"][kind]["n"] > 0 for kind in ("route", "batch", "feedback")), report["per_kind"]
    assert report["feedback_acknowledged"] > 0
    assert report["feedback_missing"] == []
    assert report["feedback_stored"] == report["feedback_acknowledged"]
    assert (report["integrity_check"], report["journal_mode"]) == ("ok", "wal")
    body = format_report(report, "python benchmarks/load.py --clients 8 --duration 5")
    assert "**Errors (non-2xx or exception): 0**" in body
    assert SECTION == "## Load"
