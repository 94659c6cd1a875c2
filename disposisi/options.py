"""Command-line options that several commands take, declared once (the columns of a complaints file,
its encoding, ``--json``), so train, evaluate and classify name and explain them alike."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = [
    "AsJson",
    "Catalogue",
    "Encoding",
    "IdColumn",
    "KecamatanColumn",
    "KelurahanColumn",
    "OpdColumn",
    "TextColumn",
    "UnitColumn",
    "UrgencyColumn",
    "UrgencyLabels",
]

TextColumn = Annotated[str, typer.Option("--text-column", help="Column with the complaint text.")]
OpdColumn = Annotated[str, typer.Option("--opd-column", help="Column with the true OPD (the one that handled it).")]
UrgencyColumn = Annotated[
    str | None,
    typer.Option(
        "--urgency-column", help="Urgency column (tinggi/sedang/rendah, may be empty); default: urgensi if present."
    ),
]
UrgencyLabels = Annotated[
    list[Path] | None,
    typer.Option("--urgency-labels", help="CSV(s) of id + urgency joined on --id-column (repeatable)."),
]
IdColumn = Annotated[str, typer.Option("--id-column", help="Column with the complaint id.")]
Encoding = Annotated[str, typer.Option("--encoding", help="Encoding of the input files (e.g. cp1252 from Excel).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]
UnitColumn = Annotated[
    str | None,
    typer.Option(
        "--unit-column",
        help="Column with the specific unit the OPD label groups (surabaya: instansi); without it the unit is the OPD.",
    ),
]
KecamatanColumn = Annotated[
    str, typer.Option("--kecamatan-column", help="Column with the kecamatan the citizen gave (used when present).")
]
KelurahanColumn = Annotated[
    str, typer.Option("--kelurahan-column", help="Column with the kelurahan the citizen gave (used when present).")
]
Catalogue = Annotated[
    Path | None,
    typer.Option(
        "--catalogue",
        help="OPD catalogue CSV (nama, menangani; optional opd): names units with few or no training rows "
        "(needs --unit-column).",
    ),
]
