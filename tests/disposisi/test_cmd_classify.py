"""``disposisi classify``: exit codes, one-line errors, the summary on stderr, SIGTERM cleanup."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from disposisi.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _restore_root_logging() -> Iterator[None]:
    """The CLI points a root log handler at CliRunner's stderr, which closes after each invoke."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


TEXTS = [
    "Jalan berlubang di depan sekolah, mohon segera diperbaiki",
    "Sampah menumpuk di TPS pasar sudah tiga hari",
    "",
    "Lampu penerangan jalan mati sepanjang gang Melati",
]


@pytest.fixture
def complaints_csv(tmp_path: Path) -> Path:
    path = tmp_path / "pengaduan.csv"
    rows = "".join(f'P{i},"{t}"\n' for i, t in enumerate(TEXTS))
    path.write_text("id,teks\n" + rows, encoding="utf-8")
    return path


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in stderr
    return lines[0]


def test_classify_writes_output_and_summary(tmp_path: Path, complaints_csv: Path, sample_model_dir: Path) -> None:
    out = tmp_path / "hasil.jsonl"
    result = runner.invoke(app, ["classify", str(complaints_csv), "--model-dir", str(sample_model_dir), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["P0", "P1", "P2", "P3"]
    assert [r["error"] for r in records] == ["", "", "empty text", ""]
    assert "4 rows -> " in result.stderr
    assert "needs review:" in result.stderr
    assert "empty text: 1 (e.g. P2)" in result.stderr
    assert result.stdout == ""


def test_classify_json_summary_goes_to_stdout(tmp_path: Path, complaints_csv: Path, sample_model_dir: Path) -> None:
    out = tmp_path / "hasil.csv"
    args = ["classify", str(complaints_csv), "--model-dir", str(sample_model_dir), "-o", str(out), "--quiet", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["rows"] == 4
    assert summary["errors"] == {"empty text": 1}
    assert sum(summary["opd"].values()) == 3
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (["--text-column", "isi"], 'text column "isi" not in .*pengaduan.csv columns: id, teks'),
        (["-o", "{tmp}/hasil.xlsx"], "unknown extension '.xlsx'"),
        (["--model-dir", "{tmp}/tidak-ada"], "no model.json in model directory"),
        (["-o", "{tmp}/tidak-ada/hasil.csv"], "output directory .* does not exist"),
        (["--report", "{tmp}/laporan.pdf"], "give it a .html name"),
        (["--scheduler", "tcp://127.0.0.1:1"], "scheduler is only used with engine 'dask'"),
        (["--engine", "spark"], "engine must be one of local, dask"),
    ],
)
def test_user_errors_are_one_line_and_exit_1(
    tmp_path: Path, complaints_csv: Path, sample_model_dir: Path, change: list[str], match: str
) -> None:
    args = {"--model-dir": str(sample_model_dir), "-o": str(tmp_path / "hasil.csv")}
    extra: list[str] = []
    for flag, value in zip(change[::2], change[1::2], strict=True):
        value = value.format(tmp=tmp_path)
        if flag in args:
            args[flag] = value
        else:
            extra += [flag, value]
    argv = ["classify", str(complaints_csv), *[x for kv in args.items() for x in kv], *extra]
    result = runner.invoke(app, argv)
    assert result.exit_code == 1
    line = one_line_error(result.stderr)
    assert re.search(match, line), line
    assert not (tmp_path / "hasil.csv").exists()


def test_unreadable_input_is_one_line(tmp_path: Path, sample_model_dir: Path) -> None:
    result = runner.invoke(
        app, ["classify", str(tmp_path / "tidak-ada.csv"), "--model-dir", str(sample_model_dir), "-o", "x.csv"]
    )
    assert result.exit_code == 1
    assert "does not exist" in one_line_error(result.stderr)


def test_unwritable_output_directory_is_one_line(
    tmp_path: Path, complaints_csv: Path, sample_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    def read_only(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    out = tmp_path / "hasil.csv"
    result = runner.invoke(app, ["classify", str(complaints_csv), "--model-dir", str(sample_model_dir), "-o", str(out)])
    assert result.exit_code == 1
    assert "Read-only file system" in one_line_error(result.stderr)


def test_full_disk_is_one_line_and_leaves_nothing(
    tmp_path: Path, complaints_csv: Path, sample_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from batch import files as batch_io

    def disk_full(self: object, frame: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(batch_io._ArrowWriter, "write", disk_full)
    out_dir = tmp_path / "keluar"
    out_dir.mkdir()
    argv = ["classify", str(complaints_csv), "--model-dir", str(sample_model_dir), "-o", str(out_dir / "hasil.csv")]
    result = runner.invoke(app, argv)
    assert result.exit_code == 1
    assert "No space left on device" in one_line_error(result.stderr)
    assert list(out_dir.iterdir()) == []


def test_sigterm_removes_the_partial_output(tmp_path: Path, sample_model_dir: Path) -> None:
    """A killed run (SIGTERM) exits 143 and leaves neither the output nor its temporary file."""
    source = tmp_path / "banyak.csv"
    rows = "".join(f'B{i},"{TEXTS[i % 2]} nomor {i}"\n' for i in range(200_000))
    source.write_text("id,teks\n" + rows, encoding="utf-8")
    out_dir = tmp_path / "keluar"
    out_dir.mkdir()
    argv = [sys.executable, "-m", "disposisi", "classify", str(source), "--model-dir", str(sample_model_dir)]
    argv += ["-o", str(out_dir / "hasil.csv"), "--chunk-size", "200", "--quiet"]
    process = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 60
    while not any(out_dir.iterdir()) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    temps = [p.name for p in out_dir.iterdir()]
    assert temps and temps[0].startswith(".hasil.csv.") and temps[0].endswith(".tmp"), temps
    time.sleep(0.5)  # let it write some chunks
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert list(out_dir.iterdir()) == []


# -- first use without options: default model dir and output, --quiet, Excel files -----------------


def test_classify_without_output_writes_beside_the_input(complaints_csv: Path, sample_model_dir: Path) -> None:
    before = complaints_csv.read_bytes()
    result = runner.invoke(app, ["classify", str(complaints_csv), "--model-dir", str(sample_model_dir)])
    assert result.exit_code == 0, result.stderr
    routed = complaints_csv.with_name("pengaduan.routed.csv")
    assert f"-> {routed} " in result.stderr
    assert routed.read_text(encoding="utf-8").count("\n") == 1 + len(TEXTS)
    assert complaints_csv.read_bytes() == before


def test_classify_help_says_where_the_output_goes() -> None:
    result = runner.invoke(app, ["classify", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    text = " ".join(re.sub("[│╭╮╰╯─]", " ", result.stdout).split())  # without rich's box around the options
    assert "backlog.csv -> backlog.routed.csv" in text
    assert "never overwritten" in text


def test_classify_uses_serves_model_dir_setting(
    complaints_csv: Path, sample_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPOSISI_MODEL_DIR", str(sample_model_dir))
    result = runner.invoke(app, ["classify", str(complaints_csv), "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["rows"] == len(TEXTS)


def test_classify_trains_the_demo_model_in_the_default_dir_on_first_use(
    tmp_path: Path, complaints_csv: Path, sample_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    import disposisi.defaults

    monkeypatch.delenv("DISPOSISI_MODEL_DIR", raising=False)
    trained: list[Path] = []

    def fake_ensure(model_dir: Path) -> None:  # the real one trains from data/samples (tested in test_cli)
        trained.append(model_dir)
        shutil.copytree(sample_model_dir, model_dir)

    monkeypatch.setattr(disposisi.defaults, "ensure_model", fake_ensure)
    result = runner.invoke(app, ["classify", str(complaints_csv)])  # cwd is tmp_path (conftest)
    assert result.exit_code == 0, result.stderr
    assert trained == [Path("var") / "model"]
    assert "training a demo model from data/samples first" in result.stderr
    assert (tmp_path / "pengaduan.routed.csv").is_file()


def test_classify_refuses_an_empty_configured_model_dir(
    tmp_path: Path, complaints_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPOSISI_MODEL_DIR", str(tmp_path / "kosong"))
    result = runner.invoke(app, ["classify", str(complaints_csv)])
    assert result.exit_code == 1
    assert "disposisi train DATA.csv --model-dir" in one_line_error(result.stderr)


def test_quiet_prints_nothing_on_success(tmp_path: Path, complaints_csv: Path, sample_model_dir: Path) -> None:
    out = tmp_path / "hasil.csv"
    argv = ["classify", str(complaints_csv), "--model-dir", str(sample_model_dir), "-o", str(out), "--quiet"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "")
    assert out.is_file()


def test_quiet_still_reports_a_failure(tmp_path: Path, complaints_csv: Path, sample_model_dir: Path) -> None:
    argv = ["classify", str(complaints_csv), "--model-dir", str(sample_model_dir), "--quiet", "--text-column", "isi"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 1
    assert 'text column "isi"' in one_line_error(result.stderr)


def test_windows_excel_file_gets_an_encoding_hint(tmp_path: Path, sample_model_dir: Path) -> None:
    source = tmp_path / "excel.csv"
    source.write_bytes("id;teks\nX1;Sampah di depan caf\u00e9 menumpuk\nX2;Jalan rusak, berlubang\n".encode("cp1252"))
    result = runner.invoke(app, ["classify", str(source), "--model-dir", str(sample_model_dir)])
    assert result.exit_code == 0, result.stderr
    assert "undecodable text: 1 (e.g. X1)" in result.stderr
    assert "hint: " in result.stderr and "--encoding cp1252" in result.stderr
    fixed = runner.invoke(
        app, ["classify", str(source), "--model-dir", str(sample_model_dir), "--encoding", "cp1252", "--json"]
    )
    assert fixed.exit_code == 0, fixed.stderr
    summary = json.loads(fixed.stdout)
    assert (summary["classified"], summary["errors"]) == (2, {})
    assert source.with_name("excel.routed.csv").read_text(encoding="utf-8").splitlines()[0].startswith('"id";')


@pytest.mark.parametrize("name", ["tab", "\t"])
def test_delimiter_option_names_tab(tmp_path: Path, sample_model_dir: Path, name: str) -> None:
    source = tmp_path / "tab.csv"
    source.write_text("id\tteks\nT1\tLampu jalan mati, gelap; sepi\n", encoding="utf-8")
    argv = ["classify", str(source), "--model-dir", str(sample_model_dir), "--delimiter", name, "--json"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["classified"] == 1
    assert source.with_name("tab.routed.csv").read_text(encoding="utf-8").startswith('"id"\t"teks"\t')


def test_accuracy_line_when_the_input_has_labels(tmp_path: Path, sample_model_dir: Path, samples_csv: Path) -> None:
    result = runner.invoke(app, ["classify", str(samples_csv), "--model-dir", str(sample_model_dir), "-o", "x.csv"])
    assert result.exit_code == 0, result.stderr
    assert re.search(r"accuracy against column opd: \d+\.\d% \(\d+ of \d+ labelled rows\)", result.stderr)


# -- a registered model: verified like a model directory -------------------------------------------


@pytest.fixture()
def registered(samples_csv: Path, tmp_path: Path) -> Path:
    """A model trained with tracking into tmp_path's MLflow store (version 1, champion)."""
    from training.workflow import train_model

    train_model([samples_csv], tmp_path / "m1", eval_data=samples_csv)
    return tmp_path / "m1"


def test_classify_from_the_registry(tmp_path: Path, complaints_csv: Path, registered: Path) -> None:
    argv = ["classify", str(complaints_csv), "--model-uri", "models:/disposisi@champion", "--json"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.stderr
    from models.artifact import load_metadata

    assert json.loads(result.stdout)["model_version"] == load_metadata(registered).version
    assert complaints_csv.with_name("pengaduan.routed.csv").is_file()


def test_classify_refuses_a_tampered_registered_model(tmp_path: Path, complaints_csv: Path, registered: Path) -> None:
    from models.artifact import MODEL_FILE
    from registry.versions import DATA_FOLDER

    [stored] = [p for p in tmp_path.rglob(f"{DATA_FOLDER}/{MODEL_FILE}") if "m1" not in p.relative_to(tmp_path).parts]
    raw = bytearray(stored.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    stored.write_bytes(bytes(raw))
    result = runner.invoke(app, ["classify", str(complaints_csv), "--model-uri", "models:/disposisi@champion"])
    assert result.exit_code == 1
    line = one_line_error(result.stderr)
    assert "cannot load models:/disposisi@champion from MLflow" in line and "does not match" in line
    assert not complaints_csv.with_name("pengaduan.routed.csv").exists()


def test_classify_refuses_both_model_sources(complaints_csv: Path, sample_model_dir: Path) -> None:
    argv = ["classify", str(complaints_csv), "--model-dir", str(sample_model_dir), "--model-uri", "models:/x@y"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 2
    assert "give --model-dir or --model-uri, not both" in result.stderr
