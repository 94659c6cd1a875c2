"""CSR building blocks for the prediction path, where one complaint is a one-row matrix.

scipy's general ``sp.hstack`` goes through its block machinery (shape checks, index-dtype choice, a
``coo``/``csr`` round of conversions): for a one-row matrix of a few hundred entries that is about
0.1 ms a call, more than the arithmetic of both heads together (BENCHMARKS.md, "API latency").
:func:`side_by_side` builds the very same matrix (the entries of each row in block order, as scipy's
``csr_hstack`` lays them out) from the blocks' arrays with a few NumPy calls.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

__all__ = ["side_by_side"]


def side_by_side(blocks: Sequence[sp.csr_matrix], scales: Sequence[float] | None = None) -> sp.csr_matrix:
    """``sp.hstack(blocks, format="csr")`` of CSR blocks with the same number of rows: the same entries in
    the same order and the same dtype (the blocks' common type). With ``scales``, block i is taken as
    ``blocks[i] * scales[i]`` (as scipy multiplies: its data times the number)."""
    if not blocks:
        raise ValueError("side_by_side needs at least one block")
    n_rows = blocks[0].shape[0]
    if any(block.shape[0] != n_rows for block in blocks):
        raise ValueError(f"blocks have different numbers of rows: {[block.shape[0] for block in blocks]}")
    offsets = []
    width = 0
    for block in blocks:
        offsets.append(width)
        width += block.shape[1]
    dtype = np.result_type(*(block.dtype for block in blocks))
    nnz = sum(block.nnz for block in blocks)
    index = np.int32 if max(width, nnz) < np.iinfo(np.int32).max else np.int64
    if scales is not None:
        if len(scales) != len(blocks):
            raise ValueError(f"{len(scales)} scales for {len(blocks)} blocks")
        parts = [block.data if scale == 1 else block.data * scale for block, scale in zip(blocks, scales, strict=True)]
        dtype = np.result_type(*parts)
    else:
        parts = [block.data for block in blocks]
    data = np.concatenate(parts).astype(dtype, copy=False)
    columns = np.concatenate(
        [block.indices.astype(index, copy=False) + index(offset) for block, offset in zip(blocks, offsets, strict=True)]
    )
    if n_rows == 1:  # one complaint: nothing to interleave
        indptr = np.asarray([0, nnz], dtype=index)
    else:  # the blocks' entries of row i, one block after the other
        per_row = np.zeros(n_rows, dtype=index)
        for block in blocks:
            per_row += np.diff(block.indptr).astype(index, copy=False)
        rows = np.concatenate([np.repeat(np.arange(n_rows), np.diff(block.indptr)) for block in blocks])
        order = np.argsort(rows, kind="stable")
        data, columns = data[order], columns[order]
        indptr = np.zeros(n_rows + 1, dtype=index)
        np.cumsum(per_row, out=indptr[1:])
    return sp.csr_matrix((data, columns, indptr), shape=(n_rows, width))
