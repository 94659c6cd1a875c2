"""``predicted_unit`` in batch output: the unit of the top OPD, from the location columns when present."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from batch.rows import OUTPUT_COLUMNS
from batch.run import BatchOptions, classify_file

KELURAHAN_TEXT = "Surat pengantar RT untuk kartu keluarga belum ditandatangani pak lurah"


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["B1", "B2", "B3", "B4", "B5"],
            "teks": [
                KELURAHAN_TEXT,
                KELURAHAN_TEXT,
                "",
                "Surat pengantar RT dari kelurahan Wonoasri belum ditandatangani pak lurah",
                "Lampu lalu lintas di perempatan mati sejak kemarin",
            ],
            "kec": ["Sukamaju", "Tanjungsari", "Sukamaju", "", "Sukamaju"],
            "kel": ["Mekarsari", "Wonoasri", "Mekarsari", "", ""],
        }
    )


@pytest.mark.parametrize("jobs", [1, 2])
def test_predicted_unit_uses_the_location_columns(tmp_path: Path, unit_model_dir: Path, jobs: int) -> None:
    source = tmp_path / "masuk.csv"
    _frame().to_csv(source, index=False)
    options = BatchOptions(kecamatan_column="kec", kelurahan_column="kel", progress=False, jobs=jobs, chunk_size=2)
    classify_file(source, tmp_path / "keluar.csv", unit_model_dir, options)
    result = pd.read_csv(tmp_path / "keluar.csv", dtype=str, keep_default_na=False)
    assert list(result.columns) == ["id", "teks", "kec", "kel", *OUTPUT_COLUMNS]
    assert OUTPUT_COLUMNS[-1] == "predicted_unit"
    assert result["predicted_unit"].tolist() == [
        "Kelurahan Mekarsari",
        "Kelurahan Wonoasri",
        "",  # an empty text gets no prediction
        "Kelurahan Wonoasri",  # no location fields: the place named in the text
        "Dinas Perhubungan",
    ]


def test_predicted_unit_without_location_columns_comes_from_the_text(tmp_path: Path, unit_model_dir: Path) -> None:
    source = tmp_path / "masuk.jsonl"
    _frame().drop(columns=["kec", "kel"]).to_json(source, orient="records", lines=True)
    classify_file(source, tmp_path / "keluar.jsonl", unit_model_dir, BatchOptions(progress=False))
    result = pd.read_json(tmp_path / "keluar.jsonl", lines=True, dtype=False)
    units = result["predicted_unit"].tolist()
    assert units[0] == "Kecamatan/Kelurahan" and units[3] == "Kelurahan Wonoasri" and units[4] == "Dinas Perhubungan"


def test_predicted_unit_is_the_opd_for_a_model_without_units(tmp_path: Path, sample_model_dir: Path) -> None:
    source = tmp_path / "masuk.csv"
    _frame().to_csv(source, index=False)
    classify_file(source, tmp_path / "keluar.csv", sample_model_dir, BatchOptions(progress=False))
    result = pd.read_csv(tmp_path / "keluar.csv", dtype=str, keep_default_na=False)
    assert result["predicted_unit"].tolist() == result["predicted_opd"].tolist()
    assert result["predicted_unit"].tolist()[2] == ""
