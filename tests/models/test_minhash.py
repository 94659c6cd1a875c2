"""models.minhash: shingles, MinHash signatures against exact Jaccard, band keys stable across processes."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from models.minhash import (
    band_keys,
    content_hashes,
    jaccard,
    prepare,
    prepare_words,
    shingles,
    signatures,
    word_hash,
)

TEXT = "Jalan di depan SDN 3 Kenjeran berlubang besar, sudah dua motor jatuh minggu ini"


def test_content_hashes_read_the_text_as_the_router_does() -> None:
    # case, spacing, slang and stopwords do not change the words
    assert content_hashes(TEXT) == content_hashes(
        "JALAN  di depan sdn 3 kenjeran berlubang besar, udah dua motor jatuh minggu ini"
    )
    assert content_hashes("yang dan di") == []
    assert content_hashes("jalan rusak") == [word_hash("jalan"), word_hash("rusak")]


def test_shingles_are_words_and_adjacent_pairs() -> None:
    pairs, both = shingles([1, 2, 3])
    assert len(pairs) == 2
    assert both == pairs | {1, 2, 3}
    assert shingles([7]) == (set(), {7})
    assert shingles([]) == (set(), set())


def test_minhash_agreement_estimates_the_exact_jaccard() -> None:
    rng = np.random.default_rng(0)
    values = [word_hash(f"kata{i}") for i in rng.permutation(400).tolist()]
    a, b = set(values[:300]), set(values[100:400])  # Jaccard 200 / 400 = 0.5
    sig = signatures([a, b], 256)
    assert jaccard(a, b) == pytest.approx(0.5)
    assert np.mean(sig[0] == sig[1]) == pytest.approx(0.5, abs=0.1)


def test_signatures_of_a_chunk_equal_signatures_one_by_one() -> None:
    sets = [shingles(content_hashes(t))[1] for t in (TEXT, "", "sampah menumpuk di pasar", TEXT.lower())]
    sets.append(set(range(1, 30_000)))  # one set larger than a block
    together = signatures(sets, 48)
    alone = np.vstack([signatures([s], 48) for s in sets])
    assert np.array_equal(together, alone)
    assert (together[1] == 0xFFFFFFFF).all()
    assert np.array_equal(together[0], together[3])


def test_prepare_flattens_each_text() -> None:
    prepared = prepare([TEXT, "", "jalan rusak"], bands=4, rows_per_band=2)
    assert len(prepared) == 3 and prepared.keys.shape == (3, 4)
    words, pairs, both = prepared.row(2)
    assert words.tolist() == content_hashes("jalan rusak")
    assert set(both.tolist()) == shingles(content_hashes("jalan rusak"))[1]
    assert len(pairs) == 1
    assert [len(part) for part in prepared.row(1)] == [0, 0, 0]


_KEYS_SCRIPT = (
    "from models.minhash import prepare\n"
    "print(prepare(['jalan rusak parah di kenjeran'], bands=4, rows_per_band=2).keys.tolist())\n"
)


def test_band_keys_are_the_same_in_every_process() -> None:
    # CRC-32 word hashes and a seeded permutation, not Python's per-process hash(): keys can be stored
    runs = [
        subprocess.run(
            [sys.executable, "-c", _KEYS_SCRIPT],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    ]
    here = prepare(["jalan rusak parah di kenjeran"], bands=4, rows_per_band=2).keys.tolist()
    assert runs[0] == runs[1] == f"{here}\n"
    assert band_keys(signatures([{1, 2}], 4), 2).shape == (1, 2)


def test_prepare_words_equals_prepare_of_the_texts() -> None:
    texts = [TEXT, "", "yang dan di", "jalan rusak", "jalan", TEXT.upper() + " jalan rusak jalan rusak"]
    plain = prepare(texts, bands=6, rows_per_band=2)
    hashes = [content_hashes(t) for t in texts]
    words = np.asarray([h for text in hashes for h in text], dtype=np.uint32)
    given = prepare_words(words, np.cumsum([len(h) for h in hashes]), bands=6, rows_per_band=2)
    assert np.array_equal(plain.keys, given.keys)
    for i, text in enumerate(texts):
        pairs, both = shingles(content_hashes(text))
        assert [part.tolist() for part in given.row(i)] == [part.tolist() for part in plain.row(i)]
        assert set(given.row(i)[1].tolist()) == pairs and set(given.row(i)[2].tolist()) == both
        assert len(given.row(i)[2]) == len(both)  # each shingle once
    # TEXT's pairs, then (last word, jalan), (jalan, rusak), (rusak, jalan): the second (jalan, rusak) not again
    assert len(given.row(5)[1]) == len(content_hashes(TEXT)) - 1 + 3
