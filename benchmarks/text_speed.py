"""Words per second of the text pipeline (models.text.analyse), cold and warm.

    python benchmarks/text_speed.py [--data-dir ../shared/data] [--output BENCHMARKS.md]

Cold: a fresh interpreter with empty caches (Sastrawi dictionary, per-word stem cache, per-token
slang cache) analyses the texts once, dictionary load included. Warm: the same texts again. The
texts are the real complaints of surabaya train+dev, read at run time; none is written anywhere.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.report import write_section  # noqa: E402

_CHILD = """
import csv, json, sys, time
csv.field_size_limit(10**9)
texts = []
for path in sys.argv[1:]:
    with open(path, encoding="utf-8", newline="") as fh:
        texts += [row["teks"] for row in csv.DictReader(fh)]
words = sum(len(t.split()) for t in texts)
started = time.perf_counter()
from models.text import analyse
[analyse(t) for t in texts]
cold = time.perf_counter() - started
started = time.perf_counter()
[analyse(t) for t in texts]
warm = time.perf_counter() - started
print(json.dumps({"texts": len(texts), "words": words, "cold": cold, "warm": warm}))
"""


def measure(files: list[Path]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *map(str, files)], capture_output=True, text=True, check=True, cwd=REPO
    )
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    args = parser.parse_args()
    files = [args.data_dir / "surabaya" / "train.csv", args.data_dir / "surabaya" / "dev.csv"]
    result = measure(files)
    cold_wps = result["words"] / result["cold"]
    warm_wps = result["words"] / result["warm"]
    body = (
        "`python benchmarks/text_speed.py`\n\n"
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, one process. "
        f"{result['texts']:,} complaints of surabaya train+dev, {result['words']:,} whitespace words. "
        "Cold: fresh interpreter, empty caches, Sastrawi dictionary load included; warm: the same texts again "
        "(the per-word stem cache and per-token slang cache hit).\n\n"
        "| pass | seconds | words/s | texts/s |\n|---|---:|---:|---:|\n"
        f"| cold | {result['cold']:.2f} | {cold_wps:,.0f} | {result['texts'] / result['cold']:,.0f} |\n"
        f"| warm | {result['warm']:.2f} | {warm_wps:,.0f} | {result['texts'] / result['warm']:,.0f} |\n"
    )
    write_section(args.output, "## Text pipeline", body)
    print(f"cold {cold_wps:,.0f} words/s, warm {warm_wps:,.0f} words/s")


if __name__ == "__main__":
    main()
