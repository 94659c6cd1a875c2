"""uvicorn's log lines through :class:`serving.logs.UvicornMasking`: personal data and keys in a query string."""

from __future__ import annotations

import logging

import pytest

from serving.logs import UvicornMasking, mask_log_value, mask_secret_parameters

KEY = "kunci-rahasia-0123456789"


@pytest.mark.parametrize(
    ("path", "masked"),
    [
        (f"/v1/model?api_key={KEY}", "/v1/model?api_key=[RAHASIA]"),
        (f"/healthz?key={KEY}&q=banjir", "/healthz?key=[RAHASIA]&q=banjir"),
        (f"/healthz?q=1&token={KEY}", "/healthz?q=1&token=[RAHASIA]"),
        (f"/healthz?access_token={KEY};x=1", "/healthz?access_token=[RAHASIA];x=1"),
        (f"/healthz?X-API-Key={KEY}", "/healthz?X-API-Key=[RAHASIA]"),
        (f"/healthz?apikey={KEY}%26more#frag", "/healthz?apikey=[RAHASIA]#frag"),
        (f"/healthz?api%5Fkey={KEY}", "/healthz?api%5Fkey=[RAHASIA]"),
        (f"/healthz?password={KEY}&secret={KEY}", "/healthz?password=[RAHASIA]&secret=[RAHASIA]"),
        (f"/healthz?Authorization=Bearer%20{KEY}", "/healthz?Authorization=[RAHASIA]"),
        ("/healthz?key=", "/healthz?key="),
        ("/healthz?q=banjir&halaman=2", "/healthz?q=banjir&halaman=2"),
        (f"/v1/key={KEY}", f"/v1/key={KEY}"),  # a path, not a query: nothing is a parameter there
    ],
)
def test_secret_query_parameters_are_masked(path: str, masked: str) -> None:
    assert mask_secret_parameters(path) == masked
    assert KEY not in mask_log_value(path) or KEY in masked


def test_personal_data_and_keys_are_both_masked_in_one_value() -> None:
    masked = mask_log_value(f"/v1/route?email=budi.fiktif%40example.com&api_key={KEY}")
    assert KEY not in masked
    assert "budi.fiktif" not in masked
    assert "api_key=[RAHASIA]" in masked


def test_an_access_log_record_keeps_its_arguments_and_loses_the_key() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:50000", "GET", f"/v1/model?token={KEY}", "1.1", 200),
        None,
    )
    assert UvicornMasking().filter(record)
    assert record.getMessage() == '127.0.0.1:50000 - "GET /v1/model?token=[RAHASIA] HTTP/1.1" 200'
