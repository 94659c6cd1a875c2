"""The per-process token table of :class:`models.encoder.ChunkEncoder`: each distinct raw token worked out once.

A raw token (one piece of :func:`models.text.token_runs`) is mapped once to its standard forms
(:func:`models.text.words_of_run`: slang expanded, numbers dropped), and each form once to: stopword or not,
stem (from the stem table stored with the model, else :func:`models.stem.stem_word`; a fixed table skips
the words :class:`models.stemgate.KnownStemGate` shows cannot reach a stem with an id), its character n-gram
counts (one row of a sparse matrix) and the danger cues it can trigger. Per text there is then one
``str.translate`` pass and one dict lookup per token; the rest is array work over a chunk of texts.

A table either *learns* (no vocabularies given: every stem and character n-gram it meets gets the next id,
which is how :meth:`ChunkEncoder.fit <models.encoder.ChunkEncoder.fit>` counts them) or is *fixed* to the
fitted vocabularies (a stem or n-gram outside them is dropped). It is never pickled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import scipy.sparse as sp

from models.cues import candidate_cues, cues_to_try, load_cues
from models.minhash import word_hash
from models.stem import stem_word
from models.stemgate import KnownStemGate
from models.text import load_stopwords, token_runs, words_of_run

__all__ = ["ReadChunk", "TokenTable", "char_wb_ngrams", "csr_rows"]

_MAX_BIT_CUES = 64
_STOP = -1  # stem id of a stopword in a learning table (stopwords never reach the features)


def char_wb_ngrams(token: str, min_n: int, max_n: int) -> list[str]:
    """Character n-grams of one token padded with spaces, as scikit-learn's ``char_wb`` makes them."""
    word = f" {token} "
    length = len(word)
    grams: list[str] = []
    for n in range(min_n, max_n + 1):
        offset = 0
        grams.append(word[offset : offset + n])
        while offset + n < length:
            offset += 1
            grams.append(word[offset : offset + n])
        if offset == 0:  # a word shorter than n is counted once
            break
    return grams


def csr_rows(data: np.ndarray, columns: np.ndarray, per_row: np.ndarray, width: int) -> sp.csr_matrix:
    """A CSR matrix from entries already in row order, ``per_row[i]`` of them in row i (int32 indices
    when they fit, as scipy would choose: then it need not convert them, a third of the cost)."""
    index = np.int32 if max(width, len(data)) < np.iinfo(np.int32).max else np.int64
    indptr = np.zeros(len(per_row) + 1, dtype=index)
    np.cumsum(per_row, out=indptr[1:])
    return sp.csr_matrix((data, columns.astype(index, copy=False), indptr), shape=(len(per_row), width))


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


@dataclass(frozen=True)
class ReadChunk:
    """The forms of a chunk of ``n`` texts, in text order: ``forms`` (table ids) and the text of each
    (``text``); after stopwords, ``kept`` / ``kept_text``, and ``kept_count`` forms per text."""

    n: int
    forms: np.ndarray
    text: np.ndarray
    kept: np.ndarray
    kept_text: np.ndarray
    kept_count: np.ndarray
    form_hash: np.ndarray  # the table's CRC-32 of every form (models.minhash.word_hash)

    def content_words(self) -> tuple[np.ndarray, np.ndarray]:
        """The kept forms as :func:`models.minhash.content_hashes` gives them, for all texts one after another
        (uint32), and where each text's end: what :func:`models.minhash.prepare_words` reads."""
        return self.form_hash[self.kept], np.cumsum(self.kept_count, dtype=np.int64)


