"""What each OPD handles, from a catalogue CSV (``nama``, ``menangani``; ``kode`` optional), for the /admin page.

The file is ``DISPOSISI_OPD_CATALOGUE`` or the team-written ``data/samples/opd_catalogue.csv``; it is read once
per path and cached. An OPD the catalogue does not name simply has no description; a missing or unreadable file
gives an empty catalogue (logged once), never an error page.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

__all__ = ["SAMPLE_CATALOGUE", "load_catalogue"]

logger = logging.getLogger(__name__)

SAMPLE_CATALOGUE = Path(__file__).resolve().parents[1] / "data" / "samples" / "opd_catalogue.csv"


@lru_cache(maxsize=8)
def load_catalogue(path: Path | None = None) -> Mapping[str, str]:
    """OPD name -> what it handles."""
    source = path or SAMPLE_CATALOGUE
    try:
        with source.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        logger.warning("OPD catalogue %s not read (%s); OPDs are shown without descriptions", source.name, exc)
        return MappingProxyType({})
    described = {
        (row.get("nama") or "").strip(): (row.get("menangani") or "").strip()
        for row in rows
        if (row.get("nama") or "").strip()
    }
    return MappingProxyType(described)
