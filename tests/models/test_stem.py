from __future__ import annotations

import random

import pytest

from models.stem import MAX_STEM_CHARS, AnalysisBudgetError, analysis_budget, stem_word
from models.text import analyse


def _invented_words(count: int, seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(
        "".join(rng.choice("bcdfghjklmnprstuvw") + rng.choice("aiueo") for _ in range(5)) for _ in range(count)
    )


def test_a_budget_stops_stemming_many_unknown_words() -> None:
    text = _invented_words(3_000, seed=1)
    with pytest.raises(AnalysisBudgetError, match=r"more than 0\.02 s of CPU time"), analysis_budget(0.02):
        analyse(text)


def test_a_refused_word_is_not_cached_and_no_budget_means_no_limit() -> None:
    text = _invented_words(3_000, seed=2)
    with pytest.raises(AnalysisBudgetError, match="distinct unknown words"), analysis_budget(0.02):
        analyse(text)
    analysed = analyse(text)  # outside the block: the whole text, every word stemmed
    assert len(analysed.stems) == 3_000
    with analysis_budget(None):
        assert analyse(text).stems == analysed.stems


def test_words_already_stemmed_cost_nothing_against_the_budget() -> None:
    text = _invented_words(500, seed=3)
    expected = analyse(text).stems
    with analysis_budget(1e-9):  # every word is cached now, so no Sastrawi call is made and none is refused
        assert analyse(text).stems == expected


def test_budget_is_per_block_and_restored_after() -> None:
    with analysis_budget(60.0), analysis_budget(1e-9):
        pass
    with analysis_budget(60.0):
        assert analyse(_invented_words(50, seed=4)).stems


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("jalanan", "jalan"),
        ("me" + "a" * MAX_STEM_CHARS + "kan", "me" + "a" * MAX_STEM_CHARS + "kan"),
        ("_nik_", "_nik_"),
        ("rt05", "rt05"),
    ],
)
def test_stem_word_passes_through_what_it_cannot_stem(word: str, expected: str) -> None:
    assert stem_word(word) == expected
