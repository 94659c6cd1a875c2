"""models.drift: confidence histograms, PSI, unseen words and the reference a trained model carries."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from models.artifact import load_metadata
from models.drift import (
    CONFIDENCE_EDGES,
    confidence_counts,
    drift_reference,
    population_stability_index,
    unseen_word_share,
)
from models.review import ReviewThreshold
from models.router import ComplaintRouter

TEXTS = [
    "jalan rusak berlubang",
    "aspal jalan rusak parah",
    "jalan berlubang dekat pasar",
    "sampah menumpuk bau",
    "sampah belum diangkut",
    "tumpukan sampah di sungai",
]
OPD = ["PUPR", "PUPR", "PUPR", "DLH", "DLH", "DLH"]


def test_confidence_counts_put_each_score_in_its_bin_and_one_in_the_last() -> None:
    assert confidence_counts([0.0, 0.05, 0.1, 0.55, 0.99, 1.0]) == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]
    assert len(CONFIDENCE_EDGES) == 11


def test_psi_is_zero_for_the_same_mix_and_follows_the_formula() -> None:
    assert population_stability_index([10, 30, 60], [1, 3, 6]) == pytest.approx(0.0)
    e, a = [0.5, 0.5], [0.2, 0.8]
    wanted = sum((y - x) * math.log(y / x) for x, y in zip(e, a, strict=True))
    assert population_stability_index([50, 50], [20, 80]) == pytest.approx(wanted)
    # an empty bin counts as a share of 1e-4 instead of making PSI infinite
    assert population_stability_index([1, 0], [0, 1]) == pytest.approx(2 * (1 - 1e-4) * math.log(1 / 1e-4))


@pytest.mark.parametrize(
    ("expected", "actual", "message"),
    [([1, 2], [1], "expected has 2 bins but actual has 1"), ([0, 0], [1, 1], "at least one count on each side")],
)
def test_psi_refuses_bad_histograms(expected: list[int], actual: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        population_stability_index(expected, actual)


def test_unseen_word_share_counts_words_no_training_text_held() -> None:
    router = ComplaintRouter(min_df=1, calibration_cv=2).fit(TEXTS, OPD)
    shares = unseen_word_share(router, ["jalan rusak", "jalan longsor ambles", "", "dan yang"])
    assert shares[0] == pytest.approx(0.0)
    assert shares[1] == pytest.approx(2 / 3)  # "longsor" and "ambles" never occurred
    assert shares[2] is None and shares[3] is None  # no words (only stopwords)


def test_drift_reference_is_the_probe_on_its_held_out_rows() -> None:
    search = ReviewThreshold(ComplaintRouter(min_df=1, calibration_cv=2), holdout=0.34).fit(TEXTS, OPD)
    held = search.holdout_rows_
    held_texts = [TEXTS[i] for i in held]
    reference = drift_reference(search.probe_, held_texts, [OPD[i] for i in held], OPD)
    scores = search.probe_.predict_proba(held_texts).max(axis=1)
    assert reference["rows"] == len(held)
    assert reference["confidence_counts"] == confidence_counts(scores)
    assert reference["needs_review_rate"] == pytest.approx(float(np.mean(scores < search.review_threshold_)))
    assert reference["label_counts"] == {"DLH": 3, "PUPR": 3}
    assert 0.0 <= reference["top1_accuracy"] <= 1.0


def test_a_trained_model_carries_its_reference(sample_model_dir: Path) -> None:
    meta = load_metadata(sample_model_dir)
    assert sum(meta.reference["confidence_counts"]) == meta.reference["rows"] > 0
    assert set(meta.reference["label_counts"]) == set(meta.opd_labels)
    assert 0.0 <= meta.reference["oov_rate"] <= 1.0
