"""Batch classification: a file of complaints in, the same rows with routing suggestions out.

:func:`classify_file` is what ``disposisi classify`` runs. It streams the input in chunks, routes each
chunk (in this process, in a pool of ``jobs`` worker processes, or on a Dask cluster, see
:mod:`batch.cluster`), writes the chunks in input order to a temporary file beside the output and
renames it into place only when every row is written. An error, Ctrl-C or SIGTERM removes the
temporary file, so a file at the output path is always complete.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

import pandas as pd
from tqdm import tqdm

from batch.cluster import DaskSource
from batch.duplicates import DUPLICATE_COLUMNS, DuplicateFinder
from batch.files import BatchError, Chunk, ChunkWriter, InputFile, detect_format, open_input, open_writer
from batch.options import BatchOptions
from batch.report import write_report
from batch.rows import (
    OUTPUT_COLUMNS,
    add_columns,
    check_texts,
    places_of,
    require_text_column,
    route_and_prepare,
    route_texts,
)
from batch.summary import BatchSummary
from models.artifact import load_model
from models.minhash import Prepared
from models.router import ComplaintRouter
from models.similarity import SimilarityConfig
from models.unit import Place

__all__ = ["BatchError", "BatchOptions", "classify_file", "default_output"]

logger = logging.getLogger(__name__)
ROUTED_SUFFIX = ".routed"


class Source(Protocol):
    """Output chunks in input order, plus a guess of the total row count for the progress bar."""

    def frames(self) -> Iterator[pd.DataFrame]: ...

    def estimated_rows(self, rows_done: int) -> int | None: ...


def default_output(input_path: str | os.PathLike[str]) -> Path:
    """Where the results go when no output is given: ``backlog.csv`` -> ``backlog.routed.csv`` beside it."""
    text = os.fspath(input_path)
    if set("*?[") & set(text):
        raise BatchError(f"input {text} is a glob of files: give the output file with --output")
    path = Path(text)
    return path.with_name(f"{path.stem}{ROUTED_SUFFIX}{path.suffix}")


def require_label_column(columns: list[Any], options: BatchOptions, where: str) -> None:
    """A true-OPD column asked for by name must be there (``opd`` itself is only used when present)."""
    if options.opd_column is not None and options.opd_column not in columns:
        present = ", ".join(str(c) for c in columns) or "(none)"
        raise BatchError(f'OPD column "{options.opd_column}" not in {where} columns: {present}')


# -- local engine ----------------------------------------------------------------------------------

_WORKER_ROUTER: ComplaintRouter | None = None


def _init_worker(model_dir: str) -> None:
    """Pool initializer of a spawned worker: it loads the model once."""
    global _WORKER_ROUTER
    _WORKER_ROUTER, _ = load_model(model_dir)


def _route_in_worker(texts: list[str], places: list[Place] | None) -> dict[str, list[Any]]:
    assert _WORKER_ROUTER is not None, "worker started without a model"
    return route_texts(_WORKER_ROUTER, texts, places)


def _route_and_prepare_in_worker(
    texts: list[str], places: list[Place] | None, config: SimilarityConfig
) -> tuple[dict[str, list[Any]], Prepared]:
    """Routing and, for ``--duplicates``, the index-free part of the search (it runs in parallel here)."""
    assert _WORKER_ROUTER is not None, "worker started without a model"
    return route_and_prepare(_WORKER_ROUTER, texts, places, config)


def _pool(jobs: int, model_dir: Path, router: ComplaintRouter) -> ProcessPoolExecutor:
    """Worker processes for routing.

    On Linux, when this process runs a single thread (the CLI: the progress bar runs no monitor
    thread), workers are forked from it after the model is loaded: they start at once, sharing its
    imported libraries and the model's memory pages, instead of spending ~3 s each importing
    scikit-learn and loading the model again. Otherwise (other threads, which a fork would not
    carry over safely, or macOS and Windows) workers are spawned and load the model themselves.
    """
    global _WORKER_ROUTER
    if sys.platform == "linux" and threading.active_count() == 1:
        _WORKER_ROUTER = router
        return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"))
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(str(model_dir),),
    )


class LocalSource:
    """One file, routed in this process (``jobs=1``) or by a pool of worker processes."""

    def __init__(self, source: InputFile, options: BatchOptions, model_dir: Path, router: ComplaintRouter):
        self.source = source
        self.options = options
        self.model_dir = model_dir
        self.router = router

    def estimated_rows(self, rows_done: int) -> int | None:
        return self.source.estimated_rows(rows_done)

    def _checked(self) -> Iterator[tuple[Chunk, list[str], list[str], list[Place] | None]]:
        """Chunks with their errors, routable texts and their places; the first chunk must have the text column."""
        for index, chunk in enumerate(self.source.chunks()):
            if index == 0:
                columns, where = list(chunk.frame.columns), str(self.source.path)
                require_text_column(columns, self.options.text_column, where)
                if self.source.format != "jsonl":  # a JSONL record may lack keys that later ones have
                    require_label_column(columns, self.options, where)
            texts, errors = check_texts(chunk.frame, self.options, chunk.read_errors)
            routable = [t for t, e in zip(texts, errors, strict=True) if not e]
            yield chunk, errors, routable, places_of(chunk.frame, self.options, errors)

    def frames(self) -> Iterator[pd.DataFrame]:
        for frame, _ in self.prepared_frames(None):
            yield frame

    def prepared_frames(self, config: SimilarityConfig | None) -> Iterator[tuple[pd.DataFrame, Prepared | None]]:
        """Output chunks in input order; with a similarity ``config``, each with the
        :class:`models.minhash.Prepared` of its routable texts, computed where it was routed."""
        if self.options.jobs == 1:
            for chunk, errors, routable, places in self._checked():
                if config is None:
                    yield add_columns(chunk.frame, errors, route_texts(self.router, routable, places)), None
                else:
                    routed, prepared = route_and_prepare(self.router, routable, places, config)
                    yield add_columns(chunk.frame, errors, routed), prepared
            return
        yield from self._pool_frames(config)

    def _pool_frames(self, config: SimilarityConfig | None) -> Iterator[tuple[pd.DataFrame, Prepared | None]]:
        jobs = self.options.jobs
        pool = _pool(jobs, self.model_dir, self.router)
        pending: deque[tuple[pd.DataFrame, list[str], Future[Any]]] = deque()

        def done(frame: pd.DataFrame, errors: list[str], future: Future[Any]) -> tuple[pd.DataFrame, Prepared | None]:
            routed, prepared = future.result() if config is not None else (future.result(), None)
            return add_columns(frame, errors, routed), prepared

        try:
            for chunk, errors, routable, places in self._checked():
                future: Future[Any] = (
                    pool.submit(_route_in_worker, routable, places)
                    if config is None
                    else pool.submit(_route_and_prepare_in_worker, routable, places, config)
                )
                pending.append((chunk.frame, errors, future))
                while len(pending) > 2 * jobs:  # bounded: memory stays flat, results come in order
                    yield done(*pending.popleft())
            while pending:
                yield done(*pending.popleft())
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)


# -- running a job ---------------------------------------------------------------------------------


@contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """SIGTERM raises SystemExit (exit code 143) so the temporary output is cleaned up as on Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        del frame
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _check_paths(input_path: str, output: Path, report: Path | None, engine: str) -> str:
    out_format = detect_format(output, "output")
    if engine == "local":
        detect_format(input_path)
        if Path(input_path).resolve() == output.resolve():
            raise BatchError(f"output {output} is the input file: write the results to another path")
    for target, role in ((output, "output"), (report, "report")):
        if target is None:
            continue
        folder = target.parent
        if not folder.is_dir():
            raise BatchError(f"{role} directory {folder} does not exist")
        if not os.access(folder, os.W_OK):
            raise BatchError(f"{role} directory {folder} is not writable")
    if report is not None and report.suffix.lower() not in (".html", ".htm"):
        raise BatchError(f"report {report}: the report is HTML, give it a .html name")
    return out_format


