"""Retraining on the admins' decisions: datasets logged, the champion moved on merit, nothing done twice."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from mlflow import MlflowClient
from sqlalchemy import Engine, create_engine, insert

from models.artifact import load_metadata
from store.complaints import ComplaintStore, Decision, NewComplaint
from store.schema import FeedbackRow
from tests.conftest import SAMPLES
from training.retrain import OUTSIDE_LABEL, RetrainError, retrain_model
from training.workflow import train_model

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _samples() -> list[dict[str, str]]:
    with open(SAMPLES, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _decide(engine: Engine, rows: list[dict[str, str]], start: int, *, relabel: str | None = None) -> None:
    """Decisions on re-worded sample complaints (an admin's words on the desk), one minute apart."""
    with engine.begin() as connection:
        for n, row in enumerate(rows):
            connection.execute(
                insert(FeedbackRow.__table__).values(
                    complaint_id=f"D{start + n:04d}",
                    text=f"laporan warga: {row['teks']} mohon ditindaklanjuti",
                    opd=relabel or row["opd"],
                    urgency=row["urgensi"] or None,
                    created_at=T0 + timedelta(minutes=start + n),
                )
            )


@pytest.fixture
def champion(samples_csv: Path, tmp_path: Path) -> dict[str, object]:
    return train_model([samples_csv], tmp_path / "v1", eval_data=samples_csv)


def test_retrain_logs_its_datasets_registers_and_then_has_nothing_to_do(
    champion: dict[str, object], samples_csv: Path, store_url: str, tmp_path: Path
) -> None:
    engine = create_engine(store_url)
    _decide(engine, _samples()[::5], start=0)  # 84 decisions
    first = retrain_model([samples_csv], tmp_path / "v2", feedback_url=store_url)
    assert first["retrained"] is True
    assert first["version"] == "2"
    assert first["decisions"] == 84
    assert load_metadata(tmp_path / "v2").data["unit_column"] is None  # no unit asked, none in the champion
    run = MlflowClient().get_run(MlflowClient().get_model_version("disposisi", "2").run_id)
    assert run.data.params["feedback_rows"] == "84"
    assert run.data.params["feedback_eval_rows"] == "17"
    logged = {d.dataset.name: d for d in run.inputs.dataset_inputs}
    assert set(logged) == {"base", "decisions", "decisions-newest"}
    assert '"num_rows": 420' in logged["base"].dataset.profile
    assert '"num_rows": 17' in logged["decisions-newest"].dataset.profile
    assert "teks" not in logged["decisions"].dataset.schema  # hashes of texts, never the texts

    again = retrain_model([samples_csv], tmp_path / "v3", feedback_url=store_url)
    assert again == {
        "retrained": False,
        "reason": "no new decisions since version 2: nothing to do",
        "version": "2",
        "decisions": 84,
    }
    assert not (tmp_path / "v3").exists()
    _decide(engine, _samples()[1::7][:10], start=100)
    assert retrain_model([samples_csv], tmp_path / "v3", feedback_url=store_url)["version"] == "3"
    engine.dispose()


def test_a_worse_challenger_does_not_become_champion(
    champion: dict[str, object], samples_csv: Path, store_url: str, tmp_path: Path
) -> None:
    engine = create_engine(store_url)
    _decide(engine, _samples()[::5], start=0)
    worse = retrain_model(
        [samples_csv],
        tmp_path / "v2",
        feedback_url=store_url,
        params={"word_ngram_range": (1, 1), "char_ngram_range": (1, 1), "C": 1e-4, "min_df": 5},
    )
    assert worse["promoted"] is False
    assert "champion kept" in str(worse["reason"])
    assert str(MlflowClient().get_model_version_by_alias("disposisi", "champion").version) == "1"
    engine.dispose()


def test_outside_authority_decisions_stay_out_unless_asked(
    champion: dict[str, object], samples_csv: Path, store_url: str, tmp_path: Path
) -> None:
    engine = create_engine(store_url)
    _decide(engine, _samples()[::5], start=0)
    desk = ComplaintStore(engine)
    rows = _samples()[2::9][:12]
    desk.add(
        [
            NewComplaint(
                id=f"L{n}",
                text=f"kabel listrik PLN putus {n}",
                suggestion={},
                top_opd=r["opd"],
                top_score=0.5,
                urgency=None,
                needs_review=True,
                model_version="v1",
            )
            for n, r in enumerate(rows)
        ]
    )
    earlier = T0 - timedelta(hours=3)  # older than the OPD decisions: learned from, not held out
    for n in range(len(rows)):
        outside = Decision(decided_by="budi", outside_authority="PLN")
        desk.decide(f"L{n}", outside, now=earlier + timedelta(minutes=n))
    plain = retrain_model([samples_csv], tmp_path / "v2", feedback_url=store_url)
    assert plain["decisions"] == 84
    asked = retrain_model([samples_csv], tmp_path / "v3", feedback_url=store_url, include_outside=True)
    assert asked["decisions"] == 96
    assert OUTSIDE_LABEL in load_metadata(tmp_path / "v3").opd_labels
    assert OUTSIDE_LABEL not in load_metadata(tmp_path / "v2").opd_labels
    engine.dispose()


def test_too_few_decisions_or_no_store_say_what_to_do(samples_csv: Path, store_url: str, tmp_path: Path) -> None:
    engine = create_engine(store_url)
    _decide(engine, _samples()[:12], start=0)
    engine.dispose()
    with pytest.raises(RetrainError, match="the store holds 12 decisions; retrain holds out the newest 10"):
        retrain_model([samples_csv], tmp_path / "m", feedback_url=store_url)
    with pytest.raises(RetrainError, match=r"no decisions store at sqlite:///nope\.db"):
        retrain_model([samples_csv], tmp_path / "m", feedback_url="sqlite:///nope.db")
    with pytest.raises(RetrainError, match="is not an SQLAlchemy URL"):
        retrain_model([samples_csv], tmp_path / "m", feedback_url="bukan url")
