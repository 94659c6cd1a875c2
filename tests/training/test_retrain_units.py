"""Retraining keeps the unit: the unit options of train, the decisions' own units, and a refusal to drop them."""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert

from models.artifact import load_metadata, load_model
from store.schema import FeedbackRow
from tests.conftest import UNIT_SAMPLES
from training.retrain import RetrainError, retrain_model
from training.workflow import train_model

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
# A kelurahan that only the decisions name: the base data has no row of it.
NEW_KELURAHAN = "Kelurahan Barusari"
NEW_TEXTS = [
    "Pak lurah Barusari, balai RW rusak dan belum diperbaiki sejak bulan lalu",
    "Surat pengantar RT di kelurahan Barusari belum ditandatangani pak lurah",
    "Ketua RW di Barusari tidak mau membuatkan surat keterangan domisili",
    "Pendataan warga miskin oleh kader kelurahan Barusari tidak merata",
    "Surat keterangan tidak mampu dari kelurahan Barusari ditolak",
    "Mohon bantuan pak lurah Barusari, kartu keluarga saya belum diurus",
]


def _unit_rows() -> list[dict[str, str]]:
    with open(UNIT_SAMPLES, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _decide_with_units(url: str) -> None:
    """The Barusari decisions first (learned from, never held out), then one re-worded decision per sample row;
    every other one carries its unit, the rest none (unknown)."""
    rows = [(text, "Kecamatan/Kelurahan", NEW_KELURAHAN) for text in NEW_TEXTS]
    for n, row in enumerate(_unit_rows()):
        rows.append(
            (f"laporan warga: {row['teks']} mohon ditindaklanjuti", row["opd"], row["instansi"] if n % 2 else None)
        )
    engine = create_engine(url)
    with engine.begin() as connection:
        for n, (text, opd, unit) in enumerate(rows):
            connection.execute(
                insert(FeedbackRow.__table__).values(
                    complaint_id=f"D{n:04d}", text=text, opd=opd, unit=unit, created_at=T0 + timedelta(minutes=n)
                )
            )
    engine.dispose()


@pytest.fixture
def unit_champion(tmp_path: Path) -> Path:
    """The registered champion, trained with --unit-column instansi."""
    train_model([UNIT_SAMPLES], tmp_path / "v1", unit_column="instansi")
    return tmp_path / "v1"


def test_retrain_with_the_unit_column_learns_units_also_from_the_decisions(
    unit_champion: Path, store_url: str, tmp_path: Path
) -> None:
    _decide_with_units(store_url)
    result = retrain_model(
        [UNIT_SAMPLES], tmp_path / "v2", feedback_url=store_url, unit_column="instansi", min_eval=5, promote=True
    )
    assert result["retrained"] is True
    router, meta = load_model(tmp_path / "v2")
    assert meta.data["unit_column"] == "instansi"
    answers = router.suggest(
        [
            "Pak lurah Barusari, balai RW rusak belum diperbaiki",
            "Pak camat Tanjungsari, pedagang di taman kecamatan mengganggu jalan",
        ]
    )
    assert [a.opd[0][0] for a in answers] == ["Kecamatan/Kelurahan", "Kecamatan/Kelurahan"]
    assert answers[0].unit == NEW_KELURAHAN  # a unit that only a decision taught
    assert answers[1].unit == "Kecamatan Tanjungsari"
    # a decision without a unit is no unit called "": every unit the resolver can answer has a name
    resolver = router.unit_
    assert "" not in set(resolver.unit_of_label_.values())
    for model in resolver.pooled_.values():
        assert "" not in set(getattr(model, "classes_", []))
    assert "unit_accuracy" in meta.metrics  # judged on the held-out decisions that carry a unit


def test_retrain_refuses_to_drop_the_unit_of_the_champion(unit_champion: Path, store_url: str, tmp_path: Path) -> None:
    _decide_with_units(store_url)
    with pytest.raises(RetrainError, match=r"the champion \(v1\) was trained with --unit-column instansi: pass"):
        retrain_model([UNIT_SAMPLES], tmp_path / "v2", feedback_url=store_url, min_eval=5)
    assert not (tmp_path / "v2").exists()
    dropped = retrain_model([UNIT_SAMPLES], tmp_path / "v2", feedback_url=store_url, min_eval=5, without_unit=True)
    assert dropped["retrained"] is True
    router, meta = load_model(tmp_path / "v2")
    assert router.unit_ is None
    assert meta.data["unit_column"] is None


def test_retrain_refuses_to_drop_the_unit_of_the_model_it_replaces(
    unit_model_dir: Path, store_url: str, tmp_path: Path
) -> None:
    """No registered champion, but the model in --model-dir (the one serve loads) has a unit."""
    current = tmp_path / "model"
    shutil.copytree(unit_model_dir, current)
    _decide_with_units(store_url)
    with pytest.raises(RetrainError, match=r"the model in model was trained with --unit-column instansi"):
        retrain_model([UNIT_SAMPLES], current, feedback_url=store_url, min_eval=5)
    assert load_metadata(current).version == load_metadata(unit_model_dir).version  # left as it was


def test_a_catalogue_needs_the_unit_column(store_url: str, tmp_path: Path) -> None:
    catalogue = UNIT_SAMPLES.with_name("opd_catalogue_units.csv")
    with pytest.raises(RetrainError, match="--catalogue needs --unit-column"):
        retrain_model([UNIT_SAMPLES], tmp_path / "m", feedback_url=store_url, catalogue=catalogue)


def test_retrain_with_a_catalogue_keeps_it_and_is_refused_without_it(store_url: str, tmp_path: Path) -> None:
    catalogue = UNIT_SAMPLES.with_name("opd_catalogue_units.csv")
    train_model([UNIT_SAMPLES], tmp_path / "v1", unit_column="instansi", catalogue=catalogue)
    _decide_with_units(store_url)
    with pytest.raises(RetrainError, match=r"--catalogue opd_catalogue_units\.csv"):
        retrain_model([UNIT_SAMPLES], tmp_path / "v2", feedback_url=store_url, unit_column="instansi", min_eval=5)
    kept = retrain_model(
        [UNIT_SAMPLES], tmp_path / "v2", feedback_url=store_url, unit_column="instansi", catalogue=catalogue, min_eval=5
    )
    assert kept["retrained"] is True
    assert load_metadata(tmp_path / "v2").data["catalogue"] == {"file": "opd_catalogue_units.csv", "units": 5}
