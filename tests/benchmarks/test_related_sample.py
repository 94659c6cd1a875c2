"""The flagged-pairs precision sample: the Wilson interval, reading matches, drawing, and precision, on made-up ids."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from benchmarks.related_sample import (
    draw_flagged,
    flagged_precision,
    flagged_section,
    known_pairs,
    matches_of,
    wilson,
)


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (5, 6, 0.4365, 0.9699),
        (42, 57, 0.6102, 0.8335),
    ],
)
def test_wilson_matches_the_textbook_values(successes: int, trials: int, low: float, high: float) -> None:
    got = wilson(successes, trials)
    assert got == pytest.approx((low, high), abs=5e-4)


def test_wilson_is_symmetric_and_narrows_with_more_trials() -> None:
    low, high = wilson(3, 10)
    mirror_low, mirror_high = wilson(7, 10)
    assert (low, high) == pytest.approx((1 - mirror_high, 1 - mirror_low))
    wide, narrow = wilson(8, 10), wilson(80, 100)
    assert narrow[1] - narrow[0] < wide[1] - wide[0]


@pytest.mark.parametrize(
    ("successes", "trials", "message"),
    [(1, 0, "trials must be at least 1, got 0"), (11, 10, r"successes must be in \[0, 10\], got 11")],
)
def test_wilson_rejects_impossible_counts(successes: int, trials: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        wilson(successes, trials)


def _output() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["1", "2", "3", "4", "5", "6"],
            "duplicate_of": [None, "1", "", "2", "3", "1"],
            "duplicate_score": [None, 0.5, None, 0.9, 0.3, 0.25],
            "duplicate_kind": [None, "terkait", None, "ulang", "terkait", "terkait"],
        }
    )


def test_matches_of_keeps_only_rows_with_an_earlier_row() -> None:
    matches = matches_of(_output())
    assert matches[["id_a", "id_b", "kind"]].values.tolist() == [
        ["1", "2", "terkait"],
        ["2", "4", "ulang"],
        ["3", "5", "terkait"],
        ["1", "6", "terkait"],
    ]
    assert matches["score"].tolist() == [0.5, 0.9, 0.3, 0.25]


def test_matches_of_names_the_missing_columns() -> None:
    with pytest.raises(ValueError, match="lacks the duplicate columns duplicate_kind"):
        matches_of(_output().drop(columns=["duplicate_kind"]))


def test_known_pairs_reads_both_orders_and_skips_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "pairs.csv"
    path.write_text("# ids only\nid_a,id_b,verdict\n1,2,related\n5,3,not_related\n", encoding="utf-8")
    assert known_pairs([path, tmp_path / "absent.csv"]) == {frozenset({"1", "2"}), frozenset({"3", "5"})}


def test_draw_flagged_takes_only_the_kind_and_never_a_known_pair() -> None:
    matches = matches_of(_output())
    drawn = draw_flagged(matches, "terkait", {frozenset({"2", "1"})}, count=10, seed=3)
    assert sorted(map(tuple, drawn[["id_a", "id_b"]].values.tolist())) == [("1", "6"), ("3", "5")]
    again = draw_flagged(matches, "terkait", set(), count=2, seed=3)
    assert len(again) == 2
    assert again.equals(draw_flagged(matches, "terkait", set(), count=2, seed=3))


def test_flagged_precision_counts_only_pairs_still_flagged_and_leaves_unsure_out() -> None:
    checked = pd.DataFrame(
        {
            "id_a": ["1", "3", "1", "8"],
            "id_b": ["2", "5", "6", "9"],
            "verdict": ["related", "not_related", "unsure", "related"],
            "reason": ["same object", "other problem, same sender", "object not identified", "same object"],
        }
    )
    result = flagged_precision(checked, matches_of(_output()), "terkait")
    assert (result["checked"], result["still_flagged"], result["unsure"], result["judged"]) == (4, 3, 1, 2)
    assert result["related"] == 1
    assert result["precision"] == pytest.approx(0.5)
    assert result["interval"] == pytest.approx(wilson(1, 2))
    assert result["false_reasons"] == {"other problem, same sender": 1}
    assert result["flagged_now"] == 3


def test_flagged_section_reports_precision_interval_and_pooled_recall() -> None:
    result = {
        "checked": 60,
        "still_flagged": 60,
        "flagged_now": 459,
        "unsure": 3,
        "judged": 57,
        "related": 42,
        "precision": 42 / 57,
        "interval": wilson(42, 57),
        "false_reasons": {"other problem, same sender": 4},
    }
    recall = [
        ("a", {"found": 8, "related": 19, "flagged": 9, "recall": 8 / 19}),
        ("b", {"found": 5, "related": 15, "flagged": 6, "recall": 5 / 15}),
    ]
    fresh = {
        **result,
        "checked": 50,
        "still_flagged": 50,
        "unsure": 6,
        "judged": 44,
        "related": 38,
        "precision": 38 / 44,
        "interval": wilson(38, 44),
        "false_reasons": {},
    }
    body = flagged_section([("seen", "s.csv", result), ("held out", "h.csv", fresh)], recall, "`cmd`")
    assert "| seen (`s.csv`) | 60 | 60 | 3 | 57 | 42 | **0.74** | 0.61-0.83 | 13/34 = 0.38 |" in body
    assert "| held out (`h.csv`) | 50 | 50 | 6 | 44 | 38 | **0.86** | 0.73-0.94 | 13/34 = 0.38 |" in body
    assert "a 8/19 = 0.42, b 5/15 = 0.33; precision there 13/15" in body
    assert "The false ones of the seen sample by reason: other problem, same sender 4." in body
    assert "The false ones of the held out sample by reason: none." in body
    assert "459 `terkait` pairs" in body
