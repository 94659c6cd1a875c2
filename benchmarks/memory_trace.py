"""Memory of a ``disposisi classify`` run sampled over the run, against the rows written so far.

A peak at 100,000 rows and a peak at 1,000,000 rows cannot show that memory stays flat: what can is the
resident memory sampled every few seconds and mapped to the rows written by then, which must level off once
the bounded structures (the ring of the similarity index, the group counts) are full. :func:`trace_classify`
runs one ``classify`` (no wrapper process: the root of the tree is the process that writes) and samples, from
/proc, the RSS of that process, the largest RSS of the others (the workers of ``--jobs``) and the summed PSS of
all of them (PSS shares the pages forked workers have in common, so the sum is the real footprint). Rows
written so far are read from the temporary output file ``classify`` writes before renaming it: the last row
id of the form ``c<n>`` (the row number, as ``benchmarks/duplicates.py`` numbers its copies) that begins a
line. Lines are not counted, because quoted texts hold line breaks.

Used by ``benchmarks/duplicates.py --only memory``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Sample", "Trace", "at_rows", "table", "trace_classify"]

_VMRSS_RE = re.compile(r"^VmRSS:\s+(\d+) kB", re.M)
_PSS_RE = re.compile(r"^Pss:\s+(\d+) kB", re.M)


@dataclass(frozen=True)
class Sample:
    seconds: float
    rows: int  # rows of the output written so far
    writer_rss_mib: float
    worker_rss_mib: float  # the largest of the other processes (0 with --jobs 1)
    pss_sum_mib: float


@dataclass
class Trace:
    seconds: float = 0.0
    rows: int = 0
    samples: list[Sample] = field(default_factory=list)


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def _kib(path: str, pattern: re.Pattern[str]) -> int:
    try:
        found = pattern.search(Path(path).read_text())
    except OSError:
        return 0
    return int(found.group(1)) if found else 0


_ROW_RE = re.compile(rb"\n\"?c(\d+)\"?,")


class _RowCounter:
    """Rows written so far to the temporary output file ``.NAME.*.tmp`` in ``output``'s folder."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.offset = 0
        self.rows = 0
        self.path: Path | None = None

    def count(self) -> int:
        if self.path is None:
            found = sorted(self.output.parent.glob(f".{self.output.name}.*.tmp"))
            if not found:
                return 0
            self.path = found[0]
        try:
            start = max(0, self.offset - 64)  # a row id cut at the previous read is read again
            with self.path.open("rb") as handle:
                handle.seek(start)
                data = handle.read()
        except OSError:  # renamed at the end
            return self.rows
        self.offset = start + len(data)
        for found in _ROW_RE.finditer(data):
            self.rows = max(self.rows, int(found.group(1)) + 1)
        return self.rows


def trace_classify(
    source: Path,
    model_dir: Path,
    output: Path,
    jobs: int,
    chunk_size: int,
    extra: tuple[str, ...] = (),
    every: float = 3.0,
) -> Trace:
    """Run ``disposisi classify`` once and sample its memory every ``every`` seconds (see the module doc)."""
    command = [sys.executable, "-m", "disposisi", "classify", str(source), "--model-dir", str(model_dir)]
    command += ["--output", str(output), "--jobs", str(jobs), "--chunk-size", str(chunk_size), "--quiet", "--json"]
    command += list(extra)
    trace = Trace()
    counter = _RowCounter(output)
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(every):
            pids = _tree(process.pid)
            rss = [_kib(f"/proc/{pid}/status", _VMRSS_RE) / 1024 for pid in pids]
            pss = sum(_kib(f"/proc/{pid}/smaps_rollup", _PSS_RE) for pid in pids) / 1024
            if not rss or not rss[0]:
                continue
            trace.samples.append(
                Sample(time.perf_counter() - started, counter.count(), rss[0], max(rss[1:], default=0.0), pss)
            )

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    trace.seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    if process.returncode != 0:
        errors = [line for line in stderr.splitlines() if line.startswith("error:")]
        raise SystemExit(f"classify failed ({process.returncode}): {errors or stderr[-500:]}")
    trace.rows = int(json.loads(stdout)["rows"])
    return trace


def at_rows(trace: Trace, step: int) -> list[tuple[int, Sample]]:
    """For each multiple of ``step`` rows reached, the largest figures sampled up to that point since the
    previous multiple (a window's high-water mark, so a short peak is not missed between samples)."""
    out: list[tuple[int, Sample]] = []
    window: list[Sample] = []
    mark = step
    for s in trace.samples:
        window.append(s)
        if s.rows < mark:
            continue
        top = Sample(
            s.seconds,
            s.rows,
            max(w.writer_rss_mib for w in window),
            max(w.worker_rss_mib for w in window),
            max(w.pss_sum_mib for w in window),
        )
        while s.rows >= mark:
            out.append((mark, top))
            mark += step
        window = []
    return out


def table(trace: Trace, step: int) -> list[str]:
    """Markdown rows: rows written, seconds, writer RSS, largest worker RSS, PSS sum (MiB)."""
    lines = [
        "| rows written | seconds | RSS writing process (MiB) | RSS largest worker (MiB) | PSS sum (MiB) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for rows, s in at_rows(trace, step):
        lines.append(
            f"| {rows:,} | {s.seconds:.0f} | {s.writer_rss_mib:.0f} | {s.worker_rss_mib:.0f} | {s.pss_sum_mib:.0f} |"
        )
    return lines
