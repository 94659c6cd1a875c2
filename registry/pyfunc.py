"""The pyfunc flavour of a disposisi model: what ``mlflow.pyfunc.load_model`` runs.

MLflow calls :func:`_load_pyfunc` with the folder that was logged as the model's data: a model directory,
loaded and verified by :func:`models.artifact.load_model` before anything is unpickled. This module imports no
MLflow, so it loads wherever ``models`` does (the run logs ``models/`` and ``registry/`` as code paths).
"""

from __future__ import annotations

from typing import Any

from models.artifact import ModelMetadata, load_model
from models.router import ComplaintRouter, as_texts

__all__ = ["PyfuncRouter"]


class PyfuncRouter:
    """``predict(frame)``: the top OPD of each text of the frame's first (or ``teks``) column."""

    def __init__(self, router: ComplaintRouter, meta: ModelMetadata) -> None:
        self.router = router
        self.meta = meta

    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> list[str]:
        return [str(label) for label in self.router.predict(as_texts(model_input))]


def _load_pyfunc(data_path: str) -> PyfuncRouter:
    router, meta = load_model(data_path)
    return PyfuncRouter(router, meta)
