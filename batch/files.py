"""Reading and writing batch files in chunks: CSV, JSONL and Parquet, chosen by extension.

Readers yield :class:`Chunk` objects of at most ``chunk_size`` rows, so memory stays flat whatever the
input size. Nothing a single row contains stops a read:

- CSV bytes that are not valid in the file's encoding are kept as lone surrogates
  (``errors="surrogateescape"``) so the row survives and :mod:`batch.rows` flags it
  ``undecodable text``; writers replace such characters by U+FFFD, so every output is valid UTF-8.
- A JSONL line that is not a JSON object becomes a row with no values and a read error.

The CSV delimiter is detected (``,``, ``;`` as Indonesian Excel saves, or tab) unless given, and the
CSV output keeps it.

Writers append chunk by chunk to a path that :mod:`batch.run` later renames into place. The first
chunk fixes the columns and types of CSV and Parquet output; later chunks are conformed to it.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol, cast

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from batch.options import DELIMITERS, BatchOptions

__all__ = [
    "FORMATS",
    "BatchError",
    "Chunk",
    "ChunkWriter",
    "InputFile",
    "detect_format",
    "open_input",
    "open_writer",
    "parse_csv",
    "parse_jsonl",
    "sniff_delimiter",
    "to_valid_utf8",
]

logger = logging.getLogger(__name__)

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
INVALID_JSON = "invalid JSON line"
_SURROGATES = "[\ud800-\udfff]"
_SURROGATES_RE = re.compile(_SURROGATES)
_SNIFF_BYTES = 64 * 2**10


class BatchError(Exception):
    """A batch job cannot run: bad input file, unknown format, missing column, unwritable output."""


def detect_format(path: str | os.PathLike[str], role: str = "input") -> str:
    """``csv``, ``jsonl`` or ``parquet`` from the file extension; a :class:`BatchError` otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        supported = ", ".join(sorted(FORMATS))
        raise BatchError(f"{role} {path}: unknown extension {suffix or '(none)'!r}; use one of {supported}")
    return FORMATS[suffix]


def to_valid_utf8(value: str) -> str:
    """Lone surrogates (undecodable bytes kept by ``surrogateescape``, or ``\\ud83d`` escapes in JSON)
    replaced by U+FFFD."""
    return _SURROGATES_RE.sub("\ufffd", value)


@dataclass
class Chunk:
    """Consecutive input rows; ``read_errors[i]`` is non-empty when row ``i`` could not be read."""

    frame: pd.DataFrame
    read_errors: list[str] = field(default_factory=list)


def reading_encoding(encoding: str) -> str:
    """UTF-8 is read as ``utf-8-sig`` so that a byte-order mark does not end up in the first column name."""
    return "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding


def _header_line(sample: str) -> str:
    """The first record of a CSV sample (up to its first newline outside double quotes)."""
    inside = False
    for i, char in enumerate(sample):
        if char == '"':
            inside = not inside
        elif char in "\r\n" and not inside:
            return sample[:i]
    return sample


def sniff_delimiter(head: bytes, encoding: str) -> str:
    """The delimiter of a CSV file from its first bytes: the one of ``,``, ``;`` and tab that the header
    uses. A header with none of them is one column (a comma, the standard). When it holds several,
    :class:`csv.Sniffer` chooses among those on the sample, and the first of them wins when it cannot."""
    sample = head.decode(reading_encoding(encoding), "replace")
    header = _header_line(sample)
    used = [d for d in DELIMITERS if d in header]
    if len(used) <= 1:
        return used[0] if used else ","
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(used)).delimiter
    except csv.Error:
        return used[0]


def parse_csv(handle: IO[bytes], encoding: str, chunk_size: int, delimiter: str = ",") -> Iterator[Chunk]:
    """CSV rows in chunks, every value a string kept verbatim ("007", "NA"), undecodable bytes as surrogates."""
    reader = pd.read_csv(
        handle,
        sep=delimiter,
        dtype=object,
        keep_default_na=False,
        na_filter=False,
        encoding=reading_encoding(encoding),
        encoding_errors="surrogateescape",
        chunksize=chunk_size,
    )
    with reader:
        for frame in reader:
            yield Chunk(frame)


