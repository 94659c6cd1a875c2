"""Batch throughput and peak memory of ``disposisi classify`` beside a plain scikit-learn reference pipeline.

Not a test: run it by hand on the 2-core dev machine, where the real corpus sits beside the checkout::

    python benchmarks/batch_throughput.py --model-dir var/model-surabaya   # or without: trains one first

In one run it
1. builds CSV inputs in a temporary folder from the texts of ../shared/data/surabaya/{train,dev}.csv,
   sampled with replacement (never written into the repository);
2. times ``disposisi classify`` file in to file out (both heads) with ``--jobs 1`` and ``--jobs 2``;
3. times the reference, as a user would write it: ``TfidfVectorizer()`` + ``LinearSVC()`` fitted on
   ``StemmerFactory().create_stemmer().stem(text)`` of the training texts; predict only (stemming
   included), in memory, one process, on the same rows;
4. reads, at the small and the large size, the peak RSS of the largest process of the run
   (``RUSAGE_CHILDREN`` of a fresh wrapper process) and the peak of the summed PSS of all its
   processes (``/proc/PID/smaps_rollup``, sampled every 0.2 s; PSS shares pages that forked workers
   have in common between them, so the sum is the real footprint);
5. repeats steps 2-3 ``--repeat`` times, alternating ours and the reference so both see the same load,
   and reports the median of each;
and writes the numbers to ``BENCHMARKS.md`` under ``## Batch throughput`` (other sections are kept).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "data" / "surabaya"
SECTION = "## Batch throughput"

# Runs a command and prints the peak RSS (KiB) of it and its descendants: a fresh process per run,
# because RUSAGE_CHILDREN is a high-water mark over all children ever waited for.
_PEAK_RSS = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print('PEAK_RSS_KIB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def corpus_texts() -> tuple[list[str], list[str], list[str]]:
    train = pd.read_csv(CORPUS / "train.csv", usecols=["teks", "opd"], dtype=str).dropna()
    dev = pd.read_csv(CORPUS / "dev.csv", usecols=["teks"], dtype=str).dropna()
    return train["teks"].tolist(), train["opd"].tolist(), train["teks"].tolist() + dev["teks"].tolist()


def build_input(texts: list[str], rows: int, path: Path, seed: int = 0) -> Path:
    """``rows`` texts sampled with replacement, written in slices (memory stays small at 1M rows)."""
    rng = np.random.default_rng(seed)
    pool = np.asarray(texts, dtype=object)
    step = 100_000
    for start in range(0, rows, step):
        n = min(step, rows - start)
        frame = pd.DataFrame({"id": np.arange(start, start + n), "teks": pool[rng.integers(0, len(pool), n)]})
        frame.to_csv(path, mode="w" if start == 0 else "a", header=start == 0, index=False)
    return path


def _tree_pss_kib(root: int) -> int:
    """Summed PSS (KiB) of ``root`` and its descendants, from /proc (0 where /proc is not there)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        found = re.search(r"^Pss:\s+(\d+) kB", rollup, re.M)
        total += int(found.group(1)) if found else 0
    return total


