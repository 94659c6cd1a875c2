"""GET /v1/monitoring on SQLite and PostgreSQL: figures of known complaints and decisions, alerts on a drift."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from models.artifact import META_FILE, ModelMetadata, load_metadata
from models.drift import confidence_counts, population_stability_index, unseen_word_share
from serving.monitoring import AlertThresholds, monitoring_report
from store.monitoring import MonitoringCounts, MonitoringFigures
from tests.conftest import SAMPLES
from tests.serving.conftest import AUTH, MakeClient


def _samples(start: int, count: int, when: datetime, prefix: str) -> list[dict[str, str]]:
    with open(SAMPLES, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))[start : start + count]
    return [{"id": f"{prefix}{row['id']}", "text": row["teks"], "tanggal": when.isoformat()} for row in rows]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def desk(request: pytest.FixtureRequest, make_client: MakeClient) -> Iterator[TestClient]:
    overrides: dict[str, Any] = {}
    if request.param == "postgresql":
        overrides["feedback_url"] = request.getfixturevalue("postgres_url")
    with make_client(**overrides) as client:
        yield client


def _stored(desk: TestClient, items: list[dict[str, str]]) -> dict[str, dict[str, Any]]:
    answer = desk.post("/v1/complaints", json={"items": items}, headers=AUTH)
    assert answer.status_code == 200, answer.text
    listed = desk.get("/v1/complaints", params={"limit": 500}, headers=AUTH).json()["items"]
    return {item["id"]: item["suggestion"] for item in listed}


def test_figures_match_the_stored_complaints_and_decisions(desk: TestClient, sample_model_dir: Path) -> None:
    from models.artifact import load_model

    router, meta = load_model(sample_model_dir)
    now = datetime.now(UTC)
    items = _samples(0, 40, now - timedelta(minutes=5), "M")
    suggestions = _stored(desk, items)
    top = {i: s["suggestions"][0]["opd"] for i, s in suggestions.items()}
    # the first 10 keep the top suggestion, the next 6 get another OPD, the rest wait
    for item in items[:10]:
        desk.post(f"/v1/complaints/{item['id']}/decision", json={"opd": top[item["id"]]}, headers=AUTH)
    other = {item["id"]: "Dinas Lain" if top[item["id"]] != "Dinas Lain" else "DLH" for item in items[10:16]}
    for complaint_id, opd in other.items():
        desk.post(f"/v1/complaints/{complaint_id}/decision", json={"opd": opd}, headers=AUTH)

    answer = desk.get("/v1/monitoring", headers=AUTH)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    figures = body["figures"]
    assert (figures["volume"], figures["decided"]) == (40, 16)
    review = [s["needs_review"] for s in suggestions.values()]
    assert figures["needs_review_rate"] == pytest.approx(sum(review) / 40)
    assert figures["top1_acceptance_rate"] == pytest.approx(10 / 16)
    unseen = [s for s in unseen_word_share(router, [item["text"] for item in items]) if s is not None]
    assert figures["oov_rate"] == pytest.approx(float(np.mean(unseen)))
    assert [s["oov_rate"] for s in suggestions.values()] == pytest.approx(
        unseen_word_share(router, [item["text"] for item in items if item["id"] in suggestions])
    )
    assert body["oov"]["reference"] == pytest.approx(meta.reference["oov_rate"])

    scores = [s["suggestions"][0]["score"] for s in suggestions.values()]
    assert body["confidence"]["counts"] == confidence_counts(scores)
    expected_psi = population_stability_index(meta.reference["confidence_counts"], confidence_counts(scores))
    assert body["confidence"]["psi"] == pytest.approx(expected_psi)
    assert body["confidence"]["reason"] is None

    assert [d["day"] for d in body["per_day"]][-1] == now.date().isoformat()
    assert len(body["per_day"]) == 7 and sum(d["volume"] for d in body["per_day"]) == 40
    assert body["labels"]["unknown"] == {"Dinas Lain": 6}
    decided_opds = [top[item["id"]] for item in items[:10]] + list(other.values())
    assert body["labels"]["decided"] == pytest.approx(
        {name: decided_opds.count(name) / 16 for name in set(decided_opds)}
    )
    assert [a["kind"] for a in body["alerts"] if a["kind"] == "unknown_opd"] == ["unknown_opd"]
    assert "Dinas Lain" in next(a["message_id"] for a in body["alerts"] if a["kind"] == "unknown_opd")

    per_opd = {row["opd"]: row for row in body["per_opd"]}
    assert sum(row["volume"] for row in per_opd.values()) == 40
    assert per_opd["Dinas Lain"]["decided"] == 6 and per_opd["Dinas Lain"]["top1_acceptance_rate"] == 0.0
    only = desk.get("/v1/monitoring", params={"opd": "Dinas Lain", "window_days": 1}, headers=AUTH).json()
    assert (only["opd"], only["figures"]["volume"], only["window_days"]) == ("Dinas Lain", 6, 1)


def test_acceptance_falling_against_the_window_before_raises_an_alert(make_client: MakeClient) -> None:
    now = datetime.now(UTC)
    with make_client(monitor_min_rows=10) as desk:
        before = _samples(0, 12, now - timedelta(days=8), "B")
        after = _samples(12, 12, now - timedelta(minutes=5), "A")
        suggestions = _stored(desk, before + after)
        for item in before:  # last week the admins kept every top suggestion
            desk.post(f"/v1/complaints/{item['id']}/decision", json={"opd": _top(suggestions, item)}, headers=AUTH)
        for item in after[:3]:  # this week a quarter
            desk.post(f"/v1/complaints/{item['id']}/decision", json={"opd": _top(suggestions, item)}, headers=AUTH)
        for item in after[3:]:
            second = suggestions[item["id"]]["suggestions"][1]["opd"]
            desk.post(f"/v1/complaints/{item['id']}/decision", json={"opd": second}, headers=AUTH)
        body = desk.get("/v1/monitoring", headers=AUTH).json()
    assert (body["previous"]["top1_acceptance_rate"], body["figures"]["top1_acceptance_rate"]) == (1.0, 0.25)
    alert = next(a for a in body["alerts"] if a["kind"] == "acceptance_drop")
    assert alert["value"] == pytest.approx(0.75)
    assert "turun dari 100% (7 hari sebelumnya) ke 25%" in alert["message_id"]
    assert "fell from 100% (the 7 days before) to 25%" in alert["message_en"]


def _top(suggestions: dict[str, dict[str, Any]], item: dict[str, str]) -> str:
    opd: str = suggestions[item["id"]]["suggestions"][0]["opd"]
    return opd


def test_a_model_without_a_reference_answers_psi_null_with_the_reason(
    make_client: MakeClient, model_copy: Path
) -> None:
    raw = json.loads((model_copy / META_FILE).read_text(encoding="utf-8"))
    del raw["reference"]  # as a model.json written before monitoring existed
    (model_copy / META_FILE).write_text(json.dumps(raw), encoding="utf-8")
    assert load_metadata(model_copy).reference == {}
    with make_client(model_dir=model_copy) as desk:
        _stored(desk, _samples(0, 3, datetime.now(UTC), "R"))
        body = desk.get("/v1/monitoring", headers=AUTH).json()
    assert body["figures"]["volume"] == 3
    assert body["confidence"]["psi"] is None
    assert "no drift reference" in body["confidence"]["reason"]
    assert body["oov"]["reference"] is None and body["labels"]["training"] is None


def test_monitoring_needs_a_key(client: TestClient) -> None:
    assert client.get("/v1/monitoring").status_code == 401
    assert client.get("/v1/monitoring", headers={"X-API-Key": "salah-salah-salah-salah"}).status_code == 401


@pytest.mark.parametrize("params", [{"window_days": 0}, {"window_days": 91}, {"window_days": "seminggu"}, {"opd": ""}])
def test_a_bad_window_is_422_with_the_reason(client: TestClient, params: dict[str, Any]) -> None:
    answer = client.get("/v1/monitoring", params=params, headers=AUTH)
    assert answer.status_code == 422
    assert next(iter(params)) in answer.text


def _figures(counts: list[int], total: MonitoringCounts, previous: MonitoringCounts) -> MonitoringFigures:
    return MonitoringFigures(
        since=date(2026, 11, 24),
        until=date(2026, 11, 30),
        days=7,
        total=total,
        previous=previous,
        per_day=[(date(2026, 11, 30), total)],
        per_opd=[],
        confidence_counts=counts,
        decided_labels={"DLH": 30, "PDAM": 10},
    )


def _meta(reference: dict[str, Any]) -> ModelMetadata:
    return ModelMetadata(opd_labels=["DLH", "PDAM"], urgency_labels=[], review_threshold=0.5, reference=reference)


REFERENCE = {
    "confidence_edges": [0.0, 0.5, 1.0],
    "confidence_counts": [20, 80],
    "oov_rate": 0.10,
    "needs_review_rate": 0.20,
    "top1_accuracy": 0.80,
    "label_counts": {"DLH": 50, "PDAM": 50},
}


def test_a_simulated_drift_fires_the_confidence_oov_review_and_label_alerts() -> None:
    # confidences fell (most now below 0.5), unseen words doubled, review share tripled; the window before is empty
    total = MonitoringCounts(volume=40, needs_review=24, decided=40, accepted=20, oov_sum=40 * 0.25, oov_rows=40)
    report = monitoring_report(_figures([30, 10], total, MonitoringCounts()), _meta(REFERENCE), AlertThresholds())
    kinds = {a.kind: a for a in report.alerts}
    psi = population_stability_index([20, 80], [30, 10])
    assert report.confidence.psi == pytest.approx(psi) and psi > 0.25
    assert kinds["confidence_psi"].value == pytest.approx(psi)
    assert kinds["oov_rise"].value == pytest.approx(0.15)
    assert kinds["needs_review_rise"].value == pytest.approx(0.60 - 0.20)
    assert "dari 20% (data latih) ke 60%" in kinds["needs_review_rise"].message_id
    assert kinds["acceptance_drop"].value == pytest.approx(0.80 - 0.50)  # against the hold-out's accuracy
    assert kinds["label_psi"].value == pytest.approx(population_stability_index([50, 50], [30, 10]))
    assert "unknown_opd" not in kinds


def test_steady_figures_raise_no_alert_and_thin_windows_stay_quiet() -> None:
    steady = MonitoringCounts(volume=100, needs_review=20, decided=100, accepted=80, oov_sum=10.0, oov_rows=100)
    calm = monitoring_report(
        _figures([20, 80], steady, steady), _meta({**REFERENCE, "label_counts": {"DLH": 75, "PDAM": 25}})
    )
    assert calm.alerts == []
    thin = MonitoringCounts(volume=5, needs_review=5, decided=5, accepted=0, oov_sum=5.0, oov_rows=5)
    quiet = monitoring_report(_figures([5, 0], thin, MonitoringCounts()), _meta(REFERENCE))
    assert [a.kind for a in quiet.alerts] == []
