"""A server on ``models:/NAME@ALIAS`` follows the alias: a new champion is served without a restart.

:class:`AliasFollower` looks the alias up every ``DISPOSISI_MODEL_POLL_SECONDS`` (a registry query, nothing
downloaded) and, when it names another version than the one being served, loads it through the same verified
path as start-up and ``POST /v1/admin/reload`` (:meth:`~serving.model_state.ModelHolder.load`). The swap is atomic:
requests in flight finish on the model they started with, and a version that fails its checks is refused with a
warning while the old one keeps serving (it is not tried again until the alias moves once more). Each worker
process runs its own follower.
"""

from __future__ import annotations

import logging
import threading

from serving.errors import ModelLoadError
from serving.model_state import ModelHolder, ModelSource

__all__ = ["AliasFollower"]

logger = logging.getLogger(__name__)


class AliasFollower:
    def __init__(self, holder: ModelHolder, source: ModelSource, interval_seconds: float) -> None:
        if not source.model_uri:
            raise ValueError("only a registry source (models:/NAME@ALIAS) can be followed")
        self.holder = holder
        self.source = source
        self.interval_seconds = interval_seconds
        self._stop = threading.Event()
        self._refused: str | None = None
        self._thread = threading.Thread(target=self._run, name="disposisi-alias-follower", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def check_once(self) -> bool:
        """Look the alias up once; load the version it names if it is new. Whether a new model is serving."""
        from registry.versions import RegistryError, resolve_version

        assert self.source.model_uri is not None
        try:
            wanted = resolve_version(self.source.model_uri)
        except RegistryError as exc:
            logger.warning("cannot look up %s (still serving what it serves): %s", self.source.model_uri, exc)
            return False
        current = self.holder.current
        if (current is not None and current.registry_version == wanted) or wanted == self._refused:
            return False
        try:
            loaded, previous = self.holder.load(self.source)
        except ModelLoadError as exc:
            self._refused = wanted
            logger.warning("%s now names version %s, refused: %s", self.source.model_uri, wanted, exc.message)
            return False
        self._refused = None
        logger.info(
            "%s moved: serving version %s (%s), was %s",
            self.source.model_uri,
            loaded.registry_version,
            loaded.version,
            previous.registry_version if previous else None,
        )
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval_seconds):
            self.check_once()
