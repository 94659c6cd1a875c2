"""The router's features for a whole chunk of raw texts at once, worked out once per distinct token.

:class:`ChunkEncoder` gives the same matrices as ``analyse`` -> the fitted word and char
:class:`~models.features.TokenTfidf` -> :func:`models.cues.cue_matrix` (tests hold the two paths
equal), but it spends its Python time per *distinct* token instead of per token of every text:

- a per-process table maps each raw token once to its standard forms (slang expanded), and each
  form once to: stopword or not, stem (from the stem table stored with the model, else Sastrawi),
  its character n-gram counts (one row of a sparse matrix ``C``) and the danger cues it can trigger;
- per text there is one pass of ``str.translate`` (:func:`models.text.token_runs`) and one dict lookup
  per token; the rest is array
  work over the chunk: the char counts are ``T @ C`` with ``T`` the text x form counts, word bigrams
  are found with ``searchsorted`` over integer keys, cue candidates are OR-ed trigger bits, and a
  cue's regex runs only on texts whose tokens can trigger it.

The table is bounded (:data:`TABLE_LIMIT` raw tokens; it starts over when full) and never pickled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import scipy.sparse as sp

from models.caches import CACHE_SIZE
from models.cues import candidate_cues, cues_to_try, load_cues
from models.features import TokenTfidf, char_wb_ngrams
from models.stem import stem_word
from models.text import load_stopwords, token_runs, words_of_run

__all__ = ["TABLE_LIMIT", "ChunkEncoder", "EncodedChunk"]

TABLE_LIMIT = CACHE_SIZE
_MAX_BIT_CUES = 64


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

    @property
    def features(self) -> sp.csr_matrix:
        """Word and char blocks side by side, as the router's ``FeatureUnion`` returns them."""
        return sp.hstack([self.word, self.char], format="csr")


class _Growing:
    """An append-only NumPy array (amortised doubling), so a chunk's new entries cost O(new)."""

    def __init__(self, dtype: type) -> None:
        self._data: np.ndarray = np.zeros(1024, dtype=dtype)
        self.size = 0

    def extend(self, values: Sequence[int] | np.ndarray) -> None:
        values = np.asarray(values, dtype=self._data.dtype)
        end = self.size + len(values)
        if end > len(self._data):
            grown = np.zeros(max(end, 2 * len(self._data)), dtype=self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size : end] = values
        self.size = end

    @property
    def array(self) -> np.ndarray:
        return self._data[: self.size]


