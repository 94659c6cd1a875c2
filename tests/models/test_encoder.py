"""ChunkEncoder: the one implementation of the router's features, fitted and applied a chunk at a time."""

from __future__ import annotations

import csv
import math
import pickle
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from models import tokentable
from models.cues import load_cues
from models.encoder import ChunkEncoder
from models.minhash import content_hashes
from models.router import ComplaintRouter
from models.tokentable import char_wb_ngrams
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

# Words of at most three letters are their own stems (models.stem), so the expected vocabulary of these
# texts can be written down: unigrams and bigrams of the words, char_wb n-grams of each word.
TINY = ["abu abu air", "air api", "api air bus", "tol"]


def _sample_texts(samples_csv: Path) -> list[str]:
    with open(samples_csv, encoding="utf-8", newline="") as fh:
        return [row["teks"] for row in csv.DictReader(fh)]


def _assert_equal(a: sp.csr_matrix, b: sp.csr_matrix) -> None:
    assert a.shape == b.shape
    assert a.dtype == b.dtype
    assert (a != b).nnz == 0  # equal to the last bit, not merely close


def _tfidf(counts: dict[str, int], df: dict[str, int], n_texts: int) -> dict[str, float]:
    """Sublinear tf, smooth idf, l2 norm: scikit-learn's TfidfVectorizer formula written out."""
    raw = {g: (1 + math.log(c)) * (math.log((1 + n_texts) / (1 + df[g])) + 1) for g, c in counts.items() if g in df}
    norm = math.sqrt(sum(v * v for v in raw.values()))
    return {g: v / norm for g, v in raw.items()}


def test_word_vocabulary_idf_and_weights_follow_the_tfidf_formula() -> None:
    encoder = ChunkEncoder(min_df=2)
    word = encoder.fit_encode(TINY).word
    df = {"air": 3, "api": 2, "api air": 1, "abu": 1, "abu air": 1, "abu abu": 1, "air api": 1, "bus": 1, "tol": 1}
    kept = {g: d for g, d in df.items() if d >= 2}
    assert encoder.word_vocabulary_ == {"air": 0, "api": 1}  # sorted, min_df applied
    np.testing.assert_allclose(encoder.word_idf_, [math.log(5 / 4) + 1, math.log(5 / 3) + 1])
    expected = _tfidf({"abu": 2, "air": 1, "abu abu": 1, "abu air": 1}, kept, 4)
    assert word[0].toarray()[0].tolist() == pytest.approx([expected["air"], 0.0], rel=1e-6)
    assert word[3].nnz == 0  # "tol": no kept n-gram
    both = _tfidf({"api": 1, "air": 1, "bus": 1, "api air": 1, "air bus": 1}, kept, 4)
    assert word[2].toarray()[0].tolist() == pytest.approx([both["air"], both["api"]], rel=1e-6)


def test_min_df_one_keeps_bigrams_and_char_grams_of_each_word() -> None:
    encoder = ChunkEncoder(min_df=1, char_ngram_range=(2, 3)).fit(TINY)
    assert {"abu abu", "abu air", "air api", "api air", "air bus"} <= set(encoder.word_vocabulary_)
    assert set(encoder.char_vocabulary_) == {g for t in TINY for w in t.split() for g in char_wb_ngrams(w, 2, 3)}
    names = encoder.get_feature_names_out()
    assert names[: len(encoder.word_vocabulary_)].tolist() == sorted(encoder.word_vocabulary_)
    assert names[len(encoder.word_vocabulary_) :].tolist() == sorted(encoder.char_vocabulary_)


def test_char_wb_ngrams_pad_each_word() -> None:
    assert char_wb_ngrams("air", 2, 3) == [" a", "ai", "ir", "r ", " ai", "air", "ir "]
    assert char_wb_ngrams("a", 2, 5) == [" a", "a ", " a "]  # shorter than n: counted once


