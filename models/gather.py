"""One complaint's dot products with a stored sparse sample, compiled with numba.

The open-set check (:mod:`models.openset`) compares each complaint with 2,000 stored training complaints.
For one complaint that is a sum of the stored rows of its features, about 180,000 entries for a typical
text; scipy can do it only by first copying those rows into a new matrix (``reference_t[indices]``) and
then running a transposed product over the copy, which is most of the check's time. :func:`gathered_sum`
reads the rows in place, in the order scipy's product sums them: for each feature of the complaint in its
stored order, each stored entry of that feature, ``out[column] += value * weight``, in the dtype scipy
would use. So the sums are equal to ``reference_t[indices].T @ values`` bit for bit (and to the row of
``Z @ reference_t`` that the batch path computes; tests/models/test_gather.py), at about half the time.

The kernel is compiled on first use (a third of a second, once per process) and releases the GIL.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["gathered_sum"]


def _sum_rows(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, rows: np.ndarray, weights: np.ndarray, out: np.ndarray
) -> None:
    """``out[indices[p]] += data[p] * weights[k]`` for each stored entry ``p`` of each row ``rows[k]``, in order."""
    for k in range(rows.shape[0]):
        row = rows[k]
        weight = weights[k]
        for p in range(indptr[row], indptr[row + 1]):
            out[indices[p]] += data[p] * weight


@cache
def _kernel() -> Callable[..., Any]:
    import numba  # compiling is deferred to the first call: importing numba costs a fifth of a second

    compiled: Callable[..., Any] = numba.njit(nogil=True, cache=False)(_sum_rows)
    return compiled


def gathered_sum(reference_t: sp.csr_matrix, indices: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``reference_t[indices].T @ values`` without building the gathered matrix: the weighted sum of the rows
    ``indices`` of ``reference_t`` (CSR, rows x columns), one value per column."""
    dtype = np.result_type(reference_t.dtype, values.dtype)
    out = np.zeros(reference_t.shape[1], dtype=dtype)
    if len(indices):
        data = reference_t.data if reference_t.dtype == dtype else reference_t.data.astype(dtype)
        _kernel()(reference_t.indptr, reference_t.indices, data, indices, values.astype(dtype, copy=False), out)
    return out
