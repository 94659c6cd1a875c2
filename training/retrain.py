"""``disposisi retrain``: learn from the admins' decisions, and let the champion move only on merit.

1. The latest decision per complaint is read from the store (:func:`store.decisions.latest_decisions`); the most
   recent of them (``holdout`` of them, at least ``min_eval``) are held out, time-ordered, as the evaluation set:
   the model is judged on the newest language, the way it will meet the next complaints.
2. The challenger is trained on the base data plus the older decisions, evaluated on the held-out decisions; the
   champion is re-evaluated on the same rows (:func:`training.tracking.log_training_run`), and ``champion`` moves
   only when the challenger is at least as good, or with ``promote``.
3. The run logs its inputs as MLflow datasets (base data and decisions: row counts and digests, never texts) and a
   fingerprint of the decisions it used; the registered version carries that fingerprint, so a second run with no
   new decision does nothing ("no new decisions since version N: nothing to do"). Safe to run from cron.
4. With ``unit_column`` (and ``catalogue``, the location columns) the base data is read as ``disposisi train``
   reads it, and the new model learns the specific unit too: a decision's own ``unit`` is its unit label, a
   decision without one contributes none (an empty unit is unknown to :class:`models.unit.UnitResolver`), and a
   decision's stored place (the complaint's kecamatan, kelurahan) is its place, so the resolver learns the places
   each unit serves from the decisions too (a kelurahan only the decisions name is then known). When
   the champion or the model in ``model_dir`` was trained with a unit column (or a catalogue) and this retrain
   is not given it, retrain refuses with a one-line message rather than quietly dropping the unit
   (``without_unit`` drops it on purpose).
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from models.artifact import ArtifactError, load_metadata, save_model
from models.unit import Place
from store.decisions import LabelledDecision, latest_decisions
from store.migrate import upgrade
from training.data import DataError, Dataset, catalogue_summary, load_dataset, load_unit_catalogue
from training.evaluate import scalar_metrics
from training.fit import train_router

__all__ = ["OUTSIDE_LABEL", "RetrainError", "retrain_model"]

logger = logging.getLogger(__name__)

OUTSIDE_LABEL = "Di luar kewenangan"
_FINGERPRINT_TAG = "feedback_sha256"


class RetrainError(Exception):
    """Retraining cannot run as asked (no store, too few decisions); the message says what to do."""


def retrain_model(
    base: Sequence[str | PathLike[str]],
    model_dir: str | PathLike[str],
    *,
    feedback_url: str,
    include_outside: bool = False,
    holdout: float = 0.2,
    min_eval: int = 10,
    promote: bool = False,
    registered_model: str = "disposisi",
    tracking_uri: str | None = None,
    params: dict[str, Any] | None = None,
    review_target: float = 0.95,
    text_column: str = "teks",
    opd_column: str = "opd",
    urgency_column: str | None = None,
    urgency_files: Sequence[str | PathLike[str]] = (),
    id_column: str = "id",
    encoding: str = "utf-8",
    unit_column: str | None = None,
    kecamatan_column: str = "kecamatan",
    kelurahan_column: str = "kelurahan",
    catalogue: str | PathLike[str] | None = None,
    without_unit: bool = False,
) -> dict[str, Any]:
    """Retrain on ``base`` plus the store's decisions; see the module docstring. A summary dict."""
    from training.tracking import RunInput, log_training_run

    if not 0.0 < holdout < 1.0:
        raise RetrainError(f"holdout must be between 0 and 1, got {holdout}")
    try:
        described = load_unit_catalogue(catalogue, unit_column, encoding=encoding)
    except DataError as exc:
        raise RetrainError(str(exc)) from exc
    decisions = _read_decisions(feedback_url, include_outside)
    if not without_unit:
        _check_unit_kept(unit_column, catalogue, model_dir, registered_model, tracking_uri)
    fingerprint = _fingerprint(decisions)
    previous = _version_with_fingerprint(registered_model, fingerprint, tracking_uri)
    if previous is not None:
        message = f"no new decisions since version {previous}: nothing to do"
        logger.info(message)
        return {"retrained": False, "reason": message, "version": previous, "decisions": len(decisions)}
    n_eval = max(min_eval, round(holdout * len(decisions)))
    if len(decisions) < 2 * n_eval:
        raise RetrainError(
            f"the store holds {len(decisions)} decisions; retrain holds out the newest {n_eval} to judge the "
            f"new model and needs at least as many to learn from ({2 * n_eval} in all): wait for more decisions, "
            "lower --min-eval, or train on an export with `disposisi train`"
        )
    try:
        base_data = load_dataset(
            base,
            text_column=text_column,
            opd_column=opd_column,
            urgency_column=urgency_column,
            urgency_files=urgency_files,
            id_column=id_column,
            encoding=encoding,
            unit_column=unit_column,
            kecamatan_column=kecamatan_column,
            kelurahan_column=kelurahan_column,
        )
    except DataError as exc:
        raise RetrainError(str(exc)) from exc
    older, newest = decisions[:-n_eval], decisions[-n_eval:]
    train = _joined(base_data, older)
    evaluation = _as_dataset(newest, "decisions (newest)", with_units=unit_column is not None)
    logger.info(
        "retraining on %d base rows + %d decisions, judged on the newest %d decisions (from %s)",
        len(base_data),
        len(older),
        len(newest),
        newest[0].decided_at.isoformat(),
    )
    result = train_router(train, evaluation, params=params, review_target=review_target, catalogue=described)
    data_info = {
        "train": train.summary(),
        "train_sources": [Path(s).name for s in base_data.sources],
        "eval": evaluation.summary(),
        "feedback": {"decisions": len(decisions), "train": len(older), "eval": len(newest), "sha256": fingerprint},
        "metrics_source": "newest decisions",
        "review_target": review_target,
        "unit_column": unit_column,
        "catalogue": catalogue_summary(catalogue, described),
    }
    metrics = scalar_metrics(result.metrics)
    meta = save_model(result.router, model_dir, data=data_info, metrics=metrics, reference=result.reference)
    tracked = log_training_run(
        result,
        meta,
        train,
        evaluation,
        model_dir=Path(model_dir),
        registered_model=registered_model,
        promote=promote,
        tracking_uri=tracking_uri,
        inputs=[
            RunInput("base", _frame_of(base_data), "training"),
            RunInput("decisions", _decision_frame(older), "training"),
            RunInput("decisions-newest", _decision_frame(newest), "evaluation"),
        ],
        extra_params={
            "feedback_rows": len(decisions),
            "feedback_train_rows": len(older),
            "feedback_eval_rows": len(newest),
            "feedback_eval_from": newest[0].decided_at.isoformat(),
            "feedback_include_outside": include_outside,
            "feedback_unit_rows": sum(1 for d in older if d.unit) if unit_column is not None else 0,
            _FINGERPRINT_TAG: fingerprint,
        },
        version_tags={_FINGERPRINT_TAG: fingerprint},
    )
    return {
        "retrained": True,
        "model_dir": str(model_dir),
        "model_version": meta.version,
        "decisions": len(decisions),
        "metrics": metrics,
        "version": tracked.registered_version,
        "champion": tracked.champion_version,
        "promoted": tracked.promoted,
        "reason": tracked.reason,
    }


