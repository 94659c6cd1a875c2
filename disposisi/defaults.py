"""Embedded defaults: where the demo data lives and how a first model comes to exist.

The main command (``disposisi serve``) must work on a fresh machine: when the model directory has no
model yet, :func:`ensure_model` trains one from ``data/samples/`` (seconds), tracked in MLflow's
local store like any other run.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_MODEL_DIR", "SAMPLES_CSV", "ensure_model", "has_model", "outdated_demo_model", "samples_csv"]

logger = logging.getLogger(__name__)

DEFAULT_MODEL_DIR = Path("var") / "model"  # serving.settings.Settings.model_dir defaults to the same
SAMPLES_CSV = "complaints.csv"


def samples_csv() -> Path:
    """``data/samples/complaints.csv`` of this checkout (or ``DISPOSISI_SAMPLES_DIR``)."""
    folder = os.environ.get("DISPOSISI_SAMPLES_DIR")
    base = Path(folder) if folder else Path(__file__).resolve().parents[1] / "data" / "samples"
    path = base / SAMPLES_CSV
    if not path.is_file():
        raise FileNotFoundError(
            f"demo data {path} not found: install disposisi from a checkout (pip install -e .) "
            "or set DISPOSISI_SAMPLES_DIR, or pass a trained --model-dir"
        )
    return path


def has_model(directory: Path) -> bool:
    """Whether ``directory`` holds the two files of a model (not yet whether they load)."""
    from models.artifact import META_FILE, MODEL_FILE  # scikit-learn: only when a command needs a model

    return (directory / MODEL_FILE).is_file() and (directory / META_FILE).is_file()


def outdated_demo_model(directory: Path) -> int | None:
    """The artifact format of the demo model in ``directory`` when an older disposisi made it (trained on
    data/samples alone), else None. Only model.json is read; a model trained on other data is never
    replaced, whatever its format (loading it then says why it is refused)."""
    from models.artifact import FORMAT_VERSION, ArtifactError, load_metadata

    try:
        meta = load_metadata(directory)
    except ArtifactError:
        return None  # unreadable metadata: load_model gives the reason
    if meta.format_version != FORMAT_VERSION and meta.data.get("train_sources") == [SAMPLES_CSV]:
        return meta.format_version
    return None


def ensure_model(model_dir: str | os.PathLike[str], *, tracking: bool = True) -> dict[str, Any] | None:
    """Train a demo model from data/samples into ``model_dir`` unless one is already there; a demo model
    left by an older disposisi (another artifact format) is trained again."""
    from training.workflow import train_model  # MLflow is slow to import: only when a model is trained

    directory = Path(model_dir)
    if has_model(directory):
        old_format = outdated_demo_model(directory)
        if old_format is None:
            return None
        logger.info(
            "the demo model in %s has artifact format %d, from an older disposisi: training it again",
            directory,
            old_format,
        )
    else:
        logger.info("no model in %s yet: training one from %s", directory, samples_csv())
    return train_model([samples_csv()], directory, tracking=tracking)
