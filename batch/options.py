"""The one option bundle of a batch run: which columns mean what, the limits, and how the run is carried out.

A :class:`BatchOptions` travels whole, from the CLI through :func:`batch.run.classify_file` to the
readers, the row checks and the Dask tasks, instead of its fields being copied through each signature.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_CHUNK_SIZE", "DELIMITERS", "ENGINES", "BatchOptions"]

ENGINES = ("local", "dask")
DEFAULT_CHUNK_SIZE = 2_000
DEFAULT_MAX_CHARS = 20_000
DEFAULT_PARTITION_BYTES = 16 * 2**20  # about 50,000 complaints of 300 characters per Dask partition
# CSV delimiters recognised when none is given: comma, semicolon (a CSV saved by Indonesian Excel), tab.
DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class BatchOptions:
    """Everything about a batch run besides the files and the model.

    Columns: ``text_column`` holds the complaint, ``id_column`` names rows in the summary,
    ``opd_column`` holds a true OPD label (``None``: ``opd`` when the input has it), which adds
    accuracy by OPD to the summary and the report. ``kecamatan_column`` and ``kelurahan_column`` hold the
    location the citizen gave (used for ``predicted_unit`` when the input has them).
    Limits: texts over ``max_chars`` are not routed; ``chunk_size`` rows are read, routed and written
    at a time. ``delimiter`` is the CSV delimiter (``None``: detected among ``,``, ``;`` and tab);
    the output keeps the input's.
    Engine: ``jobs`` is the number of worker processes (local engine) or of Dask workers in the
    LocalCluster started when no ``scheduler`` address is given; ``partition_bytes`` is the size of the
    byte ranges that CSV and JSONL files are cut into for the Dask engine.
    Duplicates: with ``duplicates`` each row is compared with the earlier rows (:mod:`batch.duplicates`);
    related complaints are looked for within ``duplicate_window_days`` days (column ``tanggal``).
    """

    text_column: str = "teks"
    id_column: str | None = "id"
    opd_column: str | None = None
    max_chars: int = DEFAULT_MAX_CHARS
    chunk_size: int = DEFAULT_CHUNK_SIZE
    encoding: str = "utf-8"
    delimiter: str | None = None
    jobs: int = 1
    engine: str = "local"
    scheduler: str | None = None
    partition_bytes: int = DEFAULT_PARTITION_BYTES
    progress: bool = True
    duplicates: bool = False
    duplicate_window_days: int = 14
    kecamatan_column: str = "kecamatan"
    kelurahan_column: str = "kelurahan"

    def __post_init__(self) -> None:
        for name in ("max_chars", "chunk_size", "jobs", "partition_bytes"):
            value = getattr(self, name)
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        if self.duplicate_window_days < 0:
            raise ValueError(f"duplicate_window_days must be at least 0, got {self.duplicate_window_days}")
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if self.scheduler and self.engine != "dask":
            raise ValueError("scheduler is only used with engine 'dask'")
        if self.delimiter is not None and len(self.delimiter) != 1:
            raise ValueError(f"delimiter must be one character, got {self.delimiter!r}")

    @property
    def label_column(self) -> str:
        """The column compared with the prediction when present (``opd`` unless told otherwise)."""
        return self.opd_column or "opd"