def _check_unit_kept(
    unit_column: str | None,
    catalogue: str | PathLike[str] | None,
    model_dir: str | PathLike[str],
    registered_model: str,
    tracking_uri: str | None,
) -> None:
    """Refuse a retrain that would drop the unit (or the catalogue) that the current model or the champion has."""
    if unit_column is not None and catalogue is not None:
        return
    for where, data in _trained_with(model_dir, registered_model, tracking_uri):
        column, described = data.get("unit_column"), data.get("catalogue")
        if column and unit_column is None:
            raise RetrainError(
                f"{where} was trained with --unit-column {column}: pass --unit-column {column}"
                + (f" --catalogue {described['file']}" if isinstance(described, dict) else "")
                + " so the retrained model keeps the unit (or --without-unit to drop it)"
            )
        if isinstance(described, dict) and catalogue is None:
            raise RetrainError(
                f"{where} was trained with --catalogue {described.get('file')}: pass --catalogue with that file "
                "so the retrained model keeps the units it names (or --without-unit to drop it)"
            )


def _trained_with(
    model_dir: str | PathLike[str], registered_model: str, tracking_uri: str | None
) -> list[tuple[str, dict[str, Any]]]:
    """The ``data`` section of model.json of the model in ``model_dir`` and of the registered champion (each where
    there is one), with the name to give it in a message. The champion's comes from its run's logged model.json
    (a small file: no model is downloaded)."""
    found: list[tuple[str, dict[str, Any]]] = []
    if (Path(model_dir) / "model.json").is_file():
        try:
            found.append((f"the model in {Path(model_dir).name}", load_metadata(Path(model_dir)).data))
        except ArtifactError as exc:
            logger.warning("cannot read the model in %s to check its unit column: %s", model_dir, exc)
    champion = _champion_data(registered_model, tracking_uri)
    if champion is not None:
        found.append(champion)
    return found


def _champion_data(name: str, tracking_uri: str | None) -> tuple[str, dict[str, Any]] | None:
    import mlflow.artifacts
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    from training.tracking import configure_tracking

    configure_tracking(tracking_uri)
    try:
        version = MlflowClient().get_model_version_by_alias(name, "champion")
    except MlflowException:
        return None  # no champion yet
    if not version.run_id:
        return None
    with tempfile.TemporaryDirectory(prefix="disposisi-champion-") as tmp:
        try:
            path = mlflow.artifacts.download_artifacts(
                run_id=version.run_id, artifact_path="evaluation/model.json", dst_path=tmp
            )
            meta = json.loads(Path(path).read_text(encoding="utf-8"))
        except (MlflowException, OSError, ValueError) as exc:
            logger.warning("cannot read champion v%s's model.json to check its unit column: %s", version.version, exc)
            return None
    data = meta.get("data") if isinstance(meta, dict) else None
    return (f"the champion (v{version.version})", data) if isinstance(data, dict) else None


