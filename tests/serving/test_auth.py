"""API keys and /admin session tokens."""

from __future__ import annotations

import pytest

from serving.auth import LoginThrottle, check_key, make_session, matches_any, session_is_valid
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


def test_a_session_is_valid_for_its_key_until_it_expires() -> None:
    token = make_session(KEYS[1], now=1_000_000)
    assert KEYS[1] not in token
    assert session_is_valid(token, KEYS, max_age_seconds=3600, now=1_000_100)
    assert not session_is_valid(token, KEYS, max_age_seconds=3600, now=1_003_601)
    assert not session_is_valid(token, KEYS, max_age_seconds=3600, now=999_000)
    assert not session_is_valid(token, [KEYS[0]], max_age_seconds=3600, now=1_000_100)


@pytest.mark.parametrize("token", [None, "", "abc", "1000000.", "x.y", "1000000.00ff", "1000001." + "0" * 64])
def test_malformed_or_forged_sessions_are_invalid(token: str | None) -> None:
    assert not session_is_valid(token, KEYS, max_age_seconds=3600, now=1_000_100)


def test_a_session_from_a_changed_timestamp_is_invalid() -> None:
    issued, _, signature = make_session(KEYS[0], now=1_000_000).partition(".")
    assert not session_is_valid(f"{int(issued) + 50}.{signature}", KEYS, max_age_seconds=3600, now=1_000_100)


def test_login_throttle_counts_failures_per_address_within_the_window() -> None:
    throttle = LoginThrottle(max_failures=3, window_seconds=60)
    for second in (0, 10, 20):
        assert throttle.retry_after("10.0.0.1", now=second) == 0
        throttle.failed("10.0.0.1", now=second)
    assert throttle.retry_after("10.0.0.1", now=30) == 30  # until the failure at 0 is 60 s old
    assert throttle.retry_after("10.0.0.2", now=30) == 0  # other addresses are not affected
    assert throttle.retry_after("10.0.0.1", now=60) == 0
    throttle.succeeded("10.0.0.1")
    assert throttle.retry_after("10.0.0.1", now=61) == 0


def test_login_throttle_can_be_turned_off() -> None:
    throttle = LoginThrottle(max_failures=0)
    for second in range(100):
        throttle.failed("10.0.0.1", now=second)
    assert throttle.retry_after("10.0.0.1", now=100) == 0