def _records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Object columns (strings may hold surrogates), one row per record even when a record is empty."""
    return pd.DataFrame(records, dtype=object)


def parse_jsonl(lines: Iterable[bytes], encoding: str, chunk_size: int) -> Iterator[Chunk]:
    """JSON Lines records in chunks; blank lines are skipped, a line that is not an object is an error row."""
    records: list[dict[str, Any]] = []
    errors: list[str] = []
    for raw in lines:
        line = raw.decode(encoding, "surrogateescape").strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, dict):
            records.append(record)
            errors.append("")
        else:
            records.append({})
            errors.append(INVALID_JSON)
        if len(records) >= chunk_size:
            yield Chunk(_records_frame(records), errors)
            records, errors = [], []
    if records:
        yield Chunk(_records_frame(records), errors)


class InputFile:
    """One input file read in chunks, with a running estimate of the total row count for progress bars."""

    def __init__(self, path: str | os.PathLike[str], options: BatchOptions) -> None:
        self.path = Path(path)
        self.format = detect_format(self.path)
        self.chunk_size = options.chunk_size
        self.encoding = options.encoding
        self.delimiter = options.delimiter or ","
        self._handle: IO[bytes] | None = None
        self._size = 0
        self._rows_total: int | None = None
        if not self.path.is_file():
            raise BatchError(f"input {self.path} does not exist or is not a file")
        try:
            self._size = self.path.stat().st_size
            if self.format == "parquet":
                self._rows_total = pq.ParquetFile(self.path).metadata.num_rows
            elif self.format == "csv" and options.delimiter is None:
                with open(self.path, "rb") as handle:
                    self.delimiter = sniff_delimiter(handle.read(_SNIFF_BYTES), self.encoding)
        except (OSError, pa.ArrowException) as exc:
            raise BatchError(f"cannot read input {self.path}: {exc}") from exc

    def estimated_rows(self, rows_done: int) -> int | None:
        """Total rows: exact for Parquet, extrapolated from bytes consumed for CSV and JSONL."""
        if self._rows_total is not None:
            return self._rows_total
        if self._handle is None or self._handle.closed or rows_done == 0:
            return None
        consumed = self._handle.tell()
        if consumed <= 0:
            return None
        return max(rows_done, round(rows_done * self._size / consumed))

    def chunks(self) -> Iterator[Chunk]:
        try:
            if self.format == "parquet":
                yield from self._parquet_chunks()
                return
            with open(self.path, "rb") as handle:
                self._handle = handle
                reader = self._csv_chunks if self.format == "csv" else self._jsonl_chunks
                yield from reader(handle)
        except pd.errors.EmptyDataError:
            raise BatchError(f"input {self.path} is empty: not even a header row") from None
        except pd.errors.ParserError as exc:
            raise BatchError(f"input {self.path} is not a valid CSV: {str(exc).strip()}") from exc
        except pa.ArrowException as exc:
            raise BatchError(f"cannot read input {self.path}: {exc}") from exc

    def _csv_chunks(self, handle: IO[bytes]) -> Iterator[Chunk]:
        return parse_csv(handle, self.encoding, self.chunk_size, self.delimiter)

    def _jsonl_chunks(self, handle: IO[bytes]) -> Iterator[Chunk]:
        return parse_jsonl(handle, self.encoding, self.chunk_size)

    def _parquet_chunks(self) -> Iterator[Chunk]:
        parquet = pq.ParquetFile(self.path)
        empty = True
        for batch in parquet.iter_batches(batch_size=self.chunk_size):
            empty = False
            yield Chunk(batch.to_pandas(types_mapper=pd.ArrowDtype))
        if empty:  # no rows: still carry the columns so the output has them
            yield Chunk(parquet.schema_arrow.empty_table().to_pandas(types_mapper=pd.ArrowDtype))


def open_input(path: str | os.PathLike[str], options: BatchOptions) -> InputFile:
    """``path`` read in chunks of ``options.chunk_size`` rows, in ``options.encoding``."""
    return InputFile(path, options)


# -- writers ---------------------------------------------------------------------------------------


class ChunkWriter(Protocol):
    def write(self, frame: pd.DataFrame) -> None: ...

    def close(self) -> None: ...


def _clean_column(column: pd.Series) -> pd.Series:
    """Lone surrogates in the strings of an object column replaced by U+FFFD."""
    if column.dtype != object:
        return column
    is_str = column.map(type).eq(cast(Any, str))
    if not is_str.any():
        return column
    bad = is_str & column.where(is_str, "").str.contains(_SURROGATES, regex=True)
    return column.where(~bad, column[bad].map(to_valid_utf8)) if bad.any() else column


def _clean_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns with lone surrogates get U+FFFD instead (JSON needs valid UTF-8)."""
    for name in frame.columns:
        frame[name] = _clean_column(frame[name])
    return frame


