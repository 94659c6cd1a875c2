"""The Dask engine: one file or a glob of files, read and routed as Dask dataframe partitions.

Partitions are built with :func:`dask.dataframe.from_map` from the same parsers as the local engine
(:mod:`batch.files`), so both engines see the same rows, texts and errors:

- CSV files are cut into byte ranges at record boundaries (a newline outside double quotes), so a
  complaint with line breaks inside its quoted text is never split;
- JSONL files are cut at newlines;
- Parquet files give one partition per row group.

The model is sent to every worker once (``Client.scatter``); each partition is routed on a worker and
the results come back to this process in input order, where :mod:`batch.run` writes them to one
output file. Workers must see the input paths (a shared file system). Dask is the optional extra
``disposisi[distributed]`` and is imported only here.
"""

from __future__ import annotations

import dataclasses
import glob
import logging
from collections import deque
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from batch.files import BatchError, Chunk, InputFile, detect_format, open_input, parse_csv, parse_jsonl
from batch.options import DEFAULT_PARTITION_BYTES, BatchOptions
from batch.rows import classify_chunk, require_text_column
from models.router import ComplaintRouter

__all__ = ["DEFAULT_BLOCK_BYTES", "DaskSource", "csv_record_ranges", "line_ranges", "partition_specs"]

logger = logging.getLogger(__name__)

DEFAULT_BLOCK_BYTES = DEFAULT_PARTITION_BYTES
_SCAN_BYTES = 8 * 2**20
_READ_ERROR = "__disposisi_read_error__"
_GLOB_CHARS = set("*?[")

Spec = tuple[str, str, int, int]  # (path, format, start, stop): a byte range, or (row group, 0) for Parquet


def _boundaries(path: Path, block_bytes: int, *, quoted: bool) -> list[int]:
    """Offsets just past the first record-ending newline at or after each multiple of ``block_bytes``.

    With ``quoted``, a newline ends a record only outside double quotes; escaped quotes are doubled
    in CSV, so the parity of the quote count before a newline tells whether it is inside a field.
    """
    size = path.stat().st_size
    cuts: list[int] = []
    target = block_bytes
    inside = False
    offset = 0
    with open(path, "rb") as handle:
        while target < size:
            block = handle.read(_SCAN_BYTES)
            if not block:
                break
            data = np.frombuffer(block, dtype=np.uint8)
            newline = data == 10
            if quoted:
                parity = (np.cumsum(data == 34) + int(inside)) % 2
                newline &= parity == 0
                inside = bool(parity[-1])
            ends = np.flatnonzero(newline) + offset + 1
            while target < size:
                later = ends[ends >= target]
                if not len(later):
                    break
                if later[0] < size:
                    cuts.append(int(later[0]))
                target = max(target + block_bytes, int(later[0]) + 1)
            offset += len(block)
    return cuts


def csv_record_ranges(path: Path, block_bytes: int = DEFAULT_BLOCK_BYTES) -> tuple[int, list[tuple[int, int]]]:
    """The end of the header and the byte ranges of the data records, cut at record boundaries."""
    cuts = _boundaries(path, block_bytes, quoted=True)
    with open(path, "rb") as handle:
        header = parse_header_end(handle.read(min(block_bytes, 2**20) or 1))
    size = path.stat().st_size
    starts = [header, *[c for c in cuts if c > header]]
    stops = [*starts[1:], size]
    return header, [(a, b) for a, b in zip(starts, stops, strict=True) if b > a]


def parse_header_end(head: bytes) -> int:
    """Offset just past the header record (the first newline outside quotes)."""
    inside = False
    for i, byte in enumerate(head):
        if byte == 34:
            inside = not inside
        elif byte == 10 and not inside:
            return i + 1
    return len(head)


def line_ranges(path: Path, block_bytes: int = DEFAULT_BLOCK_BYTES) -> list[tuple[int, int]]:
    size = path.stat().st_size
    starts = [0, *_boundaries(path, block_bytes, quoted=False)]
    stops = [*starts[1:], size]
    return [(a, b) for a, b in zip(starts, stops, strict=True) if b > a]


def expand_inputs(pattern: str) -> list[Path]:
    """The input files: one path, or the sorted matches of a glob."""
    if _GLOB_CHARS & set(pattern):
        paths = sorted(Path(p) for p in glob.glob(pattern))
        if not paths:
            raise BatchError(f"no input file matches {pattern}")
    else:
        paths = [Path(pattern)]
    for path in paths:
        detect_format(path)
        if not path.is_file():
            raise BatchError(f"input {path} does not exist or is not a file")
    return paths


def partition_specs(paths: list[Path], block_bytes: int = DEFAULT_BLOCK_BYTES) -> list[Spec]:
    specs: list[Spec] = []
    for path in paths:
        fmt = detect_format(path)
        if fmt == "parquet":
            groups = pq.ParquetFile(path).metadata.num_row_groups
            specs.extend((str(path), fmt, group, 0) for group in range(max(groups, 1)))
        elif fmt == "csv":
            header, ranges = csv_record_ranges(path, block_bytes)
            specs.extend((str(path), fmt, start, stop) for start, stop in ranges or [(header, header)])
        else:
            specs.extend((str(path), fmt, start, stop) for start, stop in line_ranges(path, block_bytes))
    return specs