class ChunkEncoder:
    """Encode raw texts with a fitted word :class:`TokenTfidf` (over stems) and char one (over tokens).

    Parameters
    ----------
    word, char : TokenTfidf
        The fitted transformers of the router's feature union.
    stems : mapping of str to str
        Token -> stem pairs known in advance (the router stores those of its training texts), so a
        fresh process does not stem them again; other tokens go through :func:`models.stem.stem_word`.
    table_limit : int
        Raw tokens remembered before the table starts over.
    """

    def __init__(
        self,
        word: TokenTfidf,
        char: TokenTfidf,
        stems: Mapping[str, str] | None = None,
        *,
        table_limit: int = TABLE_LIMIT,
    ) -> None:
        if word.analyzer != "word" or char.analyzer != "char_wb":
            raise ValueError(f"need a word and a char_wb TokenTfidf, got {word.analyzer!r} and {char.analyzer!r}")
        self.word = word
        self.char = char
        self.stems = stems or {}
        self.table_limit = table_limit
        self._stopwords = load_stopwords()
        self._cues = load_cues()
        self._cue_bits = len(self._cues) <= _MAX_BIT_CUES
        self._cues_of_mask: dict[int, list[int]] = {}

        # Every stem that occurs in a word n-gram gets an id 0..K-1; any other stem is K.
        low, high = word.ngram_range
        stem_ids: dict[str, int] = {}
        unigrams: list[tuple[int, int]] = []
        bigrams: list[tuple[int, int, int]] = []
        for gram, index in word.vocabulary_.items():
            parts = [stem_ids.setdefault(part, len(stem_ids)) for part in gram.split(" ")]
            if len(parts) == 1:
                unigrams.append((parts[0], index))
            else:
                bigrams.append((parts[0], parts[1], index))
        self._stem_ids = stem_ids
        self._stem_of_id = list(stem_ids)  # ids were given in insertion order
        self._unknown = len(stem_ids)
        self._unigram_of_stem = np.full(self._unknown + 1, -1, dtype=np.int64)
        if low == 1 and unigrams:
            stems_, indices = zip(*unigrams, strict=True)
            self._unigram_of_stem[list(stems_)] = indices
        base = self._unknown + 1
        keys = np.asarray([a * base + b for a, b, _ in bigrams], dtype=np.int64)
        order = np.argsort(keys)
        self._bigram_keys = keys[order]
        self._bigram_index = np.asarray([i for _, _, i in bigrams], dtype=np.int64)[order]
        self._use_bigrams = high >= 2 and len(bigrams) > 0
        self._reset()

    # -- the token table -------------------------------------------------------------------------

    def _reset(self) -> None:
        self._raw_id: dict[str, int] = {}
        self._raw_first = _Growing(np.int64)  # where a raw token's forms start in _raw_forms
        self._raw_count = _Growing(np.int64)  # how many forms it has (0 for numbers)
        self._raw_forms = _Growing(np.int64)
        self._form_id: dict[str, int] = {}
        self._form_str: list[str] = []
        self._form_stop = _Growing(np.bool_)
        self._form_stem = _Growing(np.int64)
        self._form_cues = _Growing(np.uint64)
        self._char_indptr = _Growing(np.int64)
        self._char_indptr.extend([0])
        self._char_indices = _Growing(np.int32)
        self._char_counts = _Growing(np.float64)
        self._by_form: sp.csr_matrix | None = None  # the char counts above as a matrix, rebuilt when they grow

    def _add_forms(self, forms: Sequence[str]) -> None:
        vocabulary = self.char.vocabulary_
        low, high = self.char.ngram_range
        stops: list[bool] = []
        stems: list[int] = []
        cue_bits: list[int] = []
        owners: list[int] = []  # position in ``forms`` of each char n-gram found in the vocabulary
        columns: list[int] = []
        # Nothing is stored until every form is worked out: stem_word can raise (a request's CPU budget,
        # see models.stem), and a half-added table would misread every later chunk of this process.
        for position, form in enumerate(forms):
            stop = form in self._stopwords
            stops.append(stop)
            if stop:
                stems.append(self._unknown)
            else:
                stem = self.stems.get(form) or stem_word(form)
                stems.append(self._stem_ids.get(stem, self._unknown))
                found = [vocabulary[g] for g in char_wb_ngrams(form, low, high) if g in vocabulary]
                columns += found
                owners += [position] * len(found)
            bits = 0
            if self._cue_bits:
                for index in candidate_cues(form):
                    bits |= 1 << index
            cue_bits.append(bits)
        # One sort for all new forms: (form, column) keys, counted, in column order within each form.
        width = len(vocabulary)
        pairs = np.asarray(owners, dtype=np.int64) * width + np.asarray(columns, dtype=np.int64)
        keys, times = np.unique(pairs, return_counts=True)
        per_form = np.bincount(keys // width, minlength=len(forms))
        for form in forms:
            self._form_id[form] = len(self._form_str)
            self._form_str.append(form)
        self._form_stop.extend(stops)
        self._form_stem.extend(stems)
        self._form_cues.extend(np.asarray(cue_bits, dtype=np.uint64))
        self._char_indptr.extend(self._char_indptr.array[-1] + np.cumsum(per_form))
        self._char_indices.extend(keys % width)
        self._char_counts.extend(times)

    def _add_raw(self, tokens: Sequence[str]) -> None:
        new_forms: dict[str, None] = {}  # insertion-ordered set
        firsts: list[int] = []
        sizes: list[int] = []
        flat: list[str] = []
        position = self._raw_forms.size
        for token in tokens:
            forms = words_of_run(token)
            for form in forms:
                if form not in self._form_id:
                    new_forms[form] = None
            firsts.append(position)
            sizes.append(len(forms))
            position += len(forms)
            flat.extend(forms)
        if new_forms:
            self._add_forms(list(new_forms))
        for token in tokens:  # known only once their forms are (see _add_forms)
            self._raw_id[token] = len(self._raw_id)
        self._raw_first.extend(firsts)
        self._raw_count.extend(sizes)
        self._raw_forms.extend([self._form_id[f] for f in flat])

    def _token_ids(self, tokens: list[str]) -> np.ndarray:
        known = list(map(self._raw_id.get, tokens))
        try:  # the common case once the table is warm: every token known, one C-level pass
            return np.asarray(known, dtype=np.int64)
        except TypeError:  # some None: new tokens
            ids = np.asarray([-1 if i is None else i for i in known], dtype=np.int64)
        missing = np.flatnonzero(ids < 0)
        if missing.size:
            self._add_raw(list(dict.fromkeys(tokens[i] for i in missing)))
            ids[missing] = [self._raw_id[tokens[i]] for i in missing]
        return ids

    # -- encoding --------------------------------------------------------------------------------

    def encode(self, texts: Sequence[str], *, explain: bool = False) -> EncodedChunk:
        """Word and char TF-IDF, cue hits and ``has_tokens`` of ``texts``; with ``explain``, also the
        surface words and cue phrases that a suggestion's explanation is made of."""
        if len(self._raw_id) > self.table_limit:
            self._reset()
        n = len(texts)
        if n == 0:
            return EncodedChunk(
                word=sp.csr_matrix((0, len(self.word.vocabulary_)), dtype=self.word.dtype),
                char=sp.csr_matrix((0, len(self.char.vocabulary_)), dtype=self.char.dtype),
                cues=sp.csr_matrix((0, len(self._cues))),
                has_tokens=np.zeros(0, dtype=bool),
            )
        per_text = [token_runs(t) for t in texts]
        tokens = list(chain.from_iterable(per_text))
        ids = self._token_ids(tokens)
        token_text = np.repeat(np.arange(n, dtype=np.int64), [len(t) for t in per_text])

        # raw tokens -> their forms (numbers have none, some slang has several)
        sizes = self._raw_count.array[ids]
        starts = self._raw_first.array[ids]
        total = int(sizes.sum())
        offsets = np.repeat(starts - (np.cumsum(sizes) - sizes), sizes) + np.arange(total)
        forms = self._raw_forms.array[offsets]
        form_text = np.repeat(token_text, sizes)

        kept = ~self._form_stop.array[forms]
        kept_forms = forms[kept]
        kept_text = form_text[kept]
        kept_count = np.bincount(kept_text, minlength=n)
        cues, phrases = self._cue_hits(n, forms, form_text, explain=explain)
        return EncodedChunk(
            word=self._word_tfidf(n, kept_forms, kept_text, kept_count),
            char=self._char_tfidf(n, kept_forms, kept_count),
            cues=cues,
            has_tokens=kept_count > 0,
            surface=self._surface(kept_forms, kept_count) if explain else (),
            cue_phrases=phrases,
        )

    def _surface(self, forms: np.ndarray, count: np.ndarray) -> tuple[dict[str, str], ...]:
        """Per text, each vocabulary stem in it -> the first kept token with that stem."""
        stems = self._form_stem.array[forms].tolist()
        words = forms.tolist()
        cut = np.concatenate([[0], np.cumsum(count)]).tolist()
        stem_of, form_of, unknown = self._stem_of_id, self._form_str, self._unknown
        surface = []
        for i in range(len(count)):
            first: dict[str, str] = {}
            for stem, form in zip(stems[cut[i] : cut[i + 1]], words[cut[i] : cut[i + 1]], strict=True):
                if stem != unknown:
                    first.setdefault(stem_of[stem], form_of[form])
            surface.append(first)
        return tuple(surface)

    def _char_tfidf(self, n: int, forms: np.ndarray, count: np.ndarray) -> sp.csr_matrix:
        n_forms = len(self._form_str)
        per_text = _csr_rows(np.ones(len(forms)), forms, count, n_forms)
        by_form = self._by_form
        if by_form is None or by_form.shape[0] != n_forms:  # the table grew since it was last built
            by_form = self._by_form = sp.csr_matrix(
                (self._char_counts.array, self._char_indices.array, self._char_indptr.array),
                shape=(n_forms, len(self.char.vocabulary_)),
            )
        return self.char.weigh(per_text @ by_form)

    def _word_tfidf(self, n: int, forms: np.ndarray, text: np.ndarray, count: np.ndarray) -> sp.csr_matrix:
        stems = self._form_stem.array[forms]
        unigram = self._unigram_of_stem[stems]
        hit = unigram >= 0
        rows = [text[hit]]
        columns = [unigram[hit]]
        if self._use_bigrams and len(stems) > 1:
            pair = (text[1:] == text[:-1]) & (stems[:-1] < self._unknown) & (stems[1:] < self._unknown)
            keys = stems[:-1][pair] * (self._unknown + 1) + stems[1:][pair]
            where = np.minimum(np.searchsorted(self._bigram_keys, keys), len(self._bigram_keys) - 1)
            found = self._bigram_keys[where] == keys
            rows.append(text[:-1][pair][found])
            columns.append(self._bigram_index[where[found]])
        row = np.concatenate(rows)
        order = np.argsort(row, kind="stable")  # rows in order; weigh sums repeated n-grams
        column = np.concatenate(columns)[order]
        counts = _csr_rows(np.ones(len(row)), column, np.bincount(row, minlength=n), len(self.word.vocabulary_))
        return self.word.weigh(counts)

    def _cue_hits(
        self, n: int, forms: np.ndarray, text: np.ndarray, *, explain: bool
    ) -> tuple[sp.csr_matrix, tuple[tuple[str, ...], ...]]:
        """Binary (n_texts, n_cues) hits (with ``explain``, the phrases too); a cue's regex runs only
        where a token can trigger it."""
        bounds = np.searchsorted(text, np.arange(n + 1))
        nonempty = np.flatnonzero(bounds[1:] > bounds[:-1])  # a text without words has no cue
        if self._cue_bits:
            bits = np.zeros(n, dtype=np.uint64)
            if nonempty.size:
                bits[nonempty] = np.bitwise_or.reduceat(self._form_cues.array[forms], bounds[nonempty])
            candidates = np.flatnonzero(bits)
        else:
            candidates = nonempty
        hits = np.zeros(n, dtype=np.int64)
        columns: list[int] = []
        phrases: list[tuple[str, ...]] = [()] * n if explain else []
        if candidates.size:
            # The expanded texts of the candidates, cut from one string of all forms of the chunk.
            words = list(map(self._form_str.__getitem__, forms.tolist()))
            chunk = " ".join(words)
            starts = np.zeros(len(words) + 1, dtype=np.int64)
            np.cumsum(np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + 1, out=starts[1:])
            cuts = starts[bounds].tolist()
            which_of = self._cues_of_mask
            masks = bits.tolist() if self._cue_bits else []
            for i in candidates.tolist():
                expanded = chunk[cuts[i] : cuts[i + 1] - 1]
                if self._cue_bits:
                    mask = masks[i]
                    which = which_of.get(mask)
                    if which is None:
                        which = which_of[mask] = [j for j in range(len(self._cues)) if mask >> j & 1]
                else:
                    which = cues_to_try(expanded)
                found = [(j, phrase) for j in which if (phrase := self._cues[j].find(expanded)) is not None]
                hits[i] = len(found)
                columns += [j for j, _ in found]
                if explain:
                    phrases[i] = tuple(phrase for _, phrase in found)
        matrix = _csr_rows(np.ones(len(columns)), np.asarray(columns, dtype=np.int64), hits, len(self._cues))
        return matrix, tuple(phrases)


def _csr_rows(data: np.ndarray, columns: np.ndarray, per_row: np.ndarray, width: int) -> sp.csr_matrix:
    """A CSR matrix from entries already in row order, ``per_row[i]`` of them in row i (int32 indices
    when they fit, as scipy would choose: then it need not convert them, a third of the cost)."""
    index = np.int32 if max(width, len(data)) < np.iinfo(np.int32).max else np.int64
    indptr = np.zeros(len(per_row) + 1, dtype=index)
    np.cumsum(per_row, out=indptr[1:])
    return sp.csr_matrix((data, columns.astype(index, copy=False), indptr), shape=(len(per_row), width))
