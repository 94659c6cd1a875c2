"""train_router's cap on the open-set signal: complaints the probe routes with confidence are seldom called outside."""

from __future__ import annotations

import numpy as np
import pytest

import training.fit as fit
from tests.conftest import SAMPLES
from training.data import Dataset, load_dataset
from training.fit import train_router


@pytest.fixture(scope="module")
def samples() -> Dataset:
    return load_dataset([SAMPLES])


def _sure_outside_share(result: fit.TrainResult, data: Dataset) -> tuple[float, int]:
    """The share of held-out rows at or above the review threshold that the probe calls outside, and their count."""
    review = result.review
    assert review is not None
    sure = np.flatnonzero(review.holdout_confidence_ >= review.review_threshold_)
    texts = [data.texts[review.holdout_rows_[i]] for i in sure]
    routing = review.probe_.route(texts)
    return float(np.mean(routing.review_reason == "di_luar_cakupan")), len(sure)


def test_the_open_set_target_is_lowered_until_few_sure_complaints_are_outside(
    samples: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fit, "_MIN_SURE_ROWS", 1)
    monkeypatch.setattr(fit, "KNOWN_OUTSIDE_SHARE", 0.01)  # binds on the samples
    result = train_router(samples, params={"calibration_cv": 3})
    asked = result.router.openset_.outside_target
    used = result.threshold_metrics["outside_target"]
    assert used < asked
    assert result.router.openset_.target_ == used == result.review.probe_.openset_.target_
    assert result.router.openset_.threshold_ == pytest.approx(result.router.openset_.threshold_for(used))
    share, n = _sure_outside_share(result, samples)
    assert share <= 0.01 + 1 / n


def test_a_signal_that_spares_the_sure_complaints_keeps_its_target(
    samples: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fit, "_MIN_SURE_ROWS", 1)
    monkeypatch.setattr(fit, "KNOWN_OUTSIDE_SHARE", 0.99)
    result = train_router(samples, params={"calibration_cv": 3})
    assert result.threshold_metrics["outside_target"] == result.router.openset_.outside_target
    assert result.router.openset_.target_ == result.router.openset_.outside_target


def test_too_few_sure_complaints_leave_the_signal_alone(samples: Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fit, "_MIN_SURE_ROWS", 10**6)
    monkeypatch.setattr(fit, "KNOWN_OUTSIDE_SHARE", 0.01)
    result = train_router(samples, params={"calibration_cv": 3})
    assert "outside_target" not in result.threshold_metrics
    assert result.router.openset_.target_ == result.router.openset_.outside_target
