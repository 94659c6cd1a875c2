"""models/gather.py: the compiled gather-and-sum equals scipy's product bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from models.gather import gathered_sum


@pytest.mark.parametrize(
    ("reference_dtype", "value_dtype"),
    [(np.float32, np.float32), (np.float64, np.float64), (np.float32, np.float64)],
)
def test_gathered_sum_equals_scipy_gather_then_product(reference_dtype: type, value_dtype: type) -> None:
    rng = np.random.default_rng(7)
    reference_t = sp.random(800, 250, density=0.15, format="csr", dtype=reference_dtype, random_state=rng)
    for _ in range(20):
        row = sp.random(1, 800, density=0.06, format="csr", dtype=value_dtype, random_state=rng)
        expected = reference_t[row.indices].T @ row.data
        got = gathered_sum(reference_t, row.indices, row.data)
        assert got.dtype == expected.dtype
        assert np.array_equal(got, expected)
        assert np.array_equal(got, (row @ reference_t).toarray()[0])  # and the batch path's product


def test_gathered_sum_of_repeated_and_unsorted_rows_keeps_their_order() -> None:
    reference_t = sp.csr_matrix(np.array([[1.0, 0.0, 2.0], [0.0, 3.0, 0.5], [4.0, 0.0, 0.0]], dtype=np.float32))
    rows = np.array([2, 0, 2], dtype=np.int32)
    weights = np.array([0.5, 2.0, 1.0], dtype=np.float32)
    np.testing.assert_array_equal(gathered_sum(reference_t, rows, weights), [0.5 * 4 + 2 + 4, 0.0, 4.0])


def test_gathered_sum_of_no_rows_is_zero() -> None:
    reference_t = sp.random(10, 6, density=0.5, format="csr", dtype=np.float32, random_state=0)
    out = gathered_sum(reference_t, np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
    assert out.dtype == np.float32 and np.array_equal(out, np.zeros(6))
