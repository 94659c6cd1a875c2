"""Metric code checked against cases computed by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.artifact import load_model
from models.router import ComplaintRouter
from tests.conftest import SAMPLES, UNIT_SAMPLES
from training.data import load_dataset
from training.evaluate import (
    evaluate_router,
    opd_metrics,
    top_k_accuracy,
    unit_metrics,
    urgency_metrics,
)

CLASSES = ["A", "B", "C", "D"]
# rows: true A (A best), true B (A best, B second), true C (D, B, C), true D (D best)
PROBA = np.array(
    [
        [0.7, 0.1, 0.1, 0.1],
        [0.5, 0.3, 0.1, 0.1],
        [0.05, 0.3, 0.25, 0.4],
        [0.1, 0.1, 0.1, 0.7],
    ]
)
TRUTH = ["A", "B", "C", "D"]


def test_top_k_accuracy_by_hand() -> None:
    assert top_k_accuracy(TRUTH, PROBA, CLASSES, 1) == pytest.approx(0.5)
    assert top_k_accuracy(TRUTH, PROBA, CLASSES, 2) == pytest.approx(0.75)
    assert top_k_accuracy(TRUTH, PROBA, CLASSES, 3) == pytest.approx(1.0)


def test_opd_metrics_by_hand() -> None:
    m = opd_metrics(TRUTH, PROBA, CLASSES, threshold=0.6)
    # predictions A, A, D, D: F1 A = 2*0.5*1/(1.5) = 2/3, B = 0, C = 0, D = 2/3 -> macro 1/3
    assert m["opd_macro_f1"] == pytest.approx(1 / 3)
    assert m["opd_accuracy"] == pytest.approx(0.5)
    assert m["opd_top3_accuracy"] == pytest.approx(1.0)
    # confidence >= 0.6: rows 0 and 3, both right
    assert m["opd_coverage"] == pytest.approx(0.5)
    assert m["opd_auto_accuracy"] == pytest.approx(1.0)
    assert m["opd_per_class_f1"]["A"] == pytest.approx(2 / 3)
    assert m["opd_confusion"]["matrix"][1] == [1, 0, 0, 0]


def test_urgency_metrics_by_hand() -> None:
    truth = ["tinggi", "tinggi", "sedang", "rendah", "rendah"]
    pred = ["tinggi", "sedang", "sedang", "sedang", "rendah"]
    m = urgency_metrics(truth, pred)
    assert m["urgency_tinggi_recall"] == pytest.approx(0.5)
    assert m["urgency_sedang_recall"] == pytest.approx(1.0)
    assert m["urgency_rendah_recall"] == pytest.approx(0.5)
    # F1 tinggi = 2*1*0.5/1.5 = 2/3; sedang: p=1/3, r=1 -> 0.5; rendah = 2/3
    assert m["urgency_macro_f1"] == pytest.approx((2 / 3 + 0.5 + 2 / 3) / 3)


def test_unit_metrics_on_the_sample_units(unit_model_dir: Path) -> None:
    router, _ = load_model(unit_model_dir)
    data = load_dataset([UNIT_SAMPLES], unit_column="instansi")
    assert data.units is not None
    metrics = unit_metrics(router, data.texts, data.opd, data.units, data.places)
    assert metrics["unit_rows_territorial"] == 32 and metrics["unit_rows_pooled"] == 12
    routed = router.route(data.texts, places=data.places).unit
    assert metrics["unit_accuracy"] == pytest.approx(np.mean(routed == np.asarray(data.units, dtype=object)))
    assert metrics["unit_accuracy_territorial_given_opd"] >= metrics["unit_accuracy_territorial"] - 1e-9
    # rows without a unit are left out; a router without units has no unit metrics
    assert unit_metrics(router, data.texts, data.opd, [""] * len(data.texts)) == {}


def test_router_coverage_counts_the_open_set_flag() -> None:
    """``opd_coverage`` is the share auto-routing would forward: ``di_luar_cakupan`` rows are flagged too."""
    data = load_dataset([SAMPLES])
    left_out = {"PDAM", "BPBD", "Disdukcapil"}
    keep = [i for i, label in enumerate(data.opd) if label not in left_out]
    router = ComplaintRouter(calibration_cv=3).fit([data.texts[i] for i in keep], [data.opd[i] for i in keep])
    router.review_threshold_ = 0.0  # nothing is ``ragu``: every flag below comes from the open-set signal
    m = evaluate_router(router, data.texts, data.opd)
    routing = router.route(data.texts)
    assert m["opd_outside_share"] == pytest.approx(np.mean(routing.review_reason == "di_luar_cakupan"))
    assert m["opd_outside_share"] > 0.1
    assert m["opd_coverage"] == pytest.approx(1 - m["opd_outside_share"])
    proba = router.predict_proba(data.texts)
    threshold_only = opd_metrics(data.opd, proba, router.classes_, router.review_threshold_)
    assert threshold_only["opd_coverage"] == pytest.approx(1.0)
    kept = ~routing.needs_review
    right = router.classes_[routing.top[:, 0]] == np.asarray(data.opd, dtype=object)
    assert m["opd_auto_accuracy"] == pytest.approx(right[kept].mean())


def test_opd_metrics_checks_the_flags() -> None:
    with pytest.raises(ValueError, match="flagged has 3 values for 4 rows"):
        opd_metrics(TRUTH, PROBA, CLASSES, threshold=0.6, flagged=np.zeros(3, dtype=bool))
    m = opd_metrics(TRUTH, PROBA, CLASSES, threshold=0.6, flagged=np.array([False, True, True, True]))
    assert m["opd_coverage"] == pytest.approx(0.25)
    assert m["opd_auto_accuracy"] == pytest.approx(1.0)
