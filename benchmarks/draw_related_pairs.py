"""Draw a new set of candidate related-complaint pairs from the real corpus, for a person to check by reading.

The rule of ``benchmarks/related_pairs_heldout.csv``: two complaints of surabaya train+dev with the same
kelurahan and the same OPD (the corpus label), at most 14 days apart, no id of an earlier set, each id in one
pair at most; ``--high`` pairs whose content-word sets overlap (shared words over the smaller set) by at least
0.3 and ``--low`` below, drawn with ``--seed`` and shown in the order of ``--seed + 1``. The engine's answer is
not shown. Texts are printed to the terminal for reading only; the CSV written holds ids and an empty
``verdict`` column (fill in ``related``, ``not_related`` or ``unsure``)::

    python benchmarks/draw_related_pairs.py --output benchmarks/related_pairs_third.csv --seed 15

With ``--flagged MODEL_DIR`` it draws instead from the pairs the engine calls ``terkait`` when
``disposisi classify --duplicates`` reads the whole corpus in date order (:mod:`benchmarks.related_sample`):
``--count`` of them at random with ``--seed``, none already in an earlier set (any ``related_pairs*.csv``),
shown in the order drawn with the score hidden; the CSV gets ``verdict`` and ``reason`` (a category, never
personal data) to fill in (the second sample, after the spot veto)::

    python benchmarks/draw_related_pairs.py --output benchmarks/related_pairs_flagged2.csv --seed 23 \
        --flagged var/surabaya-s7 --count 50
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from benchmarks.duplicates import HELD_OUT, PAIRS, _days, corpus  # noqa: E402
from benchmarks.related_sample import draw_flagged, engine_matches, known_pairs  # noqa: E402
from models.minhash import content_hashes  # noqa: E402

WINDOW_DAYS = 14
HIGH_OVERLAP = 0.3


def candidates(frame: pd.DataFrame, excluded: set[str]) -> pd.DataFrame:
    """Every pair (earlier, later) of the same kelurahan and OPD within the window, with its word overlap."""
    rows = []
    words = {str(i): set(content_hashes(str(t))) for i, t in zip(frame["id"], frame["teks"], strict=True)}
    for _, group in frame.dropna(subset=["kelurahan"]).groupby(["kelurahan", "opd"], sort=True):
        records = group.sort_values(["day", "id"], kind="stable").to_dict("records")
        for i, first in enumerate(records):
            for second in records[i + 1 :]:
                if second["day"] - first["day"] > WINDOW_DAYS:
                    break
                a, b = str(first["id"]), str(second["id"])
                if a in excluded or b in excluded or not words[a] or not words[b]:
                    continue
                overlap = len(words[a] & words[b]) / min(len(words[a]), len(words[b]))
                rows.append((a, b, overlap))
    return pd.DataFrame(rows, columns=["id_a", "id_b", "overlap"])


def draw(pairs: pd.DataFrame, high: int, low: int, rng: np.random.Generator) -> pd.DataFrame:
    """``high`` pairs with overlap >= 0.3 and ``low`` below, each id in one pair at most."""
    used: set[str] = set()
    chosen = []
    for wanted, part in (
        (high, pairs[pairs["overlap"] >= HIGH_OVERLAP]),
        (low, pairs[pairs["overlap"] < HIGH_OVERLAP]),
    ):
        taken = 0
        for index in rng.permutation(len(part)).tolist():
            pair = part.iloc[index]
            if pair["id_a"] in used or pair["id_b"] in used:
                continue
            used |= {pair["id_a"], pair["id_b"]}
            chosen.append(pair)
            taken += 1
            if taken == wanted:
                break
    return pd.DataFrame(chosen).reset_index(drop=True)


def drawn_flagged(frame: pd.DataFrame, args: argparse.Namespace) -> None:
    """``--flagged``: print ``--count`` of the engine's ``terkait`` pairs for reading, write their ids."""
    matches = engine_matches(frame, args.flagged)
    related = int((matches["kind"] == "terkait").sum())
    earlier = [path for path in sorted(PAIRS.parent.glob("related_pairs*.csv")) if path != args.output]
    drawn = draw_flagged(matches, "terkait", known_pairs(earlier), args.count, args.seed)
    texts = dict(zip(frame["id"].astype(str), frame["teks"].astype(str), strict=True))
    places = {str(r["id"]): f"{r['kecamatan']} / {r['kelurahan']} / {r['tanggal']}" for r in frame.to_dict("records")}
    for n, pair in enumerate(drawn.itertuples(index=False), start=1):  # for reading on the terminal only
        print(f"--- {n}. {pair.id_a} / {pair.id_b}")
        for key in (pair.id_a, pair.id_b):
            print(f"[{places[key]}] {texts[key]}")
        print()
    drawn[["id_a", "id_b"]].assign(verdict="", reason="").to_csv(args.output, index=False)
    print(
        f"{len(drawn)} of {related} terkait pairs -> {args.output} (ids only; fill in verdict, reason)", file=sys.stderr
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--high", type=int, default=30)
    parser.add_argument("--low", type=int, default=15)
    parser.add_argument("--flagged", type=Path, metavar="MODEL_DIR", help="Draw from the engine's terkait pairs.")
    parser.add_argument("--count", type=int, default=60, help="--flagged: pairs to draw.")
    args = parser.parse_args()
    frame = corpus()
    if args.flagged is not None:
        drawn_flagged(frame, args)
        return
    frame["day"] = _days(frame["tanggal"])
    frame = frame.dropna(subset=["day"])
    excluded: set[str] = set()
    for path in (PAIRS, HELD_OUT):
        earlier = pd.read_csv(path, comment="#", dtype=str)
        excluded |= set(earlier["id_a"]) | set(earlier["id_b"])
    drawn = draw(candidates(frame, excluded), args.high, args.low, np.random.default_rng(args.seed))
    shown = drawn.iloc[np.random.default_rng(args.seed + 1).permutation(len(drawn))].reset_index(drop=True)
    texts = dict(zip(frame["id"].astype(str), frame["teks"].astype(str), strict=True))
    for n, pair in enumerate(shown.itertuples(index=False), start=1):  # for reading on the terminal only
        print(f"--- {n}. {pair.id_a} / {pair.id_b}\nA: {texts[pair.id_a]}\nB: {texts[pair.id_b]}\n")
    shown[["id_a", "id_b"]].assign(verdict="").to_csv(args.output, index=False)
    print(f"{len(shown)} pairs -> {args.output} (ids only; fill in the verdicts)", file=sys.stderr)


if __name__ == "__main__":
    main()
