"""The ``## Quality`` section of BENCHMARKS.md: tables of figures, the issue-11 targets, and the
replacement of one section of a markdown file shared by several benchmarks.

Everything here formats figures that :mod:`training.evaluate` computed; no complaint text ever
reaches it.
"""

from __future__ import annotations

import math
import os
import re
import shlex
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from training.data import DataError

__all__ = [
    "ROWS",
    "SECTION",
    "TARGETS",
    "CorpusResult",
    "SystemResult",
    "Target",
    "corpus_table",
    "format_value",
    "quality_section",
    "replace_section",
    "target_met",
    "targets_for",
    "write_section",
]

T = TypeVar("T")

SECTION = "## Quality"
NEW_DOCUMENT = "# Benchmarks\n"


@dataclass(frozen=True)
class Row:
    """One line of a corpus table: a metric key and how it reads."""

    key: str
    label: str
    kind: str  # "ratio", "seconds" or "bytes"


ROWS = (
    Row("opd_macro_f1", "OPD macro-F1", "ratio"),
    Row("opd_accuracy", "OPD accuracy", "ratio"),
    Row("opd_top3_accuracy", "OPD top-3 accuracy", "ratio"),
    Row("opd_coverage", "coverage (share not flagged for review)", "ratio"),
    Row("opd_auto_accuracy", "accuracy among the not flagged", "ratio"),
    Row("opd_auto_accuracy_worst_month", "accuracy among the not flagged, worst month of dev", "ratio"),
    Row("review_threshold", "review threshold (chosen on 20% of train)", "ratio"),
    Row("urgency_macro_f1", "urgency macro-F1", "ratio"),
    Row("urgency_tinggi_recall", "urgency `tinggi` recall", "ratio"),
    Row("unit_accuracy_territorial_given_opd", "unit accuracy on territorial rows, given the true OPD", "ratio"),
    Row("train_seconds", "training time (s)", "seconds"),
    Row("model_bytes", "model size on disk (MB)", "bytes"),
)


@dataclass(frozen=True)
class Target:
    """A floor that issue 11 ("Done when") sets for one disposisi figure on one corpus's dev split."""

    corpus: str
    metric: str
    minimum: float


TARGETS = (
    Target("surabaya", "opd_macro_f1", 0.64),
    Target("surabaya", "opd_accuracy", 0.80),
    Target("surabaya", "opd_top3_accuracy", 0.94),
    Target("surabaya", "opd_coverage", 0.50),
    Target("surabaya", "opd_auto_accuracy", 0.95),
    Target("surabaya", "opd_auto_accuracy_worst_month", 0.95),
    Target("surabaya", "unit_accuracy_territorial_given_opd", 0.88),
    Target("surabaya", "urgency_macro_f1", 0.70),
    Target("surabaya", "urgency_tinggi_recall", 0.80),
    Target("lapor_nasional", "opd_macro_f1", 0.955),
)


@dataclass
class SystemResult:
    """One system's figures on one corpus: the :mod:`training.evaluate` metrics plus
    ``train_seconds`` and ``model_bytes``."""

    key: str
    name: str
    metrics: dict[str, Any]
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class CorpusResult:
    name: str
    train_rows: int
    dev_rows: int
    train_urgency_rows: int
    dev_urgency_rows: int
    n_labels: int
    systems: list[SystemResult] = field(default_factory=list)

    def system(self, key: str) -> SystemResult:
        for system in self.systems:
            if system.key == key:
                return system
        raise KeyError(f"no system {key!r} in the {self.name} results: {[s.key for s in self.systems]}")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def format_value(value: Any, kind: str) -> str:
    """A figure as the table shows it; ``n/a`` when missing or not a finite number."""
    number = _number(value)
    if number is None:
        return "n/a"
    if kind == "ratio":
        return f"{number:.3f}"
    if kind == "seconds":
        return f"{number:.1f}"
    if kind == "bytes":
        return f"{number / 1e6:.1f}"
    raise ValueError(f'kind must be "ratio", "seconds" or "bytes", got {kind!r}')


def _floor(minimum: float) -> str:
    """A target as the issue writes it: two decimals, three when it needs them (0.70, 0.955)."""
    return f"{minimum:.2f}" if round(minimum, 2) == minimum else f"{minimum:.3f}"


def target_met(value: Any, target: Target) -> bool:
    """A target is met when the figure is a finite number at or above its floor."""
    number = _number(value)
    return number is not None and number >= target.minimum


def targets_for(corpus: str, targets: Iterable[Target] = TARGETS) -> dict[str, Target]:
    return {t.metric: t for t in targets if t.corpus == corpus}


