"""The notebooks: committed without outputs, and run top to bottom on the real corpora (slow)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.conftest import REPO, TrainedModel, shared_data_or_skip
from training.data import load_dataset

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
ERROR_ANALYSIS = REPO / "notebooks" / "error_analysis.ipynb"
KERNEL = "disposisi-test-python"
# What must never reach an output: 16-digit NIK/KK numbers and Indonesian phone numbers.
_PERSONAL_NUMBER = re.compile(
    r"(?<![\d.])\d{4}(?:[ -]?\d{4}){3}(?!\d)"  # NIK/KK, maybe grouped by four
    r"|(?<![\w+.])(?:\+62|62|0)8\d{2}[ -]?\d{3,4}[ -]?\d{3,5}(?!\d)"  # mobile phone numbers
)


def test_there_is_an_error_analysis_notebook() -> None:
    assert ERROR_ANALYSIS in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code, f"{path.name} has no code cells"
    dirty = [i for i, cell in enumerate(code) if cell.outputs or cell.execution_count is not None]
    assert not dirty, f"{path.name}: code cells {dirty} have outputs or execution counts; clear them before committing"


def _install_kernel(folder: Path) -> None:
    """A kernelspec for this interpreter in ``folder`` (found through JUPYTER_PATH), so the notebook runs
    in the test's own virtual environment whatever ``python`` means on PATH."""
    from ipykernel.kernelspec import write_kernel_spec

    write_kernel_spec(folder / "kernels" / KERNEL, overrides={"display_name": "disposisi tests"})
    spec = folder / "kernels" / KERNEL / "kernel.json"
    text = spec.read_text(encoding="utf-8")
    assert sys.executable in text.replace("\\\\", "\\"), f"kernelspec does not name {sys.executable}: {text}"


def _executed(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> tuple[list[Any], str]:
    """Run ``path`` top to bottom in this interpreter with ``env`` set: its outputs (none an error) and their text."""
    from nbclient import NotebookClient

    _install_kernel(tmp_path / "jupyter")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, kernel_name=KERNEL, timeout=1200, resources={"metadata": {"path": str(REPO / "notebooks")}}
    )
    client.execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = "\n".join(
        str(o.get("text", "")) + "".join(str(v) for k, v in o.get("data", {}).items() if k.startswith("text/"))
        for o in outputs
    )
    return outputs, shown


@pytest.mark.slow
def test_error_analysis_runs_top_to_bottom(
    surabaya_model: TrainedModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The notebook's loaded-model branch: DISPOSISI_NOTEBOOK_MODEL_DIR names the session's Surabaya model (the
    ``surabaya_model`` fixture, shared with tests/training/test_real_corpora.py) instead of the notebook training
    its own. That model learned from the same rows as the notebook's two-line training branch, with the same
    defaults (checked here on the training data it recorded); the training branch runs when the variable is
    unset, as it is outside the tests."""
    data = shared_data_or_skip()
    corpus = data / "surabaya"
    notebook_train = load_dataset([corpus / "train.csv"], urgency_files=[corpus / "urgensi_train.csv"]).summary()
    recorded = json.loads((surabaya_model.model_dir / "model.json").read_text(encoding="utf-8"))["data"]["train"]
    differ = {k: (recorded[k], v) for k, v in notebook_train.items() if k != "sha256" and recorded[k] != v}
    assert not differ, f"the shared model's training data is not the notebook's: {differ}"
    env = {"DISPOSISI_DATA_DIR": str(data), "DISPOSISI_NOTEBOOK_MODEL_DIR": str(surabaya_model.model_dir)}
    outputs, shown = _executed(ERROR_ANALYSIS, tmp_path, monkeypatch, env)
    assert "loaded from DISPOSISI_NOTEBOOK_MODEL_DIR" in shown
    figures = [o for o in outputs if o.output_type == "display_data" and "image/png" in o.get("data", {})]
    assert len(figures) >= 4  # per-class F1, OPD confusion, reliability + coverage, urgency + tinggi scores
    assert "expected calibration error" in shown
    assert "tinggi:" in shown and "missed" in shown
    assert not _PERSONAL_NUMBER.search(shown), "an output shows a NIK/KK or phone number"


@pytest.mark.slow
def test_drift_replay_runs_a_reduced_replay_with_an_alert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """notebooks/drift_replay.ipynb on a sample of the 2022 months and four weeks of 2023 (its parameters).

    Whether an alert fires in these two weeks depends on the data (with the review threshold chosen on the most
    recent training rows, the reference is already close to 2023's January); that alerts fire on a drift is
    tested on constructed data in tests/serving/test_monitoring.py, and the full replay's alerts are in README."""
    data = shared_data_or_skip()
    env = {"DISPOSISI_DATA_DIR": str(data), "DISPOSISI_NOTEBOOK_TRAIN_ROWS": "1500", "DISPOSISI_NOTEBOOK_WEEKS": "4"}
    outputs, shown = _executed(REPO / "notebooks" / "drift_replay.ipynb", tmp_path, monkeypatch, env)
    assert [o for o in outputs if o.output_type == "display_data" and "image/png" in o.get("data", {})]
    assert re.search(r"\d+ alerts? in 2 weeks", shown), "the replay reports the alerts of the 2022 model's weeks"
    for figure in ("top1_acceptance", "needs_review", "oov_rate", "confidence_psi", "label_psi"):
        assert figure in shown, f"the weekly table shows {figure}"
    assert "retrained in" in shown and "retrained model, weeks 3-4" in shown
    assert not _PERSONAL_NUMBER.search(shown), "an output shows a NIK/KK or phone number"