def test_fit_encode_equals_encode_after_fit(samples_csv: Path) -> None:
    """The learning table of fit and the fixed table of prediction read the training texts alike."""
    texts = _sample_texts(samples_csv) + EDGE_TEXTS
    encoder = ChunkEncoder()
    fitted = encoder.fit_encode(texts)
    again = encoder.encode(texts)
    _assert_equal(fitted.word, again.word)
    _assert_equal(fitted.char, again.char)
    _assert_equal(fitted.cues, again.cues)
    assert fitted.has_tokens.tolist() == again.has_tokens.tolist()
    assert encoder.transform(texts).shape == (len(texts), len(encoder.get_feature_names_out()))


def test_encoder_is_a_scikit_learn_estimator(samples_csv: Path) -> None:
    frame = pd.read_csv(samples_csv, dtype=str, keep_default_na=False)
    texts, labels = frame["teks"].tolist(), frame["opd"].tolist()
    encoder = ChunkEncoder(min_df=3)
    assert clone(encoder).get_params() == encoder.get_params()
    once = ChunkEncoder().fit(texts)
    twice = ChunkEncoder().fit(texts[::-1][:50]).fit(texts)
    assert once.word_vocabulary_ == twice.word_vocabulary_ and once.char_vocabulary_ == twice.char_vocabulary_
    _assert_equal(once.transform(texts[:40]), twice.transform(texts[:40]))
    copy = pickle.loads(pickle.dumps(once))
    _assert_equal(copy.transform(texts[:40]), once.transform(texts[:40]))
    pipeline = Pipeline([("features", ChunkEncoder()), ("clf", LogisticRegression(max_iter=500))])
    search = GridSearchCV(pipeline, {"features__min_df": [1, 2]}, cv=2).fit(texts, labels)
    assert search.best_estimator_.predict(texts[:3]).shape == (3,)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"word_ngram_range": (1, 3)}, "word n-grams support n <= 2"),
        ({"char_ngram_range": (3, 2)}, "char_ngram_range must be"),
        ({"min_df": 9}, "no word n-gram occurs in at least min_df=9"),
    ],
)
def test_bad_parameters_are_named(params: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ChunkEncoder(**params).fit(TINY)  # type: ignore[arg-type]


def test_encoder_table_starts_over_when_full(sample_router: ComplaintRouter, samples_csv: Path) -> None:
    texts = _sample_texts(samples_csv)
    small = pickle.loads(pickle.dumps(sample_router.features_))
    small.table_limit = 50
    for start in range(0, 120, 30):
        _assert_equal(
            small.transform(texts[start : start + 30]), sample_router.features_.transform(texts[start : start + 30])
        )
    assert len(small._fixed().table) < 2000


def test_encoder_of_no_texts(sample_router: ComplaintRouter) -> None:
    encoded = sample_router.features_.encode([])
    assert encoded.features.shape[0] == 0
    assert encoded.cues.shape[0] == 0
    assert sample_router.route([]).top.shape[0] == 0
    assert sample_router.suggest([]) == []


def test_encoder_stems_come_from_the_stored_table(sample_router: ComplaintRouter) -> None:
    encoder = pickle.loads(pickle.dumps(sample_router.features_))
    # A table that maps a word to a stem Sastrawi would never give shows the table is read first.
    token = "pengaduan"
    stem = next(iter(encoder.word_vocabulary_))  # any stem the word features know
    encoder.stem_table_ = {token: stem}
    encoded = encoder.encode([token])
    assert encoded.word[0, encoder.word_vocabulary_[stem]] > 0
    assert sample_router.stem_table_, "training stores the stems of its words"
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in sample_router.stem_table_.items())


def test_cue_hits_name_the_danger() -> None:
    encoder = ChunkEncoder(min_df=1).fit(["banjir masuk rumah", "minta paving"])
    encoded = encoder.encode(["banjir masuk rumah", "minta paving"], explain=True)
    assert encoded.cues.shape == (2, len(load_cues()))
    assert encoded.cues[0].sum() >= 1 and encoded.cue_phrases[0]
    assert encoded.cues[1].sum() == 0 and encoded.cue_phrases[1] == ()


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


