"""Shared fixtures. Every test draws fresh random inputs; the seed is printed so that a failure
can be replayed (pytest shows captured output of failing tests)."""

import os

import numpy as np
import pytest
import torch

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def rng(request):
    seed = int(np.random.SeedSequence().entropy % (2**32))
    print(f"[{request.node.name}] rng seed = {seed}")
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


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


@pytest.fixture
def views_factory(rng):
    return lambda **kw: make_views(rng, **kw)
