"""Quality of disposisi beside two plain baselines, on the real corpora, in one run.

Not a test: run it by hand (minutes) where the real corpora sit beside the checkout::

    python benchmarks/quality.py [--data-dir ../shared/data] [--output BENCHMARKS.md]
                                 [--tracking-uri URI | --no-tracking] [--corpora surabaya lapor_nasional]
                                 [--unit-column instansi]

For each corpus it trains on ``train.csv`` and measures on ``dev.csv`` three systems:

- R1: ``TfidfVectorizer()`` + ``LinearSVC()`` on the raw text;
- R2: the same on PySastrawi-stemmed text;
- disposisi: :func:`training.fit.train_router` with the router's default parameters.

(see :mod:`benchmarks.reference` for how R1 and R2 answer top-3, review and urgency). It writes the
``## Quality`` section of BENCHMARKS.md (other sections are kept) and, for corpora with dates, the
``## Review by month`` section (accuracy among the not flagged and coverage per month of dev, for the shipped
threshold and the variants the held-out rows allow); with ``--unit-column`` the ``## Unit`` section (unit
accuracy on territorial and pooled rows, :mod:`models.unit`) for the corpora that have that column;
logs the figures and that markdown to MLflow (experiment ``disposisi-benchmark``) and prints the markdown.
Complaint texts are read into memory only: never logged, printed or written.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable from the checkout
    sys.path.insert(0, str(REPO))

import joblib  # noqa: E402

from benchmarks.reference import ReferenceSystem, evaluate_reference, sastrawi_text_stemmer  # noqa: E402
from benchmarks.report import (  # noqa: E402
    SECTION,
    CorpusResult,
    SystemResult,
    quality_section,
    target_met,
    targets_for,
    write_section,
)
from benchmarks.unit_review import (  # noqa: E402
    REVIEW_SECTION,
    UNIT_SECTION,
    review_by_month,
    review_section,
    territorial_breakdown,
    unit_section,
    worst_month,
)
from models.artifact import MODEL_FILE, library_versions, save_model  # noqa: E402
from models.stem import stem_word  # noqa: E402
from training.data import DataError, Dataset, load_dataset  # noqa: E402
from training.evaluate import evaluate_router, unit_metrics  # noqa: E402
from training.fit import train_router  # noqa: E402

__all__ = ["CORPORA", "Corpus", "load_corpus", "machine_info", "main", "run_corpus"]

logger = logging.getLogger("benchmarks.quality")

DEFAULT_DATA_DIR = REPO.parent / "shared" / "data"
EXPERIMENT = "disposisi-benchmark"
SYSTEM_NAMES = {
    "r1": "R1: TF-IDF + LinearSVC",
    "r2": "R2: Sastrawi stems + TF-IDF + LinearSVC",
    "disposisi": "disposisi",
}
LIBRARIES = ("scikit-learn", "numpy", "scipy", "pandas", "joblib", "PySastrawi", "mlflow")
# Logged to MLflow as <corpus>.<system>.<name>.
LOGGED_METRICS = (
    "opd_macro_f1",
    "opd_accuracy",
    "opd_top3_accuracy",
    "opd_coverage",
    "opd_auto_accuracy",
    "opd_auto_accuracy_worst_month",
    "review_threshold",
    "urgency_macro_f1",
    "urgency_accuracy",
    "urgency_tinggi_recall",
    "urgency_sedang_recall",
    "urgency_rendah_recall",
    "unit_accuracy_territorial_given_opd",
    "train_seconds",
    "model_bytes",
)
NOTES = (
    "Every system is trained on `train.csv` and measured on `dev.csv` of the same corpus, in the same run and "
    "on the same rows (loaded by `training.data.load_dataset`); all figures come from `training/evaluate.py`.",
    "R1 and R2 use scikit-learn defaults (`random_state=0` fixes liblinear's coordinate order only). Top-3 is the "
    "ranking of `decision_function`. Their urgency is the same TF-IDF + LinearSVC recipe fitted on the train rows "
    "that carry an urgency label (surabaya: `urgensi_train.csv`, measured on the `urgensi_dev.csv` rows).",
    "Coverage of R1 and R2 is reported, not n/a: their confidence is the highest decision value, and their review "
    "threshold is chosen exactly as disposisi chooses its own (20% of train held out: the most recent rows "
    "when the corpus is dated, as surabaya is, else a stratified slice; a probe fitted on the rest, the lowest "
    "threshold at which 95% of the held-out rows above it are right, then the final fit on all of train). "
    "The procedure and the data are the same; only the score differs (decision value against "
    "calibrated probability), so the thresholds are not comparable with each other, but coverage and accuracy "
    "among the not flagged are.",
    "Training time is the wall clock of everything a fit does: text preparation and stemming (word caches "
    "emptied before each system), the probe fit that chooses the review threshold, and the final fit on all of "
    "train; measured on a machine shared with other work, so expect some noise.",
    "Model size is the file `joblib.dump(..., compress=3)` writes: for disposisi the `model.joblib` of "
    "`models.artifact.save_model`; for R1 and R2 the fitted reference object with its OPD and urgency heads.",
    "Figures are on `dev`, which is also where the model is tuned; a later, held-back period of both corpora "
    "checks them.",
)


@dataclass(frozen=True)
class Corpus:
    """Where a corpus's labels are: the OPD column and, if any, the urgency files per split."""

    name: str
    opd_column: str
    urgency_train: str | None = None
    urgency_dev: str | None = None
    has_units: bool = False


