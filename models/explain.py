"""Why the router chose an OPD: the words of a complaint whose stems pushed it there most.

The explanation reads what the encoder already computed for the text (its word TF-IDF row and the surface
form of each stem, :class:`models.encoder.EncodedChunk`) and the SVM's weights per word feature, so it costs
a dot product per word, not a second pass over the text.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from models.encoder import EncodedChunk

__all__ = ["N_TERMS", "explaining_terms", "word_coefficients"]

N_TERMS = 6


def word_coefficients(calibrated: Any, n_words: int) -> np.ndarray:
    """SVM weight of each of the first ``n_words`` features (the word block) per class, averaged over the
    copies of a fitted :class:`~sklearn.calibration.CalibratedClassifierCV`; two rows for a binary problem."""
    coefs = [c.estimator.coef_[:, :n_words] for c in calibrated.calibrated_classifiers_]
    mean = np.mean(coefs, axis=0).astype(np.float32)
    if mean.shape[0] == 1:  # binary problem: one row of weights for classes_[1]
        mean = np.vstack([-mean, mean])
    return mean


def explaining_terms(encoded: EncodedChunk, i: int, weights: np.ndarray, word_terms: np.ndarray) -> list[str]:
    """Surface words of text ``i`` whose stems pushed it towards the class with word ``weights`` (one row of
    :func:`word_coefficients`), strongest first, at most :data:`N_TERMS`; ``word_terms`` names each word
    feature (one stem or two, space-separated)."""
    word = encoded.word
    start, end = word.indptr[i], word.indptr[i + 1]
    if start == end:
        return []
    indices = word.indices[start:end]
    contributions = word.data[start:end] * weights[indices]
    order = np.argsort(-contributions)
    wanted: list[str] = []
    for position in order:
        if contributions[position] <= 0 or len(wanted) >= N_TERMS:
            break
        for stem in str(word_terms[indices[position]]).split():
            if stem not in wanted and not stem.startswith("_"):
                wanted.append(stem)
    surface = encoded.surface[i]
    return [surface[s] for s in wanted if s in surface][:N_TERMS]
