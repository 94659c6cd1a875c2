"""Personal data never leaves the serving path: not in answers, pages, logs, the feedback database or its export.

Team-written complaints full of fictional NIK/KK numbers (plain and grouped), phone numbers (08..., +62 ...)
and e-mail addresses go through every endpoint: routing, batch routing, feedback (API and /admin form),
export, stats, the desk API and the /admin inbox, and error answers. Every response body and header,
every log record at DEBUG (caplog), everything written to stdout/stderr (capfd), the bytes of the SQLite
files (database, WAL) and the exported CSV are scanned for the raw values. A real ``disposisi serve`` is
then run to check uvicorn's own access and error logs, which do not pass through the root logger.
(The training path is covered by tests/test_privacy_training.py.)
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

from benchmarks.load import free_port, stop_server, wait_ready
from serving.api import create_app
from tests.serving.conftest import API_KEY, AUTH, make_settings

# Fictional values written for this test.
SECRETS = {
    "nik": "3578016502930004",
    "kk": "3578 0112 0987 0001",
    "kk_dots": "3578.0112.0987.0002",
    "phone": "081398765432",
    "phone_dashes": "0857-2020-3131",
    "phone_intl": "+62 857 1122 3344",
    "email": "budi.fiktif@example.com",
}
TEXTS = [
    "Jalan depan rumah berlubang besar, NIK saya {nik}, hubungi {phone}",
    "Air PDAM mati tiga hari, KK {kk}, email {email}",
    "Sampah tidak diangkut seminggu, WA {phone_intl} atau {phone_dashes}",
    "Banjir masuk rumah setinggi lutut, NIK {kk_dots}, kontak {email} / {phone}",
]
COMPLAINTS = [text.format(**SECRETS) for text in TEXTS]
SAME_SITE = {"Origin": "http://testserver"}


def _forms(value: str) -> set[str]:
    """The raw value and the ways it may be written back: without separators, URL-encoded."""
    bare = value.replace(" ", "").replace("-", "").replace(".", "") if "@" not in value else value
    return {value, bare, quote(value), quote(value, safe="")}


def assert_clean(text: str, where: str) -> None:
    for name, value in SECRETS.items():
        for form in _forms(value):
            assert form not in text, f"{name} ({form!r}) found in {where}"


def test_serving_path_never_shows_stores_or_logs_personal_data(
    sample_model_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = make_settings(
        model_dir=sample_model_dir, feedback_url=f"sqlite:///{tmp_path / 'feedback.db'}", max_text_chars=400
    )
    answers: list[httpx.Response] = []
    with TestClient(create_app(settings)) as client:
        for n, text in enumerate(COMPLAINTS):
            answers.append(client.post("/v1/route", json={"id": f"c{n}", "text": text}))
            body = {"id": f"c{n}", "text": text, "opd": "PUPR", "suggested_opd": "PDAM", "urgency": "tinggi"}
            answers.append(client.post("/v1/feedback", json=body, headers=AUTH))
        answers.append(client.post("/v1/route/batch", json={"items": [{"text": t} for t in COMPLAINTS]}))
        # Error answers must not echo the text either.
        answers.append(client.post("/v1/route", json={"text": COMPLAINTS[0] * 20}))
        answers.append(client.post("/v1/feedback", json={"text": COMPLAINTS[1]}, headers=AUTH))
        answers.append(client.post("/v1/feedback", json={"text": COMPLAINTS[1], "opd": 5}, headers=AUTH))
        answers.append(client.post("/v1/route", content=COMPLAINTS[2].encode(), headers=AUTH))
        answers.append(client.get(f"/v1/route?email={SECRETS['email']}&nik={SECRETS['nik']}"))
        answers.append(client.get(f"/tidak-ada/{SECRETS['nik']}"))
        answers.append(client.get("/v1/stats", headers=AUTH))
        answers.append(client.get("/v1/model"))
        # The desk and the /admin inbox: complaints kept, listed, opened, decided.
        desk = {"items": [{"id": f"d{n}", "text": t} for n, t in enumerate(COMPLAINTS)]}
        answers.append(client.post("/v1/complaints", json=desk, headers=AUTH))
        answers.append(client.get("/v1/complaints", headers=AUTH))
        answers.append(client.post("/admin/login", data={"key": API_KEY}, headers=SAME_SITE, follow_redirects=False))
        inbox = client.get("/admin?status=semua")
        answers.append(inbox)
        answers.extend(client.get(f"/admin/aduan/d{n}") for n in range(len(COMPLAINTS)))
        token = re.search(r'name="csrf" value="([0-9a-f]{64})"', inbox.text)
        assert token, "the inbox carries no CSRF token"
        decision = {"csrf": token.group(1), "pilihan": "BPBD", "catatan": COMPLAINTS[3]}
        answers.append(client.post("/admin/aduan/d3/putuskan", data=decision, headers=SAME_SITE))
        answers.append(client.post("/admin/aduan/d2/luar", data={"csrf": token.group(1), "lembaga": "PLN"}))
        answers.append(client.get("/admin?q=" + quote(SECRETS["nik"])))
        export = client.get("/v1/feedback/export", params={"latest_only": "false"}, headers=AUTH)
        answers.append(export)

    statuses = [a.status_code for a in answers]
    assert statuses.count(201) == len(COMPLAINTS), statuses
    assert 422 in statuses and 404 in statuses and 405 in statuses
    for answer in answers:
        where = f"{answer.request.method} {answer.request.url.path} ({answer.status_code})"
        assert_clean(answer.text, where)
        assert_clean(repr(dict(answer.headers)), f"headers of {where}")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert len(rows) == len(COMPLAINTS) + 1  # the /v1/feedback rows and the inbox decision
    assert any("[NIK]" in row["teks"] and "[TELEPON]" in row["teks"] for row in rows)
    assert any("[EMAIL]" in row["teks"] for row in rows)

    out, err = capfd.readouterr()
    # Records of the test's own HTTP client (httpx logs each URL it requests) are not the server's.
    server_records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert server_records, "no log record was captured"
    logged = "\n".join(f"{r.name}: {r.getMessage()} {r.exc_text or ''}" for r in server_records)
    assert_clean(logged, "log records")
    assert_clean(out + err, "stdout/stderr")
    database_files = sorted(tmp_path.glob("feedback.db*"))
    assert database_files, "the feedback database was not written"
    for path in database_files:
        assert_clean(path.read_bytes().decode("utf-8", errors="replace"), path.name)


def test_uvicorn_access_and_error_logs_of_disposisi_serve_are_masked(sample_model_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DISPOSISI_API_KEYS": API_KEY,
        "DISPOSISI_FEEDBACK_URL": f"sqlite:///{tmp_path / 'feedback.db'}",
        "DISPOSISI_MODEL_URI": "",
    }
    command = [sys.executable, "-m", "disposisi", "-v", "serve", "--model-dir", str(sample_model_dir)]
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [*command, "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_ready(base, server, workers=1, log=log_path)
        with httpx.Client(base_url=base, timeout=60) as client:
            query = {"email": SECRETS["email"], "nik": SECRETS["nik"], "telp": SECRETS["phone_intl"]}
            assert client.get("/healthz", params=query).status_code == 200
            assert client.get(f"/v1/model?kk={SECRETS['kk']}&hp={SECRETS['phone']}").status_code == 200
            assert client.get(f"/tidak-ada/{SECRETS['nik']}/{SECRETS['email']}").status_code == 404
            # A key in the query string is not read by the API, but it must not reach the log either.
            assert client.get("/v1/model", params={"api_key": API_KEY, "token": API_KEY}).status_code == 200
            assert client.post("/v1/route", json={"text": COMPLAINTS[0]}).status_code == 200
            feedback = {"text": COMPLAINTS[1], "opd": "PDAM"}
            assert client.post("/v1/feedback", json=feedback, headers=AUTH).status_code == 201
        time.sleep(0.5)  # let the access log lines reach the file
    finally:
        stop_server(server)
    logged = log_path.read_text(encoding="utf-8", errors="replace")
    assert '"GET /healthz?' in logged, logged  # the access log was on, and it is what is being checked
    assert "Uvicorn running on http://127.0.0.1:" in logged  # masking leaves ordinary lines readable
    assert_clean(logged, "the server's output")
    assert "/v1/model?api_key=[RAHASIA]&token=[RAHASIA]" in logged
    assert API_KEY not in logged
