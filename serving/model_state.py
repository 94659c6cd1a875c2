"""The model the API serves: where it comes from, how it is loaded, and how it is swapped.

:class:`ModelHolder` keeps one immutable :class:`LoadedModel` (router, metadata, source). A request
reads the reference once and uses that pair throughout, so a reload that swaps it in the middle of
a request never mixes two models. Reloads are serialised and load the new model completely before the
swap; when loading fails, the old model keeps serving and the reason is raised as
:class:`~serving.errors.ModelLoadError`.

MLflow is imported only when a ``models:/`` URI is loaded.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from models.artifact import ArtifactError, ModelMetadata, load_model
from models.router import ComplaintRouter
from serving.errors import ForbiddenError, ModelLoadError, ModelUnavailableError
from serving.settings import Settings

__all__ = ["LoadedModel", "ModelHolder", "ModelSource", "load_source", "reload_source"]

logger = logging.getLogger(__name__)

_SMOKE_TEXT = "Jalan di depan rumah rusak dan berlubang, mohon segera diperbaiki"


@dataclass(frozen=True)
class ModelSource:
    """A model directory or an MLflow registry URI (exactly one)."""

    model_dir: Path | None = None
    model_uri: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ModelSource:
        if settings.model_uri:
            return cls(model_uri=settings.model_uri)
        return cls(model_dir=settings.model_dir)

    def __str__(self) -> str:
        return self.model_uri if self.model_uri else str(self.model_dir)


@dataclass(frozen=True)
class LoadedModel:
    router: ComplaintRouter
    meta: ModelMetadata
    source: ModelSource
    registry_version: str | None = None  # the registered version, for a model from the registry

    @property
    def version(self) -> str:
        return self.meta.version


class ModelHolder:
    """The one model of this process, swapped atomically by :meth:`load`."""

    def __init__(self) -> None:
        self._current: LoadedModel | None = None
        self._reload_lock = threading.Lock()
        self.last_error: str | None = None

    @property
    def current(self) -> LoadedModel | None:
        return self._current

    def require(self) -> LoadedModel:
        """The serving model, or :class:`ModelUnavailableError` saying why there is none."""
        loaded = self._current
        if loaded is None:
            reason = f": {self.last_error}" if self.last_error else ""
            raise ModelUnavailableError(
                f"no model is loaded{reason}; train one (disposisi train ... --model-dir DIR), "
                "then POST /v1/admin/reload or restart"
            )
        return loaded

    def load(self, source: ModelSource) -> tuple[LoadedModel, LoadedModel | None]:
        """Load ``source`` fully, then swap it in; return (new, previous). On failure nothing changes."""
        with self._reload_lock:
            try:
                loaded = load_source(source)
            except ModelLoadError as exc:
                if self._current is None:
                    self.last_error = exc.message
                raise
            previous, self._current = self._current, loaded
            self.last_error = None
        return loaded, previous


def load_source(source: ModelSource) -> LoadedModel:
    """Load and verify a model, or raise :class:`ModelLoadError` with a one-line reason."""
    started = time.perf_counter()
    registry_version = None
    if source.model_uri:
        router, meta, registry_version = _load_registry(source.model_uri)
    else:
        assert source.model_dir is not None
        try:
            router, meta = load_model(source.model_dir)
        except (ArtifactError, OSError, ValueError) as exc:
            raise ModelLoadError(f"cannot load model from {source.model_dir}: {exc}") from exc
        except Exception as exc:  # a damaged model.json or pickle can fail in any way while it is read
            raise ModelLoadError(
                f"cannot load model from {source.model_dir}: its files are damaged ({type(exc).__name__}: {exc}); "
                "retrain it or restore it from the registry"
            ) from exc
    _smoke_test(router, source)
    logger.info("loaded model %s from %s in %.2fs", meta.version, source, time.perf_counter() - started)
    return LoadedModel(router=router, meta=meta, source=source, registry_version=registry_version)


def _smoke_test(router: ComplaintRouter, source: ModelSource) -> None:
    """Route one complaint before serving: a model that loads but cannot predict (made by other code of
    ``models/``, say) is refused here instead of failing every request."""
    try:
        [suggestion] = router.suggest([_SMOKE_TEXT], explain=True)
    except Exception as exc:  # whatever breaks, this model cannot serve
        raise ModelLoadError(
            f"model from {source} loads but cannot route a complaint ({type(exc).__name__}: {exc}); "
            "retrain it with this version of disposisi"
        ) from exc
    if not suggestion.opd:
        raise ModelLoadError(f"model from {source} loads but suggests no OPD for a test complaint")


def reload_source(settings: Settings, model_dir: str | None, model_uri: str | None) -> ModelSource:
    """Where POST /v1/admin/reload may load from: the configured source, a registry URI, or a model
    directory inside ``settings.model_dir`` or one of ``settings.trusted_model_dirs``.

    A model directory is unpickled, and unpickling runs code; so a key alone does not let a caller
    name any folder on the server.
    """
    if model_uri:
        return ModelSource(model_uri=model_uri)
    if not model_dir:
        return ModelSource.from_settings(settings)
    wanted = Path(model_dir).resolve()
    trusted = [Path(settings.model_dir).resolve(), *(Path(d).resolve() for d in settings.trusted_model_dirs)]
    if not any(wanted == folder or wanted.is_relative_to(folder) for folder in trusted):
        raise ForbiddenError(
            f"model_dir {model_dir} is outside the trusted model folders; "
            "add its parent to DISPOSISI_TRUSTED_MODEL_DIRS to allow loading from it"
        )
    return ModelSource(model_dir=wanted)


def _load_registry(uri: str) -> tuple[ComplaintRouter, ModelMetadata, str]:
    """A registered version, downloaded and verified like a model directory (see :mod:`registry`)."""
    from registry.versions import RegistryError, load_registered

    try:
        router, meta, registered = load_registered(uri)
    except RegistryError as exc:
        raise ModelLoadError(f"cannot load {uri} from MLflow: {exc}") from exc
    except Exception as exc:  # a damaged store or pickle can fail in any way while it is read
        raise ModelLoadError(f"cannot load {uri} from MLflow: its files are damaged ({type(exc).__name__})") from exc
    logger.info("%s is version %s of %s", uri, registered.version, registered.name)
    return router, meta, registered.version
