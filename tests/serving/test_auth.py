"""API keys and /admin session tokens."""

from __future__ import annotations

import pytest

from serving.auth import FailureThrottle, check_key, make_session, matches_any, new_session_id, session_id_of
from serving.errors import UnauthorizedError

KEYS = ["kunci-pertama-123", "kunci-kedua-456"]


@pytest.mark.parametrize("key", KEYS)
def test_any_configured_key_matches(key: str) -> None:
    assert matches_any(key, KEYS)
    check_key(key, KEYS)


@pytest.mark.parametrize(
    ("candidate", "keys", "message"),
    [
        (None, KEYS, "an API key is required"),
        ("", KEYS, "an API key is required"),
        ("kunci-pertama-12", KEYS, "the API key is not valid"),
        ("kunci-pertama-1234", KEYS, "the API key is not valid"),
        ("kunci-pertama-123", [], "no API keys configured"),
        ("kunci-ñ-123", KEYS, "the API key is not valid"),
    ],
)
def test_check_key_refuses(candidate: str | None, keys: list[str], message: str) -> None:
    with pytest.raises(UnauthorizedError, match=message):
        check_key(candidate, keys)


def test_a_session_token_names_its_id_only_when_a_configured_key_signed_it() -> None:
    session_id = new_session_id()
    token = make_session(KEYS[1], session_id)
    assert KEYS[1] not in token
    assert session_id_of(token, KEYS) == session_id
    assert session_id_of(token, [KEYS[0]]) is None  # its key was removed
    assert session_id_of(token, []) is None


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "abc",
        "1000000.",
        "x.y",
        "1000000.00ff",
        "1" * 5000 + ".abc",
        "\xb2.abc",
        "\xb2" * 43 + "." + "0" * 64,
        "١٢٣.abc",
        "A" * 43 + "." + "0" * 64,
        "A" * 43 + "." + "0" * 64 + "\n",
        "A" * 44 + "." + "0" * 64,
        "A" * 43 + "." + "0" * 63 + "\u0660",
    ],
)
def test_malformed_or_forged_session_tokens_name_no_session(token: str | None) -> None:
    assert session_id_of(token, KEYS) is None


def test_a_session_token_with_another_id_is_refused() -> None:
    _, _, signature = make_session(KEYS[0], new_session_id()).partition(".")
    assert session_id_of(f"{new_session_id()}.{signature}", KEYS) is None
    assert session_id_of(f"{new_session_id()}.{signature.upper()}", KEYS) is None


def test_login_throttle_counts_failures_per_address_within_the_window() -> None:
    throttle = FailureThrottle(max_failures=3, window_seconds=60)
    for second in (0, 10, 20):
        assert throttle.retry_after("10.0.0.1", now=second) == 0
        throttle.failed("10.0.0.1", now=second)
    assert throttle.retry_after("10.0.0.1", now=30) == 30  # until the failure at 0 is 60 s old
    assert throttle.retry_after("10.0.0.2", now=30) == 0  # other addresses are not affected
    assert throttle.retry_after("10.0.0.1", now=60) == 0
    throttle.succeeded("10.0.0.1")
    assert throttle.retry_after("10.0.0.1", now=61) == 0


def test_login_throttle_can_be_turned_off() -> None:
    throttle = FailureThrottle(max_failures=0)
    for second in range(100):
        throttle.failed("10.0.0.1", now=second)
    assert throttle.retry_after("10.0.0.1", now=100) == 0