def corpus_table(result: CorpusResult, *, target_system: str = "disposisi", targets: Sequence[Target] = TARGETS) -> str:
    """A markdown table: one row per figure, one column per system, the targets beside ``target_system``."""
    wanted = targets_for(result.name, targets)
    header = ["figure", *(s.name for s in result.systems), "issue-11 target", "met"]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * len(result.systems) + "---:|---|"]
    for row in ROWS:
        values = [s.metrics.get(row.key) for s in result.systems]
        if all(_number(v) is None for v in values):
            continue  # e.g. urgency on a corpus without urgency labels
        cells = [row.label, *(format_value(v, row.kind) for v in values)]
        target = wanted.get(row.key)
        if target is None:
            cells += ["", ""]
        else:
            ours = result.system(target_system).metrics.get(row.key)
            cells += [f"≥ {_floor(target.minimum)}", "met" if target_met(ours, target) else "**not met**"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def quality_section(
    results: Sequence[CorpusResult],
    *,
    command: str,
    run_line: str,
    notes: Sequence[str],
    target_system: str = "disposisi",
    targets: Sequence[Target] = TARGETS,
) -> str:
    """The body of ``## Quality`` (without the heading): command, run details, a table per corpus,
    the count of targets met, and the notes."""
    lines = [f"`{command}`", "", run_line, ""]
    met = total = 0
    for result in results:
        lines += [
            f"### {result.name}",
            "",
            f"train {result.train_rows:,} rows{_with_urgency(result.train_urgency_rows)}, "
            f"dev {result.dev_rows:,} rows{_with_urgency(result.dev_urgency_rows)}, {result.n_labels} OPD labels.",
            "",
            corpus_table(result, target_system=target_system, targets=targets),
            "",
        ]
        for target in targets_for(result.name, targets).values():
            total += 1
            met += target_met(result.system(target_system).metrics.get(target.metric), target)
    if total:
        lines += [f"Issue-11 targets met by {target_system} in this run: **{met} of {total}**.", ""]
    lines += ["Notes:", ""]
    lines += [f"- {note}" for note in notes]
    return "\n".join(lines).strip() + "\n"


def _with_urgency(rows: int) -> str:
    return f" ({rows:,} with an urgency label)" if rows else ""


def replace_section(document: str, heading: str, body: str) -> str:
    """``document`` with the text under ``heading`` (up to the next ``## `` heading) replaced by ``body``.

    The heading must match a whole line (``## Quality`` does not match ``## Quality notes``); a
    missing section is appended at the end. Other sections are kept byte for byte.
    """
    if not heading.startswith("## "):
        raise ValueError(f'heading must be a level-2 markdown heading ("## ..."), got {heading!r}')
    section = f"{heading}\n\n{body.strip()}\n\n"
    pattern = re.compile(rf"^{re.escape(heading)}[ \t]*(?:\n.*?)?(?=^## |\Z)", re.S | re.M)
    if pattern.search(document):
        updated = pattern.sub(lambda _: section, document, count=1)
    elif not document.strip():
        updated = NEW_DOCUMENT + "\n" + section
    else:
        updated = document.rstrip("\n") + "\n\n" + section
    return updated.rstrip("\n") + "\n"


def write_section(path: Path, heading: str, body: str) -> None:
    """Replace one section of the markdown file at ``path`` (created if missing), atomically.

    The file is read just before it is written, so sections that others wrote meanwhile are kept.
    """
    document = path.read_text(encoding="utf-8") if path.is_file() else ""
    updated = replace_section(document, heading, body)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(updated)
        if path.is_file():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_and_write(
    script: str,
    argv: Sequence[str] | None,
    *,
    output: Path,
    heading: str,
    machine: dict[str, Any],
    measure: Callable[[], T],
    render: Callable[[T, str, str], str],
) -> int:
    """The ``main`` of a benchmark that writes one section: ``measure()``, then ``render(result, command,
    run_line)`` written under ``heading`` of ``output`` and printed. ``machine`` (:func:`benchmarks.quality.
    machine_info`, taken before measuring: the commit it ran on) names the run. 0 on success; 2 with a one-line
    reason when the data cannot be used (:class:`training.data.DataError`)."""
    shown = sys.argv[1:] if argv is None else list(argv)
    command = " ".join(["python", script, *(shlex.quote(a) for a in shown)])
    started = datetime.now(UTC)
    clock = time.perf_counter()
    try:
        result = measure()
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    run_line = (
        f"Run {started:%Y-%m-%d %H:%M} UTC in {(time.perf_counter() - clock) / 60:.1f} min, commit "
        f"{machine['commit']}; {machine['nproc']} CPUs ({machine['cpu']}, shared with other work)."
    )
    body = render(result, command, run_line)
    write_section(output, heading, body)
    print(f"{heading}\n\n{body}")
    return 0