def read_partition(spec: Spec, options: BatchOptions) -> pd.DataFrame:
    """Rows of one partition, with the read error of each row in an extra column.

    ``options.delimiter`` is the one the first file was read with (see :class:`DaskSource`)."""
    encoding, chunk_size = options.encoding, options.chunk_size
    path, fmt, start, stop = spec
    chunks: list[Chunk]
    if fmt == "parquet":
        table = pq.ParquetFile(path).read_row_group(start)
        chunks = [Chunk(table.to_pandas(types_mapper=pd.ArrowDtype))]
    else:
        with open(path, "rb") as handle:
            head = handle.read(2**20)
            handle.seek(start)
            data = handle.read(stop - start)
        if fmt == "csv":
            header = head[: parse_header_end(head)]
            chunks = list(parse_csv(BytesIO(header + data), encoding, chunk_size, options.delimiter or ","))
        else:
            chunks = list(parse_jsonl(BytesIO(data), encoding, chunk_size))
    if fmt != "jsonl" and chunks:
        require_text_column(list(chunks[0].frame.columns), options.text_column, str(path))
    frames = []
    for chunk in chunks:
        frame = chunk.frame.reset_index(drop=True)
        frame[_READ_ERROR] = chunk.read_errors or [""] * len(frame)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({_READ_ERROR: []})


def classify_partition(frame: pd.DataFrame, router: ComplaintRouter, options: BatchOptions) -> pd.DataFrame:
    """Route a partition in ``options.chunk_size`` slices (bounded memory on the worker)."""
    chunk_size = options.chunk_size
    read_errors = frame.pop(_READ_ERROR).tolist() if _READ_ERROR in frame.columns else []
    parts = []
    for start in range(0, max(len(frame), 1), chunk_size):
        piece = frame.iloc[start : start + chunk_size]
        parts.append(classify_chunk(piece, router, options, read_errors[start : start + chunk_size]))
    return pd.concat(parts, ignore_index=True)


def _import_dask() -> tuple[Any, Any, Any]:
    """``dask``, ``dask.dataframe`` and ``distributed``: the optional extra, imported only when used."""
    try:
        import dask
        import dask.dataframe as dd
        import distributed
    except ImportError as exc:
        raise BatchError(
            f'the Dask engine needs the optional extra: pip install "disposisi[distributed]" ({exc.name} missing)'
        ) from exc
    return dask, dd, distributed


class DaskSource:
    """Partitions of one file or a glob, routed on a Dask cluster, returned in input order.

    Every CSV file is read with the delimiter of the first one (given, or detected there)."""

    def __init__(self, pattern: str, router: ComplaintRouter, options: BatchOptions) -> None:
        self.dask, self.dd, self.distributed = _import_dask()
        self.paths = expand_inputs(pattern)
        self.router = router
        first = open_input(self.paths[0], dataclasses.replace(options, chunk_size=5))
        self.options = dataclasses.replace(options, delimiter=first.delimiter)
        self.delimiter = first.delimiter
        self.specs = partition_specs(self.paths, options.partition_bytes)
        self._parts_done = 0
        where = options.scheduler or f"LocalCluster({options.jobs} workers)"
        self.description = f"dask ({where}, {len(self.specs)} partitions from {len(self.paths)} files)"
        self.meta = self._first_rows(first)

    def _first_rows(self, first: InputFile) -> pd.DataFrame:
        """The columns of the first file (the dataframe's meta); fails fast, before any cluster starts,
        when that file lacks the text column."""
        frame = pd.DataFrame()
        for chunk in first.chunks():
            frame = chunk.frame.iloc[:0].copy()
            break
        if first.format != "jsonl":
            require_text_column(list(frame.columns), self.options.text_column, str(self.paths[0]))
        frame[_READ_ERROR] = pd.Series([], dtype=object)
        return frame

    def estimated_rows(self, rows_done: int) -> int | None:
        if self._parts_done == 0:
            return None
        return max(rows_done, round(rows_done * len(self.specs) / self._parts_done))

    def _client(self) -> tuple[Any, Any]:
        distributed = self.distributed
        if self.options.scheduler:
            try:
                return distributed.Client(self.options.scheduler, timeout="30s"), None
            except (OSError, TimeoutError) as exc:
                raise BatchError(f"cannot reach the Dask scheduler at {self.options.scheduler}: {exc}") from exc
        # The scheduler runs in this process: keep its INFO chatter out of the user's terminal.
        logging.getLogger("distributed").setLevel(max(logging.WARNING, logging.getLogger().level))
        cluster = distributed.LocalCluster(
            n_workers=self.options.jobs,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.WARNING,
        )
        return distributed.Client(cluster), cluster

    def frames(self) -> Iterator[pd.DataFrame]:
        options = self.options
        # Object columns stay object: undecodable bytes (surrogates) cannot become Arrow strings.
        with self.dask.config.set({"dataframe.convert-string": False}):
            ddf = self.dd.from_map(
                read_partition,
                self.specs,
                args=(options,),
                meta=self.meta,
                enforce_metadata=False,
            )
            parts = ddf.to_delayed()
        client, cluster = self._client()
        try:
            threads = max(1, sum(client.nthreads().values()))
            router = client.scatter(self.router, broadcast=True)
            window: deque[Any] = deque()
            for part in parts:
                frame_future = client.compute(part)
                window.append(client.submit(classify_partition, frame_future, router, options))
                while len(window) > 2 * threads:
                    yield self._next(window)
            while window:
                yield self._next(window)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    def _next(self, window: deque[Any]) -> pd.DataFrame:
        future = window.popleft()
        frame: pd.DataFrame = future.result()
        future.release()
        self._parts_done += 1
        return frame
