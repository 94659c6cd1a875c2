"""``KnownStemGate`` never turns away a word that stems to one of its stems, and skipping the words it turns
away leaves the features unchanged.

The strongest form of the claim is checked: a gate over the whole PySastrawi dictionary (every root the
stemmer can return) against PySastrawi itself, on every distinct word of data/samples, of PySastrawi's own
test vectors and, where ../shared/data is present, of the real corpora (read at test time, never stored).
"""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from models.router import ComplaintRouter
from models.stem import sastrawi_stemmer, stem_word
from models.stemgate import SUFFIX_CUTS, KnownStemGate
from models.text import tokenize
from tests.conftest import SHARED_DATA

VECTORS = SHARED_DATA.parent / "peer" / "sastrawi_vectors.tsv"


def _words(samples_csv_text: list[str]) -> set[str]:
    texts = list(samples_csv_text)
    if VECTORS.is_file():
        with open(VECTORS, encoding="utf-8", newline="") as fh:
            texts += [row["input"] for row in csv.DictReader(fh, delimiter="\t")]
    for name in ("surabaya/train.csv", "surabaya/dev.csv", "lapor_nasional/train.csv", "lapor_nasional/dev.csv"):
        path = SHARED_DATA / name
        if path.is_file():
            texts += pd.read_csv(path, usecols=["teks"], dtype=str, keep_default_na=False)["teks"].tolist()
    words: set[str] = set()
    for text in texts:
        words.update(tokenize(text))
    return words


@pytest.fixture(scope="module")
def sample_texts(samples_csv) -> list[str]:  # type: ignore[no-untyped-def]
    return pd.read_csv(samples_csv, dtype=str, keep_default_na=False)["teks"].tolist()


def test_the_gate_lets_through_every_word_that_stems_to_a_known_root(sample_texts: list[str]) -> None:
    roots = set(sastrawi_stemmer().dictionary.words)
    gate = KnownStemGate(roots)
    words = _words(sample_texts)
    assert len(words) > 500
    missed = [w for w in words if not gate.may_reach(w) and stem_word(w) in roots]
    assert missed == [], f"{len(missed)} words stem to a known root but the gate turned them away"
    # The gate must also turn words away, or it saves nothing.
    turned_away = sum(not gate.may_reach(w) for w in words)
    assert turned_away > 0.1 * len(words)


@pytest.mark.parametrize(
    ("word", "reaches"),
    [
        ("menyapu", True),  # meny-apu -> sapu: one letter put back
        ("pelajarannya", True),  # pe-l-ajar-an-nya
        ("gemetar", True),  # infix -em-: getar
        ("jalan", True),  # itself
        ("kuambil", True),  # ku- ambil
        ("sumarnoxyz", False),  # no rule starts it, and no suffix cut leaves a root
        ("zzzkan", False),
    ],
)
def test_the_gate_on_words_of_each_kind(word: str, reaches: bool) -> None:
    gate = KnownStemGate({"sapu", "ajar", "getar", "jalan", "ambil"})
    assert gate.may_reach(word) is reaches
    if not reaches:
        assert stem_word(word) not in gate.stems


def test_suffix_cuts_hold_every_combination_once() -> None:
    assert len(SUFFIX_CUTS) == len(set(SUFFIX_CUTS))
    assert {"", "kannya", "annyalah", "isasi", "ilah"} <= set(SUFFIX_CUTS)
    assert list(SUFFIX_CUTS) == sorted(SUFFIX_CUTS, key=len, reverse=True)


def test_skipping_turned_away_words_leaves_the_features_unchanged(
    sample_router: ComplaintRouter, sample_texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [*sample_texts, "menyapu jalan dengan sumarnoxyz", "wargaqqq mengeluhkannya berkali-kali"]
    if (SHARED_DATA / "surabaya" / "dev.csv").is_file():
        frame = pd.read_csv(SHARED_DATA / "surabaya" / "dev.csv", usecols=["teks"], dtype=str, keep_default_na=False)
        texts += frame["teks"].tolist()[:1500]
    gated = sample_router.features_.__class__(**sample_router.features_.get_params())
    gated.__setstate__(sample_router.features_.__getstate__())  # a fresh copy: its own token table
    ungated = sample_router.features_.__class__(**sample_router.features_.get_params())
    ungated.__setstate__(sample_router.features_.__getstate__())
    with_gate = gated.encode(texts, explain=True)
    monkeypatch.setattr(KnownStemGate, "may_reach", lambda self, word: True)
    without_gate = ungated.encode(texts, explain=True)
    for block in ("word", "char", "cues"):
        a, b = getattr(with_gate, block), getattr(without_gate, block)
        assert (a != b).nnz == 0 and np.array_equal(a.indices, b.indices), block
    assert with_gate.surface == without_gate.surface
