"""Registered versions of the model: log a model directory as one, and load one back, verified.

:func:`log_model_dir` logs ``model.joblib`` + ``model.json`` as the data of a pyfunc model (loader
:mod:`registry.pyfunc`) and tags the version with the file's sha256. :func:`fetch_model_dir` resolves
``models:/NAME@ALIAS`` or ``models:/NAME/VERSION``, downloads that model's files and verifies them with
:func:`models.artifact.load_model`; :func:`load_registered` returns the loaded router as well. Any failure is a
:class:`RegistryError` with a one-line reason: a version whose files were changed in the artifact store, one
whose checksum differs from the one the registry recorded, or one logged by an older disposisi in a format
that is not verified (a bare cloudpickle) is refused, never loaded.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import models
from models.artifact import META_FILE, MODEL_FILE, ArtifactError, ModelMetadata, load_metadata, load_model
from models.router import ComplaintRouter

__all__ = [
    "DATA_FOLDER",
    "RegisteredModel",
    "RegistryError",
    "fetch_model_dir",
    "load_registered",
    "log_model_dir",
    "resolve_version",
]

# The folder, inside the logged MLflow model, that holds model.joblib and model.json.
DATA_FOLDER = "disposisi-model"
_SHA_TAG = "model_sha256"


class RegistryError(Exception):
    """A registered model cannot be found, downloaded or verified (the message names the version, not the URI:
    callers say which URI they asked for)."""


@dataclass(frozen=True)
class RegisteredModel:
    """A verified local copy of a registered version."""

    uri: str
    name: str
    version: str
    model_dir: Path


def log_model_dir(
    model_dir: Path,
    *,
    registered_model: str | None,
    signature: Any = None,
    input_example: Any = None,
    pip_requirements: list[str] | None = None,
) -> Any:
    """Log the model directory as the active run's model ``model`` (registered when a name is given); the
    MLflow ``ModelInfo``. The registered version is tagged with ``model_sha256``."""
    import mlflow.pyfunc

    meta = load_model(model_dir)[1]  # verify what is logged: the registry never holds an unchecked file
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / DATA_FOLDER
        data.mkdir()
        for name in (MODEL_FILE, META_FILE):
            shutil.copyfile(Path(model_dir) / name, data / name)
        info = mlflow.pyfunc.log_model(
            name="model",
            loader_module="registry.pyfunc",
            data_path=str(data),
            code_paths=[str(Path(models.__file__).parent), str(Path(__file__).parent)],
            registered_model_name=registered_model,
            signature=signature,
            input_example=input_example,
            pip_requirements=pip_requirements,
        )
    if registered_model and info.registered_model_version is not None:
        mlflow.MlflowClient().set_model_version_tag(
            registered_model, str(info.registered_model_version), _SHA_TAG, meta.model_sha256
        )
    return info


def fetch_model_dir(uri: str, destination: Path) -> RegisteredModel:
    """Download the registered model ``uri`` into ``destination``; the local model directory.

    Its metadata is checked here (typed, and its checksum the one the registry recorded); its pickle is verified
    against that checksum by :func:`models.artifact.load_model`, which every consumer loads it with."""
    import mlflow.artifacts
    from mlflow.exceptions import MlflowException
    from mlflow.models import Model

    name, version = _resolve(uri)
    try:
        local = Path(
            mlflow.artifacts.download_artifacts(
                artifact_uri=f"models:/{name}/{version.version}", dst_path=str(destination)
            )
        )
        flavor = Model.load(str(local / "MLmodel")).flavors.get("python_function", {})
    except (MlflowException, OSError, ValueError) as exc:
        raise RegistryError(f"version {version.version} cannot be downloaded: {_first_line(exc)}") from exc
    if flavor.get("loader_module") != "registry.pyfunc" or not flavor.get("data"):
        raise RegistryError(
            f"version {version.version} was not logged as a verified disposisi model directory "
            "(an older disposisi logged a bare pickle): retrain it to register a version that can be checked"
        )
    model_dir = (local / flavor["data"]).resolve()
    if not model_dir.is_relative_to(local.resolve()):
        raise RegistryError(f"version {version.version} names a data folder outside the model")
    recorded = (version.tags or {}).get(_SHA_TAG)
    try:
        meta = load_metadata(model_dir)
    except ArtifactError as exc:
        raise RegistryError(f"version {version.version} is refused: {exc}") from exc
    if recorded is not None and recorded != meta.model_sha256:
        raise RegistryError(
            f"version {version.version}: its {META_FILE} gives sha256 {meta.model_sha256[:12]}..., the "
            f"registry recorded {recorded[:12]}... for this version: the files were replaced; refusing to load them"
        )
    return RegisteredModel(uri=uri, name=name, version=str(version.version), model_dir=model_dir)


def load_registered(uri: str) -> tuple[ComplaintRouter, ModelMetadata, RegisteredModel]:
    """Fetch, verify and load the registered model ``uri`` (downloaded to a temporary folder, removed after)."""
    with tempfile.TemporaryDirectory(prefix="disposisi-registry-") as tmp:
        registered = fetch_model_dir(uri, Path(tmp))
        try:
            router, meta = load_model(registered.model_dir)
        except ArtifactError as exc:
            raise RegistryError(f"version {registered.version} is refused: {exc}") from exc
    return router, meta, registered


def resolve_version(uri: str) -> str:
    """The version number ``uri`` names now (an alias is looked up; nothing is downloaded)."""
    return str(_resolve(uri)[1].version)


def _resolve(uri: str) -> tuple[str, Any]:
    """(name, ModelVersion) of ``models:/NAME@ALIAS`` or ``models:/NAME/VERSION``."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    if not uri.startswith("models:/"):
        raise RegistryError(f'"{uri}" is not a registry URI like models:/disposisi@champion')
    rest = uri.removeprefix("models:/")
    client = MlflowClient()
    try:
        if "@" in rest:
            name, _, alias = rest.partition("@")
            return name, client.get_model_version_by_alias(name, alias)
        name, _, number = rest.partition("/")
        if not number.isdigit():
            raise RegistryError(f'"{uri}" names no version: use models:/NAME@ALIAS or models:/NAME/VERSION')
        return name, client.get_model_version(name, number)
    except MlflowException as exc:
        raise RegistryError(f"not in the registry: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
