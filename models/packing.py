"""Large tables of a fitted estimator pickled as one blob each (vocabularies, stem tables).

joblib unpickles Python objects with the pure-Python unpickler (it needs hooks for NumPy arrays): a
vocabulary of 40,000 strings took 0.3 s to load that way and 0.02 s as one blob read back by the C
unpickler. Same trust as the rest of the artifact (checksummed before loading, see models.artifact).
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import Any

__all__ = ["pack_state", "unpack_state"]

_PACKED = "_packed_"


def pack_state(state: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """``state`` with the named large dicts/arrays of strings stored as one pickled bytes blob each."""
    packed = {name: pickle.dumps(state.pop(name), protocol=pickle.HIGHEST_PROTOCOL) for name in names if name in state}
    if packed:
        state[_PACKED] = packed
    return state


def unpack_state(state: dict[str, Any]) -> dict[str, Any]:
    """Undo :func:`pack_state`."""
    state = dict(state)
    for name, blob in state.pop(_PACKED, {}).items():
        state[name] = pickle.loads(blob)  # part of a checksummed artifact, see models.artifact
    return state
