"""``disposisi classify``: route every complaint of a file (or, with Dask, of many files) into an output file.

A thin wrapper over :func:`serving.batch.classify_file`: options in, the summary out on stderr (or as
JSON on stdout with ``--json``), a progress bar on a terminal unless ``--quiet``. Every failure a user
can cause is one line on stderr and exit code 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["classify"]


def classify(
    input_path: Annotated[
        str, typer.Argument(metavar="INPUT", help="CSV, JSONL or Parquet file (a glob of files with --engine dask).")
    ],
    model_dir: Annotated[Path, typer.Option("--model-dir", help="Model directory (model.joblib + model.json).")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Output file; .csv, .jsonl or .parquet picks the format.")
    ],
    text_column: Annotated[str, typer.Option(help="Column with the complaint text.")] = "teks",
    id_column: Annotated[str, typer.Option(help="Column with the complaint id (named in the summary).")] = "id",
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes (Dask: cluster workers).")] = 1,
    chunk_size: Annotated[int, typer.Option(min=1, help="Rows read, routed and written at a time.")] = 2_000,
    max_chars: Annotated[int, typer.Option(min=1, help="Longer texts are not routed (error: too long).")] = 20_000,
    encoding: Annotated[str, typer.Option(help="Encoding of CSV and JSONL input.")] = "utf-8",
    report: Annotated[Path | None, typer.Option(help="Also write an HTML report (charts of OPD by urgency).")] = None,
    engine: Annotated[str, typer.Option(help="local (this machine) or dask (a Dask cluster).")] = "local",
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: a LocalCluster).")
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", help="No progress bar (it shows only on a terminal anyway).")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON on stdout, not on stderr.")
    ] = False,
) -> None:
    """Suggest the OPD and urgency of every complaint in INPUT, keeping every row and column."""
    from models.artifact import ArtifactError
    from serving.batch import BatchError, BatchOptions, classify_file
    from serving.batch_summary import format_summary

    try:
        options = BatchOptions(
            text_column=text_column,
            id_column=id_column,
            jobs=jobs,
            chunk_size=chunk_size,
            max_chars=max_chars,
            encoding=encoding,
            engine=engine,
            scheduler=scheduler,
            progress=not quiet,
        )
        summary: dict[str, Any] = classify_file(input_path, output, model_dir, options, report=report)
    except (BatchError, ArtifactError, ValueError, OSError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    for line in format_summary(summary):
        typer.echo(line, err=True)
