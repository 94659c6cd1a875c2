"""models.caches: the per-token caches of the text pipeline follow the one limit."""

from __future__ import annotations

from models import encoder
from models.caches import CACHE_SIZE
from models.cues import candidate_cues
from models.stem import stem_word
from models.text import standard_form


def test_every_token_cache_has_the_one_limit() -> None:
    for cached in (standard_form, stem_word, candidate_cues):
        assert cached.cache_parameters()["maxsize"] == CACHE_SIZE, cached.__name__
    assert encoder.TABLE_LIMIT == CACHE_SIZE