CORPORA = {
    "surabaya": Corpus("surabaya", "opd", "urgensi_train.csv", "urgensi_dev.csv", has_units=True),
    "lapor_nasional": Corpus("lapor_nasional", "instansi"),
}


def load_corpus(data_dir: Path, corpus: Corpus, unit_column: str | None = None) -> tuple[Dataset, Dataset]:
    """Train and dev of one corpus, urgency labels joined on id where the corpus has them, and the units of
    ``unit_column`` where the corpus has one."""
    folder = data_dir / corpus.name
    if not folder.is_dir():
        raise DataError(f"corpus folder {folder} does not exist: pass --data-dir (the folder holding {corpus.name}/)")

    def load(split: str, urgency_file: str | None, min_examples: int) -> Dataset:
        return load_dataset(
            [folder / f"{split}.csv"],
            opd_column=corpus.opd_column,
            urgency_files=[folder / urgency_file] if urgency_file else (),
            min_examples=min_examples,
            unit_column=unit_column if corpus.has_units else None,
        )

    return load("train", corpus.urgency_train, 2), load("dev", corpus.urgency_dev, 1)


def _dumped_size(obj: Any) -> int:
    with tempfile.TemporaryDirectory(prefix="disposisi-quality-") as tmp:
        path = Path(tmp) / "model.joblib"
        joblib.dump(obj, path, compress=3)
        return path.stat().st_size


def _timed(fit: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    fitted = fit()
    return fitted, time.perf_counter() - started


def run_reference(train: Dataset, dev: Dataset, *, stem: bool, seed: int) -> SystemResult:
    key = "r2" if stem else "r1"
    sastrawi_text_stemmer.cache_clear()  # a fresh PySastrawi stemmer, with an empty word cache
    system, seconds = _timed(
        lambda: ReferenceSystem(stem=stem, random_state=seed).fit(
            train.texts, train.opd, train.urgency, dates=train.dates
        )
    )
    metrics = evaluate_reference(system, dev.texts, dev.opd, dev.urgency)
    metrics.update(review_threshold=system.review_threshold_, train_seconds=seconds, model_bytes=_dumped_size(system))
    return SystemResult(key, SYSTEM_NAMES[key], metrics, params=system.get_params())


def run_disposisi(train: Dataset, dev: Dataset, *, seed: int) -> SystemResult:
    stem_word.cache_clear()
    result, seconds = _timed(lambda: train_router(train, seed=seed))
    router = result.router
    metrics = evaluate_router(router, dev.texts, dev.opd, dev.urgency)
    if dev.units is not None:
        metrics.update(unit_metrics(router, dev.texts, dev.opd, dev.units, dev.places))
        metrics.update(territorial_breakdown(router, dev))
    if dev.dates is not None and result.review is not None:
        metrics["review_by_month"] = review_by_month(router, result.review, dev)
        metrics["opd_auto_accuracy_worst_month"] = worst_month(metrics["review_by_month"])
    with tempfile.TemporaryDirectory(prefix="disposisi-quality-") as tmp:
        save_model(router, tmp)
        size = (Path(tmp) / MODEL_FILE).stat().st_size
    metrics.update(review_threshold=router.review_threshold_, train_seconds=seconds, model_bytes=size)
    return SystemResult("disposisi", SYSTEM_NAMES["disposisi"], metrics, params=router.get_params())


def run_corpus(data_dir: Path, corpus: Corpus, *, seed: int = 0, unit_column: str | None = None) -> CorpusResult:
    train, dev = load_corpus(data_dir, corpus, unit_column)
    logger.info(
        "%s: train %d rows (%d with urgency), dev %d rows (%d with urgency), %d OPD labels",
        corpus.name,
        len(train),
        train.n_urgency,
        len(dev),
        dev.n_urgency,
        len(set(train.opd)),
    )
    result = CorpusResult(corpus.name, len(train), len(dev), train.n_urgency, dev.n_urgency, len(set(train.opd)))
    for key, run in (
        ("r1", lambda: run_reference(train, dev, stem=False, seed=seed)),
        ("r2", lambda: run_reference(train, dev, stem=True, seed=seed)),
        ("disposisi", lambda: run_disposisi(train, dev, seed=seed)),
    ):
        logger.info("%s: training %s", corpus.name, SYSTEM_NAMES[key])
        system = run()
        logger.info(
            "%s / %s: macro-F1 %.3f, accuracy %.3f, top-3 %.3f, coverage %.3f at %.3f; trained in %.0f s",
            corpus.name,
            key,
            system.metrics["opd_macro_f1"],
            system.metrics["opd_accuracy"],
            system.metrics["opd_top3_accuracy"],
            system.metrics["opd_coverage"],
            system.metrics["opd_auto_accuracy"],
            system.metrics["train_seconds"],
        )
        result.systems.append(system)
    return result


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        logger.debug("no /proc/cpuinfo; using platform.processor()")
    return platform.processor() or platform.machine()


def _git_revision() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} (with uncommitted changes)" if dirty else head


