"""Saving and loading a model directory: ``model.joblib`` plus ``model.json``.

joblib (pickle) runs code while it loads, so a model directory is trusted only through its
metadata: ``model.json`` records the sha256 of ``model.joblib`` and the library versions it was
made with, and :func:`load_model` refuses a file whose checksum or versions do not match before
unpickling anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import joblib

from models.router import ComplaintRouter

__all__ = [
    "META_FILE",
    "MODEL_FILE",
    "ArtifactError",
    "ModelMetadata",
    "library_versions",
    "load_metadata",
    "load_model",
    "save_model",
    "sha256_file",
]

MODEL_FILE = "model.joblib"
META_FILE = "model.json"
# Bumped whenever a change to models/ makes older pickles unusable (attributes or inputs of the router).
FORMAT_VERSION = 5
# Libraries whose version must match between saving and loading (pickles are not portable across them).
_PINNED = ("scikit-learn", "numpy", "scipy", "joblib")
_RECORDED = (*_PINNED, "PySastrawi", "disposisi")


class ArtifactError(Exception):
    """A model directory is missing, incomplete, tampered with, or made by other library versions."""


@dataclass
class ModelMetadata:
    opd_labels: list[str]
    urgency_labels: list[str]
    review_threshold: float
    data: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    created_at: str = ""
    model_sha256: str = ""
    version: str = ""
    format_version: int = FORMAT_VERSION
    reference: dict[str, Any] = field(default_factory=dict)  # models.drift.drift_reference; {} in older models


def library_versions(names: Sequence[str] = _RECORDED) -> dict[str, str]:
    """Installed version of each named distribution ("not installed" where absent)."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model(
    router: ComplaintRouter,
    model_dir: str | os.PathLike[str],
    *,
    data: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
    reference: dict[str, Any] | None = None,
) -> ModelMetadata:
    """Write ``model.joblib`` and ``model.json`` into ``model_dir`` (created if needed), atomically."""
    directory = Path(model_dir)
    directory.mkdir(parents=True, exist_ok=True)
    tmp_fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=".model-", suffix=".joblib.tmp")
    os.close(tmp_fd)
    try:
        joblib.dump(router, tmp_name, compress=3)
        checksum = sha256_file(Path(tmp_name))
        created = datetime.now(UTC).isoformat(timespec="seconds")
        meta = ModelMetadata(
            opd_labels=[str(c) for c in router.classes_],
            urgency_labels=[str(c) for c in router.urgency_classes_],
            review_threshold=float(router.review_threshold_),
            data=data or {},
            metrics=metrics or {},
            params={k: _jsonable(v) for k, v in router.get_params().items()},
            versions=library_versions(),
            created_at=created,
            model_sha256=checksum,
            version=f"{created[:10].replace('-', '')}-{checksum[:8]}",
            reference=reference or {},
        )
        os.replace(tmp_name, directory / MODEL_FILE)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _write_json_atomic(directory / META_FILE, asdict(meta))
    return meta


def load_metadata(model_dir: str | os.PathLike[str]) -> ModelMetadata:
    path = Path(model_dir) / META_FILE
    if not path.is_file():
        raise ArtifactError(f"no {META_FILE} in model directory {model_dir}: train a model there first")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        meta = ModelMetadata(**raw)
    except (ValueError, TypeError) as exc:
        raise ArtifactError(f"{path} is not valid model metadata: {exc}") from exc
    for name, kind in _FIELD_TYPES.items():
        value = getattr(meta, name)
        # bool is an int to isinstance, but no field holds one; a label list holds only strings
        wrong = isinstance(value, bool) or not isinstance(value, kind)
        if not wrong and kind is list:
            wrong = not all(isinstance(item, str) for item in value)
        if wrong:
            raise ArtifactError(
                f"{path} is not valid model metadata: {name} must be {_KIND_NAMES[kind]}, got {value!r:.80}"
            )
    return meta


# What each field of model.json must hold (json.loads gives these types).
_FIELD_TYPES: dict[str, Any] = {
    "opd_labels": list,
    "urgency_labels": list,
    "review_threshold": (int, float),
    "data": dict,
    "metrics": dict,
    "params": dict,
    "versions": dict,
    "created_at": str,
    "model_sha256": str,
    "version": str,
    "format_version": int,
    "reference": dict,
}
_KIND_NAMES: dict[Any, str] = {
    list: "a list of strings",
    (int, float): "a number",
    dict: "an object",
    str: "a string",
    int: "an integer",
}


def load_model(
    model_dir: str | os.PathLike[str], *, check_versions: bool = True
) -> tuple[ComplaintRouter, ModelMetadata]:
    """Verify, then load. Raises :class:`ArtifactError` with a one-line reason on any mismatch.

    Both files must be regular files inside the directory once every link is resolved (a ``model.joblib``
    that links to a file elsewhere is refused), and the bytes that are unpickled are the very bytes whose
    checksum was verified: the file is read once, so it cannot be swapped between the check and the load.
    """
    directory = _resolved_dir(model_dir)
    _inside(directory, META_FILE, model_dir)
    meta = load_metadata(directory)
    if meta.format_version != FORMAT_VERSION:
        raise ArtifactError(
            f"model in {model_dir} has artifact format {meta.format_version}, this disposisi reads format "
            f"{FORMAT_VERSION}: retrain it"
        )
    path = _inside(directory, MODEL_FILE, model_dir)
    if not path.is_file():
        raise ArtifactError(f"no {MODEL_FILE} in model directory {model_dir}")
    payload = path.read_bytes()
    actual = hashlib.sha256(payload).hexdigest()
    if actual != meta.model_sha256:
        raise ArtifactError(
            f"{path} checksum {actual[:12]}... does not match {META_FILE} ({meta.model_sha256[:12]}...): "
            "the file was changed or replaced; refusing to load it"
        )
    if check_versions:
        current = library_versions()
        wrong = [
            f"{name} {meta.versions.get(name)} (installed {current[name]})"
            for name in _PINNED
            if meta.versions.get(name) != current[name]
        ]
        if wrong:
            raise ArtifactError("model was saved with other library versions: " + ", ".join(wrong) + "; retrain it")
    router = joblib.load(io.BytesIO(payload))
    if not isinstance(router, ComplaintRouter):
        raise ArtifactError(f"{path} holds a {type(router).__name__}, not a ComplaintRouter")
    return router, meta


def _resolved_dir(model_dir: str | os.PathLike[str]) -> Path:
    """``model_dir`` with every link resolved; a path that is not a clean folder name is refused."""
    text = os.fspath(model_dir)
    if not text.strip() or any(ord(ch) < 32 for ch in text):
        raise ArtifactError(f"model directory {text!r} is not a valid path (empty, or holds control characters)")
    return Path(text).resolve()


def _inside(directory: Path, name: str, model_dir: str | os.PathLike[str]) -> Path:
    """``directory / name`` resolved, refused when a link takes it outside ``directory``."""
    path = (directory / name).resolve()
    if path.parent != directory:
        raise ArtifactError(
            f"{name} in model directory {model_dir} links to a file outside it; refusing to load it "
            "(copy the file into the folder instead)"
        )
    return path


def _write_json_atomic(path: Path, payload: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)
