"""The console script as a user meets it: exit codes, one-line errors, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from disposisi.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_train_then_evaluate(samples_csv: Path, tmp_path: Path) -> None:
    model_dir = tmp_path / "m"
    code, out, err = run("-q", "train", str(samples_csv), "--model-dir", str(model_dir), "--no-tracking", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["train_rows"] == 420
    assert 0.0 <= summary["metrics"]["opd_macro_f1"] <= 1.0
    metrics_file = tmp_path / "metrics.json"
    code, out, err = run(
        "-q", "evaluate", str(samples_csv), "--model-dir", str(model_dir), "--output", str(metrics_file)
    )
    assert code == 0, err
    metrics = json.loads(metrics_file.read_text())
    assert {
        "opd_macro_f1",
        "opd_accuracy",
        "opd_top3_accuracy",
        "opd_per_class_f1",
        "opd_confusion",
        "urgency_macro_f1",
        "urgency_tinggi_recall",
    } <= set(metrics)
    assert "per_class_f1" in out


@pytest.mark.parametrize(
    ("body", "extra", "message"),
    [
        (b"isi,opd\na,X\n", [], 'error: text column "teks" not in d.csv columns: isi, opd'),
        (b"teks,opd\na,X\n", ["--opd-column", "unit"], 'error: OPD column "unit" not in d.csv columns: teks, opd'),
        (b"", [], "is empty"),
        (b"teks,opd\n\xff\xfe,X\n", [], "not valid utf-8"),
        (b"teks,opd\n,X\n ,Y\n", [], "no usable rows"),
        (b"teks,opd\na,X\n", ["--unit-column", "instansi"], 'error: unit column "instansi" not in d.csv columns'),
    ],
)
def test_bad_training_data_is_one_line_error(tmp_path: Path, body: bytes, extra: list[str], message: str) -> None:
    data = tmp_path / "d.csv"
    data.write_bytes(body)
    code, _, err = run("train", str(data), "--model-dir", str(tmp_path / "m"), "--no-tracking", *extra)
    assert code == 1
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_train_with_unit_column_learns_the_unit(tmp_path: Path) -> None:
    from models.artifact import load_model
    from models.unit import Place

    units_csv = Path(__file__).resolve().parents[2] / "data" / "samples" / "units.csv"
    renamed = tmp_path / "unit.csv"
    text = units_csv.read_text(encoding="utf-8").splitlines()
    # the location columns under other names, given by option
    renamed.write_text("\n".join([text[0].replace("kecamatan", "kec").replace("kelurahan", "kel"), *text[1:]]) + "\n")
    model_dir = tmp_path / "m"
    code, out, err = run(
        "-q", "train", str(renamed), "--model-dir", str(model_dir), "--no-tracking", "--json",
        "--unit-column", "instansi", "--kecamatan-column", "kec", "--kelurahan-column", "kel",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["train_rows"] == 56
    router, meta = load_model(model_dir)
    assert meta.data["unit_column"] == "instansi"
    assert router.unit_.territorial_ == ["Kecamatan/Kelurahan"]
    assert "mekarsari" in router.unit_.gazetteer_.kelurahan_of  # the renamed columns were read
    text_ = "Surat pengantar RT untuk kartu keluarga belum ditandatangani pak lurah"
    [suggestion] = router.suggest([text_], places=[Place("Sukamaju", "Mekarsari")])
    assert (suggestion.top_opd, suggestion.unit) == ("Kecamatan/Kelurahan", "Kelurahan Mekarsari")


def test_train_with_catalogue_names_a_unit_known_only_from_it(tmp_path: Path) -> None:
    from models.artifact import load_model
    from models.fewshot import FewShotUnits

    samples = Path(__file__).resolve().parents[2] / "data" / "samples"
    model_dir = tmp_path / "m"
    code, out, err = run(
        "-q", "train", str(samples / "units.csv"), "--model-dir", str(model_dir), "--no-tracking", "--json",
        "--unit-column", "instansi", "--catalogue", str(samples / "opd_catalogue_units.csv"),
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["train_rows"] == 56
    router, meta = load_model(model_dir)
    assert meta.data["catalogue"] == {"file": "opd_catalogue_units.csv", "units": 5}
    assert isinstance(router.unit_.pooled_["Lainnya"], FewShotUnits)
    text = "Ikan di tambak warga mati mendadak, nelayan minta bantuan benih ikan"
    assert router.units_for([text], ["Lainnya"]).tolist() == ["Dinas Perikanan"]


@pytest.mark.parametrize(
    ("catalogue", "extra", "message"),
    [
        (b"nama,menangani\nDinas X,sampah\n", [], "error: --catalogue needs --unit-column"),
        (b"nama,isi\nDinas X,sampah\n", ["--unit-column", "instansi"], 'error: catalogue column "menangani" not in'),
    ],
)
def test_bad_catalogue_is_one_line_error(tmp_path: Path, catalogue: bytes, extra: list[str], message: str) -> None:
    units_csv = Path(__file__).resolve().parents[2] / "data" / "samples" / "units.csv"
    path = tmp_path / "c.csv"
    path.write_bytes(catalogue)
    code, _, err = run(
        "train", str(units_csv), "--model-dir", str(tmp_path / "m"), "--no-tracking", "--catalogue", str(path), *extra
    )
    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_evaluate_without_model_is_one_line_error(samples_csv: Path, tmp_path: Path) -> None:
    code, _, err = run("evaluate", str(samples_csv), "--model-dir", str(tmp_path / "none"))
    assert code == 1
    assert "train a model there first" in err


def test_console_script_runs_in_a_subprocess() -> None:
    done = subprocess.run([sys.executable, "-m", "disposisi", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    for command in ("train", "evaluate"):
        assert command in done.stdout
