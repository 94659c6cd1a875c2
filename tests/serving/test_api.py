"""The routing API: every endpoint, and every error a caller can cause."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.artifact import load_metadata
from tests.serving.conftest import API_KEY, AUTH, OTHER_KEY, MakeClient

COMPLAINTS = [
    ("Jalan di depan pasar berlubang besar dan aspalnya mengelupas, mohon segera diperbaiki", "Dinas PUPR"),
    ("Air PDAM di rumah kami tidak mengalir sudah tiga hari, tagihan tetap datang", "PDAM"),
    ("Sampah menumpuk di TPS dekat sekolah, baunya menyengat dan tidak diangkut seminggu", "Dinas Lingkungan Hidup"),
    ("Mau tanya cara mengurus KTP elektronik yang hilang, syaratnya apa saja?", "Disdukcapil"),
    ("Banjir masuk rumah setinggi pinggang, warga butuh perahu untuk mengungsi", "BPBD"),
]


# -- health and model -----------------------------------------------------------------------------


def test_healthz_and_readyz_answer_when_a_model_is_loaded(client: TestClient, sample_model_dir: Path) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "model_version": load_metadata(sample_model_dir).version}


def test_model_describes_the_serving_model(client: TestClient, sample_model_dir: Path) -> None:
    meta = load_metadata(sample_model_dir)
    body = client.get("/v1/model").json()
    assert body["version"] == meta.version
    assert body["opd_labels"] == meta.opd_labels
    assert body["urgency_labels"] == meta.urgency_labels
    assert body["review_threshold"] == pytest.approx(meta.review_threshold)
    assert body["trained_at"] == meta.created_at
    assert body["metrics"]["opd_macro_f1"] == pytest.approx(meta.metrics["opd_macro_f1"])
    assert body["source"] == str(sample_model_dir)


# -- routing --------------------------------------------------------------------------------------


def test_route_answers_the_contract(client: TestClient, sample_model_dir: Path) -> None:
    response = client.post("/v1/route", json={"id": "A-17", "text": COMPLAINTS[0][0]})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "id",
        "suggestions",
        "urgency",
        "needs_review",
        "explanation",
        "model_version",
        "review_reason",
        "unit",
    }
    assert body["unit"] == body["suggestions"][0]["opd"]  # trained without a unit column: the unit is the OPD
    assert body["id"] == "A-17"
    assert len(body["suggestions"]) == 3
    scores = [s["score"] for s in body["suggestions"]]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert len({s["opd"] for s in body["suggestions"]}) == 3
    assert body["urgency"]["level"] in {"tinggi", "sedang", "rendah"}
    assert 0.0 <= body["urgency"]["score"] <= 1.0
    assert isinstance(body["needs_review"], bool)
    assert body["review_reason"] in ({"ragu", "di_luar_cakupan"} if body["needs_review"] else {""})
    assert set(body["explanation"]) == {"opd_terms", "urgency_cues"}
    assert body["model_version"] == load_metadata(sample_model_dir).version


@pytest.mark.parametrize(("text", "opd"), COMPLAINTS)
def test_route_puts_the_obvious_opd_in_the_top_three(client: TestClient, text: str, opd: str) -> None:
    body = client.post("/v1/route", json={"text": text}).json()
    assert opd in [s["opd"] for s in body["suggestions"]]
    assert body["id"] is None


def test_route_gives_the_same_answer_as_the_router_in_process(client: TestClient, sample_router: object) -> None:
    text = COMPLAINTS[4][0]
    [expected] = sample_router.suggest([text])  # type: ignore[attr-defined]
    body = client.post("/v1/route", json={"text": text}).json()
    assert [(s["opd"], s["score"]) for s in body["suggestions"]] == [
        (name, pytest.approx(score, abs=1e-6)) for name, score in expected.opd
    ]
    assert body["urgency"] == {"level": expected.urgency, "score": pytest.approx(expected.urgency_score, abs=1e-6)}
    assert body["needs_review"] is expected.needs_review
    assert body["explanation"] == {"opd_terms": expected.opd_terms, "urgency_cues": expected.urgency_cues}


def test_route_explanation_carries_no_personal_data(client: TestClient) -> None:
    text = "Jalan rusak berlubang di gang 3, hubungi saya 081234567890 atau warga.fiktif@example.com"
    body = client.post("/v1/route", json={"text": text}).json()
    shown = json.dumps(body["explanation"])
    assert "081234567890" not in shown
    assert "example.com" not in shown
    assert body["explanation"]["opd_terms"]


def test_route_flags_a_text_without_words_for_review(client: TestClient) -> None:
    body = client.post("/v1/route", json={"text": "??? !!! 123"}).json()
    assert body["needs_review"] is True


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"text": ""}, "text: must not be empty or only whitespace"),
        ({"text": "   \n\t "}, "text: must not be empty or only whitespace"),
        ({"text": 5}, "text: must be a string, not a number"),
        ({"text": None}, "text: must be a string, not null"),
        ({"text": ["jalan rusak"]}, "text: must be a string, not an array"),
        ({}, "text: is required"),
        ({"teks": "jalan rusak"}, "text: is required"),
        ({"id": 12, "text": "jalan rusak"}, "id: must be a string, not a number"),
        ([{"text": "jalan rusak"}], "body: must be a JSON object, not an array"),
    ],
)
def test_route_rejects_bad_input_with_a_message(client: TestClient, payload: object, message: str) -> None:
    response = client.post("/v1/route", json=payload)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_input"
    assert body["detail"] == message


def test_route_rejects_text_over_the_limit(make_client: MakeClient) -> None:
    with make_client(max_text_chars=100) as client:
        assert client.post("/v1/route", json={"text": "a" * 100}).status_code == 200
        response = client.post("/v1/route", json={"text": "jalan rusak " * 10})
    assert response.status_code == 422
    assert response.json()["detail"] == "text is 120 characters long; the limit is 100: shorten the complaint"


def _invented_words(count: int, seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(
        "".join(rng.choice("bcdfghjklmnprstuvw") + rng.choice("aiueo") for _ in range(5)) for _ in range(count)
    )


@pytest.mark.parametrize("path", ["/v1/route", "/v1/route/batch"])
def test_analysis_past_the_cpu_budget_is_422(make_client: MakeClient, path: str) -> None:
    text = _invented_words(1_600, seed=len(path))
    payload = {"text": text} if path == "/v1/route" else {"items": [{"text": text}]}
    with make_client(max_analysis_seconds=0.01) as client:
        response = client.post(path, json=payload)
        assert response.status_code == 422
        assert response.json()["error"] == "invalid_input"
        assert "more than 0.01 s of CPU time" in response.json()["detail"]
        assert (
            client.post(
                path, json={"text": "jalan rusak"} if path == "/v1/route" else {"items": [{"text": "jalan rusak"}]}
            ).status_code
            == 200
        )


@pytest.mark.parametrize("text", [".com " + "a-" * 9_990, "a" * 19_998 + "@a"], ids=["url-dashes", "email-tail"])
def test_the_reported_slow_texts_are_routed(client: TestClient, text: str) -> None:
    """The texts that held a worker for 25 s and 2 s are answered in full (the timing is tested in
    tests/models/test_text_linear.py, where it can be measured without the server around it)."""
    response = client.post("/v1/route", json={"text": text})
    assert response.status_code == 200
    assert response.json()["suggestions"]


@pytest.mark.parametrize("raw", [b"{bad json", b'{"text": "jalan"', b"", b"\xff\xfe"])
def test_route_rejects_a_body_that_is_not_json(client: TestClient, raw: bytes) -> None:
    response = client.post("/v1/route", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input"
    assert "JSON" in response.json()["detail"] or "required" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/v1/route", "/v1/feedback"])
def test_text_with_a_lone_surrogate_is_422(client: TestClient, path: str) -> None:
    raw = b'{"text": "banjir \\ud800 di rumah", "opd": "BPBD"}'
    response = client.post(path, content=raw, headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"] == "text: has an invalid character at position 7 (a lone UTF-16 surrogate)"


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_route_asks_for_the_json_content_type(client: TestClient, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/v1/route", content=b'{"text": "banjir"}', headers=headers)
    assert response.status_code == 422
    assert (
        response.json()["detail"] == "body: must be a JSON object sent with the header Content-Type: application/json"
    )


def test_a_body_over_the_size_limit_is_413(make_client: MakeClient) -> None:
    with make_client(max_body_bytes=2_048) as client:
        response = client.post("/v1/route", json={"text": "banjir " * 400})
    assert response.status_code == 413
    assert response.json()["detail"].startswith("request body of 2,81")
    assert "over the limit of 2,048 bytes" in response.json()["detail"]


def test_a_chunked_body_over_the_size_limit_is_413(make_client: MakeClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(10):
            yield b"banjir " * 100
        yield b'"}'

    with make_client(max_body_bytes=2_048) as client:
        too_big = client.post("/v1/route", content=chunks(), headers={"Content-Type": "application/json"})
        small = client.post(
            "/v1/route", content=iter([b'{"text": ', b'"banjir"}']), headers={"Content-Type": "application/json"}
        )
    assert too_big.status_code == 413
    assert too_big.json()["detail"] == (
        "request body is over the limit of 2,048 bytes: send fewer or shorter complaints"
    )
    assert small.status_code == 200


# -- batch ----------------------------------------------------------------------------------------


def test_batch_answers_in_input_order(client: TestClient) -> None:
    items = [{"id": f"B{i}", "text": text} for i, (text, _) in enumerate(COMPLAINTS)] + [{"text": "lampu jalan mati"}]
    response = client.post("/v1/route/batch", json={"items": items})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == ["B0", "B1", "B2", "B3", "B4", None]
    for result, (text, _) in zip(results, COMPLAINTS, strict=False):
        single = client.post("/v1/route", json={"text": text}).json()
        assert result["suggestions"] == single["suggestions"]


def test_batch_over_the_item_limit_is_422(make_client: MakeClient) -> None:
    with make_client(max_batch_items=3) as client:
        response = client.post("/v1/route/batch", json={"items": [{"text": "banjir"}] * 4})
    assert response.status_code == 422
    assert response.json()["detail"] == "batch has 4 items; the limit is 3 per request: split it into smaller batches"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"items": []}, "items: List should have at least 1 item after validation, not 0"),
        ({"items": [{"text": "banjir"}, {"text": " "}]}, "items[1].text: must not be empty or only whitespace"),
        ({"items": [{"text": "banjir"}, {"text": 7}]}, "items[1].text: must be a string, not a number"),
        ({"items": "banjir"}, "items: must be an array, not a string"),
        ({"texts": ["banjir"]}, "items: is required"),
    ],
)
def test_batch_rejects_bad_items_naming_the_item(client: TestClient, payload: object, message: str) -> None:
    response = client.post("/v1/route/batch", json=payload)
    assert response.status_code == 422
    assert response.json()["detail"] == message


def test_batch_names_the_item_that_is_too_long(make_client: MakeClient) -> None:
    with make_client(max_text_chars=50) as client:
        response = client.post("/v1/route/batch", json={"items": [{"text": "banjir"}, {"text": "x" * 51}]})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("items[1].text is 51 characters long; the limit is 50")


# -- keys -----------------------------------------------------------------------------------------

KEYED = [
    ("post", "/v1/feedback", {"text": "jalan rusak", "opd": "Dinas PUPR"}),
    ("get", "/v1/feedback/export", None),
    ("post", "/v1/admin/reload", None),
]


@pytest.mark.parametrize(("method", "path", "payload"), KEYED)
@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "an API key is required"),
        ({"X-API-Key": "bukan-kunci-yang-benar"}, "the API key is not valid"),
        ({"Authorization": "Bearer bukan-kunci-yang-benar"}, "the API key is not valid"),
        ({"Authorization": f"Basic {API_KEY}"}, "an API key is required"),
    ],
)
def test_keyed_endpoints_refuse_a_missing_or_wrong_key(
    client: TestClient, method: str, path: str, payload: object, headers: dict[str, str], message: str
) -> None:
    response = client.request(method, path, json=payload, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response.json()["detail"].startswith(message)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_keys_from_one_address_make_it_wait_on_every_keyed_endpoint(make_client: MakeClient) -> None:
    with make_client(api_key_max_failures=3, require_key_for_routing=True) as client:
        wrong = [
            client.get("/v1/feedback/export", headers={"X-API-Key": f"tebakan-kunci-{n}"}).status_code for n in range(3)
        ]
        throttled = {
            path: client.request(method, path, json=payload, headers=AUTH)
            for method, path, payload in [*KEYED, ("post", "/v1/route", {"text": "banjir"}), ("get", "/v1/stats", None)]
        }
        health = client.get("/healthz")
    assert wrong == [401, 401, 401]
    for path, response in throttled.items():
        assert response.status_code == 429, path
        assert response.json()["error"] == "too_many_attempts"
        assert 0 < int(response.headers["Retry-After"]) <= 900
        assert response.json()["retry_after"] == int(response.headers["Retry-After"])
    assert health.status_code == 200


def test_missing_keys_are_not_counted_as_guesses_and_a_right_key_clears_the_count(make_client: MakeClient) -> None:
    with make_client(api_key_max_failures=2) as client:
        missing = [client.get("/v1/feedback/export").status_code for _ in range(5)]
        guess = client.get("/v1/feedback/export", headers={"X-API-Key": "tebakan-kunci-1"}).status_code
        right = client.get("/v1/feedback/export", headers=AUTH).status_code
        another_guess = client.get("/v1/feedback/export", headers={"X-API-Key": "tebakan-kunci-2"}).status_code
        still_right = client.get("/v1/feedback/export", headers=AUTH).status_code
    assert missing == [401] * 5
    assert (guess, right, another_guess, still_right) == (401, 200, 401, 200)


@pytest.mark.parametrize("headers", [{"X-API-Key": OTHER_KEY}, {"Authorization": f"Bearer {API_KEY}"}])
def test_any_configured_key_is_accepted_in_either_header(client: TestClient, headers: dict[str, str]) -> None:
    assert client.get("/v1/feedback/export", headers=headers).status_code == 200


def test_without_configured_keys_keyed_endpoints_say_how_to_enable_them(make_client: MakeClient) -> None:
    with make_client(api_keys=[]) as client:
        response = client.get("/v1/feedback/export", headers=AUTH)
    assert response.status_code == 401
    assert "set DISPOSISI_API_KEYS" in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("post", "/v1/route", {"text": "banjir"}),
        ("post", "/v1/route/batch", {"items": [{"text": "banjir"}]}),
        ("get", "/v1/model", None),
        ("get", "/v1/stats", None),
    ],
)
def test_routing_can_require_a_key(make_client: MakeClient, method: str, path: str, payload: object) -> None:
    with make_client(require_key_for_routing=True) as client:
        refused = client.request(method, path, json=payload)
        allowed = client.request(method, path, json=payload, headers=AUTH)
        health = client.get("/healthz")
    assert refused.status_code == 401
    assert allowed.status_code == 200
    assert health.status_code == 200


def test_importing_the_api_does_not_import_mlflow_or_load_a_model() -> None:
    code = "import sys, serving.api; sys.exit(1 if 'mlflow' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], check=False, timeout=120).returncode == 0


# -- HTTP odds and ends ---------------------------------------------------------------------------


def test_unknown_paths_and_methods_answer_json(client: TestClient) -> None:
    missing = client.get("/v1/tidak-ada")
    wrong = client.get("/v1/route")
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    assert (wrong.status_code, wrong.json()["error"]) == (405, "method_not_allowed")


def test_cors_is_off_unless_origins_are_configured(make_client: MakeClient) -> None:
    preflight = {"Origin": "https://lapor.example.go.id", "Access-Control-Request-Method": "POST"}
    with make_client() as client:
        off = client.options("/v1/route", headers=preflight)
    with make_client(cors_origins=["https://lapor.example.go.id"]) as client:
        on = client.options("/v1/route", headers=preflight)
        other = client.options("/v1/route", headers={**preflight, "Origin": "https://lain.example.com"})
    assert "access-control-allow-origin" not in off.headers
    assert on.headers["access-control-allow-origin"] == "https://lapor.example.go.id"
    assert "access-control-allow-origin" not in other.headers


def test_openapi_lists_the_contract_endpoints(client: TestClient) -> None:
    paths = set(client.get("/openapi.json").json()["paths"])
    assert {
        "/v1/route",
        "/v1/route/batch",
        "/v1/feedback",
        "/v1/feedback/export",
        "/v1/model",
        "/v1/stats",
        "/v1/admin/reload",
        "/healthz",
        "/readyz",
    } <= paths


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["id", "text", "items"]), inner),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=_JSON, path=st.sampled_from(["/v1/route", "/v1/route/batch", "/v1/feedback"]))
def test_no_json_body_makes_a_500(client: TestClient, payload: object, path: str) -> None:
    response = client.post(path, json=payload, headers=AUTH)
    assert response.status_code in {200, 201, 422}, response.text
    if response.status_code == 422:
        assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Sertifikat tanah saya di kantor BPN belum jadi sudah dua tahun", "di_luar_cakupan"),
        ("Sampah di pasar tidak diangkut sudah seminggu, bau sekali", ""),
    ],
)
def test_route_says_why_it_needs_review(client: TestClient, text: str, reason: str) -> None:
    """A land-office complaint matches none of the sample model's OPDs: flagged, with the reason."""
    body = client.post("/v1/route", json={"text": text}).json()
    assert body["review_reason"] == reason
    assert body["needs_review"] is (reason != "")