def _arrow_column(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    try:
        return pa.array(values, from_pandas=True)
    except UnicodeEncodeError:  # undecodable input bytes kept as surrogates: only then look for them
        values = _clean_column(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return _text_column(values)
    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return _text_column(values)


def _text_column(values: pd.Series) -> pa.Array:
    """Mixed types (JSONL): text as it is, other values as JSON."""
    return pa.array(
        [
            None
            if _is_null(v)
            else to_valid_utf8(v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str))
            for v in values
        ],
        type=pa.string(),
    )


def _is_null(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _to_arrow(frame: pd.DataFrame) -> pa.Table:
    arrays = [_arrow_column(frame[name]) for name in frame.columns]
    return pa.Table.from_arrays(arrays, names=[str(c) for c in frame.columns])


def _first_schema(table: pa.Table) -> pa.Schema:
    """The output schema: columns with no value yet in the first chunk are typed as strings."""
    fields = [pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in table.schema]
    return pa.schema(fields)


def _conform(table: pa.Table, schema: pa.Schema, warned: set[str]) -> pa.Table:
    extra = [name for name in table.column_names if name not in schema.names and name not in warned]
    if extra:
        warned.update(extra)
        logger.warning("columns %s appear after the first chunk and are not written to this format", extra)
    columns = []
    for target in schema:
        if target.name not in table.column_names:
            columns.append(pa.nulls(len(table), target.type))
            continue
        column = table.column(target.name)
        if column.type != target.type:
            try:
                column = column.cast(target.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
                raise BatchError(
                    f"column {target.name!r} changes type from {target.type} to {column.type} mid-file; "
                    "write JSONL output to keep such values as they are"
                ) from exc
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)


class _ArrowWriter:
    """CSV or Parquet through pyarrow; the first chunk fixes the schema."""

    def __init__(self, path: Path, fmt: str, delimiter: str = ",") -> None:
        self.path = path
        self.format = fmt
        self.delimiter = delimiter
        self._writer: pa_csv.CSVWriter | pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self._warned: set[str] = set()

    def write(self, frame: pd.DataFrame) -> None:
        table = _to_arrow(frame)
        if self._writer is None:
            self._schema = _first_schema(table)
            if self.format == "csv":
                options = pa_csv.WriteOptions(include_header=True, quoting_style="needed", delimiter=self.delimiter)
                self._writer = pa_csv.CSVWriter(str(self.path), self._schema, write_options=options)
            else:
                self._writer = pq.ParquetWriter(str(self.path), self._schema, compression="snappy")
        assert self._schema is not None
        self._writer.write_table(_conform(table, self._schema, self._warned))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class _JsonlWriter:
    def __init__(self, path: Path) -> None:
        self._handle: IO[str] | None = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115

    def write(self, frame: pd.DataFrame) -> None:
        if len(frame) == 0 or self._handle is None:
            return
        text = _clean_strings(frame).to_json(orient="records", lines=True, force_ascii=False, date_format="iso")
        self._handle.write(text if text.endswith("\n") else text + "\n")

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def open_writer(path: Path, fmt: str, delimiter: str = ",") -> ChunkWriter:
    """A writer for ``fmt`` that appends chunks to ``path`` (created now for JSONL, at the first chunk otherwise);
    ``delimiter`` separates CSV fields."""
    if fmt == "jsonl":
        return _JsonlWriter(path)
    return _ArrowWriter(path, fmt, delimiter)