def test_large_tables_pickle_as_blobs_and_come_back_equal(sample_router: ComplaintRouter) -> None:
    encoder = sample_router.features_
    state = encoder.__getstate__()
    assert "word_vocabulary_" not in state and isinstance(state["_packed_"]["word_vocabulary_"], bytes)
    assert "_fixed_state" not in state
    copy = pickle.loads(pickle.dumps(sample_router))
    assert copy.features_.word_vocabulary_ == encoder.word_vocabulary_
    assert copy.stem_table_ == sample_router.stem_table_
    assert copy.word_terms_.tolist() == sample_router.word_terms_.tolist()


@pytest.mark.parametrize(("corpus", "rows"), [("surabaya", 3000), ("lapor_nasional", 1500)])
def test_real_complaints_in_chunks_equal_one_chunk(sample_router: ComplaintRouter, corpus: str, rows: int) -> None:
    """Real complaints (mojibake, emoji, NIKs, long texts): the table grown chunk by chunk reads them as
    a fresh table reading them all at once."""
    texts = pd.read_csv(shared_data_or_skip() / corpus / "dev.csv", usecols=["teks"], dtype=str)["teks"]
    texts = texts.fillna("").tolist()[:rows]
    chunked = pickle.loads(pickle.dumps(sample_router.features_))
    whole = pickle.loads(pickle.dumps(sample_router.features_)).encode(texts)
    parts = [chunked.encode(texts[start : start + 500]) for start in range(0, len(texts), 500)]
    _assert_equal(sp.vstack([p.features for p in parts], format="csr"), whole.features)
    _assert_equal(sp.vstack([p.cues for p in parts], format="csr"), whole.cues)


def test_encoder_without_cue_bits_gives_the_same_hits(
    sample_router: ComplaintRouter, samples_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More cues than bits in a word: every text goes through the cue prefilter of models.cues instead."""
    texts = EDGE_TEXTS + _sample_texts(samples_csv)[:120]
    expected = sample_router.features_.encode(texts, explain=True)
    monkeypatch.setattr(tokentable, "_MAX_BIT_CUES", 0)
    encoder = pickle.loads(pickle.dumps(sample_router.features_))
    assert not encoder._fixed().table._cue_bits
    encoded = encoder.encode(texts, explain=True)
    _assert_equal(encoded.cues, expected.cues)
    assert encoded.cue_phrases == expected.cue_phrases
    assert expected.cues.nnz > 5


def test_warmed_table_reads_real_complaints_as_a_cold_one(
    sample_router: ComplaintRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new table first works out the training words (so a complaint pays only for unseen words); what
    it reads afterwards is the same to the last bit as a table that met every word in the complaints."""
    texts = pd.read_csv(shared_data_or_skip() / "surabaya" / "dev.csv", usecols=["teks"], dtype=str)["teks"]
    texts = texts.fillna("").tolist()[:2000]
    warm = pickle.loads(pickle.dumps(sample_router.features_))
    assert len(warm._fixed().table) >= len(warm.stem_table_) > 0  # warmed before reading any complaint
    monkeypatch.setattr(ChunkEncoder, "_warm", lambda self, table: None)
    cold = pickle.loads(pickle.dumps(sample_router.features_))
    assert len(cold._fixed().table) == 0
    for start in range(0, len(texts), 250):
        a = warm.encode(texts[start : start + 250], explain=True)
        b = cold.encode(texts[start : start + 250], explain=True)
        _assert_equal(a.features, b.features)
        _assert_equal(a.cues, b.cues)
        assert a.surface == b.surface
        assert a.cue_phrases == b.cue_phrases


def test_read_words_are_the_content_hashes_of_each_text(sample_router: ComplaintRouter, samples_csv: Path) -> None:
    # what --duplicates hashes instead of reading each text a second time (models.minhash.prepare_words)
    texts = EDGE_TEXTS + _sample_texts(samples_csv)[:200]
    read = sample_router.features_.encode(texts).read
    assert read is not None
    words, ends = read.content_words()
    assert words.dtype == np.uint32 and len(ends) == len(texts)
    by_text = np.split(words, ends[:-1])
    assert [w.tolist() for w in by_text] == [content_hashes(t) for t in texts]
    assert sum(len(w) for w in by_text) > 2000
