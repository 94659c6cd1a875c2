"""batch.cluster: the Dask engine gives the local engine's output, over one file or a glob."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from batch.cluster import csv_record_ranges, line_ranges
from batch.run import BatchError, BatchOptions, classify_file

pytest.importorskip("distributed")

# Quoted line breaks and quotes inside the text: partition cuts must never fall inside a record.
CSV_BODY = (
    "id,teks\n"
    '1,"Jalan rusak di depan balai RW,\nlubangnya dalam"\n'
    '2,"Warga bilang ""banjir lagi"" di perumahan\nair setinggi lutut\n"\n'
    "3,\n"
    "4,Sampah tidak diangkut sejak Senin\n"
    '5,"Pohon tumbang menutup jalan, ""tolong"" segera"\n'
)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def write_files(folder: Path) -> list[Path]:
    folder.mkdir()
    first = folder / "bagian-1.csv"
    first.write_bytes(CSV_BODY.encode() + b"6,Lampu jalan mati caf\xe9\n")
    second = folder / "bagian-2.csv"
    second.write_text(CSV_BODY.replace("\n1,", "\n11,"), encoding="utf-8")
    return [first, second]


def test_csv_cuts_fall_on_record_boundaries(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(CSV_BODY * 20, encoding="utf-8")
    header, ranges = csv_record_ranges(path, block_bytes=40)
    data = path.read_bytes()
    assert data[:header] == b"id,teks\n"
    assert len(ranges) > 10
    assert ranges[0][0] == header and ranges[-1][1] == len(data)
    for start, stop in ranges:
        assert data[start:stop].count(b'"') % 2 == 0  # no quoted field is cut in two
        assert data[stop - 1 : stop] == b"\n"


def test_jsonl_cuts_fall_on_newlines(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": 1, "teks": "jalan rusak"}\n' * 50, encoding="utf-8")
    ranges = line_ranges(path, block_bytes=100)
    assert len(ranges) > 5
    assert all(path.read_bytes()[stop - 1 : stop] == b"\n" for _, stop in ranges)


@pytest.mark.parametrize("out_suffix", [".csv", ".parquet"])
def test_dask_engine_gives_the_local_output(
    tmp_path: Path, sample_model_dir: Path, scheduler: str, out_suffix: str
) -> None:
    first, _ = write_files(tmp_path / "masuk")
    local_out, dask_out = tmp_path / f"lokal{out_suffix}", tmp_path / f"dask{out_suffix}"
    classify_file(first, local_out, sample_model_dir, BatchOptions(chunk_size=2, progress=False))
    options = BatchOptions(engine="dask", scheduler=scheduler, chunk_size=2, partition_bytes=60, progress=False)
    summary = classify_file(first, dask_out, sample_model_dir, options)
    assert "partitions from 1 files" in summary["engine"]
    assert summary["errors"] == {"empty text": 1, "undecodable text": 1}
    if out_suffix == ".csv":
        assert dask_out.read_bytes() == local_out.read_bytes()
    else:  # row groups follow partitions, so compare contents
        import pyarrow.parquet as pq

        assert pq.read_table(dask_out).equals(pq.read_table(local_out))


def test_dask_engine_reads_a_glob_in_order(tmp_path: Path, sample_model_dir: Path, scheduler: str) -> None:
    import pandas as pd

    files = write_files(tmp_path / "masuk")
    out = tmp_path / "semua.jsonl"
    options = BatchOptions(engine="dask", scheduler=scheduler, partition_bytes=50, progress=False)
    summary = classify_file(str(tmp_path / "masuk" / "bagian-*.csv"), out, sample_model_dir, options)
    result = pd.read_json(out, lines=True, dtype=False)
    assert result["id"].tolist() == ["1", "2", "3", "4", "5", "6", "11", "2", "3", "4", "5"]
    assert summary["rows"] == 11
    assert "from 2 files" in summary["engine"]
    single = tmp_path / "satu.jsonl"
    classify_file(files[1], single, sample_model_dir, BatchOptions(progress=False))
    assert out.read_text(encoding="utf-8").endswith(single.read_text(encoding="utf-8"))


def test_dask_engine_checks_the_text_column_before_starting(tmp_path: Path, sample_model_dir: Path) -> None:
    source = tmp_path / "masuk.csv"
    source.write_text("id,isi\n1,jalan rusak\n", encoding="utf-8")
    with pytest.raises(BatchError, match=r'text column "teks" not in .*masuk.csv columns: id, isi'):
        classify_file(source, tmp_path / "keluar.csv", sample_model_dir, BatchOptions(engine="dask", progress=False))


def test_glob_without_match_is_an_error(tmp_path: Path, sample_model_dir: Path) -> None:
    with pytest.raises(BatchError, match="no input file matches"):
        classify_file(
            str(tmp_path / "*.csv"), tmp_path / "k.csv", sample_model_dir, BatchOptions(engine="dask", progress=False)
        )


def test_missing_dask_extra_is_a_clear_error(
    tmp_path: Path, sample_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "masuk.csv"
    source.write_text(CSV_BODY, encoding="utf-8")
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(BatchError, match=r'pip install "disposisi\[distributed\]"'):
        classify_file(source, tmp_path / "keluar.csv", sample_model_dir, BatchOptions(engine="dask", progress=False))
