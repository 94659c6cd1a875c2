"""Retraining gives the admins' decisions their place: a kelurahan that only the decisions' place fields name
(not the base data, not a text, not a unit) is known to the retrained unit resolver, with its kecamatan."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert

from models.artifact import load_model
from models.unit import Place
from store.schema import FeedbackRow
from tests.conftest import UNIT_SAMPLES
from training.retrain import retrain_model
from training.workflow import train_model

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
# Invented: a kelurahan of kecamatan Tanjungsari that the sample data does not have.
NEW_PLACE = Place(kecamatan="Tanjungsari", kelurahan="Sumberjati")
TEXTS = [
    "Balai RW rusak dan belum diperbaiki, mohon pak lurah meninjau",
    "Surat pengantar RT untuk kartu keluarga belum ditandatangani pak lurah",
    "Ketua RW tidak mau membuatkan surat keterangan domisili",
    "Pendataan warga miskin oleh kader kelurahan tidak merata",
    "Surat keterangan tidak mampu dari kantor kelurahan ditolak",
    "Mohon bantuan pak lurah, pengantar akta kelahiran belum diurus",
]


def _decide_with_places(url: str) -> None:
    """The Sumberjati decisions first (learned from, never held out), without a unit, then one re-worded decision
    per sample row with the row's own place and unit."""
    rows: list[tuple[str, str, str | None, str | None, str | None]] = [
        (text, "Kecamatan/Kelurahan", None, NEW_PLACE.kecamatan, NEW_PLACE.kelurahan) for text in TEXTS
    ]
    with open(UNIT_SAMPLES, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            rows.append(
                (f"laporan warga: {row['teks']}", row["opd"], row["instansi"], row["kecamatan"], row["kelurahan"])
            )
    engine = create_engine(url)
    with engine.begin() as connection:
        for n, (text, opd, unit, kecamatan, kelurahan) in enumerate(rows):
            connection.execute(
                insert(FeedbackRow.__table__).values(
                    complaint_id=f"P{n:04d}",
                    text=text,
                    opd=opd,
                    unit=unit,
                    kecamatan=kecamatan or None,
                    kelurahan=kelurahan or None,
                    created_at=T0 + timedelta(minutes=n),
                )
            )
    engine.dispose()


def test_retrain_learns_a_kelurahan_that_only_the_decisions_places_name(store_url: str, tmp_path: Path) -> None:
    train_model([UNIT_SAMPLES], tmp_path / "v1", unit_column="instansi")
    before, _ = load_model(tmp_path / "v1")
    text = "Surat pengantar RT belum ditandatangani"
    assert before.unit_.place_units([text], [NEW_PLACE]) == [("", "Kecamatan Tanjungsari")]
    assert "Kelurahan Sumberjati" not in before.unit_.known_units()

    _decide_with_places(store_url)
    result = retrain_model(
        [UNIT_SAMPLES], tmp_path / "v2", feedback_url=store_url, unit_column="instansi", min_eval=5, promote=True
    )
    assert result["retrained"] is True
    after, _ = load_model(tmp_path / "v2")
    resolver = after.unit_
    assert resolver.place_units([text], [NEW_PLACE]) == [("Kelurahan Sumberjati", "Kecamatan Tanjungsari")]
    # the kelurahan alone implies its kecamatan: the place-to-unit link learned from the decisions
    assert resolver.place_units([text], [Place(kelurahan="Sumberjati")]) == [
        ("Kelurahan Sumberjati", "Kecamatan Tanjungsari")
    ]
    assert "Kelurahan Sumberjati" in resolver.known_units()
    [answer] = after.suggest([text], places=[Place(kelurahan="Sumberjati")])
    assert answer.opd[0][0] == "Kecamatan/Kelurahan"
    assert answer.unit in ("Kelurahan Sumberjati", "Kecamatan Tanjungsari")
