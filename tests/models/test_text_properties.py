"""Property tests: any Unicode string goes through the text pipeline without an exception."""

from __future__ import annotations

import re

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
