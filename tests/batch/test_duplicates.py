"""classify --duplicates: earlier rows only, the same answers for every engine, bad input, the report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from batch.duplicates import DUPLICATE_COLUMNS, DuplicateFinder
from batch.run import BatchError, BatchOptions, classify_file
from benchmarks.resubmit import speed_input

# Team-written complaints (no real data).
POTHOLE = "Jalan di depan SDN 3 Kenjeran berlubang besar, sudah dua motor jatuh minggu ini, mohon segera diperbaiki"
ROWS = [
    ("D1", "2024-03-01", "Tambak Wedi", POTHOLE),
    ("D2", "2024-03-01", "Tambak Wedi", "Sampah di pasar Keputran tidak diangkut sudah seminggu, bau sekali"),
    (
        "D3",
        "2024-03-02",
        "Tambak Wedi",
        "selamat pagi pak, " + POTHOLE.upper() + " sudah lapor tapi belum ada tanggapan",
    ),
    ("D4", "2024-03-02", "Tambak Wedi", ""),
    ("D5", "2024-03-03", "Sidodadi", "Lampu PJU di jalan Sidodadi mati sejak tiga hari, gelap sekali kalau malam"),
    (
        "D6",
        "2024-03-04",
        "Tambak Wedi",
        "jalan  di dpn sdn 3 kenjeran berlubnag besar, udah dua motor jatuh minggu ini",
    ),
    ("D7", "2024-03-05", "Sidodadi", "Tolong lampu PJU mati di jalan Sidodadi dekat masjid, malam gelap sekali"),
]


def write_rows(path: Path, rows: list[tuple[str, str, str, str]] = ROWS) -> Path:
    frame = pd.DataFrame(rows, columns=["id", "tanggal", "kelurahan", "teks"])
    frame.to_csv(path, index=False)
    return path


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def options(**kwargs: object) -> BatchOptions:
    return BatchOptions(progress=False, duplicates=True, **kwargs)  # type: ignore[arg-type]


def test_duplicate_columns_point_at_earlier_rows(tmp_path: Path, sample_model_dir: Path) -> None:
    out = tmp_path / "keluar.csv"
    summary = classify_file(write_rows(tmp_path / "masuk.csv"), out, sample_model_dir, options(chunk_size=2))
    frame = read(out).set_index("id")
    assert list(frame.columns[-3:]) == list(DUPLICATE_COLUMNS)
    assert frame.loc["D3", "duplicate_of"] == "D1" and frame.loc["D3", "duplicate_kind"] == "ulang"
    assert frame.loc["D6", "duplicate_of"] == "D1" and frame.loc["D6", "duplicate_kind"] == "ulang"
    assert 0.4 <= float(frame.loc["D6", "duplicate_score"]) <= 1.0
    for row in ("D1", "D2", "D4", "D5"):  # the first of its kind, or an empty text
        assert frame.loc[row, "duplicate_of"] == "" and frame.loc[row, "duplicate_kind"] == ""
    order = list(frame.index)
    for row, earlier in frame["duplicate_of"].items():
        if earlier:
            assert order.index(earlier) < order.index(row)
    assert summary["duplicates"]["groups"] >= 1
    assert summary["duplicates"]["largest"][0] == {"id": "D1", "rows": 3}


def test_jobs_give_the_same_duplicates(tmp_path: Path, sample_model_dir: Path) -> None:
    source = write_rows(tmp_path / "masuk.csv", ROWS * 30)
    one, two = tmp_path / "satu.csv", tmp_path / "dua.csv"
    classify_file(source, one, sample_model_dir, options(chunk_size=7, jobs=1))
    classify_file(source, two, sample_model_dir, options(chunk_size=7, jobs=2))
    assert one.read_bytes() == two.read_bytes()
    assert (read(one)["duplicate_of"] != "").sum() > 150


def test_dask_engine_gives_the_same_duplicates(tmp_path: Path, sample_model_dir: Path) -> None:
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    source = write_rows(tmp_path / "masuk.csv", ROWS * 10)
    local, dask = tmp_path / "lokal.csv", tmp_path / "dask.csv"
    classify_file(source, local, sample_model_dir, options(chunk_size=5))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        dask_options = options(engine="dask", scheduler=cluster.scheduler_address, partition_bytes=300)
        summary = classify_file(source, dask, sample_model_dir, dask_options)
    assert "partitions" in summary["engine"]
    assert local.read_bytes() == dask.read_bytes()


def test_a_file_with_one_row_has_no_duplicate(tmp_path: Path, sample_model_dir: Path) -> None:
    out = tmp_path / "keluar.csv"
    summary = classify_file(write_rows(tmp_path / "masuk.csv", ROWS[:1]), out, sample_model_dir, options())
    frame = read(out)
    assert frame["duplicate_of"].tolist() == [""]
    assert summary["duplicates"] == {"rows": 0, "ulang": 0, "terkait": 0, "groups": 0, "largest": []}


def test_every_row_identical_is_one_group_of_the_first_row(tmp_path: Path, sample_model_dir: Path) -> None:
    rows = [(f"S{i}", "2024-03-01", "Tambak Wedi", POTHOLE) for i in range(25)]
    out = tmp_path / "keluar.csv"
    summary = classify_file(write_rows(tmp_path / "masuk.csv", rows), out, sample_model_dir, options(chunk_size=4))
    frame = read(out)
    assert frame["duplicate_of"].tolist() == [""] + ["S0"] * 24
    assert set(frame["duplicate_kind"][1:]) == {"ulang"}
    assert summary["duplicates"]["groups"] == 1
    assert summary["duplicates"]["largest"] == [{"id": "S0", "rows": 25}]


def test_rows_without_an_id_column_are_named_by_row_number(tmp_path: Path, sample_model_dir: Path) -> None:
    source = tmp_path / "masuk.csv"
    pd.DataFrame({"teks": [POTHOLE, "Sampah menumpuk di pasar", POTHOLE]}).to_csv(source, index=False)
    out = tmp_path / "keluar.csv"
    classify_file(source, out, sample_model_dir, options(chunk_size=1))
    assert read(out)["duplicate_of"].tolist() == ["", "", "#1"]


def test_without_the_option_there_are_no_duplicate_columns(tmp_path: Path, sample_model_dir: Path) -> None:
    out = tmp_path / "keluar.csv"
    summary = classify_file(write_rows(tmp_path / "masuk.csv"), out, sample_model_dir, BatchOptions(progress=False))
    assert not set(DUPLICATE_COLUMNS) & set(read(out).columns)
    assert "duplicates" not in summary


def test_the_report_counts_duplicate_groups(tmp_path: Path, sample_model_dir: Path) -> None:
    report = tmp_path / "laporan.html"
    source = write_rows(tmp_path / "masuk.csv")
    classify_file(source, tmp_path / "keluar.csv", sample_model_dir, options(), report=report)
    page = report.read_text(encoding="utf-8")
    assert "Pengaduan serupa" in page
    assert "<td>D1</td><td>3</td>" in page
    assert POTHOLE not in page  # ids and counts only, never text


def test_bad_window_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="duplicate_window_days must be at least 0, got -1"):
        BatchOptions(duplicates=True, duplicate_window_days=-1)


def test_missing_text_column_is_still_a_batch_error(tmp_path: Path, sample_model_dir: Path) -> None:
    source = tmp_path / "masuk.csv"
    pd.DataFrame({"isi": ["jalan rusak"]}).to_csv(source, index=False)
    with pytest.raises(BatchError, match='text column "teks" not in'):
        classify_file(source, tmp_path / "keluar.csv", sample_model_dir, options())


def _speed_rows(tmp_path: Path, samples_csv: Path, rows: int) -> Path:
    """``rows`` rows as the duplicates benchmark makes them (re-worded copies of earlier complaints), from the
    team-written samples with invented places and dates."""
    frame = pd.read_csv(samples_csv, dtype=str)
    rng = np.random.default_rng(3)
    frame["kelurahan"] = rng.choice(["Tambak Wedi", "Sidodadi", "Keputran", None], size=len(frame))
    frame["kecamatan"] = rng.choice(["Kenjeran", "Simokerto", None], size=len(frame))
    frame["tanggal"] = [f"2024-03-{day:02d}" for day in rng.integers(1, 29, size=len(frame))]
    return speed_input(frame, rows, tmp_path / "masuk.csv", seed=4, originals_share=0.12)


def test_duplicates_equal_a_plain_search_of_the_texts(
    tmp_path: Path, sample_model_dir: Path, samples_csv: Path
) -> None:
    # The batch job hashes the words the router has read; a plain search reads the texts again
    # (SimilarityIndex.prepare of the texts): every answer must be the same.
    source = _speed_rows(tmp_path, samples_csv, 3000)
    outputs = {jobs: tmp_path / f"keluar-{jobs}.csv" for jobs in (1, 2)}
    for jobs, out in outputs.items():
        classify_file(source, out, sample_model_dir, options(chunk_size=400, jobs=jobs))
    routed = read(outputs[1])
    finder = DuplicateFinder(options())
    plain = finder.mark(routed.drop(columns=list(DUPLICATE_COLUMNS)))  # one chunk, prepared from the texts
    assert plain["duplicate_of"].fillna("").tolist() == routed["duplicate_of"].tolist()
    assert plain["duplicate_kind"].fillna("").tolist() == routed["duplicate_kind"].tolist()
    scores = pd.to_numeric(routed["duplicate_score"])
    assert np.allclose(plain["duplicate_score"], scores, equal_nan=True, rtol=0, atol=0)
    assert outputs[1].read_bytes() == outputs[2].read_bytes()
    kinds = routed["duplicate_kind"].value_counts()
    assert kinds["ulang"] > 2000 and kinds.get("terkait", 0) > 0  # both rules ran on this input
