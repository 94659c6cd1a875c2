"""Masking takes time linear in the length of the text, whatever the text holds.

Every complaint, every free-text field and every logged query string goes through
:func:`models.text.mask_personal_data`, with no key needed, up to the API's length limit (20,000 characters).
A backtracking regex that can fail after a long scan from every position of a run is quadratic there: before
this test, ``".com " + "a-" * 9990`` took 25 s. Here each adversarial family (long runs of each character class
around each trigger of the patterns) is masked at length n and 4n; linear time gives a ratio near 4, quadratic
near 16. The bound (7) leaves room for timer noise on a loaded machine.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from models.stem import analysis_budget
from models.text import analyse, mask_personal_data, normalise

TRIGGERS = (".com", ".id", ".go.id", "www.", "http://", "@", "+62", "62", "0", "(031)", "1", ".", "-", "_")
FILLERS = ("a", "a-", "a.", "-.", "1", "1-", "1 ", "a@", "@a", ".a", "_a", "é", " ", "a.com", "0812")
SHAPES: dict[str, Callable[[str, str, int], str]] = {
    "trigger_then_run": lambda trigger, filler, n: trigger + " " + filler * (n // len(filler)),
    "run_then_trigger": lambda trigger, filler, n: filler * (n // len(filler)) + trigger,
    "interleaved": lambda trigger, filler, n: (filler + trigger) * (n // (len(filler) + len(trigger))),
}
SMALL, LARGE = 2_500, 10_000
RATIO_BOUND = 7.0


def _best_time(function: Callable[[str], object], text: str, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        function(text)
        best = min(best, time.perf_counter() - started)
    return best


def _growth(function: Callable[[str], object], make: Callable[[int], str]) -> float:
    small, large = make(SMALL), make(LARGE)
    # a floor of 50 us keeps trivially fast cases (a guard that skips the regex) from dividing noise by noise
    return max(_best_time(function, large), 5e-5) / max(_best_time(function, small), 5e-5)


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("trigger", TRIGGERS)
def test_masking_time_grows_linearly(shape: str, trigger: str) -> None:
    slow = {}
    for filler in FILLERS:
        # the lowest of three measurements: pauses of a loaded machine only ever raise a ratio, while a
        # quadratic pattern gives about 16 every time
        ratios = []
        for _ in range(3):
            ratios.append(_growth(mask_personal_data, lambda n, f=filler: SHAPES[shape](trigger, f, n)))
            if ratios[-1] <= RATIO_BOUND:
                break
        if min(ratios) > RATIO_BOUND:
            slow[filler] = round(min(ratios), 1)
    assert not slow, f"masking grows faster than linearly ({LARGE // SMALL}x the length) for {shape}/{trigger}: {slow}"


@pytest.mark.parametrize(
    "text",
    [
        ".com " + "a-" * 9990,
        "a" * 19998 + "@a",
        "www." + "a" * 19_996,
        "x@" + "a." * 9_999,
        "+62 " * 5_000,
    ],
    ids=["url-dashes", "email-tail", "www-run", "email-dots", "phone-prefixes"],
)
def test_the_reported_texts_are_analysed_whole(text: str) -> None:
    """The texts of the report are read to the end (nothing is cut to save time) within a tight budget."""
    with analysis_budget(5.0):
        analysed = analyse(text)
    assert isinstance(analysed.expanded, str)
    assert len(normalise(text)) > 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("lihat x_foo.com ya", "lihat x_[URL] ya"),
        ("--contoh.com", "[URL]"),
        ("a..contoh.com", "a..[URL]"),
        ("surat ke a@b@contoh.co.id", "surat ke a@[EMAIL]"),
        ("situs kota.go.id/lapor dan www.kota.id", "situs [URL] dan [URL]"),
        ("bukan.domain", "bukan.domain"),
    ],
)
def test_run_start_patterns_still_mask_what_they_should(raw: str, expected: str) -> None:
    assert mask_personal_data(raw) == expected
