"""``disposisi retrain``: train again on the base data plus the admins' decisions; champion on merit.

A thin wrapper over :func:`training.retrain.retrain_model`. Safe to run from cron: with no new decision since the
last registered version it prints "nothing to do" and exits 0. Takes the unit options of ``disposisi train``
(``--unit-column``, ``--catalogue``, the location columns), and refuses to drop a unit the champion has.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from disposisi.console import emit, run
from disposisi.options import (
    AsJson,
    Catalogue,
    Encoding,
    IdColumn,
    KecamatanColumn,
    KelurahanColumn,
    OpdColumn,
    TextColumn,
    UnitColumn,
    UrgencyColumn,
    UrgencyLabels,
)

__all__ = ["retrain"]


def retrain(
    base: Annotated[list[Path], typer.Argument(help="The labeled CSV file(s) the current model was trained on.")],
    model_dir: Annotated[Path, typer.Option("--model-dir", help="Where the new model.joblib and model.json go.")],
    feedback_url: Annotated[
        str | None,
        typer.Option(
            help="SQLAlchemy URL of the decisions store (default: DISPOSISI_FEEDBACK_URL or var/feedback.db)."
        ),
    ] = None,
    include_outside: Annotated[
        bool, typer.Option(help="Also learn complaints marked outside authority, as the label 'Di luar kewenangan'.")
    ] = False,
    holdout: Annotated[float, typer.Option(help="Share of the newest decisions held out to judge the models.")] = 0.2,
    min_eval: Annotated[int, typer.Option(min=1, help="Fewest decisions held out.")] = 10,
    text_column: TextColumn = "teks",
    opd_column: OpdColumn = "opd",
    urgency_column: UrgencyColumn = None,
    urgency_labels: UrgencyLabels = None,
    id_column: IdColumn = "id",
    unit_column: UnitColumn = None,
    kecamatan_column: KecamatanColumn = "kecamatan",
    kelurahan_column: KelurahanColumn = "kelurahan",
    catalogue: Catalogue = None,
    without_unit: Annotated[
        bool,
        typer.Option(
            "--without-unit",
            help="Retrain without the unit even though the champion (or the model in --model-dir) has one.",
        ),
    ] = False,
    review_target: Annotated[
        float, typer.Option(help="Accuracy that complaints not flagged for review must reach.")
    ] = 0.95,
    tracking_uri: Annotated[
        str | None, typer.Option(help="MLflow tracking URI (default: MLFLOW_TRACKING_URI or sqlite:///mlflow.db).")
    ] = None,
    registered_model: Annotated[str, typer.Option(help="MLflow registered model name.")] = "disposisi",
    promote: Annotated[bool, typer.Option(help="Move the champion alias to the new version regardless.")] = False,
    encoding: Encoding = "utf-8",
    as_json: AsJson = False,
) -> None:
    """Retrain on the base data plus every admin decision in the store; champion moves only on merit."""
    from training.retrain import retrain_model

    url = feedback_url or os.environ.get("DISPOSISI_FEEDBACK_URL") or "sqlite:///var/feedback.db"
    result = run(
        lambda: retrain_model(
            base,
            model_dir,
            feedback_url=url,
            include_outside=include_outside,
            holdout=holdout,
            min_eval=min_eval,
            promote=promote,
            registered_model=registered_model,
            tracking_uri=tracking_uri,
            review_target=review_target,
            text_column=text_column,
            opd_column=opd_column,
            urgency_column=urgency_column,
            urgency_files=urgency_labels or [],
            id_column=id_column,
            encoding=encoding,
            unit_column=unit_column,
            kecamatan_column=kecamatan_column,
            kelurahan_column=kelurahan_column,
            catalogue=catalogue,
            without_unit=without_unit,
        )
    )
    emit(result, as_json)
