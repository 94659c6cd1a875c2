"""The quality benchmark end to end, on corpora folders built from the team's sample complaints."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from mlflow import MlflowClient

from benchmarks.quality import CORPORA, load_corpus, machine_info, main
from training.data import read_table


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture(scope="module")
def data_dir(samples_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """surabaya/ and lapor_nasional/ laid out like ../shared/data, from data/samples (every 4th row is dev)."""
    frame = read_table(samples_csv)
    rows = list(frame.itertuples(index=False))
    train = [r for i, r in enumerate(rows) if i % 4]
    dev = [r for i, r in enumerate(rows) if not i % 4]
    root = tmp_path_factory.mktemp("corpora")
    for split, part in (("train", train), ("dev", dev)):
        _write(root / "surabaya" / f"{split}.csv", ["id", "teks", "opd"], [[r.id, r.teks, r.opd] for r in part])
        # urgency for half of the rows, in a separate file joined on id, as in the real corpus
        labeled = [[r.id, r.urgensi, "1", "acak"] for i, r in enumerate(part) if i % 2]
        _write(root / "surabaya" / f"urgensi_{split}.csv", ["id", "urgensi", "yakin", "sampel"], labeled)
        _write(
            root / "lapor_nasional" / f"{split}.csv", ["id", "teks", "instansi"], [[r.id, r.teks, r.opd] for r in part]
        )
    return root


def test_load_corpus_joins_the_urgency_files(data_dir: Path) -> None:
    train, dev = load_corpus(data_dir, CORPORA["surabaya"])
    assert (len(train), len(dev)) == (315, 105)
    assert (train.n_urgency, dev.n_urgency) == (157, 52)
    national_train, _ = load_corpus(data_dir, CORPORA["lapor_nasional"])
    assert national_train.opd == train.opd
    assert national_train.urgency is None


def test_benchmark_writes_its_section_and_logs_to_mlflow(
    data_dir: Path, samples_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "BENCHMARKS.md"
    output.write_text("# Benchmarks\n\n## API latency\n\nkept as it was\n", encoding="utf-8")
    uri = f"sqlite:///{tmp_path / 'bench.db'}"
    args = ["--data-dir", str(data_dir), "--output", str(output), "--tracking-uri", uri, "--corpora", "surabaya"]
    assert main(args) == 0

    text = output.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\n## API latency\n\nkept as it was\n\n## Quality\n\n")
    assert f"`python benchmarks/quality.py {' '.join(args)}`" in text
    assert "### surabaya" in text
    assert "### lapor_nasional" not in text
    header = (
        "| figure | R1: TF-IDF + LinearSVC | R2: Sastrawi stems + TF-IDF + LinearSVC | disposisi "
        "| issue-11 target | met |"
    )
    assert text.count(header) == 1
    assert "| urgency `tinggi` recall |" in text
    assert "targets met by disposisi in this run: **" in text
    assert f"{machine_info()['nproc']} CPUs" in text
    assert capsys.readouterr().out.strip() == text[text.index("## Quality") :].strip()

    # never a complaint text in the report
    for complaint in read_table(samples_csv)["teks"]:
        assert complaint[:40] not in text

    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("disposisi-benchmark")
    assert experiment is not None
    (run,) = client.search_runs([experiment.experiment_id])
    metrics = run.data.metrics
    for system in ("r1", "r2", "disposisi"):
        assert 0.0 <= metrics[f"surabaya.{system}.opd_macro_f1"] <= 1.0
        assert 0.0 <= metrics[f"surabaya.{system}.urgency_tinggi_recall"] <= 1.0
        assert metrics[f"surabaya.{system}.model_bytes"] > 0
    assert 0 <= metrics["surabaya.disposisi.targets_met"] <= 9
    assert run.data.params["surabaya.train_rows"] == "315"
    local = Path(client.download_artifacts(run.info.run_id, "quality.md", str(tmp_path / "artifacts")))
    assert local.read_text(encoding="utf-8").strip() == text[text.index("## Quality") :].strip()
    per_class = json.loads(
        Path(client.download_artifacts(run.info.run_id, "opd_per_class_f1.json", str(tmp_path / "a2"))).read_text()
    )
    assert set(per_class["surabaya"]) == {"r1", "r2", "disposisi"}


def test_benchmark_without_tracking_runs_one_corpus(data_dir: Path, tmp_path: Path) -> None:
    output = tmp_path / "BENCHMARKS.md"
    args = ["--data-dir", str(data_dir), "--output", str(output), "--no-tracking", "--corpora", "lapor_nasional"]
    assert main(args) == 0
    text = output.read_text(encoding="utf-8")
    assert "### lapor_nasional" in text
    assert "### surabaya" not in text
    assert "urgency" not in text.split("Notes:")[0]  # no urgency labels, no urgency rows
    assert "**0 of 1**" in text or "**1 of 1**" in text
    assert not (tmp_path / "mlflow.db").exists()


def test_benchmark_names_a_missing_corpus_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "BENCHMARKS.md"
    assert main(["--data-dir", str(tmp_path / "nowhere"), "--output", str(output), "--no-tracking"]) == 2
    assert f"error: corpus folder {tmp_path / 'nowhere' / 'surabaya'} does not exist" in capsys.readouterr().err
    assert not output.exists()
