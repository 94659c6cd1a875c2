"""What happens to the rows of one chunk: check each text, route the good ones, add the output columns.

The three steps are separate functions so that the local engine can check and assemble in the main
process while worker processes only route texts, and the Dask engine can run all three on a worker.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from batch.files import BatchError
from batch.options import BatchOptions
from models.minhash import Prepared
from models.router import ComplaintRouter, Routing
from models.similarity import SimilarityConfig, SimilarityIndex
from models.unit import Place

__all__ = [
    "ERROR_EMPTY",
    "ERROR_MISSING",
    "ERROR_UNDECODABLE",
    "OUTPUT_COLUMNS",
    "add_columns",
    "check_texts",
    "classify_chunk",
    "places_of",
    "require_text_column",
    "route_and_prepare",
    "route_texts",
    "too_long_error",
]

OUTPUT_COLUMNS = (
    "predicted_opd",
    "opd_confidence",
    "top3_opd",
    "predicted_urgency",
    "urgency_confidence",
    "needs_review",
    "review_reason",
    "error",
    "predicted_unit",
)
ERROR_EMPTY = "empty text"
ERROR_MISSING = "missing text"
ERROR_UNDECODABLE = "undecodable text"
_DECIMALS = 4
# Lone surrogates: bytes that were not text in the file's encoding (surrogateescape), or bad JSON escapes.
# NUL means binary data.
_NOT_TEXT_RE = re.compile("[\x00\ud800-\udfff]")


def too_long_error(max_chars: int) -> str:
    return f"too long (over {max_chars} characters)"


def require_text_column(columns: Sequence[Any], text_column: str, where: str) -> None:
    if text_column not in columns:
        present = ", ".join(str(c) for c in columns) or "(none)"
        raise BatchError(f'text column "{text_column}" not in {where} columns: {present}')


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _text_error(value: Any, max_chars: int) -> tuple[str, str]:
    """``(text, "")`` for a routable value, ``("", reason)`` otherwise."""
    if _is_missing(value):
        return "", ERROR_MISSING
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return "", ERROR_UNDECODABLE
    text = value if isinstance(value, str) else str(value)
    if len(text) > max_chars:
        return "", too_long_error(max_chars)
    if ("\x00" in text) if text.isascii() else _NOT_TEXT_RE.search(text):
        # Bytes that were not text in the file's encoding (kept as surrogates), or binary data.
        return "", ERROR_UNDECODABLE
    if not text.strip():
        return "", ERROR_EMPTY
    return text, ""


def check_texts(
    frame: pd.DataFrame, options: BatchOptions, read_errors: Sequence[str] = ()
) -> tuple[list[str], list[str]]:
    """Texts to route and, per row, an error ("" when the row can be routed)."""
    # A JSONL chunk where no record has the key has no such column: every text is missing.
    column = options.text_column
    values = frame[column].tolist() if column in frame.columns else [None] * len(frame)
    texts: list[str] = []
    errors: list[str] = []
    for i, value in enumerate(values):
        if read_errors and read_errors[i]:
            text, error = "", read_errors[i]
        else:
            text, error = _text_error(value, options.max_chars)
        texts.append(text)
        errors.append(error)
    return texts, errors


def places_of(frame: pd.DataFrame, options: BatchOptions, errors: Sequence[str]) -> list[Place] | None:
    """The location fields of the routable rows (those without an error), or None when the input has neither."""
    columns = [options.kecamatan_column, options.kelurahan_column]
    if not any(c in frame.columns for c in columns):
        return None
    kecamatan, kelurahan = (frame[c].tolist() if c in frame.columns else [None] * len(frame) for c in columns)
    return [
        Place(_field(kec), _field(kel))
        for kec, kel, error in zip(kecamatan, kelurahan, errors, strict=True)
        if not error
    ]


def _field(value: Any) -> str | None:
    if _is_missing(value):
        return None
    text = value if isinstance(value, str) else str(value)
    return text.strip() or None


def route_texts(
    router: ComplaintRouter, texts: Sequence[str], places: Sequence[Place] | None = None
) -> dict[str, list[Any]]:
    """The prediction columns for ``texts`` (all routable; ``places`` their location fields, or None), from one
    vectorised ``route`` call."""
    if not texts:
        return {name: [] for name in OUTPUT_COLUMNS if name != "error"}
    return _columns(router.route(list(texts), places=places))


def route_and_prepare(
    router: ComplaintRouter, texts: Sequence[str], places: Sequence[Place] | None, config: SimilarityConfig
) -> tuple[dict[str, list[Any]], Prepared]:
    """:func:`route_texts` and, for ``--duplicates``, :meth:`SimilarityIndex.prepare
    <models.similarity.SimilarityIndex.prepare>` of the same texts, from the words the router has just read
    (each text is normalised and cut into words once)."""
    index = SimilarityIndex(config)
    if not texts:
        return route_texts(router, texts, places), index.prepare([])
    routing = router.route(list(texts), places=places)
    assert routing.encoded is not None and routing.encoded.read is not None  # route() keeps what it read
    return _columns(routing), index.prepare_words(*routing.encoded.read.content_words())


def _columns(routing: Routing) -> dict[str, list[Any]]:
    """The prediction columns of one :class:`~models.router.Routing`."""
    n = len(routing)
    names = routing.classes.astype(str)
    top = routing.top[:, :3]
    top_names = names[top].tolist()
    # json.dumps of each class name once; a row's array is then a join (same text as json.dumps(list)).
    quoted = [json.dumps(name, ensure_ascii=False) for name in names.tolist()]
    top3 = ["[" + ", ".join([quoted[j] for j in row]) + "]" for row in top.tolist()]
    urgency = routing.urgency
    urgency_scores = routing.urgency_scores
    return {
        "predicted_opd": [row[0] for row in top_names],
        "opd_confidence": [round(v, _DECIMALS) for v in routing.top_scores[:, 0].tolist()],
        "top3_opd": top3,
        "predicted_urgency": [None] * n if urgency is None else urgency.astype(str).tolist(),
        "urgency_confidence": (
            [None] * n if urgency_scores is None else [round(v, _DECIMALS) for v in urgency_scores.tolist()]
        ),
        "needs_review": routing.needs_review.astype(bool).tolist(),
        "review_reason": routing.review_reason.astype(str).tolist(),
        "predicted_unit": (
            [row[0] for row in top_names] if routing.unit is None else routing.unit.astype(str).tolist()
        ),
    }


def add_columns(frame: pd.DataFrame, errors: Sequence[str], routed: dict[str, list[Any]]) -> pd.DataFrame:
    """``frame`` with the output columns; rows with an error get no prediction and ``needs_review`` true.

    Output columns already in the input (a re-run over an earlier output) are replaced.
    """
    n = len(frame)
    ok = np.fromiter((not e for e in errors), dtype=bool, count=n)
    out = frame.drop(columns=[c for c in OUTPUT_COLUMNS if c in frame.columns])
    out = out.reset_index(drop=True)

    def spread(values: list[Any], dtype: Any, fill: Any) -> np.ndarray:
        column = np.full(n, fill, dtype=dtype)
        if values:
            column[ok] = values
        return column

    added = {
        "predicted_opd": spread(routed["predicted_opd"], object, None),
        "opd_confidence": spread(routed["opd_confidence"], float, np.nan),
        "top3_opd": spread(routed["top3_opd"], object, None),
        "predicted_urgency": spread(routed["predicted_urgency"], object, None),
        "urgency_confidence": spread([np.nan if v is None else v for v in routed["urgency_confidence"]], float, np.nan),
        "needs_review": spread(routed["needs_review"], bool, True),
        "review_reason": spread(routed["review_reason"], object, ""),
        "error": np.asarray(errors, dtype=object),
        "predicted_unit": spread(routed["predicted_unit"], object, None),
    }
    return pd.concat([out, pd.DataFrame(added)], axis=1)


def classify_chunk(
    frame: pd.DataFrame, router: ComplaintRouter, options: BatchOptions, read_errors: Sequence[str] = ()
) -> pd.DataFrame:
    """All three steps on one chunk (what a Dask task runs)."""
    texts, errors = check_texts(frame, options, read_errors)
    routable = [t for t, e in zip(texts, errors, strict=True) if not e]
    return add_columns(frame, errors, route_texts(router, routable, places_of(frame, options, errors)))
