"""models.places: the streets and house numbers a complaint names, and when two name different spots."""

from __future__ import annotations

import numpy as np
import pytest

from models.minhash import content_hashes, pair_hash, word_hash
from models.places import house_numbers, other_spot, street_positions, streets
from models.similarity import load_common_pairs


def _streets(text: str) -> tuple[int, ...]:
    return streets(content_hashes(text), load_common_pairs())


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("lampu mati di jalan Darmo", {"darmo"}),
        ("lampu mati di Jl. Raya Darmo", {"darmo"}),  # a title is skipped
        ("di jalan Mayjend Sungkono dan jl Mayjen Sungkono", {"sungkono"}),  # both spellings of the title
        ("gang Melati dan jalan Kenanga", {"melati", "kenanga"}),  # every street, not only the first
        ("jalan Sidotopo Lor", {("sidotopo", "lor")}),  # a direction belongs to the name
        ("jalan rusak parah, penerangan jalan umum mati", set()),  # common pairs name no street
        ("di jalan Ngagel Jaya", {("ngagel", "jaya")}),  # a common street word with a qualifier does
        ("sampah menumpuk di pasar", set()),
    ],
)
def test_streets(text: str, named: set[str | tuple[str, str]]) -> None:
    expected = {
        pair_hash(word_hash(name[0]), word_hash(name[1])) if isinstance(name, tuple) else word_hash(name)
        for name in named
    }
    assert _streets(text) == tuple(sorted(expected))


def test_street_positions_find_the_street_words_of_each_text_of_a_chunk() -> None:
    texts = ["lampu mati di jalan Darmo", "sampah menumpuk di pasar", "gang Melati dan jalan Kenanga"]
    hashes = [content_hashes(t) for t in texts]
    words = np.array([h for text in hashes for h in text], dtype=np.uint32)
    ends = np.cumsum([len(h) for h in hashes])
    named = street_positions(words, ends)
    assert sorted(named) == [0, 2]
    for i, at in named.items():
        assert streets(hashes[i], load_common_pairs(), at) == streets(hashes[i], load_common_pairs())


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("rumah no 12 dan No.7, nomor: 3a", {12, 7, 3}),
        ("NMR 05", {5}),
        ("no hp 081234567890", set()),  # not after "no" directly
        ("hubungi no 081234567890", set()),  # more than four digits: a phone or case number
        ("kasino 12, nomorku 4", set()),  # "no" inside a word
        ("RT 3 RW 5", set()),
    ],
)
def test_house_numbers(text: str, numbers: set[int]) -> None:
    assert house_numbers(text) == tuple(sorted(numbers))


@pytest.mark.parametrize(
    ("mine", "theirs", "other"),
    [
        (({1}, set()), ({2}, set()), True),  # two streets
        (({1, 2}, set()), ({2}, set()), False),  # a street in common
        ((set(), {12}), (set(), {27}), True),  # two house numbers
        (({1}, {12}), ({1}, {12, 14}), False),
        (({1}, set()), (set(), {12}), False),  # nothing to compare
        ((set(), set()), ({2}, {27}), False),
    ],
)
def test_other_spot(mine: tuple[set[int], set[int]], theirs: tuple[set[int], set[int]], other: bool) -> None:
    spot = (tuple(sorted(mine[0])), tuple(sorted(mine[1])))
    their_spot = (tuple(sorted(theirs[0])), tuple(sorted(theirs[1])))
    assert other_spot(spot, their_spot) is other
