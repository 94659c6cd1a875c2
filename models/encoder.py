"""The router's features, fitted and computed for a whole chunk of raw texts at once.

:class:`ChunkEncoder` is the one implementation of the features: word TF-IDF of the stems (1-2 grams) and
``char_wb`` TF-IDF of the surface tokens (stopwords removed), plus the binary danger-cue hits. ``fit``
learns the vocabularies and idf weights from the training texts, ``encode`` gives the features of any
texts, and both read texts through the same per-process :class:`~models.tokentable.TokenTable`, so the
Python time goes per *distinct* token rather than per token of every text: char counts are ``T @ C``
(text x form counts times form x n-gram counts), word bigrams are found with ``searchsorted`` over integer
keys, and a cue's regex runs only on texts whose tokens can trigger it.

The weighting is scikit-learn's ``TfidfVectorizer`` with ``smooth_idf=True``, ``sublinear_tf=True`` and
``norm="l2"``; the vocabulary is sorted as scikit-learn sorts it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2
from sklearn.utils.validation import check_is_fitted

from models.caches import CACHE_SIZE
from models.packing import pack_state, unpack_state
from models.sparse import side_by_side
from models.tokentable import ReadChunk, TokenTable, csr_rows

__all__ = ["TABLE_LIMIT", "ChunkEncoder", "EncodedChunk"]

TABLE_LIMIT = CACHE_SIZE
_WARM_CHUNK = 2000  # training words read per pass when a table is warmed


@dataclass(frozen=True)
class EncodedChunk:
    """Features of a chunk of texts: ``word`` and ``char`` TF-IDF, binary ``cues`` hits, and whether
    each text kept any token after stopwords (``has_tokens``).

    With ``encode(..., explain=True)`` also, per text, ``surface``: each stem of the word vocabulary
    that occurs in it mapped to the first token (after stopwords) with that stem, and ``cue_phrases``:
    the matched phrase of every cue that fired, in cue order. Without it both are empty tuples.
    """

    word: sp.csr_matrix
    char: sp.csr_matrix
    cues: sp.csr_matrix
    has_tokens: np.ndarray
    surface: tuple[dict[str, str], ...] = ()
    cue_phrases: tuple[tuple[str, ...], ...] = ()
    read: ReadChunk | None = None  # the texts' tokens as read, when encoded here

    @property
    def features(self) -> sp.csr_matrix:
        """Word and char blocks side by side: what the heads read."""
        return side_by_side([self.word, self.char])


@dataclass
class _Fixed:
    """What a fitted encoder builds once per process: its token table (rebuilt when full) and the
    word n-gram lookups over the table's stem ids (every stem of a word n-gram has an id 0..K-1)."""

    table: TokenTable
    unigram_of_stem: np.ndarray  # stem id -> word column, -1 if none; index K is "any other stem"
    bigram_keys: np.ndarray  # sorted ``a * (K + 1) + b`` of the bigram columns
    bigram_index: np.ndarray  # their columns
    use_bigrams: bool


def _fit_block(
    names: Sequence[str], counts: sp.csr_matrix, min_df: int
) -> tuple[dict[str, int], np.ndarray, sp.csr_matrix]:
    """The vocabulary of one block (the n-grams in ``min_df`` texts or more, sorted as scikit-learn sorts
    them), its smooth idf, and ``counts`` (texts x ``names``) in the vocabulary's columns."""
    counts.sum_duplicates()
    frequency = np.bincount(counts.indices, minlength=len(names))
    order = sorted(np.flatnonzero((frequency >= min_df) & (frequency > 0)).tolist(), key=names.__getitem__)
    column = np.full(len(names), -1, dtype=np.int64)
    column[order] = np.arange(len(order))
    n_texts = counts.shape[0]
    # smooth idf, as scikit-learn: as if one more text held every n-gram once
    idf = np.log((1.0 + n_texts) / (1.0 + frequency[order].astype(np.float64))) + 1.0
    return {names[i]: j for j, i in enumerate(order)}, idf, _to_columns(counts, column, len(order))


def _to_columns(counts: sp.csr_matrix, column: np.ndarray, width: int) -> sp.csr_matrix:
    """``counts`` (canonical CSR) with column ``c`` moved to ``column[c]``, the -1 ones dropped."""
    target = column[counts.indices]
    keep = target >= 0
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))[keep]
    moved = sp.csr_matrix((counts.data[keep], (rows, target[keep])), shape=(counts.shape[0], width))
    moved.sort_indices()
    return moved


