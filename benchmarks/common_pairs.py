"""The word pairs too common to tell two complaints apart: ``models/resources/common_pairs.txt``, which the
related rule of :mod:`models.similarity` leaves out of the pairs two complaints share (``related_skip_common``).

Run by hand on a training file (the real corpus sits beside the checkout on the dev machine)::

    python benchmarks/common_pairs.py ../shared/data/surabaya/train.csv --share 0.005

A pair (two adjacent content words, read as the router reads them: :func:`models.minhash.content_hashes`) is
common when more than ``--share`` of the training complaints hold it. Every pair written is held by dozens of
complaints (at 0.005 of surabaya's 8,216: more than 41), so the file is an aggregate, not a row of the corpus.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from itertools import pairwise
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import pandas as pd  # noqa: E402

from models.text import load_stopwords, token_runs, words_of_run  # noqa: E402

OUTPUT = REPO / "models" / "resources" / "common_pairs.txt"
MIN_COMPLAINTS = 20  # never fewer complaints per pair than this, whatever --share says


def pair_counts(texts: list[str]) -> Counter[tuple[str, str]]:
    """In how many texts each pair of adjacent content words occurs."""
    stopwords = load_stopwords()
    counts: Counter[tuple[str, str]] = Counter()
    for text in texts:
        words = [w for run in token_runs(text) for w in words_of_run(run) if w not in stopwords]
        counts.update(set(pairwise(words)))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", type=Path, help="Training CSV with a text column.")
    parser.add_argument("--text-column", default="teks")
    parser.add_argument("--share", type=float, default=0.005, help="Common: held by more than this share.")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    texts = pd.read_csv(args.train, usecols=[args.text_column], dtype=str)[args.text_column].dropna().tolist()
    least = max(MIN_COMPLAINTS, int(args.share * len(texts)))
    counts = pair_counts(texts)
    common = sorted(pair for pair, n in counts.items() if n > least)
    header = [
        "# Word pairs too common to tell two complaints apart (polite formulas, the names of common faults):",
        "# the related rule of models/similarity.py does not count them among the pairs two complaints share.",
        f"# Written by benchmarks/common_pairs.py --share {args.share}: pairs of adjacent content words held by",
        f"# more than {least} of the {len(texts):,} complaints of {args.train.name} (an aggregate, no row of it).",
    ]
    args.output.write_text("\n".join(header + [f"{a} {b}" for a, b in common]) + "\n", encoding="utf-8")
    print(f"{len(common)} pairs held by more than {least} of {len(texts):,} texts -> {args.output}")


if __name__ == "__main__":
    main()
