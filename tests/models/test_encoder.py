"""The chunk encoder gives exactly the features and cue hits of the text-by-text path."""

from __future__ import annotations

import csv
import pickle
import threading
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from models.cues import cue_matrix
from models.encoder import ChunkEncoder
from models.router import ComplaintRouter
from models.text import analyse, normalise, token_runs, tokenize, words_of_run
from tests.conftest import shared_data_or_skip

EDGE_TEXTS = [
    "",
    "   ",
    "123 456 7890",
    "yang dan di ke",  # stopwords only
    "Banjir masuk rumah warga setinggi lutut, mohon SEGERA!!!",
    "tapi sapi petugas datang gpp sih, yg penting aman",  # trigger parts inside other words, slang
    "NIK 3578012345678901 hp 0812-3456-7890 email a.b@contoh.co.id www.contoh.go.id",
    "jalan2 rusakkkk parahhh di rt03 rw005 km12",
    "Jalan berlubang \u2013 \u201cbahaya\u201d buat motor \U0001f64f",
    "jalan rusak \u00e2\u20ac\u0153parah\u00e2\u20ac\u009d caf\u00c3\u00a9",  # mojibake
    "KABEL PLN PUTUS menjuntai, ada korban tersetrum",
    "_url_ [url] [NIK] _x_ a_b __ 12ab34cd",
    "pohon tumbang menimpa rumah, tidak ada korban " * 40,
]


def _sample_texts(samples_csv: Path) -> list[str]:
    with open(samples_csv, encoding="utf-8", newline="") as fh:
        return [row["teks"] for row in csv.DictReader(fh)]


def _text_by_text(router: ComplaintRouter, texts: list[str]) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]:
    analysed = [analyse(t) for t in texts]
    return (
        router.features_.transform(analysed),
        cue_matrix([a.expanded for a in analysed]),
        np.asarray([bool(a.tokens) for a in analysed]),
    )


def _encoder(router: ComplaintRouter, **kwargs: object) -> ChunkEncoder:
    word, char = (step for _, step in router.features_.transformer_list)
    return ChunkEncoder(word, char, router.stem_table_, **kwargs)  # type: ignore[arg-type]


def _assert_same(router: ComplaintRouter, encoder: ChunkEncoder, texts: list[str]) -> None:
    encoded = encoder.encode(texts)
    features, cues, has_tokens = _text_by_text(router, texts)
    assert encoded.features.shape == features.shape
    assert (encoded.features != features).nnz == 0  # equal to the last bit, not merely close
    assert encoded.features.dtype == features.dtype
    assert (encoded.cues != cues).nnz == 0
    assert encoded.has_tokens.tolist() == has_tokens.tolist()


def test_encoder_equals_text_by_text_path(sample_router: ComplaintRouter, samples_csv: Path) -> None:
    texts = EDGE_TEXTS + _sample_texts(samples_csv)
    encoder = _encoder(sample_router)
    _assert_same(sample_router, encoder, texts)
    _assert_same(sample_router, encoder, list(reversed(texts)))  # now every token comes from the table


def test_encoder_table_starts_over_when_full(sample_router: ComplaintRouter, samples_csv: Path) -> None:
    texts = _sample_texts(samples_csv)
    encoder = _encoder(sample_router, table_limit=50)
    for start in range(0, 120, 30):
        _assert_same(sample_router, encoder, texts[start : start + 30])
    assert len(encoder._raw_id) < 2000


def test_encoder_of_no_texts(sample_router: ComplaintRouter) -> None:
    encoded = _encoder(sample_router).encode([])
    assert encoded.features.shape[0] == 0
    assert encoded.cues.shape[0] == 0
    assert sample_router.route([]).top.shape[0] == 0
    assert sample_router.suggest([]) == []


def test_encoder_stems_come_from_the_stored_table(sample_router: ComplaintRouter) -> None:
    word, char = (step for _, step in sample_router.features_.transformer_list)
    # A table that maps a word to a stem Sastrawi would never give shows the table is read first.
    token = "pengaduan"
    stem = next(iter(word.vocabulary_))  # any stem the word features know
    encoded = ChunkEncoder(word, char, {token: stem}).encode([token])
    assert encoded.word[0, word.vocabulary_[stem]] > 0
    assert sample_router.stem_table_, "training stores the stems of its words"
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in sample_router.stem_table_.items())


