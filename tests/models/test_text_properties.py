"""Property tests: any Unicode string goes through the text pipeline without an exception."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.cues import find_cues
from models.text import analyse, mask_personal_data, normalise

NIK = st.from_regex(r"\A[1-9][0-9]{15}\Z", fullmatch=True)
PHONE = st.from_regex(r"\A08[1-9][0-9]{7,10}\Z", fullmatch=True)
EMAIL = st.from_regex(r"\A[a-z]{1,8}\.[a-z]{1,8}@[a-z]{2,8}\.(com|id|net)\Z", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_is_analysed(text: str) -> None:
    result = analyse(text)
    assert len(result.tokens) == len(result.stems)
    assert all(isinstance(t, str) and t for t in result.tokens)
    assert isinstance(find_cues(result.expanded), list)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="latin-1")), st.text())
def test_mojibake_like_input_does_not_break_normalise(a: str, b: str) -> None:
    assert isinstance(normalise(a + "\u00e2\u20ac" + b), str)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), NIK, PHONE, EMAIL, st.text(max_size=40))
def test_personal_data_never_survives_masking(before: str, nik: str, phone: str, email: str, after: str) -> None:
    text = f"{before} NIK {nik} hp {phone} email {email} {after}"
    masked = mask_personal_data(text)
    assert nik not in masked
    assert phone not in masked
    assert email not in masked
    analysed = analyse(text)
    for value in (nik, phone, email):
        assert value not in analysed.expanded
        assert value not in " ".join(analysed.tokens)


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_masking_is_idempotent(text: str) -> None:
    once = mask_personal_data(text)
    assert mask_personal_data(once) == once


def test_no_sixteen_digit_run_survives_normalise() -> None:
    text = "nik:3578012345678901, kk 3578-0123-4567-8901."
    assert not re.search(r"\d{16}", normalise(text).replace("-", "").replace(" ", ""))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789 .-+()@abcxyz\u00e9"), max_size=120))
def test_mask_guards_never_skip_a_match(text: str) -> None:
    """The cheap guards (digit counts, substring hints) decide only whether a pattern runs."""
    from models import text as module

    expected = module._EMAIL_RE.sub("[EMAIL]", text)
    expected = module._URL_RE.sub("[URL]", expected) if module._URL_HINT_RE.search(expected) else expected
    expected = module._PHONE_RE.sub("[TELEPON]", module._NIK_RE.sub("[NIK]", expected))
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3578012345678901", "[NIK]"),
        ("13578012345678901", "13578012345678901"),  # 17 digits: not a NIK
        ("nik 3578.0123.4567.8901.", "nik [NIK]."),
        ("a3578012345678901", "a[NIK]"),
        ("08123456789", "[TELEPON]"),
        ("+6281234567890", "[TELEPON]"),
        ("6281234567890", "[TELEPON]"),
        ("x+6281234567890", "x+6281234567890"),  # glued to a word: not a number of its own
        ("a08123456789", "a08123456789"),
        ("++6281234567890", "++6281234567890"),
        ("(031) 567 8901", "[TELEPON]"),
        ("\u0663" * 16, "[NIK]"),  # digits of any script count
    ],
)
def test_nik_and_phone_boundaries(raw: str, expected: str) -> None:
    assert mask_personal_data(raw) == expected


def test_nik_written_digit_by_digit_is_masked() -> None:
    nik = " ".join("3578012345678901")
    assert "[NIK]" in mask_personal_data(f"nik saya {nik} mohon dibantu")