class TokenTable:
    """Raw tokens -> forms -> (stopword, stem id, character n-gram counts, cue trigger bits).

    Parameters
    ----------
    stems : mapping of str to str
        Token -> stem pairs known in advance; other tokens go through :func:`models.stem.stem_word`.
    stem_ids, char_vocabulary : mapping of str to int, or None
        The stems that have an id (any other is ``len(stem_ids)``) and the character n-gram columns;
        both None for a learning table, which gives every new stem and n-gram the next id.
    char_ngram_range : tuple of int
        Smallest and largest character n.
    """

    def __init__(
        self,
        stems: Mapping[str, str],
        stem_ids: Mapping[str, int] | None,
        char_vocabulary: Mapping[str, int] | None,
        char_ngram_range: tuple[int, int],
    ) -> None:
        self.learning = stem_ids is None or char_vocabulary is None
        self.stems = stems
        self.stem_ids: Mapping[str, int] = {} if self.learning or stem_ids is None else stem_ids
        self.char_vocabulary: Mapping[str, int] = {} if self.learning or char_vocabulary is None else char_vocabulary
        self.stem_of_id: list[str] = list(self.stem_ids)  # ids are given in insertion order
        self.unknown = _STOP if self.learning else len(self.stem_ids)
        self.char_ngram_range = char_ngram_range
        self._stopwords = load_stopwords()
        self._cues = load_cues()
        self._cue_bits = len(self._cues) <= _MAX_BIT_CUES
        self._cues_of_mask: dict[int, list[int]] = {}
        self._raw_id: dict[str, int] = {}
        self._raw_first = _Growing(np.int64)  # where a raw token's forms start in _raw_forms
        self._raw_count = _Growing(np.int64)  # how many forms it has (0 for numbers)
        self._raw_forms = _Growing(np.int64)
        self._form_id: dict[str, int] = {}
        self.form_str: list[str] = []
        self._form_stop = _Growing(np.bool_)
        self._form_stem = _Growing(np.int64)
        self._form_cues = _Growing(np.uint64)
        self._form_hash = _Growing(np.uint32)
        self._char_indptr = _Growing(np.int64)
        self._char_indptr.extend([0])
        self._char_indices = _Growing(np.int32)
        self._char_counts = _Growing(np.float64)
        self._gate: KnownStemGate | None = None
        self._by_form: sp.csr_matrix | None = None  # the char counts above as a matrix, rebuilt when they grow

    def __len__(self) -> int:
        """Raw tokens in the table."""
        return len(self._raw_id)

    @property
    def form_stem(self) -> np.ndarray:
        """Stem id of every form (``unknown`` for stopwords and, in a fixed table, stems without an id)."""
        return self._form_stem.array

    @property
    def form_stop(self) -> np.ndarray:
        return self._form_stop.array

    # -- growing the table -----------------------------------------------------------------------

    def _stem_id(self, stem: str) -> int:
        if self.learning:
            ids = self.stem_ids
            assert isinstance(ids, dict)  # a learning table owns its ids
            if stem not in ids:
                ids[stem] = len(ids)
                self.stem_of_id.append(stem)
            return ids[stem]
        return self.stem_ids.get(stem, self.unknown)

    def _known_stem_gate(self) -> KnownStemGate:
        """Of a fixed table: which new words may stem to a stem with an id (the others are not stemmed)."""
        if self._gate is None:
            self._gate = KnownStemGate(self.stem_ids)
        return self._gate

    def _char_columns(self, form: str) -> list[int]:
        grams = char_wb_ngrams(form, *self.char_ngram_range)
        vocabulary = self.char_vocabulary
        if self.learning:
            assert isinstance(vocabulary, dict)
            return [vocabulary.setdefault(g, len(vocabulary)) for g in grams]
        return [vocabulary[g] for g in grams if g in vocabulary]

    def _add_forms(self, forms: Sequence[str]) -> None:
        stops: list[bool] = []
        stems: list[int] = []
        cue_bits: list[int] = []
        owners: list[int] = []  # position in ``forms`` of each char n-gram column found
        columns: list[int] = []
        # Nothing is stored until every form is worked out: stem_word can raise (a request's CPU budget,
        # see models.stem), and a half-added table would misread every later chunk of this process.
        for position, form in enumerate(forms):
            stop = form in self._stopwords
            stops.append(stop)
            if stop:
                stems.append(self.unknown)
            else:
                stem = self.stems.get(form) or None
                if stem is None and (self.learning or self._known_stem_gate().may_reach(form)):
                    stem = stem_word(form)
                stems.append(self.unknown if stem is None else self._stem_id(stem))
                found = self._char_columns(form)
                columns += found
                owners += [position] * len(found)
            bits = 0
            if self._cue_bits:
                for index in candidate_cues(form):
                    bits |= 1 << index
            cue_bits.append(bits)
        # One sort for all new forms: (form, column) keys, counted, in column order within each form.
        width = max(len(self.char_vocabulary), 1)
        pairs = np.asarray(owners, dtype=np.int64) * width + np.asarray(columns, dtype=np.int64)
        keys, times = np.unique(pairs, return_counts=True)
        per_form = np.bincount(keys // width, minlength=len(forms))
        for form in forms:
            self._form_id[form] = len(self.form_str)
            self.form_str.append(form)
        self._form_stop.extend(stops)
        self._form_stem.extend(stems)
        self._form_cues.extend(np.asarray(cue_bits, dtype=np.uint64))
        self._form_hash.extend([word_hash(form) for form in forms])
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

    # -- reading texts ---------------------------------------------------------------------------

    def read(self, texts: Sequence[str]) -> ReadChunk:
        """The forms of ``texts`` (the table grows by the tokens it has not met)."""
        n = len(texts)
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
        kept_text = form_text[kept]
        counts = np.bincount(kept_text, minlength=n)
        return ReadChunk(n, forms, form_text, forms[kept], kept_text, counts, self._form_hash.array)

    def char_counts(self, read: ReadChunk) -> sp.csr_matrix:
        """(n_texts, n_char_columns) counts of the character n-grams of the kept forms."""
        n_forms = len(self.form_str)
        per_text = csr_rows(np.ones(len(read.kept)), read.kept, read.kept_count, n_forms)
        by_form = self._by_form
        if by_form is None or by_form.shape != (n_forms, len(self.char_vocabulary)):  # grown since built
            by_form = self._by_form = sp.csr_matrix(
                (self._char_counts.array, self._char_indices.array, self._char_indptr.array),
                shape=(n_forms, len(self.char_vocabulary)),
            )
        return per_text @ by_form

    def surface(self, read: ReadChunk) -> tuple[dict[str, str], ...]:
        """Per text, each stem with an id in it -> the first kept token with that stem."""
        stems = self._form_stem.array[read.kept].tolist()
        words = read.kept.tolist()
        cut = np.concatenate([[0], np.cumsum(read.kept_count)]).tolist()
        stem_of, form_of, unknown = self.stem_of_id, self.form_str, self.unknown
        surface = []
        for i in range(read.n):
            first: dict[str, str] = {}
            for stem, form in zip(stems[cut[i] : cut[i + 1]], words[cut[i] : cut[i + 1]], strict=True):
                if stem != unknown:
                    first.setdefault(stem_of[stem], form_of[form])
            surface.append(first)
        return tuple(surface)

    def cue_hits(self, read: ReadChunk, *, explain: bool) -> tuple[sp.csr_matrix, tuple[tuple[str, ...], ...]]:
        """Binary (n_texts, n_cues) hits (with ``explain``, the phrases too); a cue's regex runs only
        where a token can trigger it."""
        n, forms, text = read.n, read.forms, read.text
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
            words = list(map(self.form_str.__getitem__, forms.tolist()))
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
        matrix = csr_rows(np.ones(len(columns)), np.asarray(columns, dtype=np.int64), hits, len(self._cues))
        return matrix, tuple(phrases)

    def stem_table(self) -> dict[str, str]:
        """Form -> stem of every form of the table that is not a stopword (of a learning table: every stem)."""
        stem_of = self.stem_of_id
        return {
            form: stem_of[stem]
            for form, stem, stop in zip(self.form_str, self.form_stem.tolist(), self.form_stop.tolist(), strict=True)
            if not stop and 0 <= stem < len(stem_of)
        }