def machine_info() -> dict[str, str]:
    """What the figures were measured on: CPUs, Python, libraries, commit."""
    info = {
        "nproc": str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "commit": _git_revision(),
    }
    info.update(library_versions(LIBRARIES))
    return info


def _run_line(machine: dict[str, str], started: datetime, seconds: float) -> str:
    libraries = ", ".join(f"{name} {machine[name]}" for name in LIBRARIES)
    return (
        f"Run {started:%Y-%m-%d %H:%M} UTC in {seconds / 60:.1f} min, commit {machine['commit']}; "
        f"{machine['nproc']} CPUs ({machine['cpu']}, shared with other work), {machine['platform']}, "
        f"Python {machine['python']}; {libraries}."
    )


def log_to_mlflow(
    results: Sequence[CorpusResult], markdown: str, command: str, machine: dict[str, str], tracking_uri: str | None
) -> str:
    """One run in the ``disposisi-benchmark`` experiment; returns its id."""
    import mlflow

    from training.tracking import configure_tracking

    uri = configure_tracking(tracking_uri)
    mlflow.set_experiment(EXPERIMENT)
    metrics: dict[str, float] = {}
    params: dict[str, str | int] = {"command": command, **{f"machine.{k}": v for k, v in machine.items()}}
    per_class: dict[str, dict[str, dict[str, float]]] = {}
    for result in results:
        params[f"{result.name}.train_rows"] = result.train_rows
        params[f"{result.name}.dev_rows"] = result.dev_rows
        for system in result.systems:
            params[f"{result.name}.{system.key}.params"] = json.dumps(system.params, sort_keys=True, default=str)
            for name in LOGGED_METRICS:
                value = system.metrics.get(name)
                if isinstance(value, (int, float)) and math.isfinite(value):
                    metrics[f"{result.name}.{system.key}.{name}"] = float(value)
            per_class.setdefault(result.name, {})[system.key] = system.metrics.get("opd_per_class_f1", {})
        wanted = targets_for(result.name).values()
        if wanted:
            ours = result.system("disposisi").metrics
            metrics[f"{result.name}.disposisi.targets_met"] = float(
                sum(target_met(ours.get(t.metric), t) for t in wanted)
            )
    with mlflow.start_run(run_name=f"quality {datetime.now(UTC):%Y-%m-%d %H:%M}") as run:
        mlflow.log_params(params)
        mlflow.log_metrics(metrics)
        mlflow.log_text(markdown, "quality.md")
        mlflow.log_dict(per_class, "opd_per_class_f1.json")
        run_id = str(run.info.run_id)
    logger.info("logged to MLflow %s, experiment %s, run %s", uri, EXPERIMENT, run_id)
    return run_id


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="Folder holding surabaya/ and lapor_nasional/."
    )
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md", help="Markdown file to update.")
    parser.add_argument("--corpora", nargs="+", choices=sorted(CORPORA), default=list(CORPORA))
    parser.add_argument(
        "--tracking-uri", help="MLflow tracking URI (default: MLFLOW_TRACKING_URI or sqlite:///mlflow.db)."
    )
    parser.add_argument("--no-tracking", action="store_true", help="Do not log the run to MLflow.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the held-out splits and solvers.")
    parser.add_argument(
        "--unit-column", help="Train the unit too, from this column (surabaya: instansi), and report unit accuracy."
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; 0 on success, 2 with a one-line reason when the data cannot be used."""
    args = parse_args(argv)
    shown = sys.argv[1:] if argv is None else list(argv)
    command = " ".join(["python", "benchmarks/quality.py", *(shlex.quote(a) for a in shown)])
    started = datetime.now(UTC)
    clock = time.perf_counter()
    try:
        results = [
            run_corpus(args.data_dir, CORPORA[name], seed=args.seed, unit_column=args.unit_column)
            for name in args.corpora
        ]
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    machine = machine_info()
    body = quality_section(
        results, command=command, run_line=_run_line(machine, started, time.perf_counter() - clock), notes=NOTES
    )
    write_section(args.output, SECTION, body)
    logger.info("wrote the %r section of %s", SECTION, args.output)
    extra = {REVIEW_SECTION: review_section(results, command), UNIT_SECTION: unit_section(results, command)}
    for heading, text in extra.items():
        if text:
            write_section(args.output, heading, text)
            body += f"\n{heading}\n\n{text}"
    if not args.no_tracking:
        log_to_mlflow(results, f"{SECTION}\n\n{body}", command, machine, args.tracking_uri)
    print(f"{SECTION}\n\n{body}")
    return 0


if __name__ == "__main__":
    from models.logs import configure_logging

    configure_logging()
    sys.exit(main())
