"""Personal data never leaves the training path: not in logs, model files, MLflow artifacts or the store."""

from __future__ import annotations

import logging
from pathlib import Path

import mlflow
import pytest
from mlflow import MlflowClient

from models.artifact import load_model
from training.workflow import train_model

# Fictional values written for this test.
SECRETS = {
    "nik": "3578016502930004",
    "kk": "3578 0112 0987 0001",
    "phone": "081398765432",
    "phone_intl": "+62 857 1122 3344",
    "email": "budi.fiktif@example.com",
}
TEMPLATES = [
    ("Jalan depan rumah berlubang, NIK saya {nik}, hubungi {phone}", "PUPR", "sedang"),
    ("Aspal ambles di gang 3, KK {kk}, email {email}", "PUPR", "tinggi"),
    ("Jalan rusak parah mohon diperbaiki, WA {phone_intl}", "PUPR", "rendah"),
    ("Sampah tidak diangkut seminggu, NIK {nik}", "DLH", "sedang"),
    ("TPS penuh dan bau, kontak {email} atau {phone}", "DLH", "sedang"),
    ("Sampah dibakar tiap malam, asap masuk rumah, KK {kk}", "DLH", "rendah"),
    ("Air PDAM mati tiga hari satu RT, hubungi {phone_intl}", "PDAM", "tinggi"),
    ("Tagihan air naik, NIK {nik} email {email}", "PDAM", "sedang"),
    ("Pipa PDAM bocor di depan rumah {phone}", "PDAM", "rendah"),
]


@pytest.fixture()
def pii_csv(tmp_path: Path) -> Path:
    import csv

    path = tmp_path / "pii.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["teks", "opd", "urgensi"])
        for _ in range(3):
            for template, opd, level in TEMPLATES:
                writer.writerow([template.format(**SECRETS), opd, level])
    return path


def _assert_clean(text: str, where: str) -> None:
    for name, value in SECRETS.items():
        assert value not in text, f"{name} found in {where}"
        assert value.replace(" ", "") not in text.replace(" ", ""), f"{name} (unspaced) found in {where}"


def test_training_path_never_stores_or_logs_personal_data(
    pii_csv: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    model_dir = tmp_path / "model"
    summary = train_model([pii_csv], model_dir, eval_data=pii_csv)
    out, err = capfd.readouterr()
    _assert_clean(caplog.text + out + err + repr(summary), "logs and output")
    _assert_clean((model_dir / "model.json").read_text(encoding="utf-8"), "model.json")

    router, _ = load_model(model_dir)
    vocabulary = " ".join(router.features_.word_vocabulary_)
    _assert_clean(vocabulary, "word features")
    for suggestion in router.suggest([template.format(**SECRETS) for template, _, _ in TEMPLATES]):
        _assert_clean(" ".join(suggestion.opd_terms + suggestion.urgency_cues), "explanations")

    client = MlflowClient()
    run_id = summary["mlflow"]["run_id"]
    run = client.get_run(run_id)
    _assert_clean(repr(run.data.params) + repr(run.data.tags), "MLflow params and tags")
    run_files = Path(client.download_artifacts(run_id, "", str(tmp_path / "run-artifacts")))
    model_files = Path(
        mlflow.artifacts.download_artifacts(summary["mlflow"]["model_uri"], dst_path=str(tmp_path / "model-artifacts"))
    )
    scanned = 0
    for folder in (run_files, model_files):
        for path in folder.rglob("*"):
            if path.is_file() and path.suffix in {".txt", ".json", ".yaml", ".md", ".csv", ""}:
                _assert_clean(path.read_text(encoding="utf-8", errors="ignore"), str(path.relative_to(folder)))
                scanned += 1
    assert scanned >= 6
