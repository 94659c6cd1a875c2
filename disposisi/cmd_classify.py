"""``disposisi classify``: route every complaint of a file (or, with Dask, of many files) into an output file.

A thin wrapper over :func:`batch.run.classify_file`: options in, the summary out on stderr (or as JSON
on stdout with ``--json``), a progress bar on a terminal; ``--quiet`` prints nothing on success. Without
``--model-dir`` the model is serve's (``DISPOSISI_MODEL_DIR`` or ``var/model``, a demo model trained on
first use); ``--model-uri models:/disposisi@champion`` takes a registered version instead, downloaded
and verified like a model directory (:func:`registry.versions.fetch_model_dir`); without ``--output``
the results go beside the input (``backlog.csv`` -> ``backlog.routed.csv``). Every failure a user can
cause is one line on stderr and exit code 1.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from batch.options import DEFAULT_CHUNK_SIZE, DEFAULT_MAX_CHARS, BatchOptions
from disposisi.console import fail, load_settings, ready_model_dir, run
from disposisi.options import Encoding, IdColumn, KecamatanColumn, KelurahanColumn, TextColumn

__all__ = ["classify", "classify_registered"]

_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}


def _delimiter(value: str | None) -> str | None:
    """``;``, ``,``, ``tab`` (or ``\\t``)... as the one character; ``None``: detect it."""
    if value is None:
        return None
    return _DELIMITER_NAMES.get(value.lower(), value)


def classify_registered(
    uri: str,
    input_path: str | os.PathLike[str],
    output: str | os.PathLike[str] | None,
    options: BatchOptions,
    *,
    report: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """:func:`batch.run.classify_file` with the registered version ``uri``, fetched into a temporary folder
    and verified there (a tampered or replaced version is refused with the reason, nothing is written)."""
    from mlflow.environment_variables import MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR  # MLflow: only for a URI

    from batch.files import BatchError
    from batch.run import classify_file
    from models.artifact import ArtifactError
    from registry.versions import RegistryError, fetch_model_dir
    from training.tracking import configure_tracking

    configure_tracking()
    MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR.set(False)  # the summary (or nothing, with --quiet) is all we print
    with tempfile.TemporaryDirectory(prefix="disposisi-registry-") as tmp:
        try:
            registered = fetch_model_dir(uri, Path(tmp))
        except RegistryError as exc:
            raise BatchError(f"cannot load {uri} from MLflow: {exc}") from exc
        try:
            return classify_file(input_path, output, registered.model_dir, options, report=report)
        except ArtifactError as exc:  # the downloaded files fail the checks of models.artifact.load_model
            raise BatchError(f"cannot load {uri} from MLflow: version {registered.version} is refused: {exc}") from exc


def classify(
    input_path: Annotated[
        str, typer.Argument(metavar="INPUT", help="CSV, JSONL or Parquet file (a glob of files with --engine dask).")
    ],
    model_dir: Annotated[
        Path | None,
        typer.Option(
            "--model-dir",
            help="Model directory (default: as serve, DISPOSISI_MODEL_DIR or var/model, a demo model on first use).",
        ),
    ] = None,
    model_uri: Annotated[
        str | None,
        typer.Option("--model-uri", help="MLflow registry URI instead, e.g. models:/disposisi@champion (verified)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Output file; .csv, .jsonl or .parquet picks the format. Default: INPUT's name with .routed "
            "before the extension, beside it (backlog.csv -> backlog.routed.csv); the input is never overwritten.",
        ),
    ] = None,
    text_column: TextColumn = "teks",
    id_column: IdColumn = "id",
    opd_column: Annotated[
        str | None,
        typer.Option(help="Column with the true OPD: adds accuracy by OPD to the summary (default: opd if present)."),
    ] = None,
    kecamatan_column: KecamatanColumn = "kecamatan",
    kelurahan_column: KelurahanColumn = "kelurahan",
    delimiter: Annotated[
        str | None,
        typer.Option(help="CSV delimiter: ',', ';' or 'tab' (default: detected); the CSV output keeps it."),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes (Dask: cluster workers).")] = 1,
    chunk_size: Annotated[int, typer.Option(min=1, help="Rows read, routed and written at a time.")] = (
        DEFAULT_CHUNK_SIZE
    ),
    max_chars: Annotated[int, typer.Option(min=1, help="Longer texts are not routed (error: too long).")] = (
        DEFAULT_MAX_CHARS
    ),
    encoding: Encoding = "utf-8",
    report: Annotated[
        Path | None,
        typer.Option(help="Also write an HTML report: OPD by urgency, complaints to act on, accuracy by OPD."),
    ] = None,
    engine: Annotated[str, typer.Option(help="local (this machine) or dask (a Dask cluster).")] = "local",
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: a LocalCluster).")
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", help="Print nothing on success: no progress bar, no summary.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON on stdout, not on stderr.")
    ] = False,
    duplicates: Annotated[
        bool,
        typer.Option(
            "--duplicates",
            help="Add duplicate_of, duplicate_score, duplicate_kind: the earlier row each row repeats "
            "(ulang: re-sent; terkait: same problem and place).",
        ),
    ] = False,
    duplicate_window_days: Annotated[
        int, typer.Option(min=0, help="With --duplicates: related complaints are at most this many days apart.")
    ] = 14,
) -> None:
    """Suggest the OPD and urgency of every complaint in INPUT, keeping every row and column."""
    from batch.run import classify_file  # scikit-learn and pandas: only when the command runs
    from batch.summary import format_summary

    if quiet:
        logging.getLogger().setLevel(max(logging.WARNING, logging.getLogger().level))
    options = run(
        lambda: BatchOptions(
            text_column=text_column,
            id_column=id_column,
            opd_column=opd_column,
            max_chars=max_chars,
            chunk_size=chunk_size,
            encoding=encoding,
            delimiter=_delimiter(delimiter),
            jobs=jobs,
            engine=engine,
            scheduler=scheduler,
            progress=not quiet,
            duplicates=duplicates,
            duplicate_window_days=duplicate_window_days,
            kecamatan_column=kecamatan_column,
            kelurahan_column=kelurahan_column,
        )
    )
    summary: dict[str, Any]
    if model_uri is not None:
        if model_dir is not None:
            fail("give --model-dir or --model-uri, not both", code=2)
        summary = run(lambda: classify_registered(model_uri, input_path, output, options, report=report))
    else:
        directory = model_dir if model_dir is not None else ready_model_dir(load_settings().model_dir, quiet=quiet)
        summary = run(lambda: classify_file(input_path, output, directory, options, report=report))
    if as_json:
        typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    if quiet:
        return
    for line in format_summary(summary):
        typer.echo(line, err=True)
