"""Words per second of the text pipeline, cold and warm: text by text and a chunk at a time.

    python benchmarks/text_speed.py [--data-dir ../shared/data] [--output BENCHMARKS.md]

Text by text: ``models.text.analyse`` (what an explanation uses). A chunk at a time: raw text to the
router's TF-IDF features and cue hits through ``models.encoder.ChunkEncoder`` (what ``route`` and
the batch job use), with a router trained on ``data/samples`` (its stem table holds only those
words, so nearly every word is stemmed cold). Cold: a fresh interpreter with empty caches
(Sastrawi dictionary load included) goes through the texts once. Warm: the same texts again. The
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

# One child script, three modes. "train" fits a router on data/samples and writes it pickled to
# stdout; "analyse" and "chunks" read the texts, then time two passes in this fresh process (so its
# caches start empty, as in a freshly started API worker or batch job): text by text through
# analyse, or a chunk at a time through the router (read pickled from stdin).
_CHILD = """
import csv, json, pickle, sys, time
mode, paths = sys.argv[1], sys.argv[2:]
if mode == "train":
    from training.data import load_dataset
    from models.router import ComplaintRouter
    samples = load_dataset(paths, urgency_column="urgensi")
    sys.stdout.buffer.write(pickle.dumps(ComplaintRouter().fit(samples.texts, samples.opd, samples.urgency)))
    sys.exit(0)
router = pickle.loads(sys.stdin.buffer.read()) if mode == "chunks" else None
csv.field_size_limit(10**9)
texts = []
for path in paths:
    with open(path, encoding="utf-8", newline="") as fh:
        texts += [row["teks"] for row in csv.DictReader(fh)]
words = sum(len(t.split()) for t in texts)
passes = []
for _ in range(2):
    started = time.perf_counter()
    if router is None:
        from models.text import analyse
        [analyse(t) for t in texts]
    else:
        for start in range(0, len(texts), 2000):
            router._encode(texts[start:start + 2000])
    passes.append(time.perf_counter() - started)
print(json.dumps({"texts": len(texts), "words": words, "cold": passes[0], "warm": passes[1]}))
"""


def _child(mode: str, paths: list[Path], stdin: bytes | None = None) -> bytes:
    command = [sys.executable, "-c", _CHILD, mode, *map(str, paths)]
    return subprocess.run(command, input=stdin, capture_output=True, check=True, cwd=REPO).stdout


def measure(files: list[Path]) -> dict[str, float]:
    return json.loads(_child("analyse", files))


def measure_chunks(files: list[Path]) -> dict[str, float]:
    router = _child("train", [REPO / "data" / "samples" / "complaints.csv"])
    return json.loads(_child("chunks", files, stdin=router))


def _rows(result: dict[str, float]) -> str:
    return "".join(
        f"| {name} | {result[name]:.2f} | {result['words'] / result[name]:,.0f} | "
        f"{result['texts'] / result[name]:,.0f} |\n"
        for name in ("cold", "warm")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    args = parser.parse_args()
    files = [args.data_dir / "surabaya" / "train.csv", args.data_dir / "surabaya" / "dev.csv"]
    result = measure(files)
    chunks = measure_chunks(files)
    cold_wps = result["words"] / result["cold"]
    warm_wps = result["words"] / result["warm"]
    body = (
        "`python benchmarks/text_speed.py`\n\n"
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, one process. "
        f"{result['texts']:,} complaints of surabaya train+dev, {result['words']:,} whitespace words. "
        "Cold: fresh interpreter, empty caches, Sastrawi dictionary load included; warm: the same texts again.\n\n"
        "Text by text (`models.text.analyse`: repair, masking, tokens, slang, stopwords, stems):\n\n"
        "| pass | seconds | words/s | texts/s |\n|---|---:|---:|---:|\n" + _rows(result) + "\n"
        "A chunk of 2,000 at a time, raw text to TF-IDF features and cue hits (`models.encoder.ChunkEncoder`, "
        "the path of `route` and batch; router trained on `data/samples`, so nearly every word is stemmed "
        "cold):\n\n"
        "| pass | seconds | words/s | texts/s |\n|---|---:|---:|---:|\n" + _rows(chunks)
    )
    write_section(args.output, "## Text pipeline", body)
    print(f"cold {cold_wps:,.0f} words/s, warm {warm_wps:,.0f} words/s; chunks: {_rows(chunks)}")


if __name__ == "__main__":
    main()
