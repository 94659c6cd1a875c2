"""Loading and validating labeled complaints for training and evaluation.

Every problem with the input is either a :class:`DataError` with a one-line message a person can
act on (missing file or column, not UTF-8, empty file, nothing left to learn from), or rows skipped
and counted in :attr:`Dataset.skipped` (empty text, missing label, a label seen only once).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from models.fewshot import Catalogue
from models.router import URGENCY_LEVELS
from models.unit import Place

__all__ = [
    "DataError",
    "Dataset",
    "catalogue_summary",
    "file_sha256",
    "load_catalogue",
    "load_dataset",
    "load_unit_catalogue",
    "read_table",
]

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]


class DataError(ValueError):
    """Input data that cannot be used, with a message that says what to fix."""


@dataclass
class Dataset:
    texts: list[str]
    opd: list[str]
    urgency: list[str] | None
    sources: list[str]
    sha256: str
    skipped: dict[str, int] = field(default_factory=dict)
    units: list[str] | None = None
    places: list[Place] | None = None
    dates: list[str] | None = None

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def n_urgency(self) -> int:
        return sum(1 for u in self.urgency or [] if u)

    def summary(self) -> dict[str, object]:
        return {
            "rows": len(self),
            "urgency_rows": self.n_urgency,
            "opd_labels": len(set(self.opd)),
            "sha256": self.sha256,
            "skipped": dict(self.skipped),
        }


def file_sha256(paths: Sequence[PathLike]) -> str:
    """One sha256 over the bytes of all files, in order."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def read_table(path: PathLike, *, encoding: str = "utf-8") -> pd.DataFrame:
    """A CSV as strings (no NaN guessing), with one-line errors for what commonly goes wrong."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: no such file")
    if p.stat().st_size == 0:
        raise DataError(f"{p} is empty: expected a CSV with a header row")
    try:
        frame = pd.read_csv(p, dtype=str, keep_default_na=False, encoding=encoding)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{p} is not valid {encoding} (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}): "
            f"save it as UTF-8, or name its encoding with --encoding"
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{p} is empty: expected a CSV with a header row") from exc
    except pd.errors.ParserError as exc:
        raise DataError(f"{p} is not a readable CSV: {str(exc).splitlines()[0]}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _require(frame: pd.DataFrame, column: str, option: str, path: PathLike) -> None:
    if column not in frame.columns:
        raise DataError(f'{option} "{column}" not in {Path(path).name} columns: {", ".join(frame.columns)}')


def load_dataset(
    paths: Sequence[PathLike],
    *,
    text_column: str = "teks",
    opd_column: str = "opd",
    urgency_column: str | None = None,
    urgency_files: Sequence[PathLike] = (),
    id_column: str = "id",
    min_examples: int = 2,
    encoding: str = "utf-8",
    unit_column: str | None = None,
    kecamatan_column: str = "kecamatan",
    kelurahan_column: str = "kelurahan",
    date_column: str = "tanggal",
) -> Dataset:
    """Read, join and validate labeled complaints.

    ``urgency_column`` None means "use ``urgensi`` if the file has it". ``urgency_files`` are CSVs
    with ``id_column`` and the urgency column, joined on id where a row has no urgency of its own.
    Labels with fewer than ``min_examples`` rows are dropped and counted. ``unit_column`` (required when
    given) names the specific unit of each row; the location and date columns are read when present.
    """
    if not paths:
        raise DataError("no training data given: name at least one CSV")
    frames = []
    for path in paths:
        frame = read_table(path, encoding=encoding)
        _require(frame, text_column, "text column", path)
        _require(frame, opd_column, "OPD column", path)
        if urgency_column is not None and not urgency_files:
            _require(frame, urgency_column, "urgency column", path)
        if unit_column is not None:
            _require(frame, unit_column, "unit column", path)
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    level_column = urgency_column or "urgensi"
    if level_column not in data.columns:
        data[level_column] = ""
    data[level_column] = data[level_column].fillna("").str.strip().str.lower()

    used_files: list[PathLike] = []
    if urgency_files:
        _require(data, id_column, "id column", paths[0])
        levels: dict[str, str] = {}
        for path, file_levels in _read_urgency_files(urgency_files, id_column, level_column, encoding):
            if data[id_column].isin(file_levels.keys()).any():
                used_files.append(path)
                levels.update(file_levels)
            else:  # e.g. train's and dev's label files passed to both: each joins onto its own split only
                logger.info("urgency labels %s match no row of %s", Path(path).name, Path(paths[0]).name)
        joined = data[id_column].map(levels).fillna("")
        data[level_column] = data[level_column].where(data[level_column] != "", joined)

    bad = sorted(set(data[level_column]) - {"", *URGENCY_LEVELS})
    if bad:
        raise DataError(
            f'urgency column "{level_column}" has values {bad[:5]}: use {", ".join(URGENCY_LEVELS)} or leave empty'
        )

    skipped: dict[str, int] = {}
    texts = data[text_column].fillna("")
    empty = texts.str.strip() == ""
    if empty.any():
        skipped["empty_text"] = int(empty.sum())
    no_label = data[opd_column].fillna("").str.strip() == ""
    if (no_label & ~empty).any():
        skipped["missing_opd"] = int((no_label & ~empty).sum())
    data = data[~empty & ~no_label]
    data = data.assign(**{opd_column: data[opd_column].str.strip()})
    counts = data[opd_column].value_counts()
    rare = counts[counts < min_examples]
    if len(rare):
        skipped["rare_label_rows"] = int(rare.sum())
        logger.warning(
            "dropped %d rows of %d OPD labels with fewer than %d examples: %s",
            int(rare.sum()),
            len(rare),
            min_examples,
            ", ".join(rare.index[:10]),
        )
        data = data[~data[opd_column].isin(rare.index)]
    if data.empty:
        raise DataError(f"no usable rows in {', '.join(str(p) for p in paths)} (skipped: {skipped})")
    if data[opd_column].nunique() < 2:
        raise DataError(f'OPD column "{opd_column}" needs at least 2 different labels with {min_examples}+ rows each')
    for reason, count in skipped.items():
        logger.info("skipped %d rows: %s", count, reason)
    urgency = data[level_column].tolist()
    places = None
    if kecamatan_column in data.columns or kelurahan_column in data.columns:
        kecamatan = _column_or_empty(data, kecamatan_column)
        kelurahan = _column_or_empty(data, kelurahan_column)
        places = [Place(kec or None, kel or None) for kec, kel in zip(kecamatan, kelurahan, strict=True)]
    return Dataset(
        texts=data[text_column].tolist(),
        opd=data[opd_column].tolist(),
        urgency=urgency if any(urgency) else None,
        sources=[str(p) for p in (*paths, *used_files)],  # an urgency file that joined onto no row is no source
        sha256=file_sha256([*paths, *used_files]),
        skipped=skipped,
        units=_column_or_empty(data, unit_column) if unit_column is not None else None,
        places=places,
        dates=_column_or_empty(data, date_column) if date_column in data.columns else None,
    )


def _column_or_empty(data: pd.DataFrame, column: str) -> list[str]:
    if column not in data.columns:
        return [""] * len(data)
    return data[column].fillna("").astype(str).str.strip().tolist()


def _read_urgency_files(
    files: Sequence[PathLike], id_column: str, level_column: str, encoding: str
) -> list[tuple[PathLike, dict[str, str]]]:
    """Each urgency file with its levels by id, in the order given (a later file's level wins for an id)."""
    read = []
    for path in files:
        frame = read_table(path, encoding=encoding)
        _require(frame, id_column, "id column", path)
        _require(frame, level_column, "urgency column", path)
        read.append((path, dict(zip(frame[id_column], frame[level_column].str.strip().str.lower(), strict=True))))
    return read


def load_catalogue(path: PathLike, *, encoding: str = "utf-8") -> Catalogue:
    """An OPD catalogue CSV for training (``nama`` = the unit as the unit column names it, ``menangani`` = what it
    handles; optional ``opd`` = the label that groups a unit without training rows; ``kode`` ignored)."""
    frame = read_table(path, encoding=encoding)
    _require(frame, "nama", "catalogue column", path)
    _require(frame, "menangani", "catalogue column", path)
    names = frame["nama"].str.strip()
    descriptions = frame["menangani"].str.strip()
    usable = (names != "") & (descriptions != "")
    if not usable.any():
        raise DataError(f"{Path(path).name} has no row with both nama and menangani")
    doubled = sorted(set(names[usable][names[usable].duplicated()]))
    if doubled:
        raise DataError(f"{Path(path).name} names these units twice: {', '.join(doubled[:5])}")
    labels = tuple(frame["opd"].str.strip()[usable]) if "opd" in frame.columns else ()
    return Catalogue(tuple(names[usable]), tuple(descriptions[usable]), labels)


def load_unit_catalogue(path: PathLike | None, unit_column: str | None, *, encoding: str = "utf-8") -> Catalogue | None:
    """:func:`load_catalogue` for ``train`` and ``retrain --catalogue``: None without a catalogue; a catalogue names
    units of the unit column, so it is refused without one."""
    if path is None:
        return None
    if unit_column is None:
        raise DataError("--catalogue needs --unit-column: the catalogue names units of that column")
    return load_catalogue(path, encoding=encoding)


def catalogue_summary(path: PathLike | None, catalogue: Catalogue | None) -> dict[str, object] | None:
    """What model.json records of the catalogue a model was trained with: its file name and how many units."""
    if path is None or catalogue is None:
        return None
    return {"file": Path(str(path)).name, "units": len(catalogue.units)}
