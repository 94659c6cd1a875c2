"""The one cache policy of the text pipeline.

Complaints repeat the same few thousand words, so each step that maps a token to something costly keeps
a per-process cache keyed by that token (or n-gram unit): :func:`models.text.standard_form`,
:func:`models.stem.stem_word`, :func:`models.cues.candidate_cues`, and the token table of
:class:`models.encoder.ChunkEncoder` (:mod:`models.tokentable`).

Policy: every such cache holds at most :data:`CACHE_SIZE` keys. ``functools.lru_cache`` ones evict the
least recently used key; the token table starts over when full (cheaper per
lookup than LRU bookkeeping, and a full table means the vocabulary of the input is unusually wide).
None of them is pickled into an artifact. At 300,000 keys a cache stays under about 100 MB even when
full, while a real corpus (a city's complaints: some 50,000 distinct tokens) never fills it.
"""

from __future__ import annotations

__all__ = ["CACHE_SIZE"]

CACHE_SIZE = 300_000
