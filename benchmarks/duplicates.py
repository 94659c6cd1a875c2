"""Duplicate and related complaints (:mod:`models.similarity`): quality on a labelled set, and batch speed.

Not a test: run it by hand on the dev machine, where the real corpus sits beside the checkout::

    python benchmarks/duplicates.py --model-dir var/surabaya

It writes the numbers to ``BENCHMARKS.md`` under ``## Duplicates`` (other sections are kept). Nothing it
generates is written into the repository: re-submissions are made at run time, seeded, from the real
complaints of ../shared/data/surabaya.

1. **Re-submissions** (``ulang``): ``--resubmissions`` complaints drawn at random are sent again, each changed
   by one to three of the kinds of change citizens make (slang swaps, typos, a greeting dropped or added, a
   sentence added or cut, other spacing, other case), and placed later in the stream of all the corpus
   complaints in date order. Recall: the share of copies whose match is their original (or a complaint the
   original itself repeats). False alarms: the share of the corpus complaints themselves flagged ``ulang``
   (the corpus has no exact duplicates; some flagged ones may be real re-submissions, which counts against us).
2. **Related** (``terkait``): pairs from the corpus with the same kelurahan and the same OPD within 14 days,
   checked by a person reading both (``benchmarks/related_pairs.csv``: ids and verdict only). Pairs judged
   "not related" are the hard negatives (same OPD and kelurahan, different problem). Each pair is fed to a
   fresh index in date order with the model's predicted OPD, as the batch job does.
3. **Speed and memory**: ``disposisi classify`` with and without ``--duplicates`` on ``--rows`` rows of which
   most repeat an earlier one (re-worded copies), and the peak RSS at ``--rows`` and ``--large-rows``
   (helpers of ``benchmarks/batch_throughput.py``).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.batch_throughput import run_classify
from models.similarity import KIND_RELATED, KIND_RESUBMISSION, Complaint, SimilarityConfig, SimilarityIndex
from models.text import load_slang

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "data" / "surabaya"
PAIRS = Path(__file__).with_name("related_pairs.csv")
SECTION = "## Duplicates"

GREETINGS = (
    "selamat pagi pak",
    "assalamualaikum wr wb",
    "mohon maaf mengganggu",
    "permisi admin",
    "selamat siang bapak ibu",
)
CLOSINGS = (
    "sudah lapor sebelumnya tapi belum ada tanggapan.",
    "mohon segera ditindaklanjuti, terima kasih.",
    "tolong dibantu ya min.",
    "ini laporan kedua saya.",
)
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")


def corpus() -> pd.DataFrame:
    """surabaya train and dev, in date order."""
    columns = ["id", "tanggal", "teks", "opd", "kecamatan", "kelurahan"]
    frames = [pd.read_csv(CORPUS / name, usecols=columns, dtype=str) for name in ("train.csv", "dev.csv")]
    frame = pd.concat(frames, ignore_index=True).dropna(subset=["teks"])
    return frame.sort_values("tanggal", kind="stable").reset_index(drop=True)


def _slang_forms() -> dict[str, list[str]]:
    """Standard word -> informal forms that the slang table maps to it alone."""
    forms: dict[str, list[str]] = {}
    for informal, standard in load_slang().items():
        if len(standard) == 1:
            forms.setdefault(standard[0], []).append(informal)
    return forms


def _typo(word: str, rng: np.random.Generator) -> str:
    if len(word) < 4:
        return word
    i = int(rng.integers(1, len(word) - 1))
    change = int(rng.integers(0, 3))
    if change == 0:  # swap two letters
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    if change == 1:  # drop one
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]  # double one


def _change_words(text: str, rng: np.random.Generator, share: float, how: Any) -> str:
    words = text.split(" ")
    for i in np.flatnonzero(rng.random(len(words)) < share):
        words[i] = how(words[i])
    return " ".join(words)


def resubmit(text: str, rng: np.random.Generator, changes: int | None = None) -> str:
    """``text`` sent again: one to three (or ``changes``) changes of the kinds citizens make."""
    slang = _slang_forms()
    kinds = ["slang", "typo", "greeting", "sentence", "spacing", "case"]
    for kind in rng.choice(kinds, size=changes or int(rng.integers(1, 4)), replace=False):
        if kind == "slang":
            text = _change_words(
                text, rng, 0.5, lambda w: str(rng.choice(slang[w.lower()])) if w.lower() in slang else w
            )
        elif kind == "typo":
            text = _change_words(text, rng, 0.08, lambda w: _typo(w, rng))
        elif kind == "greeting":
            first = text.split(" ", 3)
            if rng.random() < 0.5 and len(first) > 3:
                text = first[3]  # the opening words dropped
            else:
                text = f"{rng.choice(GREETINGS)}, {text}"
        elif kind == "sentence":
            sentences = _SENTENCE_RE.split(text.strip())
            if rng.random() < 0.5 and len(sentences) > 2:
                del sentences[int(rng.integers(0, len(sentences)))]
                text = " ".join(sentences)
            else:
                text = f"{text} {rng.choice(CLOSINGS)}"
        elif kind == "spacing":
            text = re.sub(r"\s+", lambda m: "  " if rng.random() < 0.3 else " ", text).replace(", ", ",")
        else:
            text = text.upper() if rng.random() < 0.5 else text.lower()
    return text


def _days(tanggal: pd.Series) -> list[int | None]:
    stamps = pd.to_datetime(tanggal, errors="coerce")
    days = (stamps - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1)
    return [None if pd.isna(d) else int(d) for d in days]


def resubmission_quality(frame: pd.DataFrame, count: int, config: SimilarityConfig, seed: int) -> dict[str, Any]:
    """Recall on re-worded copies placed after their originals; false alarms on the corpus rows."""
    rng = np.random.default_rng(seed)
    texts = frame["teks"].tolist()
    ids = frame["id"].astype(str).tolist()
    originals = rng.choice(len(texts), size=count, replace=False)
    # each copy goes between its original and the end of the stream, at a random later position
    after = {int(i): int(rng.integers(i, len(texts))) for i in originals}
    stream: list[Complaint] = []
    copies_after: dict[int, list[int]] = {}
    for original, position in after.items():
        copies_after.setdefault(position, []).append(original)
    for i, text in enumerate(texts):
        stream.append(Complaint(ids[i], text))
        for original in copies_after.get(i, []):
            stream.append(Complaint(f"copy-{ids[original]}", resubmit(texts[original], rng)))
    index = SimilarityIndex(config)
    answers = index.add(stream)
    root: dict[str, str] = {}  # corpus id -> the earlier corpus complaint it was matched with
    flagged_corpus = found = 0
    for complaint, match in zip(stream, answers, strict=True):
        is_copy = complaint.key.startswith("copy-")
        if not is_copy:
            if match is not None and match.kind == KIND_RESUBMISSION:
                flagged_corpus += 1
                root[complaint.key] = root.get(match.key, match.key)
            continue
        original = complaint.key.removeprefix("copy-")
        if match is not None and match.kind == KIND_RESUBMISSION:
            target = match.key.removeprefix("copy-")
            if target == original or root.get(original) == target or root.get(target) == original:
                found += 1
    return {
        "copies": count,
        "recall": found / count,
        "corpus_rows": len(texts),
        "false_alarms": flagged_corpus,
        "false_alarm_rate": flagged_corpus / len(texts),
    }


def related_quality(frame: pd.DataFrame, opd_of: dict[str, str], config: SimilarityConfig) -> dict[str, Any]:
    """Precision and recall of ``terkait`` on the checked pairs."""
    pairs = pd.read_csv(PAIRS, comment="#", dtype=str)
    by_id = frame.set_index(frame["id"].astype(str))
    days = dict(zip(by_id.index, _days(by_id["tanggal"]), strict=True))
    tp = fp = fn = tn = 0
    for pair in pairs.itertuples(index=False):
        complaints = [
            Complaint(
                key,
                str(by_id.at[key, "teks"]),
                kelurahan=by_id.at[key, "kelurahan"],
                kecamatan=by_id.at[key, "kecamatan"],
                opd=opd_of[key],
                day=days[key],
            )
            for key in (pair.id_a, pair.id_b)
        ]
        match = SimilarityIndex(config).add(complaints)[1]
        flagged = match is not None and match.kind in (KIND_RELATED, KIND_RESUBMISSION)
        related = pair.verdict == "related"
        tp += flagged and related
        fp += flagged and not related
        fn += not flagged and related
        tn += not flagged and not related
    return {
        "pairs": len(pairs),
        "related": tp + fn,
        "hard_negatives": fp + tn,
        "precision": tp / (tp + fp) if tp + fp else float("nan"),
        "recall": tp / (tp + fn) if tp + fn else float("nan"),
        "false_positives": fp,
    }
