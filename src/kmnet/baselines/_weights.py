"""Fusion-weight search on held-out training rows (decision weighting / hybrid fusion, ref. [21])."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

__all__ = ["simplex_grid", "search_fusion_weights"]


# --------------------------------------------------------------------------------------------
# fusion weights
# --------------------------------------------------------------------------------------------
def simplex_grid(n_members: int, step: float) -> np.ndarray:
    """All weight vectors on the simplex with coordinates in multiples of ``step`` (rows sum to 1)."""
    if not 0 < step <= 1:
        raise ValueError(f"weight_step must be in (0, 1], got {step}")
    k = int(round(1.0 / step))
    if abs(k * step - 1.0) > 1e-9:
        raise ValueError(f"weight_step must divide 1 (e.g. 0.05, 0.1, 0.25), got {step}")
    if n_members == 1:
        return np.ones((1, 1))
    rows = [c for c in itertools.product(range(k + 1), repeat=n_members - 1) if sum(c) <= k]
    grid = np.array([[*c, k - sum(c)] for c in rows], dtype=np.float64) / k
    return grid


def search_fusion_weights(probas: Sequence[np.ndarray], y: np.ndarray, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The weight vector of ``grid`` whose weighted sum of ``probas`` is most accurate on ``y``.

    Ties are broken by the lower log-loss, then by the most even weights.

    Returns
    -------
    weights : ndarray of shape (n_members,)
    scores : ndarray of shape (len(grid),), the validation accuracy of every grid point
    """
    P = np.stack(probas, 0)  # (m, n, k)
    mix = np.einsum("gm,mnk->gnk", grid, P)
    acc = (mix.argmax(2) == y[None, :]).mean(1)
    nll = -np.log(np.clip(mix[:, np.arange(len(y)), y], 1e-12, None)).mean(1)
    spread = np.abs(grid - 1.0 / grid.shape[1]).sum(1)
    order = np.lexsort((spread, nll, -acc))
    return grid[order[0]].copy(), acc
