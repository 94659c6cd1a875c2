"""Fuzzing the API from its own OpenAPI schema (schemathesis): no input, with or without a key, makes a 5xx.

Every operation of ``/openapi.json`` gets generated requests, valid ones and invalid ones (schemathesis'
negative mode: wrong types, missing or extra fields, values out of range), sent in process through the
ASGI app with its lifespan running, the sample model loaded and an SQLite feedback store. Each answer
must not be a server error, and its status code, content type and body must be ones the schema documents.
The feedback endpoint is fuzzed against PostgreSQL too (it refuses text that SQLite takes), and the /admin
forms, which are not in the schema, get arbitrary form fields and files from hypothesis.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from serving.api import create_app
from serving.feedback import FeedbackStore
from tests.conftest import drop_store
from tests.serving.conftest import API_KEY, AUTH, make_settings, service_or_skip

# Every operation of the schema; test_every_operation_of_the_schema_is_fuzzed keeps this list whole.
OPERATIONS = [
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("POST", "/v1/route"),
    ("POST", "/v1/route/batch"),
    ("POST", "/v1/feedback"),
    ("GET", "/v1/feedback/export"),
    ("GET", "/v1/model"),
    ("GET", "/v1/stats"),
    ("GET", "/v1/monitoring"),
    ("POST", "/v1/admin/reload"),
    ("POST", "/v1/complaints"),
    ("GET", "/v1/complaints"),
    ("GET", "/v1/complaints/export"),
    ("GET", "/v1/complaints/{complaint_id}"),
    ("POST", "/v1/complaints/{complaint_id}/decision"),
    ("POST", "/v1/complaints/{complaint_id}/undo"),
]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ = settings(
    max_examples=30, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.fixture
def api_schema(sample_model_dir: Path, tmp_path: Path) -> Iterator[schemathesis.BaseSchema]:
    settings_ = make_settings(model_dir=sample_model_dir, feedback_url=f"sqlite:///{tmp_path / 'feedback.db'}")
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(settings_))
    shutdown_lifespans()  # schemathesis keeps each app's lifespan running until asked to end it


def _cases(schema: schemathesis.BaseSchema, method: str, path: str) -> st.SearchStrategy[schemathesis.Case]:
    operation = schema[path][method]
    strategy = operation.as_strategy(GenerationMode.POSITIVE)
    if operation.body or list(operation.iter_parameters()):
        strategy = strategy | operation.as_strategy(GenerationMode.NEGATIVE)
    return strategy


def test_every_operation_of_the_schema_is_fuzzed(api_schema: schemathesis.BaseSchema) -> None:
    found = set()
    for result in api_schema.get_all_operations():
        assert isinstance(result, Ok), f"schemathesis cannot read an operation: {result.err()}"
        found.add((result.ok().method.upper(), result.ok().path))
    assert found == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize("headers", [AUTH, {}], ids=["with-key", "without-key"])
def test_no_request_makes_a_server_error(
    api_schema: schemathesis.BaseSchema, method: str, path: str, headers: dict[str, str]
) -> None:
    @FUZZ
    @given(case=_cases(api_schema, method, path))
    def fuzz(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    fuzz()


@pytest.mark.postgres
def test_feedback_fuzzed_against_postgres_makes_no_server_error(sample_model_dir: Path) -> None:
    """PostgreSQL refuses what SQLite takes (a NUL character in text made a 500); any text must be stored."""
    url = service_or_skip("DISPOSISI_TEST_POSTGRES_URL", "a PostgreSQL server")
    store = FeedbackStore(url)
    drop_store(store.engine)
    store.close()
    app = create_app(make_settings(model_dir=sample_model_dir, feedback_url=url))
    api_schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    try:

        @FUZZ
        @given(case=_cases(api_schema, "POST", "/v1/feedback"))
        def fuzz_schema(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=AUTH, checks=CHECKS)

        fuzz_schema()
        with TestClient(app) as client:

            @FUZZ
            @given(text=st.text(min_size=1), opd=st.text(min_size=1, max_size=200), id_=st.text(max_size=200))
            @example(text="air\x00mati", opd="PDAM\x00", id_="\x00")
            def fuzz_text(text: str, opd: str, id_: str) -> None:
                body = {"text": text, "opd": opd, "id": id_, "suggested_opd": opd}
                response = client.post("/v1/feedback", json=body, headers=AUTH)
                assert response.status_code in (201, 422), response.text

            fuzz_text()
    finally:
        shutdown_lifespans()
        store = FeedbackStore(url)
        drop_store(store.engine)
        store.close()


ADMIN_FORMS = settings(max_examples=40, deadline=None, derandomize=True, database=None)
SAME_SITE = {"Origin": "http://testserver"}
form_text = st.text(max_size=300)


@pytest.fixture
def admin(sample_model_dir: Path, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(make_settings(model_dir=sample_model_dir, feedback_url=f"sqlite:///{tmp_path / 'fb.db'}"))
    with TestClient(app) as client:
        response = client.post("/admin/login", data={"key": API_KEY}, headers=SAME_SITE, follow_redirects=False)
        assert response.status_code == 303
        yield client


def test_admin_forms_make_no_server_error(admin: TestClient) -> None:
    stored = admin.post("/v1/complaints", json={"items": [{"id": "F-1", "text": "Jalan rusak parah"}]}, headers=AUTH)
    assert stored.status_code == 200
    token = re.search(r'name="csrf" value="([0-9a-f]{64})"', admin.get("/admin").text)
    assert token

    @ADMIN_FORMS
    @given(id_=form_text, opd=form_text, urgency=form_text, note=form_text, choice=st.sampled_from(["__lain__", ""]))
    def fuzz(id_: str, opd: str, urgency: str, note: str, choice: str) -> None:
        form = {"csrf": token.group(1), "pilihan": choice or opd, "opd_lain": opd, "urgensi": urgency, "catatan": note}
        path = f"/admin/aduan/{quote(id_ or 'F-1', safe='')}"
        answers = [
            admin.post(f"{path}/putuskan", data=form, headers=SAME_SITE, follow_redirects=False),
            admin.post(f"{path}/luar", data={**form, "lembaga": opd}, headers=SAME_SITE, follow_redirects=False),
            admin.post(f"{path}/batal", data=form, headers=SAME_SITE, follow_redirects=False),
            admin.get(path),
            admin.post("/admin/login", data={"key": note}, headers=SAME_SITE, follow_redirects=False),
        ]
        for answer in answers:
            assert answer.status_code < 500, answer.text

    fuzz()


def test_admin_inbox_queries_make_no_server_error(admin: TestClient) -> None:
    @ADMIN_FORMS
    @given(
        params=st.dictionaries(
            st.sampled_from(["status", "opd", "urgensi", "tinjau", "q", "limit", "offset", "pos"]), form_text
        )
    )
    def fuzz(params: dict[str, str]) -> None:
        for path in ("/admin", "/admin/buka", "/admin/terima-massal"):
            response = admin.get(path, params=params, follow_redirects=False)
            assert response.status_code in (200, 303, 422), response.text

    fuzz()
