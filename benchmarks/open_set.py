"""Open set: complaints for units the model never saw, measured by leaving units out of training.

Not a test: run it by hand (minutes) where the real corpora sit beside the checkout::

    python benchmarks/open_set.py [--data-dir ../shared/data] [--output BENCHMARKS.md]
                                  [--draws 3] [--corpora surabaya lapor_nasional]

For each corpus and each random draw it leaves ``k`` units out of ``train.csv`` (lapor_nasional 3 of 10,
surabaya 4 of 21, ``Lainnya`` never drawn), and on surabaya also ``Lainnya`` alone (the pool of small
units); it trains with :func:`training.fit.train_router` and measures on ``dev.csv`` with
:func:`training.openset_eval.leave_classes_out`. It writes the ``## Open set`` section of BENCHMARKS.md
(other sections are kept) and prints it. Complaint texts are read into memory only: never printed or
written.

To keep the draws to minutes, the router is fitted with ``calibration_cv=3`` instead of 5 (stated in the
section); everything else is the router's default, including the open-set operating point.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable from the checkout
    sys.path.insert(0, str(REPO))

from benchmarks.quality import CORPORA, load_corpus, machine_info  # noqa: E402
from benchmarks.report import run_and_write  # noqa: E402
from training.openset_eval import CURVE_TARGETS, LeaveOutResult, OperatingPoint, leave_classes_out  # noqa: E402

__all__ = ["Draw", "main", "open_set_section"]

logger = logging.getLogger("benchmarks.open_set")

DEFAULT_DATA_DIR = REPO.parent / "shared" / "data"
SECTION = "## Open set"
PARAMS = {"calibration_cv": 3}
LEFT_OUT = {"lapor_nasional": 3, "surabaya": 4}
POOL = "Lainnya"
TARGET_FLAGGED = 0.70
TARGET_COVERAGE = 0.85
TARGET_ACCURACY = 0.95


@dataclass(frozen=True)
class Draw:
    corpus: str
    name: str
    result: LeaveOutResult


def draws_for(units: Sequence[str], k: int, n_draws: int, seed: int) -> list[list[str]]:
    """``n_draws`` different random sets of ``k`` units (``Lainnya`` never drawn)."""
    pool = sorted(u for u in set(units) if u != POOL)
    rng = np.random.default_rng(seed)
    drawn: list[list[str]] = []
    while len(drawn) < n_draws:
        pick = sorted(str(u) for u in rng.choice(pool, size=k, replace=False))
        if pick not in drawn:
            drawn.append(pick)
    return drawn


def _pct(value: float | None) -> str:
    return "n/a" if value is None or value != value else f"{100 * value:.1f}%"


def _point_cells(point: OperatingPoint) -> list[str]:
    return [_pct(point.outsider_flagged), _pct(point.known_coverage), f"{point.known_auto_accuracy:.3f}"]


def _verdict(draw: Draw) -> str:
    r = draw.result
    flagged = r.chosen.outsider_flagged >= TARGET_FLAGGED
    accurate = r.chosen.known_auto_accuracy >= TARGET_ACCURACY
    absolute = r.chosen.known_coverage >= TARGET_COVERAGE
    relative = r.relative_coverage >= TARGET_COVERAGE
    return " / ".join(
        [
            "flagged " + ("met" if flagged else "not met"),
            "accuracy " + ("met" if accurate else "not met"),
            "coverage (absolute) " + ("met" if absolute else "not met"),
            "coverage (relative) " + ("met" if relative else "not met"),
        ]
    )


def _groups(draws: Sequence[Draw]) -> dict[str, list[Draw]]:
    groups: dict[str, list[Draw]] = {}
    for d in draws:
        groups.setdefault(f"{d.corpus}, {POOL} out" if d.name == POOL else d.corpus, []).append(d)
    return groups


def open_set_section(draws: Sequence[Draw], *, command: str, run_line: str) -> str:
    lines = [
        f"Command: `{command}`",
        "",
        run_line,
        "",
        "Each row trains on `train.csv` without the units named (their rows removed from training, the review "
        "threshold chosen as always on a held-out 20% of what is left) and measures on `dev.csv`: **left-out "
        "flagged** is the share of the left-out units' complaints with `needs_review` true (either reason); "
        "**coverage** is the share of the known units' complaints not flagged, **accuracy** the accuracy among "
        "those. *Without* is the `ragu` threshold alone (what main did), *with* adds the open-set signal at the "
        "router's default `outside_target`. Router fitted with `calibration_cv=3` (the default is 5) to keep the "
        "draws to minutes.",
        "",
        'How to read the issue\'s "known units keep at least 85% coverage": *absolute* is coverage >= 85% of the '
        "known units' complaints, *relative* is coverage with the signal >= 85% of the coverage the same model "
        "had without it. On surabaya the absolute reading cannot be met by any threshold that keeps 0.95 accuracy "
        "(main's coverage at 0.95 is about 0.50 on in-taxonomy rows); both are reported.",
        "",
        "| corpus | left out | left-out rows | known rows | ragu threshold | without: left-out flagged | without: "
        "coverage | without: accuracy | with: left-out flagged | of which `di_luar_cakupan` | with: coverage | "
        "with: accuracy | relative coverage | AUC top prob. / top decision / open-set score |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for d in draws:
        r = d.result
        lines.append(
            "| "
            + " | ".join(
                [
                    d.corpus,
                    d.name,
                    str(r.n_outsiders),
                    str(r.n_known),
                    f"{r.review_threshold:.3f}",
                    *_point_cells(r.without),
                    *_point_cells(r.chosen)[:1],
                    _pct(r.outsider_reason_outside),
                    *_point_cells(r.chosen)[1:],
                    _pct(r.relative_coverage),
                    f"{r.auc['top_probability']:.3f} / {r.auc['top_decision']:.3f} / {r.auc['outside_score']:.3f}",
                ]
            )
            + " |"
        )
    lines += ["", "Against the issue's targets (left-out flagged >= 70%, accuracy >= 0.95, coverage >= 85%):", ""]
    lines += [f"- {d.corpus}, {d.name}: {_verdict(d)}" for d in draws]
    lines += ["", "Mean over the draws (a corpus's random draws; surabaya's `Lainnya` row apart):", ""]
    lines += [
        "| corpus | left-out flagged | known coverage | known accuracy | relative coverage |",
        "|---|---|---|---|---|",
    ]
    for group, members in _groups(draws).items():
        results = [m.result for m in members]
        lines.append(
            f"| {group} | {_pct(float(np.mean([r.chosen.outsider_flagged for r in results])))} | "
            f"{_pct(float(np.mean([r.chosen.known_coverage for r in results])))} | "
            f"{float(np.mean([r.chosen.known_auto_accuracy for r in results])):.3f} | "
            f"{_pct(float(np.mean([r.relative_coverage for r in results])))} |"
        )
    lines += [
        "",
        "### Curve",
        "",
        "The same fits, with the open-set threshold read for other `outside_target` values (the share of "
        "simulated outsiders, units held out of training folds, that the threshold flags); the mean over the "
        "draws of each corpus (surabaya's `Lainnya` row apart).",
        "",
        "| corpus | outside_target | left-out flagged | known coverage | known accuracy |",
        "|---|---|---|---|---|",
    ]
    for group, members in _groups(draws).items():
        rows = [("off", [m.result.without for m in members])]
        rows += [(f"{t:g}", [m.result.curve[i] for m in members]) for i, t in enumerate(CURVE_TARGETS)]
        for label, points in rows:
            lines.append(
                f"| {group} | {label} | {_pct(float(np.mean([p.outsider_flagged for p in points])))} | "
                f"{_pct(float(np.mean([p.known_coverage for p in points])))} | "
                f"{float(np.nanmean([p.known_auto_accuracy for p in points])):.3f} |"
            )
    return "\n".join(lines) + "\n"


def run(data_dir: Path, corpora: Sequence[str], n_draws: int, seed: int) -> list[Draw]:
    draws = []
    for name in corpora:
        train, dev = load_corpus(data_dir, CORPORA[name])
        sets = [(", ".join(units), units) for units in draws_for(train.opd, LEFT_OUT[name], n_draws, seed)]
        if POOL in set(train.opd):
            sets.append((POOL, [POOL]))
        for label, units in sets:
            started = time.perf_counter()
            result = leave_classes_out(train, dev, units, params=PARAMS, seed=seed)
            logger.info("%s without %s: %.0f s", name, label, time.perf_counter() - started)
            draws.append(Draw(name, label, result))
    return draws


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="Folder holding surabaya/ and lapor_nasional/."
    )
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md", help="Markdown file to update.")
    parser.add_argument("--corpora", nargs="+", choices=sorted(CORPORA), default=["lapor_nasional", "surabaya"])
    parser.add_argument("--draws", type=int, default=3, help="Random draws of left-out units per corpus.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the draws, held-out splits and solvers.")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 on success, 2 with a one-line reason when the data cannot be used."""
    args = parse_args(argv)
    return run_and_write(
        "benchmarks/open_set.py",
        argv,
        output=args.output,
        heading=SECTION,
        machine=machine_info(),
        measure=lambda: run(args.data_dir, args.corpora, args.draws, args.seed),
        render=lambda draws, command, run_line: open_set_section(draws, command=command, run_line=run_line),
    )


if __name__ == "__main__":
    from models.logs import configure_logging

    configure_logging()
    sys.exit(main())
