"""A one-page HTML report of a batch run, for a head of office: how many complaints, for which OPD, how
urgent, which to act on first, and (when the input has a true OPD column) how often the model was right.

The page is rendered with Jinja2 (autoescape on) from ``templates/report.html``. It is self-contained
(inline CSS and SVG, no script, no network) so it can be mailed or opened from a shared folder. Labels
are Indonesian. It carries counts, predictions and row ids only, never complaint text: the text stays
in the output file, where the ids lead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from batch.summary import ACTION_LIMIT, NO_URGENCY

__all__ = ["opd_urgency_chart", "render_report", "write_report"]

URGENCY_ORDER = ("tinggi", "sedang", "rendah", NO_URGENCY)
URGENCY_COLOURS = {"tinggi": "#c0392b", "sedang": "#e69b22", "rendah": "#3a8f5c", NO_URGENCY: "#9aa0a6"}
URGENCY_LABELS = {"tinggi": "Tinggi", "sedang": "Sedang", "rendah": "Rendah", NO_URGENCY: "Tanpa urgensi"}
_OTHER_COLOUR = "#6b7bb5"
_LABEL_CHARS = 42
_LABEL_WIDTH, _BAR_WIDTH, _ROW_HEIGHT = 330, 560, 26

_ENV = Environment(
    loader=PackageLoader("batch", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    colour: str
    count: int
    label: str


@dataclass(frozen=True)
class Bar:
    y: int
    name: str
    label: str
    total: int
    end: float
    segments: list[Segment]


def _levels(summary: dict[str, Any]) -> list[str]:
    present = {level for counts in summary["opd_by_urgency"].values() for level in counts}
    return [lv for lv in URGENCY_ORDER if lv in present] + sorted(present - set(URGENCY_ORDER))


def _opd_order(by_opd: dict[str, dict[str, int]]) -> list[str]:
    return sorted(by_opd, key=lambda name: (-sum(by_opd[name].values()), name))


def _bars(summary: dict[str, Any], levels: list[str]) -> list[Bar]:
    """Stacked horizontal bars: one per OPD (most complaints first), split by urgency."""
    by_opd: dict[str, dict[str, int]] = summary["opd_by_urgency"]
    if not by_opd:
        return []
    largest = max(sum(counts.values()) for counts in by_opd.values())
    bars = []
    for row, name in enumerate(_opd_order(by_opd)):
        x = float(_LABEL_WIDTH)
        segments = []
        for level in levels:
            count = by_opd[name].get(level, 0)
            if not count:
                continue
            width = _BAR_WIDTH * count / largest
            colour = URGENCY_COLOURS.get(level, _OTHER_COLOUR)
            segments.append(Segment(x, width, colour, count, URGENCY_LABELS.get(level, level)))
            x += width
        label = name if len(name) <= _LABEL_CHARS else name[: _LABEL_CHARS - 1] + "…"
        bars.append(Bar(5 + row * _ROW_HEIGHT, name, label, sum(by_opd[name].values()), x, segments))
    return bars


def opd_urgency_chart(summary: dict[str, Any]) -> str:
    """The chart alone (an SVG with its legend), as the report shows it."""
    return _ENV.get_template("report_chart.html").render(_chart_context(summary))


def _chart_context(summary: dict[str, Any]) -> dict[str, Any]:
    levels = _levels(summary)
    bars = _bars(summary, levels)
    return {
        "bars": bars,
        "legend": [(URGENCY_COLOURS.get(lv, _OTHER_COLOUR), URGENCY_LABELS.get(lv, lv)) for lv in levels],
        "label_width": _LABEL_WIDTH,
        "row_height": _ROW_HEIGHT,
        "view_width": _LABEL_WIDTH + _BAR_WIDTH + 70,
        "view_height": _ROW_HEIGHT * len(bars) + 10,
    }


def _count(value: int) -> str:
    """Thousands separated by dots, as written in Indonesian."""
    return f"{value:,}".replace(",", ".")


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "0%"


def render_report(summary: dict[str, Any], actions: dict[str, list[dict[str, Any]]] | None = None) -> str:
    """The report page for a summary returned by :func:`batch.run.classify_file`; ``actions`` are the
    complaints to act on first (:meth:`batch.summary.BatchSummary.actions`)."""
    rows = int(summary["rows"])
    tinggi = int(summary["urgency"].get("tinggi", 0))
    failed = sum(summary["errors"].values())
    levels = _levels(summary)
    by_opd: dict[str, dict[str, int]] = summary["opd_by_urgency"]
    actions = actions or {"tinggi": [], "needs_review": []}
    context = {
        **_chart_context(summary),
        "file_name": Path(str(summary["input"])).name,
        "model_version": summary["model_version"],
        "made": datetime.now().strftime("%d-%m-%Y %H:%M"),
        "cards": [
            ("Pengaduan", _count(rows), ""),
            ("Perlu ditinjau petugas", _percent(summary["needs_review"], rows), ""),
            ("Urgensi tinggi", _count(tinggi), "alert" if tinggi else ""),
            ("Tidak dapat diklasifikasi", _count(failed), "alert" if failed else ""),
        ],
        "level_labels": [URGENCY_LABELS.get(lv, lv) for lv in levels],
        "opd_rows": [
            (name, [by_opd[name].get(lv, 0) for lv in levels], sum(by_opd[name].values()))
            for name in _opd_order(by_opd)
        ],
        "errors": [
            (kind, count, ", ".join(summary["error_examples"].get(kind, [])))
            for kind, count in summary["errors"].items()
        ],
        "hints": summary.get("hints", []),
        "urgent": actions["tinggi"],
        "urgent_more": max(0, tinggi - len(actions["tinggi"])),
        "review": actions["needs_review"],
        "review_more": max(0, int(summary["to_act_on"]["needs_review"]) - len(actions["needs_review"])),
        "limit": ACTION_LIMIT,
        "urgency_labels": URGENCY_LABELS,
        "accuracy": summary.get("accuracy"),
        "duplicates": summary.get("duplicates"),
    }
    return _ENV.get_template("report.html").render(context)


def write_report(
    summary: dict[str, Any],
    path: str | os.PathLike[str],
    actions: dict[str, list[dict[str, Any]]] | None = None,
) -> Path:
    """Write the report atomically (temporary file, then rename)."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_text(render_report(summary, actions), encoding="utf-8")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