def run_classify(
    source: Path, model_dir: Path, output: Path, jobs: int, chunk_size: int, extra: tuple[str, ...] = ()
) -> dict[str, float]:
    """Time one ``disposisi classify`` run (``extra``: more options, e.g. ``--duplicates``) and its peak memory."""
    command = [sys.executable, "-m", "disposisi", "classify", str(source), "--model-dir", str(model_dir)]
    command += ["--output", str(output), "--jobs", str(jobs), "--chunk-size", str(chunk_size), "--quiet", "--json"]
    command += list(extra)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", _PEAK_RSS, *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak_pss = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_pss
        while not stop.wait(0.2):
            peak_pss = max(peak_pss, _tree_pss_kib(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    done = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    if done.returncode != 0:
        errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        raise SystemExit(f"classify failed ({done.returncode}): {errors or done.stderr[-500:]}")
    peak = re.search(r"PEAK_RSS_KIB (\d+)", done.stderr)
    summary = json.loads(done.stdout)
    return {
        "rows": summary["rows"],
        "seconds": seconds,
        "rows_per_second": summary["rows"] / seconds,
        "peak_rss_mib": int(peak.group(1)) / 1024 if peak else float("nan"),
        "peak_pss_sum_mib": peak_pss / 1024 if peak_pss else float("nan"),
    }


def reference(train_texts: list[str], train_labels: list[str], source: Path) -> dict[str, float]:
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    stemmer = StemmerFactory().create_stemmer()
    vectorizer = TfidfVectorizer()
    model = LinearSVC()
    started = time.perf_counter()
    model.fit(vectorizer.fit_transform([stemmer.stem(t) for t in train_texts]), train_labels)
    fit_seconds = time.perf_counter() - started
    texts = pd.read_csv(source, usecols=["teks"], dtype=str)["teks"].fillna("").tolist()
    started = time.perf_counter()
    model.predict(vectorizer.transform([stemmer.stem(t) for t in texts]))
    seconds = time.perf_counter() - started
    return {"rows": len(texts), "seconds": seconds, "rows_per_second": len(texts) / seconds, "fit_seconds": fit_seconds}


def _median_run(runs: list[dict[str, float]]) -> dict[str, Any]:
    """The run with the median throughput, with every run's rows/s beside it."""
    ordered = sorted(runs, key=lambda r: r["rows_per_second"])
    median: dict[str, Any] = dict(ordered[(len(ordered) - 1) // 2])
    median["all_rows_per_second"] = [round(r["rows_per_second"]) for r in runs]
    median["median_rows_per_second"] = statistics.median(r["rows_per_second"] for r in runs)
    return median


def train_model(folder: Path) -> Path:
    model_dir = folder / "model"
    command = [sys.executable, "-m", "disposisi", "train", str(CORPUS / "train.csv"), "--model-dir", str(model_dir)]
    command += ["--urgency-labels", str(CORPUS / "urgensi_train.csv"), "--no-tracking", "--json"]
    subprocess.run(command, check=True, capture_output=True)
    return model_dir


def write_section(body: str, path: Path, title: str = SECTION) -> None:
    """Replace (or append) the ``title`` section (``## Batch throughput``) of BENCHMARKS.md, keeping the others."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    section = f"{title}\n\n{body.strip()}\n\n"
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    path.write_text(text.rstrip() + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, help="Trained model directory (default: train one on train.csv).")
    parser.add_argument("--rows", type=int, default=100_000, help="Rows of the throughput runs.")
    parser.add_argument("--large-rows", type=int, default=1_000_000, help="Rows of the large memory run (0: skip).")
    parser.add_argument("--large-jobs", type=int, default=2, help="--jobs of the memory runs at both sizes.")
    parser.add_argument("--chunk-size", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=2, help="Throughput rounds (ours and reference alternate).")
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        raise SystemExit(f"the real corpus {CORPUS} is not here; this benchmark needs it")

    load_start = os.getloadavg()[0]
    train_texts, train_labels, all_texts = corpus_texts()
    with tempfile.TemporaryDirectory(prefix="disposisi-bench-") as tmp:
        folder = Path(tmp)
        model_dir = args.model_dir or train_model(folder)
        small = build_input(all_texts, args.rows, folder / "small.csv")
        runs: dict[str, list[dict[str, float]]] = {"jobs1": [], "jobs2": [], "reference": []}
        for _ in range(args.repeat):  # alternating, so that ours and the reference see the same load
            for jobs in (1, 2):
                run = run_classify(small, model_dir, folder / f"out{jobs}.csv", jobs, args.chunk_size)
                runs[f"jobs{jobs}"].append(run)
                print(f"classify --jobs {jobs}: {run}", file=sys.stderr)
            runs["reference"].append(reference(train_texts, train_labels, small))
            print(f"reference: {runs['reference'][-1]}", file=sys.stderr)
        results = {name: _median_run(done) for name, done in runs.items()}
        memory_small = results[f"jobs{args.large_jobs}"] if args.large_jobs in (1, 2) else None
        if memory_small is None:
            memory_small = run_classify(small, model_dir, folder / "outm.csv", args.large_jobs, args.chunk_size)
        memory_large = None
        if args.large_rows:
            small.unlink()
            large = build_input(all_texts, args.large_rows, folder / "large.csv", seed=1)
            memory_large = run_classify(large, model_dir, folder / "outl.csv", args.large_jobs, args.chunk_size)
            print(f"large: {memory_large}", file=sys.stderr)

    ref = results["reference"]["rows_per_second"]
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}; "
        f"{args.rows:,} rows sampled with replacement from the texts of surabaya train+dev; "
        f"chunk size {args.chunk_size}. Load average (other work on the machine) {load_start:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end: throughput moves with it.",
        "",
        "Command:",
        "",
        "```",
        "python benchmarks/batch_throughput.py" + (f" --model-dir {args.model_dir}" if args.model_dir else ""),
        "```",
        "",
        f"Each throughput figure is the median of {args.repeat} rounds (every round's rows/s in brackets). "
        "Peak memory: RSS of the largest process of the run, and the peak of the PSS summed over all its "
        "processes (the real footprint of `--jobs 2`: main process and two forked workers).",
        "",
        "| run | rows | seconds | rows/s (rounds) | ratio to reference | peak RSS (MiB) | peak PSS sum (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, label in (
        ("jobs1", "`disposisi classify --jobs 1` (CSV in, CSV out, both heads)"),
        ("jobs2", "`disposisi classify --jobs 2`"),
        ("reference", "reference: TfidfVectorizer + LinearSVC on Sastrawi stems, predict only"),
    ):
        r = results[name]
        peak = f"{r['peak_rss_mib']:.0f}" if "peak_rss_mib" in r else "-"
        pss = f"{r['peak_pss_sum_mib']:.0f}" if "peak_pss_sum_mib" in r else "-"
        rounds = ", ".join(f"{v:,}" for v in r["all_rows_per_second"])
        lines.append(
            f"| {label} | {int(r['rows']):,} | {r['seconds']:.1f} | {r['rows_per_second']:.0f} ({rounds}) | "
            f"{r['rows_per_second'] / ref:.2f} | {peak} | {pss} |"
        )
    if memory_large is not None:
        ratio = memory_large["peak_rss_mib"] / memory_small["peak_rss_mib"]
        ratio_pss = memory_large["peak_pss_sum_mib"] / memory_small["peak_pss_sum_mib"]
        lines += [
            "",
            f"Peak memory with `--jobs {args.large_jobs}`: largest process {memory_small['peak_rss_mib']:.0f} MiB "
            f"at {int(memory_small['rows']):,} rows and {memory_large['peak_rss_mib']:.0f} MiB at "
            f"{int(memory_large['rows']):,} rows (ratio {ratio:.2f}); all processes (PSS) "
            f"{memory_small['peak_pss_sum_mib']:.0f} MiB and {memory_large['peak_pss_sum_mib']:.0f} MiB "
            f"(ratio {ratio_pss:.2f}); target <= 1.2. The {int(memory_large['rows']):,}-row run took "
            f"{memory_large['seconds']:.0f} s ({memory_large['rows_per_second']:.0f} rows/s).",
        ]
    best = max(results["jobs1"]["rows_per_second"], results["jobs2"]["rows_per_second"]) / ref
    lines += ["", f"Throughput ratio ours/reference (best of --jobs 1/2): {best:.2f} (target >= 1.0)."]
    write_section("\n".join(lines), args.output)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