def _read_decisions(url: str, include_outside: bool) -> list[LabelledDecision]:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise RetrainError(f'feedback URL "{url}" is not an SQLAlchemy URL (e.g. sqlite:///var/feedback.db)') from exc
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        raise RetrainError(f"no decisions store at {url}: the file does not exist (serve writes it under var/)")
    engine = create_engine(parsed)
    try:
        upgrade(engine)
        return latest_decisions(engine, outside_label=OUTSIDE_LABEL if include_outside else None)
    except SQLAlchemyError as exc:
        where = parsed.render_as_string(hide_password=True)
        raise RetrainError(f"cannot read the decisions from {where}: {str(exc).splitlines()[0]}") from exc
    finally:
        engine.dispose()


def _fingerprint(decisions: Sequence[LabelledDecision]) -> str:
    digest = hashlib.sha256()
    for d in decisions:
        unit = f"\x1f{d.unit}" if d.unit else ""  # only when known: decisions without a unit hash as before units
        place = f"\x1d{d.kecamatan or ''}\x1f{d.kelurahan or ''}" if d.kecamatan or d.kelurahan else ""  # likewise
        digest.update(f"{d.complaint_id}\x1f{d.opd}\x1f{d.urgency or ''}\x1f{d.text}{unit}{place}\x1e".encode())
    return digest.hexdigest()


def _version_with_fingerprint(name: str, fingerprint: str, tracking_uri: str | None) -> str | None:
    """The newest registered version trained on exactly these decisions, if any."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    from training.tracking import configure_tracking

    configure_tracking(tracking_uri)
    try:
        versions = MlflowClient().search_model_versions(f"name = '{name}'")
    except MlflowException:
        return None
    for version in sorted(versions, key=lambda v: int(v.version), reverse=True):
        if (version.tags or {}).get(_FINGERPRINT_TAG) == fingerprint:
            return str(version.version)
    return None


def _as_dataset(decisions: Sequence[LabelledDecision], source: str, *, with_units: bool = False) -> Dataset:
    return Dataset(
        texts=[d.text for d in decisions],
        opd=[d.opd for d in decisions],
        urgency=[d.urgency or "" for d in decisions],
        sources=[source],
        sha256=_fingerprint(decisions),
        units=[d.unit or "" for d in decisions] if with_units else None,
        places=[_place(d) for d in decisions] if with_units else None,
    )


def _joined(base: Dataset, decisions: Sequence[LabelledDecision]) -> Dataset:
    """Base rows then decisions; a label with fewer than 2 rows in all is left out (and counted). With units in
    the base data, a decision's unit is its own (``""``, unknown, when it has none); a decision's place is its own
    (``Place()`` when unknown), also when the base data has no location columns but some decision has a place."""
    texts = [*base.texts, *(d.text for d in decisions)]
    labels = [*base.opd, *(d.opd for d in decisions)]
    urgency = [*(base.urgency or [""] * len(base)), *(d.urgency or "" for d in decisions)]
    units = None if base.units is None else [*base.units, *(d.unit or "" for d in decisions)]
    placed = base.places is not None or any(d.kecamatan or d.kelurahan for d in decisions)
    places = [*(base.places or [Place()] * len(base)), *(_place(d) for d in decisions)] if placed else None
    counts = pd.Series(labels).value_counts()
    keep = [counts[label] >= 2 for label in labels]
    skipped = dict(base.skipped)
    dropped = int(len(labels) - sum(keep))
    if dropped:
        skipped["label with one example"] = skipped.get("label with one example", 0) + dropped
    return Dataset(
        texts=[t for t, k in zip(texts, keep, strict=True) if k],
        opd=[label for label, k in zip(labels, keep, strict=True) if k],
        urgency=[u for u, k in zip(urgency, keep, strict=True) if k],
        sources=[*base.sources, "decisions"],
        sha256=hashlib.sha256(f"{base.sha256}:{_fingerprint(decisions)}".encode()).hexdigest(),
        skipped=skipped,
        units=None if units is None else [u for u, k in zip(units, keep, strict=True) if k],
        places=None if places is None else [p for p, k in zip(places, keep, strict=True) if k],
    )


def _place(decision: LabelledDecision) -> Place:
    return Place(kecamatan=decision.kecamatan, kelurahan=decision.kelurahan)


def _frame_of(data: Dataset) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text_sha256": [hashlib.sha256(t.encode()).hexdigest() for t in data.texts],
            "opd": data.opd,
            "urgensi": data.urgency or [""] * len(data),
        }
    )


def _decision_frame(decisions: Sequence[LabelledDecision]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [d.complaint_id for d in decisions],
            "text_sha256": [hashlib.sha256(d.text.encode()).hexdigest() for d in decisions],
            "opd": [d.opd for d in decisions],
            "urgensi": [d.urgency or "" for d in decisions],
            "decided_at": [d.decided_at.isoformat() for d in decisions],
        }
    )
