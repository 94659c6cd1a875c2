"""Reading a day's complaints uploaded on /admin/impor: CSV (``;`` or ``,``, UTF-8 or cp1252) or XLSX.

Columns ``id,teks`` and optionally ``tanggal,kecamatan,kelurahan,kanal`` (names in any case, in any order). Every
row is checked with the same schema as ``POST /v1/complaints`` (:class:`~serving.inbox_schemas.NewComplaintIn`),
so a row the API would refuse is refused here too, named by its row number (as a spreadsheet counts: the header is
row 1) and its column. A file that cannot be read at all (wrong format, no ``id`` or ``teks`` column) raises
:class:`ImportFileError`; bad rows are returned beside the good ones (see :mod:`serving.admin_sheets` for why the
good ones are still stored).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from pydantic import ValidationError

from serving.inbox_schemas import NewComplaintIn

__all__ = ["COLUMNS", "ImportFileError", "ParsedImport", "RowProblem", "parse_upload"]

COLUMNS = ("id", "teks", "tanggal", "kecamatan", "kelurahan", "kanal")
_REQUIRED = ("id", "teks")
_FIELD_OF = {"id": "id", "teks": "text", "tanggal": "tanggal", "kecamatan": "kecamatan", "kelurahan": "kelurahan",
             "kanal": "kanal"}  # fmt: skip
_COLUMN_OF = {v: k for k, v in _FIELD_OF.items()}
_XLSX_MAGIC = b"PK\x03\x04"


class ImportFileError(ValueError):
    """The uploaded file cannot be read as a table of complaints (the message is for the admin, in Indonesian)."""


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Baris {self.row}, kolom {self.column}: {self.message}"


@dataclass
class ParsedImport:
    items: list[NewComplaintIn] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    rows: int = 0
    delimiter: str | None = None
    encoding: str | None = None


def parse_upload(raw: bytes, filename: str, *, max_text_chars: int, max_rows: int) -> ParsedImport:
    """The complaints of an uploaded file, and the problems of the rows that could not be used."""
    if not raw.strip():
        raise ImportFileError("Berkas kosong: pilih berkas CSV atau XLSX berisi pengaduan.")
    if raw.startswith(_XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        header, rows = _xlsx_rows(raw)
        parsed = ParsedImport()
    else:
        text, encoding = _decode(raw)
        delimiter = _delimiter(text)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            header = next(reader, [])
        except csv.Error as exc:
            raise ImportFileError(f"Baris 1 (judul kolom) tidak terbaca: {exc}.") from exc
        rows = _csv_rows(reader)
        parsed = ParsedImport(delimiter=delimiter, encoding=encoding)
    positions = _columns(header)
    for number, values in rows:
        if all(_cell(v) == "" for v in values):
            continue
        parsed.rows += 1
        if parsed.rows > max_rows:
            raise ImportFileError(
                f"Berkas berisi lebih dari {max_rows:,} pengaduan; bagi menjadi beberapa berkas, "
                "lalu impor satu per satu."
            )
        _read_row(parsed, number, values, positions, max_text_chars)
    if parsed.rows == 0:
        raise ImportFileError("Berkas hanya berisi judul kolom, belum ada pengaduan.")
    return parsed


def _read_row(
    parsed: ParsedImport, number: int, values: Sequence[Any], positions: dict[str, int], max_text_chars: int
) -> None:
    record: dict[str, Any] = {}
    for column, index in positions.items():
        value = values[index] if index < len(values) else None
        if isinstance(value, datetime | date):
            record[_FIELD_OF[column]] = value.isoformat()
        elif _cell(value) != "":
            record[_FIELD_OF[column]] = _cell(value)
    text = record.get("text", "")
    if len(text) > max_text_chars:
        parsed.problems.append(
            RowProblem(number, "teks", f"terlalu panjang ({len(text):,} karakter; batas {max_text_chars:,})")
        )
        return
    try:
        parsed.items.append(NewComplaintIn.model_validate(record))
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "?"
            column = _COLUMN_OF.get(name, name)
            parsed.problems.append(RowProblem(number, column, _reason(error, column)))


def _reason(error: Any, column: str) -> str:
    kind = error.get("type", "")
    if kind == "missing" or (kind == "value_error" and column in _REQUIRED):
        return "kosong; kolom ini wajib diisi"
    if kind.startswith("datetime") or kind.startswith("date"):
        return "bukan tanggal yang dikenali; tulis seperti 2026-12-01 atau 2026-12-01T09:30"
    if kind == "string_too_long":
        return f"terlalu panjang (batas {error.get('ctx', {}).get('max_length', '?')} karakter)"
    return str(error.get("msg", "tidak valid"))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(raw: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), else cp1252, the two a spreadsheet on Windows writes."""
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"Berkas bukan CSV UTF-8 atau Windows-1252 (byte ke-{exc.start + 1}); simpan ulang sebagai CSV UTF-8."
        ) from exc


def _delimiter(text: str) -> str:
    """``;`` or ``,``, as :class:`csv.Sniffer` reads the first lines; a lone column falls back to ``,``."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,").delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        return ";" if first.count(";") > first.count(",") else ","


def _csv_rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    number = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(f"Baris {number + 1} tidak terbaca sebagai CSV: {exc}.") from exc
        number += 1
        yield number, values


def _xlsx_rows(raw: bytes) -> tuple[list[Any], Iterator[tuple[int, Sequence[Any]]]]:
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ImportFileError("Berkas XLSX tidak terbaca; simpan ulang dari Excel/LibreOffice sebagai .xlsx.") from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = list(next(rows, ()))
    return header, _numbered(rows)


def _numbered(rows: Iterable[Sequence[Any]]) -> Iterator[tuple[int, Sequence[Any]]]:
    yield from enumerate(rows, start=2)


def _columns(header: Sequence[Any]) -> dict[str, int]:
    names = [_cell(h).lower() for h in header]
    missing = [c for c in _REQUIRED if c not in names]
    if missing:
        found = ", ".join(n for n in names if n) or "tidak ada"
        raise ImportFileError(
            f"Baris 1 (judul kolom): kolom {' dan '.join(missing)} tidak ada (kolom yang ada: {found}). "
            f"Kolom yang dipakai: {', '.join(COLUMNS)}."
        )
    return {c: names.index(c) for c in COLUMNS if c in names}
