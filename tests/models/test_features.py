"""TokenTfidf equals scikit-learn's TfidfVectorizer, and behaves as an estimator."""

from __future__ import annotations

import csv
import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from models.features import TokenTfidf, char_wb_ngrams
from models.text import AnalysedText, analyse


@pytest.fixture(scope="module")
def docs(samples_csv: Path) -> list[AnalysedText]:
    with open(samples_csv, encoding="utf-8", newline="") as fh:
        return [analyse(row["teks"]) for row in csv.DictReader(fh)]


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("air", [" a", "ai", "ir", "r ", " ai", "air", "ir ", " air", "air ", " air "]),
        ("a", [" a", "a ", " a "]),
    ],
)
def test_char_wb_ngrams_by_hand(token: str, expected: list[str]) -> None:
    assert char_wb_ngrams(token, 2, 5) == expected


@pytest.mark.parametrize(
    ("analyzer", "ngram_range", "min_df"),
    [("char_wb", (2, 5), 2), ("char_wb", (1, 3), 1), ("word", (1, 2), 2), ("word", (1, 1), 1), ("word", (2, 2), 2)],
)
def test_equals_sklearn_tfidf_vectorizer(
    docs: list[AnalysedText], analyzer: str, ngram_range: tuple[int, int], min_df: int
) -> None:
    def text(doc: AnalysedText) -> str:
        return doc.stemmed if analyzer == "word" else " ".join(doc.tokens)

    extra = {"token_pattern": r"\S+"} if analyzer == "word" else {}
    reference = TfidfVectorizer(
        analyzer=analyzer, ngram_range=ngram_range, min_df=min_df, sublinear_tf=True, lowercase=False, **extra
    )
    train, test = docs[:300], docs[300:]
    expected = reference.fit(map(text, train)).transform(map(text, test))
    ours = TokenTfidf(analyzer=analyzer, ngram_range=ngram_range, min_df=min_df).fit(train)
    assert list(ours.get_feature_names_out()) == list(reference.get_feature_names_out())
    for _ in range(2):  # cold, then from the cache
        np.testing.assert_allclose(ours.transform(test).toarray(), expected.toarray(), atol=1e-6)


def test_empty_text_gives_an_empty_row(docs: list[AnalysedText]) -> None:
    ours = TokenTfidf(analyzer="char_wb", ngram_range=(2, 4)).fit(docs)
    matrix = ours.transform([analyse(""), docs[0]])
    assert matrix.shape == (2, len(ours.vocabulary_))
    assert matrix[0].nnz == 0 and matrix[1].nnz > 0


def test_cache_is_not_pickled_and_results_survive(docs: list[AnalysedText]) -> None:
    ours = TokenTfidf().fit(docs)
    before = ours.transform(docs[:20]).toarray()
    again = pickle.loads(pickle.dumps(ours))
    assert "_cache" not in again.__dict__
    np.testing.assert_allclose(again.transform(docs[:20]).toarray(), before)


def test_clone_and_refit_are_stable(docs: list[AnalysedText]) -> None:
    ours = TokenTfidf(analyzer="char_wb", ngram_range=(2, 3))
    assert clone(ours).get_params() == ours.get_params()
    once = ours.fit(docs).transform(docs[:10]).toarray()
    twice = ours.fit(docs[::-1]).fit(docs).transform(docs[:10]).toarray()
    np.testing.assert_allclose(once, twice)


def test_works_in_pipeline_and_grid_search(docs: list[AnalysedText], samples_csv: Path) -> None:
    with open(samples_csv, encoding="utf-8", newline="") as fh:
        labels = [row["opd"] for row in csv.DictReader(fh)]
    pipeline = Pipeline([("tfidf", TokenTfidf()), ("clf", LogisticRegression(max_iter=500))])
    search = GridSearchCV(pipeline, {"tfidf__min_df": [1, 2]}, cv=2).fit(docs, labels)
    assert search.best_score_ > 0.3


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"analyzer": "bytes"}, 'analyzer must be "word" or "char_wb"'),
        ({"ngram_range": (3, 2)}, "1 <= low <= high"),
        ({"analyzer": "word", "ngram_range": (1, 3)}, "word n-grams support n <= 2"),
        ({"min_df": 10_000}, "no n-gram occurs in at least min_df=10000"),
    ],
)
def test_bad_parameters_are_named(docs: list[AnalysedText], params: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TokenTfidf(**params).fit(docs)  # type: ignore[arg-type]
