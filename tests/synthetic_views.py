"""Synthetic multi-modal classification data for the tests (``from synthetic_views import make_views``)."""

import numpy as np

__all__ = ["make_views"]


def make_views(rng, n=120, dims=(6, 5), n_classes=3, shift=1.0, noise=1.0):
    """Two-modality classification data with signal in both modalities."""
    y = rng.integers(0, n_classes, n)
    while len(np.unique(y)) < n_classes:
        y = rng.integers(0, n_classes, n)
    centers = [rng.normal(size=(n_classes, d)) * shift * 2 for d in dims]
    views = {}
    for name, d, c in zip(("audio", "text"), dims, centers):
        views[name] = c[y] + noise * rng.normal(size=(n, d))
    return views, y