class _Bar(tqdm):
    """tqdm without its monitor thread (it only repaints a stalled bar), so workers can be forked."""

    monitor_interval = 0


def _write_rows(
    source: Source,
    writer: ChunkWriter,
    summary: BatchSummary,
    show_progress: bool,
    duplicates: DuplicateFinder | None = None,
) -> None:
    with _Bar(total=None, unit=" rows", disable=not show_progress, dynamic_ncols=True, smoothing=0.1) as bar:
        wrote_any = False
        chunks: Iterator[tuple[pd.DataFrame, Prepared | None]]
        if duplicates is not None and isinstance(source, LocalSource):
            chunks = source.prepared_frames(duplicates.index.config)
        else:
            chunks = ((frame, None) for frame in source.frames())
        for frame, prepared in chunks:
            if wrote_any and len(frame) == 0:
                continue
            if duplicates is not None:  # here, in input order, whatever routed the chunk
                frame = duplicates.mark(frame, prepared)
            writer.write(frame)
            wrote_any = True
            summary.add(frame)
            estimate = source.estimated_rows(summary.rows)
            if estimate is not None and estimate != bar.total:
                bar.total = estimate
            bar.update(len(frame))
        if not wrote_any:  # an empty JSONL file: no columns known, write the output columns only
            names = OUTPUT_COLUMNS + (DUPLICATE_COLUMNS if duplicates is not None else ())
            writer.write(pd.DataFrame({name: pd.Series([], dtype=object) for name in names}))


