"""``side_by_side`` builds the very matrix ``sp.hstack(..., format="csr")`` builds."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from models.sparse import side_by_side


def _random_csr(rows: int, columns: int, density: float, dtype: type, seed: int) -> sp.csr_matrix:
    return sp.random(rows, columns, density=density, format="csr", dtype=dtype, random_state=seed)


@pytest.mark.parametrize("rows", [0, 1, 2, 7])
@pytest.mark.parametrize("dtypes", [(np.float32, np.float32), (np.float32, np.float64), (np.float64, np.float32)])
def test_side_by_side_equals_scipy_hstack(rows: int, dtypes: tuple[type, type]) -> None:
    blocks = [
        _random_csr(rows, 50, 0.2, dtypes[0], 1),
        _random_csr(rows, 3, 0.5, dtypes[1], 2),
        _random_csr(rows, 20, 0.0, dtypes[0], 3),
    ]
    ours, theirs = side_by_side(blocks), sp.hstack(blocks, format="csr")
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert np.array_equal(ours.indptr, theirs.indptr)
    assert np.array_equal(ours.indices, theirs.indices)
    assert np.array_equal(ours.data, theirs.data)  # same entries, same order: same products downstream


def test_side_by_side_scales_blocks_as_scipy_multiplies() -> None:
    words = _random_csr(3, 40, 0.3, np.float32, 4)
    cues = _random_csr(3, 5, 0.4, np.float64, 5)
    ours = side_by_side([words, cues], scales=(1, 2.5))
    theirs = sp.hstack([words, cues * 2.5], format="csr")
    assert ours.dtype == theirs.dtype
    assert np.array_equal(ours.indices, theirs.indices) and np.array_equal(ours.data, theirs.data)
    with pytest.raises(ValueError, match="2 scales for 1 blocks"):
        side_by_side([words], scales=(1, 2))


def test_side_by_side_refuses_blocks_of_other_heights() -> None:
    with pytest.raises(ValueError, match="different numbers of rows"):
        side_by_side([_random_csr(2, 4, 0.5, np.float64, 0), _random_csr(3, 4, 0.5, np.float64, 0)])
    with pytest.raises(ValueError, match="at least one block"):
        side_by_side([])
