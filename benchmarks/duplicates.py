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
   fresh index in date order with the model's predicted OPD, as the batch job does. Precision as a user sees it:
   a checked sample of the pairs ``classify --duplicates`` itself flags ``terkait`` over the whole corpus
   (:mod:`benchmarks.related_sample`, ``benchmarks/related_pairs_flagged.csv``), written as ``## Related precision``
   (also by ``--only related``).
3. **Speed and memory**: ``disposisi classify`` with and without ``--duplicates`` on ``--rows`` rows of which
   most repeat an earlier one (re-worded copies), and the peak RSS at ``--rows`` and ``--large-rows``
   (helpers of ``benchmarks/batch_throughput.py``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from benchmarks.batch_throughput import run_classify, write_section  # noqa: E402
from benchmarks.memory_trace import table, trace_classify  # noqa: E402
from benchmarks.related_sample import write_flagged  # noqa: E402
from benchmarks.resubmit import resubmit, speed_input  # noqa: E402
from models.artifact import load_model  # noqa: E402
from models.similarity import (  # noqa: E402
    KIND_RESUBMISSION,
    Complaint,
    SimilarityConfig,
    SimilarityIndex,
)

CORPUS = REPO.parent / "shared" / "data" / "surabaya"
PAIRS = Path(__file__).with_name("related_pairs.csv")
HELD_OUT = Path(__file__).with_name("related_pairs_heldout.csv")  # never used to choose a threshold
THIRD = Path(__file__).with_name("related_pairs_third.csv")  # drawn after the common-pairs rule was chosen
CHECKS = Path(__file__).with_name("resubmission_checks.csv")
SECTION = "## Duplicates"
RESEND_DAYS = 10


def corpus() -> pd.DataFrame:
    """surabaya train and dev, in date order."""
    columns = ["id", "tanggal", "teks", "opd", "kecamatan", "kelurahan"]
    frames = [pd.read_csv(CORPUS / name, usecols=columns, dtype=str) for name in ("train.csv", "dev.csv")]
    frame = pd.concat(frames, ignore_index=True).dropna(subset=["teks"])
    return frame.sort_values("tanggal", kind="stable").reset_index(drop=True)


def _days(tanggal: pd.Series) -> list[int | None]:
    stamps = pd.to_datetime(tanggal, errors="coerce")
    days = (stamps - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1)
    return [None if pd.isna(d) else int(d) for d in days]


def _complaint(row: dict[str, Any], key: str, text: str, opd: str | None = None, later: int = 0) -> Complaint:
    kelurahan, kecamatan, day = row.get("kelurahan"), row.get("kecamatan"), row.get("day")
    return Complaint(
        key,
        text,
        kelurahan if isinstance(kelurahan, str) else None,
        kecamatan if isinstance(kecamatan, str) else None,
        opd,
        None if day is None else day + later,
    )


def resubmission_stream(frame: pd.DataFrame, count: int, seed: int) -> list[Complaint]:
    """All corpus complaints in date order, with ``count`` re-worded copies each placed after its original.
    A copy keeps its original's location fields (the same citizen about the same place) and is dated up to
    ``RESEND_DAYS`` days after it."""
    rng = np.random.default_rng(seed)
    rows = frame.to_dict("records")
    originals = rng.choice(len(rows), size=count, replace=False)
    copies_after: dict[int, list[int]] = {}
    for original in originals.tolist():
        copies_after.setdefault(int(rng.integers(original, len(rows))), []).append(original)
    stream: list[Complaint] = []
    for i, row in enumerate(rows):
        stream.append(_complaint(row, str(row["id"]), str(row["teks"])))
        for original in copies_after.get(i, []):
            source = rows[original]
            text, later = resubmit(str(source["teks"]), rng), int(rng.integers(0, RESEND_DAYS + 1))
            stream.append(_complaint(source, f"copy-{source['id']}", text, later=later))
    return stream


def resubmission_quality(stream: list[Complaint], config: SimilarityConfig) -> dict[str, Any]:
    """Recall on the copies; corpus complaints flagged ``ulang`` (with the pairs, for reading)."""
    started = time.perf_counter()
    answers = SimilarityIndex(config).add(stream)
    seconds = time.perf_counter() - started
    root: dict[str, str] = {}  # corpus id -> the earlier corpus complaint it was matched with
    flagged: list[tuple[str, str]] = []
    copies = found = 0
    for complaint, match in zip(stream, answers, strict=True):
        resubmission = match is not None and match.kind == KIND_RESUBMISSION
        if not complaint.key.startswith("copy-"):
            if match is not None and resubmission:
                flagged.append((match.key, complaint.key))
                root[complaint.key] = root.get(match.key, match.key)
            continue
        copies += 1
        original = complaint.key.removeprefix("copy-")
        if match is not None and resubmission:
            target = match.key.removeprefix("copy-")
            found += target == original or root.get(original) == target or root.get(target, target) == original
    corpus_rows = len(stream) - copies
    checks = pd.read_csv(CHECKS, comment="#", dtype=str)
    pairs = set(flagged)
    still = checks[[pair in pairs for pair in zip(checks["id_a"], checks["id_b"], strict=True)]]
    distinct = int((still["verdict"] == "distinct").sum())
    distinct_share = distinct / len(still) if len(still) else float("nan")
    return {
        "checked": len(still),
        "checked_distinct": distinct,
        "false_alarm_rate": distinct_share * len(flagged) / corpus_rows,
        "threshold": config.resubmission_threshold,
        "copies": copies,
        "recall": found / copies,
        "corpus_rows": corpus_rows,
        "flagged": len(flagged),
        "flagged_rate": len(flagged) / corpus_rows,
        "flagged_pairs": flagged,
        "us_per_row": 1e6 * seconds / len(stream),
    }


def related_quality(
    frame: pd.DataFrame, opd_of: dict[str, str], config: SimilarityConfig, path: Path = PAIRS
) -> dict[str, Any]:
    """Precision and recall of a match (``terkait`` or ``ulang``) on the checked pairs of ``path``, ``unsure``
    left out."""
    pairs = pd.read_csv(path, comment="#", dtype=str)
    pairs = pairs[pairs["verdict"] != "unsure"]
    rows = {str(row["id"]): row for row in frame.to_dict("records")}
    tp = fp = fn = tn = 0
    kinds: dict[str, int] = {}
    for pair in pairs.itertuples(index=False):
        first, second = (rows[key] for key in (pair.id_a, pair.id_b))
        complaints = [
            _complaint(row, str(row["id"]), str(row["teks"]), opd_of[str(row["id"])]) for row in (first, second)
        ]
        match = SimilarityIndex(config).add(complaints)[1]
        flagged = match is not None
        if match is not None:
            kinds[match.kind] = kinds.get(match.kind, 0) + 1
        related = pair.verdict == "related"
        tp += flagged and related
        fp += flagged and not related
        fn += not flagged and related
        tn += not flagged and not related
    return {
        "threshold": config.related_threshold,
        "related": tp + fn,
        "hard_negatives": fp + tn,
        "flagged": tp + fp,
        "precision": tp / (tp + fp) if tp + fp else float("nan"),
        "recall": tp / (tp + fn) if tp + fn else float("nan"),
        "found": tp,
        "kinds": kinds,
    }


def related_variants(frame: pd.DataFrame, opd_of: dict[str, str], base: SimilarityConfig) -> list[str]:
    """``--only related``: the related rule with and without the common word pairs
    (``related_skip_common``), per threshold and least shared pairs, on every set of checked pairs there is;
    Markdown lines, printed, not written to BENCHMARKS.md."""
    sets = [("chosen", PAIRS), ("held out", HELD_OUT)] + ([("third", THIRD)] if THIRD.exists() else [])
    lines = [
        "| common pairs | least pairs | threshold | "
        + " | ".join(f"{name}: P / R (flagged)" for name, _ in sets)
        + " |",
        "|---|---:|---:|" + "---:|" * len(sets),
    ]
    for skip in (False, True):
        for least in (2, 3):
            for threshold in (0.15, 0.2, 0.25, 0.3):
                config = replace(base, related_skip_common=skip, related_min_pairs=least, related_threshold=threshold)
                cells = []
                for _, path in sets:
                    r = related_quality(frame, opd_of, config, path)
                    cells.append(f"{r['precision']:.2f} / {r['recall']:.2f} ({r['flagged']})")
                lines.append(
                    f"| {'left out' if skip else 'counted'} | {least} | {threshold} | " + " | ".join(cells) + " |"
                )
                print(lines[-1], file=sys.stderr)
    return lines


def _flagged_copies(output: Path) -> float:
    done = pd.read_csv(output, usecols=["id", "duplicate_of"], dtype=str)
    copies = done[done["id"].str.startswith("c")]
    return float(copies["duplicate_of"].notna().mean())


def memory_run(frame: pd.DataFrame, args: argparse.Namespace) -> list[str]:
    """``--only memory``: one ``classify --duplicates`` of ``--large-rows`` rows, memory sampled over the run
    (``--memory-baseline``: and one without, first); Markdown lines, printed, not written to BENCHMARKS.md."""
    lines = []
    with tempfile.TemporaryDirectory(prefix="disposisi-dups-") as tmp:
        folder = Path(tmp)
        big = speed_input(frame, args.large_rows, folder / "large.csv", args.seed + 1)
        runs = [("without", ())] if args.memory_baseline else []
        for name, extra in [*runs, ("with --duplicates", ("--duplicates",))]:
            load = os.getloadavg()[0]
            trace = trace_classify(big, args.model_dir, folder / "out.csv", args.jobs, args.chunk_size, extra)
            flagged = _flagged_copies(folder / "out.csv") if extra else float("nan")
            (folder / "out.csv").unlink()
            lines += [
                f"{name}: {trace.rows:,} rows, --jobs {args.jobs}, {trace.seconds:.0f} s, load average {load:.1f} at "
                f"the start, {os.getloadavg()[0]:.1f} at the end; copies flagged {100 * flagged:.2f}%",
                "",
                *table(trace, args.memory_step),
                "",
            ]
            print("\n".join(lines), file=sys.stderr)
    return lines


def speed_run(frame: pd.DataFrame, args: argparse.Namespace) -> list[str]:
    """``--only speed``: ``classify`` of ``--rows`` rows without and with ``--duplicates``, alternating for
    ``--repeat`` rounds so that both see the same load; Markdown lines, printed, not written to BENCHMARKS.md."""
    lines = [
        "| round | without (s) | with `--duplicates` (s) | ratio | load average at the start |",
        "|---:|---:|---:|---:|---:|",
    ]
    ratios = []
    with tempfile.TemporaryDirectory(prefix="disposisi-dups-") as tmp:
        folder = Path(tmp)
        if args.input_file is not None and args.input_file.exists():
            small = args.input_file  # made earlier by speed_input with the same --rows and --seed
        else:
            small = speed_input(frame, args.rows, args.input_file or folder / "small.csv", args.seed)
        for n in range(args.repeat):
            load = os.getloadavg()[0]
            plain = run_classify(small, args.model_dir, folder / "plain.csv", args.jobs, args.chunk_size)
            dups = run_classify(
                small, args.model_dir, folder / "dups.csv", args.jobs, args.chunk_size, ("--duplicates",)
            )
            ratios.append(dups["seconds"] / plain["seconds"])
            lines.append(
                f"| {n + 1} | {plain['seconds']:.1f} | {dups['seconds']:.1f} | {ratios[-1]:.2f} | {load:.1f} |"
            )
            print(lines[-1], file=sys.stderr)
        flagged = _flagged_copies(folder / "dups.csv")
    lines.append(
        f"\n--jobs {args.jobs}, {args.rows:,} rows: median ratio {np.median(ratios):.2f}, "
        f"copies flagged {100 * flagged:.2f}%"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, required=True, help="Trained model directory (surabaya).")
    parser.add_argument("--resubmissions", type=int, default=3000, help="Re-worded copies in the quality set.")
    parser.add_argument("--rows", type=int, default=100_000, help="Rows of the speed runs.")
    parser.add_argument("--large-rows", type=int, default=1_000_000, help="Rows of the memory run (0: skip).")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--chunk-size", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument(
        "--only",
        choices=["memory", "related", "speed"],
        help="memory: only the sampled memory of --large-rows; related: only the sets of checked pairs (prints the "
        "variants, writes only the ## Related precision section); speed: only --rows without and with "
        "--duplicates, alternating --repeat times (memory and speed print, write nothing).",
    )
    parser.add_argument("--repeat", type=int, default=2, help="--only speed: rounds.")
    parser.add_argument(
        "--input-file",
        type=Path,
        help="--only speed: the input, made here when missing and reused when present (made by --rows and --seed).",
    )
    parser.add_argument("--memory-step", type=int, default=100_000, help="Rows between memory figures.")
    parser.add_argument("--memory-baseline", action="store_true", help="--only memory: also a run without.")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        raise SystemExit(f"the real corpus {CORPUS} is not here; this benchmark needs it")
    load_start = os.getloadavg()[0]
    frame = corpus()
    frame["day"] = _days(frame["tanggal"])
    if args.only in ("memory", "speed"):
        print("\n".join(memory_run(frame, args) if args.only == "memory" else speed_run(frame, args)))
        return
    base = SimilarityConfig()

    stream = resubmission_stream(frame, args.resubmissions, args.seed)
    sweep = [resubmission_quality(stream, replace(base, resubmission_threshold=t)) for t in (0.3, 0.4, 0.5, 0.6)]
    for result in sweep:
        print({k: v for k, v in result.items() if k != "flagged_pairs"}, file=sys.stderr)
    chosen = next(r for r in sweep if r["threshold"] == base.resubmission_threshold)
    if os.environ.get("DUPLICATES_PRINT_FLAGGED"):  # for reading on the terminal only: never into a file
        for earlier, later in chosen["flagged_pairs"]:
            print(f"flagged {earlier} {later}", file=sys.stderr)

    router, meta = load_model(args.model_dir)
    routing = router.route(frame["teks"].tolist())
    predicted = routing.classes[routing.top[:, 0]].astype(str).tolist()
    opd_of = dict(zip(frame["id"].astype(str), predicted, strict=True))
    thresholds = (0.15, 0.2, 0.25, 0.3, 0.4)
    related = [related_quality(frame, opd_of, replace(base, related_threshold=t)) for t in thresholds]
    held_out = [related_quality(frame, opd_of, replace(base, related_threshold=t), HELD_OUT) for t in thresholds]
    for result in related + held_out:
        print(result, file=sys.stderr)
    recall = [(path.stem, related_quality(frame, opd_of, base, path)) for path in (PAIRS, HELD_OUT, THIRD)]
    command = f"`python benchmarks/duplicates.py --model-dir {args.model_dir}{' --only related' * bool(args.only)}`"
    print(write_flagged(frame, args.model_dir, recall, command, args.output, args.jobs, args.chunk_size))
    if args.only == "related":
        print("\n".join(related_variants(frame, opd_of, base)))
        return

    with tempfile.TemporaryDirectory(prefix="disposisi-dups-") as tmp:
        folder = Path(tmp)
        small = speed_input(frame, args.rows, folder / "small.csv", args.seed)
        plain = run_classify(small, args.model_dir, folder / "plain.csv", args.jobs, args.chunk_size)
        dups = run_classify(small, args.model_dir, folder / "dups.csv", args.jobs, args.chunk_size, ("--duplicates",))
        flagged_small = _flagged_copies(folder / "dups.csv")
        print(plain, dups, flagged_small, file=sys.stderr)
        large = large_plain = None
        flagged_large = float("nan")
        if args.large_rows:
            small.unlink()
            big = speed_input(frame, args.large_rows, folder / "large.csv", args.seed + 1)
            large_plain = run_classify(big, args.model_dir, folder / "lplain.csv", args.jobs, args.chunk_size)
            (folder / "lplain.csv").unlink()
            large = run_classify(
                big, args.model_dir, folder / "ldups.csv", args.jobs, args.chunk_size, ("--duplicates",)
            )
            flagged_large = _flagged_copies(folder / "ldups.csv")
            print(large_plain, large, flagged_large, file=sys.stderr)

    lines = [
        f"`python benchmarks/duplicates.py --model-dir {args.model_dir}` ({time.strftime('%Y-%m-%d')}; "
        f"{platform.machine()}, {os.cpu_count()} cores shared with other work, Python {platform.python_version()}, "
        f"model `{meta.version}`; load average {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end).",
        "",
        f"**Re-submissions (`ulang`).** {args.resubmissions:,} complaints of surabaya train+dev drawn at random "
        "(seeded) were sent again with one to three changes (slang swaps, typos, greeting dropped or added, a "
        "sentence added or cut, spacing, case) and placed after their original in the stream of all "
        f"{chosen['corpus_rows']:,} corpus complaints in date order. Recall: copies matched to their original. "
        "Flagged corpus rows: corpus complaints matched `ulang` to an earlier corpus complaint (the corpus has no "
        "exact duplicates, but it does hold real re-submissions). A seeded sample of 40 such pairs was checked by "
        "reading (`benchmarks/resubmission_checks.csv`, ids and verdict only); the estimated false-alarm rate is "
        "the flagged rate times the share of checked pairs, among those still flagged, that are another problem. "
        f"Pairs dated more than {base.resubmission_days} days apart need Jaccard >= "
        f"{base.late_resubmission_threshold}.",
        "",
        "| Jaccard threshold | recall on copies | corpus rows flagged | checked pairs still flagged (distinct) "
        "| estimated false alarms | search time per row (us) |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in sweep:
        mark = " (chosen)" if r is chosen else ""
        lines.append(
            f"| {r['threshold']}{mark} | {r['recall']:.3f} | {r['flagged']} ({100 * r['flagged_rate']:.2f}%) | "
            f"{r['checked']} ({r['checked_distinct']}) | {100 * r['false_alarm_rate']:.2f}% | {r['us_per_row']:.0f} |"
        )
    lines += [
        "",
        f"**Related (`terkait`).** The checked pairs of `benchmarks/related_pairs.csv` ({related[0]['related']} "
        f"related, {related[0]['hard_negatives']} hard negatives: same OPD and kelurahan, another problem; "
        "`unsure` left out), each fed to a fresh index in date order with the model's predicted OPD. A pair "
        "counts as found when the later one is matched to the earlier (`terkait`, or `ulang` for a citizen "
        "writing about their own case again).",
        "",
        "| overlap threshold | flagged | precision | recall | kinds |",
        "|---:|---:|---:|---:|---|",
    ]
    for r in related:
        mark = " (chosen)" if r["threshold"] == base.related_threshold else ""
        lines.append(
            f"| {r['threshold']}{mark} | {r['flagged']} | {r['precision']:.2f} | {r['recall']:.2f} | {r['kinds']} |"
        )
    lines += [
        "",
        f"**Speed and memory.** `disposisi classify --jobs {args.jobs}` with and without `--duplicates` on inputs "
        f"where about {100 * 0.9:.0f}% of the rows are re-worded copies of an earlier row (ids `c<n>`).",
        "",
        "| rows | without (s) | with `--duplicates` (s) | ratio | copies flagged | peak RSS without / with (MiB) |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {args.rows:,} | {plain['seconds']:.1f} | {dups['seconds']:.1f} | {dups['seconds'] / plain['seconds']:.2f} "
        f"| {100 * flagged_small:.2f}% | {plain['peak_rss_mib']:.0f} / {dups['peak_rss_mib']:.0f} |",
    ]
    if large is not None and large_plain is not None:
        lines.append(
            f"| {args.large_rows:,} | {large_plain['seconds']:.1f} | {large['seconds']:.1f} | "
            f"{large['seconds'] / large_plain['seconds']:.2f} | {100 * flagged_large:.2f}% | "
            f"{large_plain['peak_rss_mib']:.0f} / {large['peak_rss_mib']:.0f} |"
        )
    write_section("\n".join(lines), args.output, SECTION)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
