"""batch.run: every row kept in order with its error, all formats, --jobs, interrupted runs, summary, report."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from batch import run as batch
from batch.rows import OUTPUT_COLUMNS, route_texts
from batch.run import BatchError, BatchOptions, classify_file

ONE_MB_TEXT = "jalan berlubang di depan pasar " * 35_000  # about 1 MB

# Team-written complaints (no real data), with the error each row must get.
ROWS: list[tuple[str, bytes, str]] = [
    ("A1", b"Jalan di depan SDN 3 berlubang besar, sudah dua motor jatuh minggu ini", ""),
    ("A2", b"", "empty text"),
    ("A3", b"   ", "empty text"),
    ("A4", b"Sampah di pasar tidak diangkut sudah seminggu, bau sekali", ""),
    ("A5", ONE_MB_TEXT.encode(), "too long (over 20000 characters)"),
    ("A6", b"\x00\xff\xfe\x80\x81 junk", "undecodable text"),
    ("A7", "Lampu jalan mati di gang Kenanga, caf\u00e9 gelap".encode("latin-1"), "undecodable text"),
    ("A8", b'Banjir setinggi lutut, "air masuk rumah"\nmohon segera dibantu', ""),
    ("A9", b"NA", ""),
]


def _quote(value: bytes) -> bytes:
    return b'"' + value.replace(b'"', b'""') + b'"'


def write_bad_csv(path: Path, repeat: int = 1) -> Path:
    lines = [b"id,teks,kode"] + [b",".join([i.encode(), _quote(t), b"007"]) for i, t, _ in ROWS * repeat]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def read_any(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    if path.suffix == ".jsonl":
        return pd.read_json(path, lines=True, dtype=False)
    return pd.read_parquet(path)


def write_input(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    else:
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return path


def good_frame(n: int = 12) -> pd.DataFrame:
    texts = [
        "Jalan rusak parah di depan puskesmas, banyak lubang",
        "Anak saya belum dapat jatah seragam sekolah gratis",
        "Ada kebakaran gudang di dekat rumah, asap tebal sekali",
        "Pelayanan KTP di kecamatan lama, antre dari pagi",
    ]
    return pd.DataFrame(
        {"id": [f"K{i:03d}" for i in range(n)], "teks": [texts[i % len(texts)] for i in range(n)], "rt": list(range(n))}
    )


def test_bad_rows_are_kept_in_order_with_their_error(tmp_path: Path, sample_model_dir: Path) -> None:
    source = write_bad_csv(tmp_path / "masuk.csv")
    out = tmp_path / "keluar.csv"
    summary = classify_file(source, out, sample_model_dir, BatchOptions(chunk_size=4, progress=False))
    result = read_any(out)
    assert result["id"].tolist() == [i for i, _, _ in ROWS]
    assert result["error"].tolist() == [e for _, _, e in ROWS]
    assert result["kode"].tolist() == ["007"] * len(ROWS)  # values kept verbatim
    assert list(result.columns) == ["id", "teks", "kode", *OUTPUT_COLUMNS]
    routed = result[result["error"] == ""]
    assert (routed["predicted_opd"] != "").all()
    assert routed["top3_opd"].map(lambda v: len(json.loads(v))).eq(3).all()
    assert (result.loc[result["error"] != "", "predicted_opd"] == "").all()
    assert set(result["needs_review"]) <= {"true", "false"}
    assert (result.loc[result["error"] != "", "needs_review"] == "true").all()
    assert set(result["review_reason"]) <= {"", "ragu", "di_luar_cakupan"}
    assert (routed["review_reason"] != "").eq(routed["needs_review"] == "true").all()
    assert summary["rows"] == len(ROWS)
    assert summary["errors"] == {"empty text": 2, "undecodable text": 2, "too long (over 20000 characters)": 1}
    assert summary["error_examples"]["undecodable text"] == ["A6", "A7"]
    assert summary["classified"] == sum(summary["opd"].values()) == 4


def test_undecodable_bytes_become_replacement_characters_in_output(tmp_path: Path, sample_model_dir: Path) -> None:
    source = write_bad_csv(tmp_path / "masuk.csv")
    out = tmp_path / "keluar.jsonl"
    classify_file(source, out, sample_model_dir, BatchOptions(progress=False))
    text = out.read_text(encoding="utf-8")  # strict: the output is valid UTF-8
    assert "caf\ufffd gelap" in text


@pytest.mark.parametrize("in_suffix", [".csv", ".jsonl", ".parquet"])
@pytest.mark.parametrize("out_suffix", [".csv", ".jsonl", ".parquet"])
def test_formats_in_and_out_give_the_same_predictions(
    tmp_path: Path, sample_model_dir: Path, sample_router: Any, in_suffix: str, out_suffix: str
) -> None:
    source = write_input(good_frame(), tmp_path / f"masuk{in_suffix}")
    out = tmp_path / f"keluar{out_suffix}"
    classify_file(source, out, sample_model_dir, BatchOptions(chunk_size=5, progress=False))
    result = read_any(out)
    assert result["id"].tolist() == good_frame()["id"].tolist()
    assert result["rt"].astype(int).tolist() == list(range(12))
    direct = route_texts(sample_router, good_frame()["teks"].tolist())
    assert result["predicted_opd"].tolist() == direct["predicted_opd"]
    assert result["opd_confidence"].astype(float).tolist() == pytest.approx(direct["opd_confidence"], abs=1e-9)
    assert result["predicted_urgency"].tolist() == direct["predicted_urgency"]


def test_jsonl_missing_null_and_invalid_lines_are_rows_with_errors(tmp_path: Path, sample_model_dir: Path) -> None:
    source = tmp_path / "masuk.jsonl"
    source.write_text(
        '{"id": 1, "teks": "Got mampet, air meluap ke jalan"}\n'
        '{"id": 2}\n'
        "\n"
        '{"id": 3, "teks": null}\n'
        "bukan json\n"
        '{"id": 5, "teks": "Pohon tumbang menutup jalan raya"}\n'
        '{"id": 6, "teks": "Emoji rusak \\ud83d di sini", "lain": "\\udc80"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "keluar.parquet"
    classify_file(source, out, sample_model_dir, BatchOptions(progress=False))
    result = read_any(out)
    assert result["error"].tolist() == ["", "missing text", "missing text", "invalid JSON line", "", "undecodable text"]
    assert result["lain"].tolist()[-1] == "\ufffd"


def test_jsonl_chunk_of_only_invalid_lines_keeps_its_rows(tmp_path: Path, sample_model_dir: Path) -> None:
    source = tmp_path / "masuk.jsonl"
    source.write_bytes(b'{"teks": "Jalan rusak"}\n[1]\n"teks"\n{"teks": "caf\xe9"}\n')
    out = tmp_path / "keluar.jsonl"
    classify_file(source, out, sample_model_dir, BatchOptions(chunk_size=1, progress=False))
    errors = [json.loads(line)["error"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert errors == ["", "invalid JSON line", "invalid JSON line", "undecodable text"]


def test_parquet_types_are_kept(tmp_path: Path, sample_model_dir: Path) -> None:
    table = pa.table({"id": pa.array([1, None, 3], pa.int64()), "teks": ["Jalan rusak", None, "Banjir di gang"]})
    source = tmp_path / "masuk.parquet"
    pq.write_table(table, source)
    out = tmp_path / "keluar.parquet"
    classify_file(source, out, sample_model_dir, BatchOptions(chunk_size=2, progress=False))
    result = pq.read_table(out)
    assert result.schema.field("id").type == pa.int64()
    assert result.column("id").to_pylist() == [1, None, 3]
    assert result.column("needs_review").type == pa.bool_()
    assert result.column("error").to_pylist() == ["", "missing text", ""]


def test_jobs_2_gives_exactly_the_output_of_jobs_1(tmp_path: Path, sample_model_dir: Path) -> None:
    source = write_bad_csv(tmp_path / "masuk.csv", repeat=3)
    one, two = tmp_path / "satu.csv", tmp_path / "dua.csv"
    classify_file(source, one, sample_model_dir, BatchOptions(jobs=1, chunk_size=4, progress=False))
    summary = classify_file(source, two, sample_model_dir, BatchOptions(jobs=2, chunk_size=4, progress=False))
    assert summary["rows"] == 3 * len(ROWS)
    assert one.read_bytes() == two.read_bytes()


class _FailingWriter:
    """Writes one chunk, then fails as a full disk or Ctrl-C would."""

    def __init__(self, inner: Any, error: BaseException) -> None:
        self.inner = inner
        self.error = error
        self.chunks = 0

    def write(self, frame: pd.DataFrame) -> None:
        if self.chunks == 1:
            raise self.error
        self.inner.write(frame)
        self.chunks += 1

    def close(self) -> None:
        self.inner.close()


@pytest.mark.parametrize(
    ("error", "expected", "match"),
    [
        (KeyboardInterrupt("Ctrl-C"), KeyboardInterrupt, "Ctrl-C"),
        (OSError(28, "No space left on device"), BatchError, "No space left on device"),
        (RuntimeError("bug in a chunk"), RuntimeError, "bug in a chunk"),
    ],
)
def test_interrupted_run_leaves_no_output_nor_temp_file(
    tmp_path: Path,
    sample_model_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    error: BaseException,
    expected: type[BaseException],
    match: str,
) -> None:
    source = write_input(good_frame(20), tmp_path / "masuk.csv")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    real_open_writer = batch.open_writer
    monkeypatch.setattr(
        batch, "open_writer", lambda path, fmt, delimiter: _FailingWriter(real_open_writer(path, fmt, delimiter), error)
    )
    with pytest.raises(expected, match=match):
        classify_file(source, out_dir / "keluar.csv", sample_model_dir, BatchOptions(chunk_size=5, progress=False))
    assert list(out_dir.iterdir()) == []


def test_failed_run_keeps_the_previous_complete_output(
    tmp_path: Path, sample_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_input(good_frame(), tmp_path / "masuk.csv")
    out = tmp_path / "keluar.csv"
    out.write_text("hasil lama\n", encoding="utf-8")
    real_open_writer = batch.open_writer
    monkeypatch.setattr(
        batch,
        "open_writer",
        lambda path, fmt, delimiter: _FailingWriter(
            real_open_writer(path, fmt, delimiter), KeyboardInterrupt("Ctrl-C")
        ),
    )
    with pytest.raises(KeyboardInterrupt, match="Ctrl-C"):
        classify_file(source, out, sample_model_dir, BatchOptions(chunk_size=5, progress=False))
    assert out.read_text(encoding="utf-8") == "hasil lama\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keluar.csv", "masuk.csv"]


@pytest.mark.parametrize(
    ("input_name", "body", "match"),
    [
        ("masuk.csv", b"id,isi\n1,jalan rusak\n", 'text column "teks" not in .*masuk.csv columns: id, isi'),
        ("masuk.txt", b"jalan rusak\n", "unknown extension '.txt'"),
        ("masuk.csv", b"", "is empty"),
        ("masuk.parquet", b"bukan parquet", "cannot read input"),
        ("masuk.csv", b'id,teks\n1,"jalan rusak\n', "not a valid CSV"),
    ],
)
def test_bad_input_is_a_one_line_batch_error(
    tmp_path: Path, sample_model_dir: Path, input_name: str, body: bytes, match: str
) -> None:
    source = tmp_path / input_name
    source.write_bytes(body)
    with pytest.raises(BatchError, match=match):
        classify_file(source, tmp_path / "keluar.csv", sample_model_dir, BatchOptions(progress=False))
    assert not (tmp_path / "keluar.csv").exists()


def test_header_only_csv_gives_header_only_output(tmp_path: Path, sample_model_dir: Path) -> None:
    source = tmp_path / "masuk.csv"
    source.write_text("id,teks\n", encoding="utf-8")
    summary = classify_file(source, tmp_path / "keluar.csv", sample_model_dir, BatchOptions(progress=False))
    assert summary["rows"] == 0
    header = (tmp_path / "keluar.csv").read_text(encoding="utf-8").splitlines()
    assert header == ['"id","teks",' + ",".join(f'"{c}"' for c in OUTPUT_COLUMNS)]


def test_empty_jsonl_gives_an_empty_output(tmp_path: Path, sample_model_dir: Path) -> None:
    source = tmp_path / "masuk.jsonl"
    source.write_text("\n", encoding="utf-8")
    summary = classify_file(source, tmp_path / "keluar.parquet", sample_model_dir, BatchOptions(progress=False))
    assert summary["rows"] == 0
    assert pq.read_table(tmp_path / "keluar.parquet").column_names == list(OUTPUT_COLUMNS)


def test_output_must_not_overwrite_the_input(tmp_path: Path, sample_model_dir: Path) -> None:
    source = write_input(good_frame(), tmp_path / "masuk.csv")
    with pytest.raises(BatchError, match="is the input file"):
        classify_file(source, source, sample_model_dir, BatchOptions(progress=False))


def test_too_long_limit_is_configurable(tmp_path: Path, sample_model_dir: Path) -> None:
    frame = good_frame(4)
    limit = int(frame["teks"].str.len().median())
    expected = int((frame["teks"].str.len() > limit).sum())
    assert 0 < expected < 4
    source = write_input(frame, tmp_path / "masuk.csv")
    options = BatchOptions(max_chars=limit, progress=False)
    summary = classify_file(source, tmp_path / "keluar.csv", sample_model_dir, options)
    assert summary["errors"] == {f"too long (over {limit} characters)": expected}


def test_report_is_self_contained_html_without_complaint_text(tmp_path: Path, sample_model_dir: Path) -> None:
    source = write_bad_csv(tmp_path / "masuk.csv")
    report = tmp_path / "laporan.html"
    summary = classify_file(
        source, tmp_path / "keluar.csv", sample_model_dir, BatchOptions(progress=False), report=report
    )
    page = report.read_text(encoding="utf-8")
    assert summary["report"] == str(report)
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert "Pengaduan per OPD menurut urgensi" in page
    for name in summary["opd"]:
        assert name in page
    assert "src=" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "berlubang besar" not in page  # counts and ids only


@pytest.mark.parametrize(
    ("terminal", "progress", "shown"), [(True, True, True), (True, False, False), (False, True, False)]
)
def test_progress_bar_only_on_a_terminal_and_not_quiet(
    tmp_path: Path,
    sample_model_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    terminal: bool,
    progress: bool,
    shown: bool,
) -> None:
    source = write_input(good_frame(), tmp_path / "masuk.csv")
    monkeypatch.setattr(batch, "_stderr_is_terminal", lambda: terminal)
    classify_file(source, tmp_path / "keluar.csv", sample_model_dir, BatchOptions(chunk_size=5, progress=progress))
    err = capsys.readouterr().err
    assert ("rows/s" in err and "12/" in err) is shown, err


def test_route_texts_columns_match_the_router(sample_router: Any) -> None:
    texts = ["jalan berlubang besar di depan pasar", "air pdam tidak mengalir tiga hari", "minta KTP baru"]
    routed = route_texts(sample_router, texts)
    suggestions = sample_router.suggest(texts, explain=False)
    for i, s in enumerate(suggestions):
        names = [name for name, _ in s.opd[:3]]
        assert routed["top3_opd"][i] == json.dumps(names, ensure_ascii=False)
        assert routed["predicted_opd"][i] == s.top_opd
        assert routed["opd_confidence"][i] == round(s.top_score, 4)
        assert routed["predicted_urgency"][i] == s.urgency
        assert routed["urgency_confidence"][i] == round(s.urgency_score, 4)
        assert routed["needs_review"][i] is s.needs_review
        assert routed["review_reason"][i] == s.review_reason


@pytest.mark.parametrize(("threads", "method"), [(1, "fork"), (3, "spawn")])
def test_workers_are_forked_only_from_a_single_threaded_process(
    monkeypatch: pytest.MonkeyPatch, sample_router: Any, tmp_path: Path, threads: int, method: str
) -> None:
    if batch.sys.platform != "linux":
        pytest.skip("workers are forked only on Linux")
    monkeypatch.setattr(batch.threading, "active_count", lambda: threads)
    pool = batch._pool(1, tmp_path, sample_router)
    try:
        assert pool._mp_context.get_start_method() == method
    finally:
        pool.shutdown()


def test_progress_bar_starts_no_monitor_thread() -> None:
    with batch._Bar(total=10, disable=False, file=io.StringIO()) as bar:
        bar.update(5)
        assert batch._Bar.monitor is None


# -- options that come from the input: delimiter, labels, encoding ----------------------------------


def test_excel_semicolon_csv_is_read_and_the_output_keeps_its_delimiter(tmp_path: Path, sample_model_dir: Path) -> None:
    source = tmp_path / "excel.csv"
    source.write_text(
        "id;teks\nE1;Jalan rusak, berlubang, mohon diperbaiki\nE2;Sampah menumpuk di pasar\n", encoding="utf-8"
    )
    out = tmp_path / "keluar.csv"
    summary = classify_file(source, out, sample_model_dir, BatchOptions(progress=False))
    assert summary["classified"] == 2
    header, *rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines(), delimiter=";"))
    assert header[:3] == ["id", "teks", "predicted_opd"]
    assert [row[0] for row in rows] == ["E1", "E2"]
    assert rows[0][1] == "Jalan rusak, berlubang, mohon diperbaiki"
    assert all(row[header.index("predicted_opd")] for row in rows)


def test_a_given_delimiter_wins_over_detection(tmp_path: Path, sample_model_dir: Path) -> None:
    source = tmp_path / "tab.csv"
    source.write_text("id\tteks\nT1\tLampu jalan mati; gelap\n", encoding="utf-8")
    out = tmp_path / "keluar.csv"
    classify_file(source, out, sample_model_dir, BatchOptions(delimiter="\t", progress=False))
    frame = pd.read_csv(out, sep="\t", dtype=str, keep_default_na=False)
    assert frame.loc[0, "teks"] == "Lampu jalan mati; gelap"
    assert frame.loc[0, "error"] == ""


@pytest.mark.parametrize(("value", "match"), [(";;", "delimiter must be one character"), ("", "one character")])
def test_bad_delimiter_is_refused(value: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        BatchOptions(delimiter=value)


def test_default_output_sits_beside_the_input_and_never_is_it(tmp_path: Path, sample_model_dir: Path) -> None:
    assert batch.default_output(tmp_path / "backlog.csv") == tmp_path / "backlog.routed.csv"
    assert batch.default_output("data/x.routed.parquet") == Path("data/x.routed.routed.parquet")
    with pytest.raises(BatchError, match="glob of files: give the output file with --output"):
        batch.default_output("masuk/*.csv")
    source = write_input(good_frame(3), tmp_path / "backlog.csv")
    before = source.read_bytes()
    summary = classify_file(source, None, sample_model_dir, BatchOptions(progress=False))
    assert summary["output"] == str(tmp_path / "backlog.routed.csv")
    assert len(pd.read_csv(tmp_path / "backlog.routed.csv")) == 3
    assert source.read_bytes() == before


def test_accuracy_by_opd_when_the_input_has_an_opd_column(
    tmp_path: Path, sample_model_dir: Path, samples_csv: Path
) -> None:
    frame = pd.read_csv(samples_csv, dtype=str, keep_default_na=False).head(60)
    source = write_input(frame[["id", "teks", "opd"]], tmp_path / "berlabel.csv")
    out = tmp_path / "keluar.csv"
    summary = classify_file(source, out, sample_model_dir, BatchOptions(progress=False))
    accuracy = summary["accuracy"]
    result = pd.read_csv(out, dtype=str, keep_default_na=False)
    right = int((result["opd"] == result["predicted_opd"]).sum())
    assert (accuracy["column"], accuracy["rows"], accuracy["correct"]) == ("opd", 60, right)
    assert accuracy["accuracy"] == round(right / 60, 4)
    by_opd = accuracy["by_opd"]
    assert set(by_opd) == set(frame["opd"])
    for name, row in by_opd.items():
        mine = result[result["opd"] == name]
        assert (row["rows"], row["correct"]) == (len(mine), int((mine["predicted_opd"] == name).sum()))


def test_no_accuracy_without_labels_and_a_named_missing_column_is_an_error(
    tmp_path: Path, sample_model_dir: Path
) -> None:
    source = write_input(good_frame(3), tmp_path / "masuk.csv")
    summary = classify_file(source, tmp_path / "keluar.csv", sample_model_dir, BatchOptions(progress=False))
    assert summary["accuracy"] is None
    with pytest.raises(BatchError, match=r'OPD column "dinas" not in .*masuk.csv columns: id, teks, rt'):
        classify_file(source, tmp_path / "lagi.csv", sample_model_dir, BatchOptions(opd_column="dinas", progress=False))


def test_undecodable_rows_hint_at_cp1252(tmp_path: Path, sample_model_dir: Path) -> None:
    source = tmp_path / "windows.csv"
    source.write_bytes("id;teks\nW1;Jalan di depan caf\u00e9 rusak\nW2;Sampah menumpuk\n".encode("cp1252"))
    summary = classify_file(source, tmp_path / "keluar.csv", sample_model_dir, BatchOptions(progress=False))
    assert summary["errors"] == {"undecodable text": 1}
    assert any("--encoding cp1252" in hint for hint in summary["hints"])
    again = classify_file(
        source, tmp_path / "lagi.csv", sample_model_dir, BatchOptions(encoding="cp1252", progress=False)
    )
    assert again["errors"] == {} and again["hints"] == []


def test_report_lists_the_complaints_to_act_on_and_accuracy_by_opd(
    tmp_path: Path, sample_model_dir: Path, samples_csv: Path
) -> None:
    frame = pd.read_csv(samples_csv, dtype=str, keep_default_na=False).head(80)[["id", "teks", "opd"]]
    unclear = ["halo selamat pagi", "mohon info", "qwerty asdf zxcv"]  # unlabelled, vague: flagged for review
    frame = pd.concat([frame, pd.DataFrame({"id": ["U1", "U2", "U3"], "teks": unclear, "opd": ""})])
    source = write_input(frame, tmp_path / "masuk.csv")
    report = tmp_path / "laporan.html"
    out = tmp_path / "keluar.csv"
    summary = classify_file(source, out, sample_model_dir, BatchOptions(progress=False), report=report)
    page = report.read_text(encoding="utf-8")
    result = pd.read_csv(out, dtype=str, keep_default_na=False)
    urgent = result[result["predicted_urgency"] == "tinggi"]
    review = result[(result["needs_review"] == "true") & (result["predicted_urgency"] != "tinggi")]
    assert len(urgent) and len(review), "the sample rows should give both kinds"
    section = page[page.index('id="tindak-lanjut"') : page.index('id="akurasi"')]
    for row_id in [*urgent["id"], *review["id"]]:
        assert f"<td>{row_id}</td>" in section
    assert section.count("<tr><td>") == len(urgent) + len(review)
    accuracy = page[page.index('id="akurasi"') :]
    assert f"{100 * summary['accuracy']['accuracy']:.1f}% benar" in accuracy
    for name in summary["accuracy"]["by_opd"]:
        assert name in accuracy
    for text in frame["teks"]:
        assert text not in page  # ids and predictions only, never complaint text


def test_report_escapes_what_comes_from_the_input(tmp_path: Path, sample_model_dir: Path) -> None:
    frame = good_frame(4)
    frame["id"] = ["<script>alert(1)</script>", "K1", "K2", "K3"]
    source = write_input(frame, tmp_path / "masuk.csv")
    report = tmp_path / "laporan.html"
    classify_file(source, tmp_path / "keluar.csv", sample_model_dir, BatchOptions(progress=False), report=report)
    page = report.read_text(encoding="utf-8")
    assert "<script>" not in page
