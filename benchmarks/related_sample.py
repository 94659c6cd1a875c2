"""Precision of the related (``terkait``) rule on the pairs the engine itself flags in the real corpus.

The three earlier sets of checked pairs (``benchmarks/related_pairs*.csv``) were drawn from *candidate* pairs
(same kelurahan and OPD label within 14 days) and fed to a fresh index one pair at a time: they give recall, and
a precision over the few candidates the rule happens to flag (6 on the third set). Here the population is the
other way round: every pair the batch job calls ``terkait`` when it reads the whole corpus in date order
(``disposisi classify --duplicates``, the same code path as a user's backlog), a seeded random sample of them
read by a person (ids, verdict and a reason category, never text). Precision on such a sample, with a Wilson
interval, is the precision a user sees in the output. Two samples (:data:`SAMPLES`):
``related_pairs_flagged.csv`` was read before the spot veto of :mod:`models.similarity` was chosen and motivated
it (*seen*); ``related_pairs_flagged2.csv`` was drawn from the pairs the rule with the veto flags, after it was
chosen, and never used to choose anything (*held out*).

Nothing here reads a complaint's text except to write the classify input in a temporary folder; the sample
CSV and every figure hold ids and counts only.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.batch_throughput import run_classify, write_section

__all__ = [
    "FLAGGED",
    "FRESH",
    "INPUT_COLUMNS",
    "SAMPLES",
    "draw_flagged",
    "engine_matches",
    "flagged_precision",
    "flagged_section",
    "known_pairs",
    "matches_of",
    "wilson",
    "write_flagged",
]

FLAGGED = Path(__file__).with_name("related_pairs_flagged.csv")  # read before the spot veto was chosen: seen
FRESH = Path(__file__).with_name("related_pairs_flagged2.csv")  # drawn after it, never used to choose: held out
SAMPLES = (("seen", FLAGGED), ("held out", FRESH))
SECTION = "## Related precision"
INPUT_COLUMNS = ("id", "tanggal", "teks", "kecamatan", "kelurahan")


def wilson(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval (95% for the default ``z``) of a proportion of ``successes`` in ``trials``."""
    if trials <= 0:
        raise ValueError(f"trials must be at least 1, got {trials}")
    if not 0 <= successes <= trials:
        raise ValueError(f"successes must be in [0, {trials}], got {successes}")
    share = successes / trials
    denominator = 1 + z * z / trials
    centre = (share + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def matches_of(output: pd.DataFrame) -> pd.DataFrame:
    """The matches a ``classify --duplicates`` output holds: ``id_a`` (the earlier row), ``id_b`` (the row that
    repeats it), ``score`` and ``kind``, in output order."""
    missing = [c for c in ("id", "duplicate_of", "duplicate_score", "duplicate_kind") if c not in output.columns]
    if missing:
        raise ValueError(f"classify output lacks the duplicate columns {', '.join(missing)} (run with --duplicates)")
    found = output[output["duplicate_of"].notna() & (output["duplicate_of"].astype(str) != "")]
    return pd.DataFrame(
        {
            "id_a": found["duplicate_of"].astype(str).to_numpy(),
            "id_b": found["id"].astype(str).to_numpy(),
            "score": found["duplicate_score"].astype(float).to_numpy(),
            "kind": found["duplicate_kind"].astype(str).to_numpy(),
        }
    )


def engine_matches(frame: pd.DataFrame, model_dir: Path, jobs: int = 1, chunk_size: int = 2_000) -> pd.DataFrame:
    """:func:`matches_of` one ``disposisi classify --duplicates`` run over ``frame`` (its
    :data:`INPUT_COLUMNS`, in the order given: the corpus in date order), in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="disposisi-related-") as tmp:
        source, output = Path(tmp) / "corpus.csv", Path(tmp) / "out.csv"
        frame[list(INPUT_COLUMNS)].to_csv(source, index=False)
        run_classify(source, model_dir, output, jobs, chunk_size, ("--duplicates",))
        columns = ["id", "duplicate_of", "duplicate_score", "duplicate_kind"]
        return matches_of(pd.read_csv(output, usecols=columns, dtype={"id": str, "duplicate_of": str}))


def known_pairs(paths: Iterable[Path]) -> set[frozenset[str]]:
    """The pairs (either order) of the given checked-pair CSVs (those that exist)."""
    pairs: set[frozenset[str]] = set()
    for path in paths:
        if path.exists():
            frame = pd.read_csv(path, comment="#", dtype=str)
            pairs |= {frozenset(pair) for pair in zip(frame["id_a"], frame["id_b"], strict=True)}
    return pairs


def draw_flagged(
    matches: pd.DataFrame, kind: str, excluded: set[frozenset[str]], count: int, seed: int
) -> pd.DataFrame:
    """Up to ``count`` matches of ``kind`` drawn at random (``numpy.random.default_rng(seed)``), none of whose
    pairs is in ``excluded``; in the order drawn."""
    pool = matches[matches["kind"] == kind]
    pool = pool[[frozenset(pair) not in excluded for pair in zip(pool["id_a"], pool["id_b"], strict=True)]]
    order = np.random.default_rng(seed).permutation(len(pool))[:count]
    return pool.iloc[order].reset_index(drop=True)


def flagged_precision(checked: pd.DataFrame, matches: pd.DataFrame, kind: str) -> dict[str, Any]:
    """Precision of ``kind`` on a checked sample of flagged pairs (``id_a``, ``id_b``, ``verdict``, ``reason``),
    counting only the pairs the engine still flags as ``kind`` in ``matches`` (a later rule may drop some) and
    leaving ``unsure`` out; with the Wilson interval and the reasons of the false ones."""
    flagged = {(a, b) for a, b, k in zip(matches["id_a"], matches["id_b"], matches["kind"], strict=True) if k == kind}
    still = checked[[pair in flagged for pair in zip(checked["id_a"], checked["id_b"], strict=True)]]
    judged = still[still["verdict"] != "unsure"]
    related = int((judged["verdict"] == "related").sum())
    false = judged[judged["verdict"] != "related"]
    low, high = wilson(related, len(judged)) if len(judged) else (float("nan"), float("nan"))
    return {
        "checked": len(checked),
        "still_flagged": len(still),
        "unsure": len(still) - len(judged),
        "judged": len(judged),
        "related": related,
        "precision": related / len(judged) if len(judged) else float("nan"),
        "interval": (low, high),
        "flagged_now": len(flagged),
        "false_reasons": false["reason"].value_counts().to_dict() if "reason" in false.columns else {},
    }


def write_flagged(
    frame: pd.DataFrame,
    model_dir: Path,
    recall: list[tuple[str, dict[str, Any]]],
    command: str,
    output: Path,
    jobs: int = 1,
    chunk_size: int = 2_000,
) -> str:
    """Precision of ``terkait`` on each of :data:`SAMPLES`, against a fresh :func:`engine_matches` of ``frame``
    (the corpus in date order), with the ``recall`` of the candidate sets; written to ``output`` as
    :data:`SECTION` (other sections kept) and returned."""
    matches = engine_matches(frame, model_dir, jobs, chunk_size)
    results = [
        (name, path.name, flagged_precision(pd.read_csv(path, comment="#", dtype=str), matches, "terkait"))
        for name, path in SAMPLES
    ]
    when = f"{command} ({time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC; quality figures do not depend on load)."
    body = flagged_section(results, recall, when)
    write_section(body, output, SECTION)
    return body


def flagged_section(
    results: list[tuple[str, str, dict[str, Any]]], recall: list[tuple[str, dict[str, Any]]], command: str
) -> str:
    """The ``## Related precision`` section: precision on each checked sample of flagged pairs (``results``: its
    role, file name and :func:`flagged_precision`) and the recall the same rule reaches on the candidate sets
    (``recall``: name and :func:`benchmarks.duplicates.related_quality` of each)."""
    found = sum(r["found"] for _, r in recall)
    related = sum(r["related"] for _, r in recall)
    flagged = sum(r["flagged"] for _, r in recall)
    per_set = ", ".join(f"{name} {r['found']}/{r['related']} = {r['recall']:.2f}" for name, r in recall)
    lines = [
        command,
        "",
        "Samples of the pairs the batch job itself calls `terkait` (`disposisi classify --duplicates` over surabaya "
        f"train + dev in date order, the model's predicted OPD; {results[0][2]['flagged_now']} `terkait` pairs in "
        "this run), each read by one person; a checked pair counts only while the rule measured here still flags it, "
        "`unsure` left out.",
        "",
        "| sample | checked | still flagged | unsure | judged | related | precision | 95% Wilson interval | "
        "recall, pooled candidate sets |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, file, result in results:
        low, high = result["interval"]
        lines.append(
            f"| {name} (`{file}`) | {result['checked']} | {result['still_flagged']} | {result['unsure']} | "
            f"{result['judged']} | {result['related']} | **{result['precision']:.2f}** | {low:.2f}-{high:.2f} | "
            f"{found}/{related} = {found / related:.2f} |"
        )
    lines += [
        "",
        f"Recall (the same rule, `related_pairs.csv`, `_heldout`, `_third`, each pair fed alone to a fresh index, "
        f"`terkait` or `ulang` counted): {per_set}; precision there {found}/{flagged}.",
    ]
    for name, _, result in results:
        reasons = ", ".join(f"{reason} {count}" for reason, count in result["false_reasons"].items()) or "none"
        lines.append(f"The false ones of the {name} sample by reason: {reasons}.")
    return "\n".join(lines)