class ChunkEncoder(TransformerMixin, BaseEstimator):
    """Word TF-IDF of stems, char_wb TF-IDF of tokens and cue hits of raw texts, a chunk at a time.

    Parameters
    ----------
    word_ngram_range : tuple of int
        Word n-grams of the stems; n <= 2.
    char_ngram_range : tuple of int
        Character n-grams within each surface token (padded with spaces, as ``char_wb``).
    min_df : int
        Keep n-grams found in at least this many training texts.
    sublinear_tf : bool
        Use ``1 + log(tf)`` instead of raw counts.
    dtype : numpy dtype
        Type of the feature matrices.
    table_limit : int
        Raw tokens the per-process table remembers before it starts over (:mod:`models.caches`).
    """

    def __init__(
        self,
        *,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] = (2, 5),
        min_df: int = 2,
        sublinear_tf: bool = True,
        dtype: Any = np.float32,
        table_limit: int = TABLE_LIMIT,
    ) -> None:
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.dtype = dtype
        self.table_limit = table_limit

    # -- fitting ---------------------------------------------------------------------------------

    def _check_params(self) -> None:
        for name, (low, high) in (
            ("word_ngram_range", self.word_ngram_range),
            ("char_ngram_range", self.char_ngram_range),
        ):
            if not 1 <= low <= high:
                raise ValueError(f"{name} must be (low, high) with 1 <= low <= high, got {(low, high)}")
        if self.word_ngram_range[1] > 2:
            raise ValueError(f"word n-grams support n <= 2, got word_ngram_range={self.word_ngram_range}")

    def fit(self, X: Iterable[str], y: Any = None) -> ChunkEncoder:
        self.fit_encode(list(X))
        return self

    def fit_encode(self, texts: Sequence[str]) -> EncodedChunk:
        """Learn the vocabularies, idf weights and training stems from ``texts``; their features."""
        self._check_params()
        self.__dict__.pop("_fixed_state", None)
        table = TokenTable({}, None, None, self.char_ngram_range)
        read = table.read(texts)
        word_names, word_counts = self._word_ngrams(table, read)
        self.word_vocabulary_, self.word_idf_, word = _fit_block(word_names, word_counts, self.min_df)
        char_names = list(table.char_vocabulary)
        self.char_vocabulary_, self.char_idf_, char = _fit_block(char_names, table.char_counts(read), self.min_df)
        for name, vocabulary in (("word", self.word_vocabulary_), ("char", self.char_vocabulary_)):
            if not vocabulary:
                raise ValueError(
                    f"no {name} n-gram occurs in at least min_df={self.min_df} texts; lower min_df or add texts"
                )
        # The training words' stems travel with the model: a fresh process (an API worker, a batch
        # job) then stems only words it has not seen, instead of paying Sastrawi for every word again.
        self.stem_table_ = table.stem_table()
        cues, _ = table.cue_hits(read, explain=False)
        return EncodedChunk(
            word=self._weigh(word, self.word_idf_),
            char=self._weigh(char, self.char_idf_),
            cues=cues,
            has_tokens=read.kept_count > 0,
        )

    def _word_ngrams(self, table: TokenTable, read: ReadChunk) -> tuple[list[str], sp.csr_matrix]:
        """Names and (n_texts, n_names) counts of the word n-grams of a learning table's texts."""
        low, high = self.word_ngram_range
        stems = table.form_stem[read.kept]
        n_stems = len(table.stem_of_id)
        names = list(table.stem_of_id)
        rows = [read.kept_text] if low == 1 else []
        columns = [stems] if low == 1 else []
        if high >= 2 and len(stems) > 1:
            pair = read.kept_text[1:] == read.kept_text[:-1]
            keys, which = np.unique(stems[:-1][pair] * n_stems + stems[1:][pair], return_inverse=True)
            stem_of = table.stem_of_id
            names += [
                f"{stem_of[a]} {stem_of[b]}"
                for a, b in zip((keys // n_stems).tolist(), (keys % n_stems).tolist(), strict=True)
            ]
            rows.append(read.kept_text[:-1][pair])
            columns.append(n_stems + which.reshape(-1))
        row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        column = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64)
        counts = sp.csr_matrix((np.ones(len(row)), (row, column)), shape=(read.n, len(names)))
        return names, counts

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the feature columns: the word n-grams, then the character n-grams."""
        check_is_fitted(self)
        names = np.empty(len(self.word_vocabulary_) + len(self.char_vocabulary_), dtype=object)
        for gram, index in self.word_vocabulary_.items():
            names[index] = gram
        for gram, index in self.char_vocabulary_.items():
            names[len(self.word_vocabulary_) + index] = gram
        return names

    # -- encoding --------------------------------------------------------------------------------

    def _fixed(self) -> _Fixed:
        """The per-process table and lookups of the fitted vocabularies, built on first use."""
        fixed: _Fixed | None = self.__dict__.get("_fixed_state")
        if fixed is None or len(fixed.table) > self.table_limit:
            stem_ids: dict[str, int] = {}
            unigrams: list[tuple[int, int]] = []
            bigrams: list[tuple[int, int, int]] = []
            for gram, index in self.word_vocabulary_.items():
                parts = [stem_ids.setdefault(part, len(stem_ids)) for part in gram.split(" ")]
                if len(parts) == 1:
                    unigrams.append((parts[0], index))
                else:
                    bigrams.append((parts[0], parts[1], index))
            unknown = len(stem_ids)
            unigram_of_stem = np.full(unknown + 1, -1, dtype=np.int64)
            if unigrams:
                ids, indices = zip(*unigrams, strict=True)
                unigram_of_stem[list(ids)] = indices
            keys = np.asarray([a * (unknown + 1) + b for a, b, _ in bigrams], dtype=np.int64)
            order = np.argsort(keys)
            fixed = self.__dict__["_fixed_state"] = _Fixed(
                table=TokenTable(self.stem_table_, stem_ids, self.char_vocabulary_, self.char_ngram_range),
                unigram_of_stem=unigram_of_stem,
                bigram_keys=keys[order],
                bigram_index=np.asarray([i for _, _, i in bigrams], dtype=np.int64)[order],
                use_bigrams=len(bigrams) > 0,
            )
            self._warm(fixed.table)
        return fixed

    def _warm(self, table: TokenTable) -> None:
        """Work out the training words in a new table at once (about 40 us a word, under a second for a city's
        vocabulary), so that a complaint pays only for the words training never saw; answers do not depend on
        the order a table meets its tokens."""
        words = list(self.stem_table_)[: self.table_limit // 2]  # leave the table room to grow before it starts over
        for start in range(0, len(words), _WARM_CHUNK):
            table.read([" ".join(words[start : start + _WARM_CHUNK])])

    def encode(self, texts: Sequence[str], *, explain: bool = False) -> EncodedChunk:
        """Word and char TF-IDF, cue hits and ``has_tokens`` of ``texts``; with ``explain``, also the
        surface words and cue phrases that a suggestion's explanation is made of.

        Not safe to call from two threads at once (the token table grows); the router holds a lock."""
        check_is_fitted(self)
        fixed = self._fixed()
        table = fixed.table
        read = table.read(texts)
        cues, phrases = table.cue_hits(read, explain=explain)
        return EncodedChunk(
            word=self._word_tfidf(fixed, read),
            char=self._weigh(table.char_counts(read), self.char_idf_),
            cues=cues,
            has_tokens=read.kept_count > 0,
            surface=table.surface(read) if explain else (),
            cue_phrases=phrases,
            read=read,
        )

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        """The word and char TF-IDF features of raw texts, side by side."""
        return self.encode(list(X)).features

    def _word_tfidf(self, fixed: _Fixed, read: ReadChunk) -> sp.csr_matrix:
        stems = fixed.table.form_stem[read.kept]
        text = read.kept_text
        unknown = fixed.table.unknown
        unigram = fixed.unigram_of_stem[stems]
        hit = unigram >= 0
        rows = [text[hit]]
        columns = [unigram[hit]]
        if fixed.use_bigrams and len(stems) > 1:
            pair = (text[1:] == text[:-1]) & (stems[:-1] < unknown) & (stems[1:] < unknown)
            keys = stems[:-1][pair] * (unknown + 1) + stems[1:][pair]
            where = np.minimum(np.searchsorted(fixed.bigram_keys, keys), len(fixed.bigram_keys) - 1)
            found = fixed.bigram_keys[where] == keys
            rows.append(text[:-1][pair][found])
            columns.append(fixed.bigram_index[where[found]])
        row = np.concatenate(rows)
        order = np.argsort(row, kind="stable")  # rows in order; _weigh sums repeated n-grams
        column = np.concatenate(columns)[order]
        counts = csr_rows(np.ones(len(row)), column, np.bincount(row, minlength=read.n), len(self.word_vocabulary_))
        return self._weigh(counts, self.word_idf_)

    def _weigh(self, counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
        """TF-IDF rows from a CSR matrix of n-gram counts (changed in place)."""
        counts.sum_duplicates()
        if self.sublinear_tf:
            np.log(counts.data, out=counts.data)
            counts.data += 1.0
        counts.data *= idf[counts.indices]
        # What sklearn.preprocessing.normalize(counts, copy=False) does to float64 CSR, without its
        # per-call parameter and array checks (a third of the time of one short text).
        inplace_csr_row_normalize_l2(counts)
        counts.data = counts.data.astype(self.dtype, copy=False)  # the same matrix as .astype, without a copy of it
        return counts

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("_fixed_state", None)
        return pack_state(state, ("word_vocabulary_", "char_vocabulary_", "stem_table_"))

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(unpack_state(state))
