"""A one-page HTML report of a batch run, for a head of office: how many complaints, for which OPD, how urgent.

The page is self-contained (inline CSS and SVG, no script, no network) so it can be mailed or opened
from a shared folder. Labels are Indonesian. It carries counts and row ids only, never complaint text.
"""

from __future__ import annotations

import html
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from serving.batch_summary import NO_URGENCY

__all__ = ["render_report", "write_report"]

URGENCY_ORDER = ("tinggi", "sedang", "rendah", NO_URGENCY)
URGENCY_COLOURS = {"tinggi": "#c0392b", "sedang": "#e69b22", "rendah": "#3a8f5c", NO_URGENCY: "#9aa0a6"}
URGENCY_LABELS = {"tinggi": "Tinggi", "sedang": "Sedang", "rendah": "Rendah", NO_URGENCY: "Tanpa urgensi"}

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:980px;color:#222;
padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem}
.meta{color:#666;font-size:.9rem}.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1.2rem 0}
.card{border:1px solid #ddd;border-radius:8px;padding:.7rem 1rem;min-width:150px}
.card b{display:block;font-size:1.6rem}.card span{color:#555;font-size:.85rem}
.card.alert b{color:#c0392b}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #e5e5e5;padding:.35rem .5rem;text-align:right}
th:first-child,td:first-child{text-align:left}.legend span{display:inline-block;margin-right:1rem;font-size:.85rem}
.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px;border-radius:2px}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "0%"


def _levels(summary: dict[str, Any]) -> list[str]:
    present = {level for counts in summary["opd_by_urgency"].values() for level in counts}
    return [lv for lv in URGENCY_ORDER if lv in present] + sorted(present - set(URGENCY_ORDER))


def opd_urgency_chart(summary: dict[str, Any]) -> str:
    """Stacked horizontal bars: one per OPD (most complaints first), split by urgency."""
    by_opd: dict[str, dict[str, int]] = summary["opd_by_urgency"]
    if not by_opd:
        return "<p>Tidak ada pengaduan yang berhasil diklasifikasi.</p>"
    levels = _levels(summary)
    order = sorted(by_opd, key=lambda name: (-sum(by_opd[name].values()), name))
    largest = max(sum(counts.values()) for counts in by_opd.values())
    label_width, bar_width, row_height = 330, 560, 26
    height = row_height * len(order) + 10
    parts = [
        f'<svg role="img" aria-label="Jumlah pengaduan per OPD menurut urgensi" width="100%" '
        f'viewBox="0 0 {label_width + bar_width + 70} {height}" xmlns="http://www.w3.org/2000/svg" '
        'font-family="system-ui,sans-serif" font-size="13">'
    ]
    for row, name in enumerate(order):
        y = 5 + row * row_height
        label = name if len(name) <= 42 else name[:41] + "…"
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end"><title>{_e(name)}</title>{_e(label)}</text>'
        )
        x = float(label_width)
        total = 0
        for level in levels:
            count = by_opd[name].get(level, 0)
            if not count:
                continue
            width = bar_width * count / largest
            colour = URGENCY_COLOURS.get(level, "#6b7bb5")
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{width:.1f}" height="{row_height - 8}" fill="{colour}">'
                f"<title>{_e(name)}: {count} {_e(URGENCY_LABELS.get(level, level))}</title></rect>"
            )
            x += width
            total += count
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 17}">{total}</text>')
    parts.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{URGENCY_COLOURS.get(lv, "#6b7bb5")}"></i>{_e(URGENCY_LABELS.get(lv, lv))}</span>'
        for lv in levels
    )
    return f'<div class="legend">{legend}</div>' + "".join(parts)


def _opd_table(summary: dict[str, Any]) -> str:
    by_opd: dict[str, dict[str, int]] = summary["opd_by_urgency"]
    levels = _levels(summary)
    head = "".join(f"<th>{_e(URGENCY_LABELS.get(lv, lv))}</th>" for lv in levels)
    rows = []
    for name in sorted(by_opd, key=lambda n: (-sum(by_opd[n].values()), n)):
        cells = "".join(f"<td>{by_opd[name].get(lv, 0)}</td>" for lv in levels)
        rows.append(f"<tr><td>{_e(name)}</td>{cells}<td><b>{sum(by_opd[name].values())}</b></td></tr>")
    return f"<table><tr><th>OPD</th>{head}<th>Jumlah</th></tr>{''.join(rows)}</table>"


def _errors_table(summary: dict[str, Any]) -> str:
    if not summary["errors"]:
        return "<p>Semua baris berhasil dibaca.</p>"
    rows = "".join(
        f"<tr><td>{_e(kind)}</td><td>{count}</td><td>{_e(', '.join(summary['error_examples'].get(kind, [])))}</td></tr>"
        for kind, count in summary["errors"].items()
    )
    return f"<table><tr><th>Alasan</th><th>Baris</th><th>Contoh id</th></tr>{rows}</table>"


def render_report(summary: dict[str, Any]) -> str:
    """The report page for a summary returned by :func:`serving.batch.classify_file`."""
    rows = int(summary["rows"])
    tinggi = int(summary["urgency"].get("tinggi", 0))
    failed = sum(summary["errors"].values())
    cards = [
        ("Pengaduan", f"{rows:,}".replace(",", "."), ""),
        ("Perlu ditinjau petugas", _percent(summary["needs_review"], rows), ""),
        ("Urgensi tinggi", f"{tinggi:,}".replace(",", "."), "alert" if tinggi else ""),
        ("Tidak dapat diklasifikasi", f"{failed:,}".replace(",", "."), "alert" if failed else ""),
    ]
    card_html = "".join(f'<div class="card {cls}"><b>{_e(v)}</b><span>{_e(k)}</span></div>' for k, v, cls in cards)
    made = datetime.now().strftime("%d-%m-%Y %H:%M")
    return (
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>Laporan disposisi pengaduan</title><style>{_STYLE}</style></head><body>"
        "<h1>Laporan disposisi pengaduan</h1>"
        f'<p class="meta">Berkas {_e(Path(str(summary["input"])).name)} · model {_e(summary["model_version"])} · '
        f"dibuat {_e(made)}</p>"
        f'<div class="cards">{card_html}</div>'
        "<h2>Pengaduan per OPD menurut urgensi</h2>"
        f"{opd_urgency_chart(summary)}"
        f"<h2>Rincian per OPD</h2>{_opd_table(summary)}"
        f"<h2>Baris yang tidak dapat diklasifikasi</h2>{_errors_table(summary)}"
        '<p class="meta">Saran disposisi dibuat otomatis; pengaduan bertanda "perlu ditinjau" diperiksa petugas '
        "sebelum diteruskan.</p></body></html>\n"
    )


def write_report(summary: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write the report atomically (temporary file, then rename)."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_text(render_report(summary), encoding="utf-8")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
