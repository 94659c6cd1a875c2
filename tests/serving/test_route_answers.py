"""``/v1/route`` and ``/v1/route/batch`` answer real complaints exactly as the router itself does.

The expected answers are rebuilt here for every text from the fitted router's parts: its features
(``features_.transform``, the one feature implementation), scikit-learn's own ``predict_proba`` of the
fitted heads (the API uses heads folded into plain arrays, :mod:`models.heads`), the calibrated copies'
``decision_function`` against the open-set threshold for ``review_reason``, and a slow text-by-text
reference of the explanation: the words of ``analyse`` whose stems carry the largest positive weight of
the chosen OPD in the fitted word vocabulary, and ``find_cues`` of the expanded text. Every field of the
JSON answer must be equal, scores to the six decimals the API prints. The texts are the real complaints of
../shared/data, read at test time and never stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from fastapi.testclient import TestClient

from models.cues import find_cues
from models.router import ComplaintRouter
from models.text import AnalysedText, analyse
from serving.coalesce import INLINE_CHARS
from tests.conftest import shared_data_or_skip
from tests.serving.conftest import MakeClient

_N_TERMS = 6


@pytest.fixture(scope="module")
def real_texts() -> list[str]:
    """About 3,000 real complaints: surabaya and lapor_nasional dev, whole, in file order."""
    data = shared_data_or_skip()
    texts: list[str] = []
    for name in ("surabaya/dev.csv", "lapor_nasional/dev.csv"):
        frame = pd.read_csv(data / name, usecols=["teks"], dtype=str, keep_default_na=False)
        texts += [t for t in frame["teks"] if t.strip() and len(t) <= 20_000]
    return texts


@pytest.fixture
def route_client(make_client: MakeClient) -> Iterator[TestClient]:
    with make_client() as client:
        yield client


def _slow_terms(router: ComplaintRouter, analysed: AnalysedText, row: sp.csr_matrix, class_index: int) -> list[str]:
    """The explanation of one text from its word features and its analysed tokens, one word at a time."""
    n_words = router.explain_coef_.shape[1]
    row = sp.csr_matrix(row)[:, :n_words]
    if row.nnz == 0:
        return []
    contributions = row.data * router.explain_coef_[class_index, row.indices]
    wanted: list[str] = []
    for position in np.argsort(-contributions):
        if contributions[position] <= 0 or len(wanted) >= _N_TERMS:
            break
        for stem in str(router.word_terms_[row.indices[position]]).split():
            if stem not in wanted and not stem.startswith("_"):
                wanted.append(stem)
    by_stem: dict[str, str] = {}
    for token, stem in zip(analysed.tokens, analysed.stems, strict=True):
        by_stem.setdefault(stem, token)
    return [by_stem[s] for s in wanted if s in by_stem][:_N_TERMS]


def _expected(router: ComplaintRouter, texts: list[str], ids: list[str], version: str) -> list[dict[str, Any]]:
    """The JSON answers the router's parts give (see the module docstring)."""
    analysed = [analyse(t) for t in texts]
    encoded = router.features_.encode(texts)
    Z, word, cues = encoded.features, encoded.word, encoded.cues
    P = router.opd_.predict_proba(Z)
    decision = np.mean([c.estimator.decision_function(Z) for c in router.opd_.calibrated_classifiers_], axis=0)
    assert router.urgency_ is not None and router.openset_ is not None
    U = router.urgency_.predict_proba(sp.hstack([Z, cues * router.cue_weight], format="csr"))
    levels = router.urgency_from_proba(U)
    classes = list(router.urgency_classes_)
    answers = []
    for i, a in enumerate(analysed):
        top = np.argsort(-P[i])[: router.top_k]
        unsure = bool(P[i, top[0]] < router.review_threshold_ or not a.tokens)
        outside = bool(router.openset_.score(decision[i : i + 1], Z[i])[0] < router.openset_.threshold_ and a.tokens)
        answers.append(
            {
                "id": ids[i],
                "suggestions": [{"opd": str(router.classes_[j]), "score": round(float(P[i, j]), 6)} for j in top],
                "urgency": {"level": str(levels[i]), "score": round(float(U[i, classes.index(levels[i])]), 6)},
                "needs_review": unsure or outside,
                "explanation": {
                    "opd_terms": _slow_terms(router, a, word[i], int(top[0])),
                    "urgency_cues": [phrase for _, phrase in find_cues(a.expanded)],
                },
                "model_version": version,
                "review_reason": "di_luar_cakupan" if outside else "ragu" if unsure else "",
                "unit": str(router.classes_[top[0]]),  # trained without a unit column: the unit is the OPD
            }
        )
    return answers


def test_single_route_answers_equal_the_routers_own(
    route_client: TestClient, sample_router: ComplaintRouter, real_texts: list[str]
) -> None:
    version = route_client.get("/v1/model").json()["version"]
    ids = [f"c{i}" for i in range(len(real_texts))]
    expected = _expected(sample_router, real_texts, ids, version)
    assert len(real_texts) > 2_500
    assert any(len(t) > INLINE_CHARS for t in real_texts), "long texts take the thread-pool path"
    assert sum(bool(e["explanation"]["urgency_cues"]) for e in expected) > 10, "cue phrases are compared"
    assert sum(bool(e["explanation"]["opd_terms"]) for e in expected) > 2_000, "explanations are compared"
    for suggestion, answer in zip(sample_router.suggest(real_texts), expected, strict=True):
        assert [(opd, round(score, 6)) for opd, score in suggestion.opd] == [
            (s["opd"], s["score"]) for s in answer["suggestions"]
        ]
        assert (suggestion.opd_terms, suggestion.urgency_cues) == (
            answer["explanation"]["opd_terms"],
            answer["explanation"]["urgency_cues"],
        )
        assert suggestion.needs_review == answer["needs_review"]
    for text, complaint_id, answer in zip(real_texts, ids, expected, strict=True):
        response = route_client.post("/v1/route", json={"id": complaint_id, "text": text})
        assert response.status_code == 200, response.text
        assert response.json() == answer, complaint_id


def test_batch_route_answers_equal_the_routers_own(
    route_client: TestClient, sample_router: ComplaintRouter, real_texts: list[str]
) -> None:
    version = route_client.get("/v1/model").json()["version"]
    texts = real_texts[:1_200]
    ids = [f"b{i}" for i in range(len(texts))]
    expected = _expected(sample_router, texts, ids, version)
    for start in (0, 5, 105, 400):  # batches of 5, 100, 295 and 800: short ones on the event loop, long ones not
        stop = {0: 5, 5: 105, 105: 400, 400: 1_200}[start]
        items = [{"id": ids[i], "text": texts[i]} for i in range(start, stop)]
        response = route_client.post("/v1/route/batch", json={"items": items})
        assert response.status_code == 200, response.text
        assert response.json()["results"] == expected[start:stop]