def test_router_pickles_without_its_encoder(sample_router: ComplaintRouter) -> None:
    sample_router.route(["jalan rusak"])  # builds the encoder and the folded heads
    assert "_prepared_cache" in sample_router.__dict__
    clone = pickle.loads(pickle.dumps(sample_router))
    assert "_prepared_cache" not in clone.__dict__
    text = ["jalan rusak berlubang"]
    assert clone.predict(text).tolist() == sample_router.predict(text).tolist()


def test_route_agrees_with_suggest(sample_router: ComplaintRouter, samples_csv: Path) -> None:
    texts = [*_sample_texts(samples_csv)[:60], "yang dan"]
    routing = sample_router.route(texts)
    suggestions = sample_router.suggest(texts, explain=False)
    for i, s in enumerate(suggestions):
        assert s.top_opd == sample_router.classes_[routing.top[i, 0]]
        assert s.top_score == pytest.approx(routing.top_scores[i, 0])
        assert s.needs_review == bool(routing.needs_review[i])
        assert routing.urgency is not None and s.urgency == routing.urgency[i]
    assert bool(routing.needs_review[-1])  # no token left after stopwords: always reviewed


def test_concurrent_threads_get_the_same_answers(sample_router: ComplaintRouter, samples_csv: Path) -> None:
    texts = _sample_texts(samples_csv)
    expected = sample_router.predict_proba(texts)
    fresh = pickle.loads(pickle.dumps(sample_router))  # an empty token table that the threads grow together
    results: list[np.ndarray] = []
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            order = texts[offset:] + texts[:offset]
            proba = fresh.predict_proba(order)
            results.append(np.vstack([proba[len(texts) - offset :], proba[: len(texts) - offset]]))
        except BaseException as error:  # noqa: BLE001 - handed to the main thread and re-raised there
            errors.append(error)

    threads = [threading.Thread(target=work, args=(offset,)) for offset in (0, 37, 101, 211)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    assert len(results) == 4
    for proba in results:
        np.testing.assert_array_equal(proba, expected)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_token_runs_give_the_tokens_of_any_text(text: str) -> None:
    runs = token_runs(text)
    assert list(chain.from_iterable(map(words_of_run, runs))) == tokenize(normalise(text))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("abjnru0123456789 _-.,@[]()+\n\u00e9\u00e2\u20ac")))
def test_token_runs_on_punctuation_and_digits(text: str) -> None:
    assert list(chain.from_iterable(map(words_of_run, token_runs(text)))) == tokenize(normalise(text))


@pytest.mark.parametrize(("corpus", "rows"), [("surabaya", 3000), ("lapor_nasional", 1500)])
def test_encoder_equals_text_by_text_path_on_real_complaints(
    sample_router: ComplaintRouter, corpus: str, rows: int
) -> None:
    """Real complaints (mojibake, emoji, NIKs, long texts) through both paths, in chunks."""
    texts = pd.read_csv(shared_data_or_skip() / corpus / "dev.csv", usecols=["teks"], dtype=str)["teks"]
    texts = texts.fillna("").tolist()[:rows]
    encoder = _encoder(sample_router)
    for start in range(0, len(texts), 500):
        _assert_same(sample_router, encoder, texts[start : start + 500])


def test_large_tables_pickle_as_blobs_and_come_back_equal(sample_router: ComplaintRouter) -> None:
    word = sample_router.features_.transformer_list[0][1]
    state = word.__getstate__()
    assert "vocabulary_" not in state and isinstance(state["_packed_"]["vocabulary_"], bytes)
    assert "stem_table_" not in sample_router.__getstate__()
    copy = pickle.loads(pickle.dumps(sample_router))
    assert copy.features_.transformer_list[0][1].vocabulary_ == word.vocabulary_
    assert copy.stem_table_ == sample_router.stem_table_
    assert copy.word_terms_.tolist() == sample_router.word_terms_.tolist()


def test_encoder_without_cue_bits_gives_the_same_hits(
    sample_router: ComplaintRouter, samples_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More cues than bits in a word: every text goes through the text-by-text prefilter instead."""
    import models.encoder

    monkeypatch.setattr(models.encoder, "_MAX_BIT_CUES", 0)
    encoder = _encoder(sample_router)
    assert not encoder._cue_bits
    _assert_same(sample_router, encoder, EDGE_TEXTS + _sample_texts(samples_csv)[:120])
