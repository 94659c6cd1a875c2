"""``disposisi retrain`` as a user runs it from cron: a result, then "nothing to do"; one-line errors."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert
from typer.testing import CliRunner

from disposisi.cli import app
from store.migrate import upgrade
from store.schema import FeedbackRow
from training.workflow import train_model

runner = CliRunner()


def _result(stdout: str) -> dict[str, object]:
    """The JSON result (MLflow writes its own registration lines to the same stream before it)."""
    loaded: dict[str, object] = json.loads(stdout[stdout.index("{\n") :])
    return loaded


def test_retrain_then_nothing_to_do(samples_csv: Path, tmp_path: Path) -> None:
    train_model([samples_csv], tmp_path / "v1", eval_data=samples_csv)
    url = f"sqlite:///{tmp_path / 'feedback.db'}"
    engine = create_engine(url)
    upgrade(engine)
    with open(samples_csv, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))[::7][:60]
    with engine.begin() as connection:
        for n, row in enumerate(rows):
            connection.execute(
                insert(FeedbackRow.__table__).values(
                    complaint_id=f"K{n}",
                    text=f"keluhan warga nomor {n}: {row['teks']}",
                    opd=row["opd"],
                    created_at=datetime(2026, 11, 2, tzinfo=UTC) + timedelta(minutes=n),
                )
            )
    engine.dispose()
    args = ["retrain", str(samples_csv), "--model-dir", str(tmp_path / "v2"), "--feedback-url", url, "--json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert _result(first.stdout)["version"] == "2"
    second = runner.invoke(app, [*args[:3], str(tmp_path / "v3"), *args[4:]])
    assert second.exit_code == 0, second.output
    assert _result(second.stdout)["reason"] == "no new decisions since version 2: nothing to do"


def test_retrain_without_a_store_is_one_line_error(samples_csv: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["retrain", str(samples_csv), "--model-dir", str(tmp_path / "m"), "--feedback-url", "sqlite:///tidak.db"]
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("error: no decisions store at sqlite:///tidak.db")


def test_retrain_takes_the_unit_options_of_train_and_will_not_drop_the_unit(tmp_path: Path) -> None:
    from models.artifact import load_metadata
    from tests.conftest import UNIT_SAMPLES

    catalogue = UNIT_SAMPLES.with_name("opd_catalogue_units.csv")
    train_model([UNIT_SAMPLES], tmp_path / "v1", unit_column="instansi", catalogue=catalogue)
    url = f"sqlite:///{tmp_path / 'feedback.db'}"
    engine = create_engine(url)
    upgrade(engine)
    with open(UNIT_SAMPLES, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with engine.begin() as connection:
        for n, row in enumerate(rows):
            connection.execute(
                insert(FeedbackRow.__table__).values(
                    complaint_id=f"K{n}",
                    text=f"keluhan warga: {row['teks']}",
                    opd=row["opd"],
                    unit=row["instansi"],
                    created_at=datetime(2026, 11, 2, tzinfo=UTC) + timedelta(minutes=n),
                )
            )
    engine.dispose()
    args = ["retrain", str(UNIT_SAMPLES), "--model-dir", str(tmp_path / "v2"), "--feedback-url", url, "--json"]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines()[-1] == (
        "error: the champion (v1) was trained with --unit-column instansi: pass --unit-column instansi "
        "--catalogue opd_catalogue_units.csv so the retrained model keeps the unit (or --without-unit to drop it)"
    )
    kept = runner.invoke(app, [*args, "--unit-column", "instansi", "--catalogue", str(catalogue)])
    assert kept.exit_code == 0, kept.output
    assert _result(kept.stdout)["retrained"] is True
    assert load_metadata(tmp_path / "v2").data["unit_column"] == "instansi"