def _make_source(
    input_path: str, options: BatchOptions, model_dir: Path, router: ComplaintRouter
) -> tuple[Source, str, str]:
    """The rows to route, a description of the engine, and the CSV delimiter the output keeps."""
    if options.engine == "dask":
        dask_source = DaskSource(input_path, router, options)
        return dask_source, dask_source.description, dask_source.delimiter
    source = open_input(input_path, options)
    return LocalSource(source, options, model_dir, router), "local", source.delimiter


def classify_file(
    input_path: str | os.PathLike[str],
    output: str | os.PathLike[str] | None,
    model_dir: str | os.PathLike[str],
    options: BatchOptions | None = None,
    *,
    report: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Route every row of ``input_path`` (a glob of files with the Dask engine) into ``output``
    (``None``: :func:`default_output`, beside the input; CSV output keeps the input's delimiter).

    Returns the summary: rows, per-OPD and urgency counts, share needing review, errors, timing.
    Raises :class:`BatchError` (bad input or output), :class:`models.artifact.ArtifactError` (bad
    model directory) or :class:`OSError` (disk full, I/O failure) with a one-line message.
    """
    options = options or BatchOptions()
    input_text = os.fspath(input_path)
    output_path = Path(output) if output is not None else default_output(input_text)
    report_path = Path(report) if report is not None else None
    out_format = _check_paths(input_text, output_path, report_path, options.engine)
    started = time.perf_counter()
    router, meta = load_model(model_dir)
    source, engine, delimiter = _make_source(input_text, options, Path(model_dir), router)
    summary = BatchSummary(options)
    duplicates = DuplicateFinder(options) if options.duplicates else None
    show_progress = options.progress and _stderr_is_terminal()

    try:
        fd, tmp_name = tempfile.mkstemp(dir=output_path.parent, prefix=f".{output_path.name}.", suffix=".tmp")
    except OSError as exc:
        raise BatchError(f"cannot write to directory {output_path.parent}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    writer: ChunkWriter | None = None
    try:
        with _sigterm_as_exit():
            writer = open_writer(tmp, out_format, delimiter)
            _write_rows(source, writer, summary, show_progress, duplicates)
            writer.close()
            os.replace(tmp, output_path)
    except OSError as exc:  # disk full, output folder gone, I/O error
        _discard(writer, tmp)
        raise BatchError(f"cannot complete {output_path}: {exc.strerror or exc}") from exc
    except BaseException:
        _discard(writer, tmp)
        raise

    seconds = time.perf_counter() - started
    result: dict[str, Any] = {
        "input": input_text,
        "output": str(output_path),
        "format": out_format,
        "model_version": meta.version,
        "engine": engine,
        "jobs": options.jobs,
        **summary.as_dict(),
        "seconds": round(seconds, 3),
        "rows_per_second": round(summary.rows / seconds, 1) if seconds > 0 else 0.0,
        "report": None,
    }
    if duplicates is not None:
        result["duplicates"] = duplicates.as_dict()
    if report_path is not None:
        try:
            write_report(result, report_path, summary.actions())
        except OSError as exc:
            raise BatchError(f"output {output_path} is complete, but the report failed: {exc}") from exc
        result["report"] = str(report_path)
    logger.debug("batch done: %d rows in %.1f s", summary.rows, seconds)
    return result


def _discard(writer: ChunkWriter | None, tmp: Path) -> None:
    """Close and delete the partial output; an error here must not hide the one that got us here."""
    if writer is not None:
        try:
            writer.close()
        except (OSError, ValueError) as exc:
            logger.debug("closing the partial output %s failed: %s", tmp, exc)
    with suppress(FileNotFoundError):
        tmp.unlink()


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
