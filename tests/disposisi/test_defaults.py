"""The embedded default model: trained on first run, trained again when an older disposisi left it in
another artifact format, and a model trained on other data never replaced."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from disposisi.defaults import ensure_model, outdated_demo_model
from models.artifact import FORMAT_VERSION, META_FILE, load_model


def _copy_with_format(source: Path, target: Path, format_version: int, sources: list[str] | None = None) -> Path:
    shutil.copytree(source, target)
    meta_path = target / META_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["format_version"] = format_version
    if sources is not None:
        meta["data"]["train_sources"] = sources
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    return target


def test_a_current_model_is_left_as_it_is(sample_model_dir: Path, tmp_path: Path) -> None:
    model_dir = _copy_with_format(sample_model_dir, tmp_path / "model", FORMAT_VERSION)
    before = (model_dir / META_FILE).read_bytes()
    assert outdated_demo_model(model_dir) is None
    assert ensure_model(model_dir, tracking=False) is None
    assert (model_dir / META_FILE).read_bytes() == before


def test_a_demo_model_of_an_older_format_is_trained_again(sample_model_dir: Path, tmp_path: Path) -> None:
    model_dir = _copy_with_format(sample_model_dir, tmp_path / "model", FORMAT_VERSION - 1)
    assert outdated_demo_model(model_dir) == FORMAT_VERSION - 1
    assert ensure_model(model_dir, tracking=False) is not None
    _, meta = load_model(model_dir)  # loads: the format is current again
    assert meta.format_version == FORMAT_VERSION


def test_an_older_model_trained_on_other_data_is_never_replaced(sample_model_dir: Path, tmp_path: Path) -> None:
    model_dir = _copy_with_format(sample_model_dir, tmp_path / "model", FORMAT_VERSION - 1, ["train.csv"])
    before = (model_dir / META_FILE).read_bytes()
    assert outdated_demo_model(model_dir) is None
    assert ensure_model(model_dir, tracking=False) is None
    assert (model_dir / META_FILE).read_bytes() == before
