"""Shared fixtures. Every test draws fresh random inputs; the seed is printed so that a failure
can be replayed (pytest shows captured output of failing tests).

The tests are arranged by layer (``core/``, ``features/``, ``datasets/``, ``baselines/``,
``experiments/``); the synthetic data of several layers' tests is ``synthetic_views.make_views``
(imported by name, since every folder's conftest is a module named ``conftest``)."""

import os

import numpy as np
import pytest
import torch

from synthetic_views import make_views

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def rng(request):
    seed = int(np.random.SeedSequence().entropy % (2**32))
    print(f"[{request.node.name}] rng seed = {seed}")
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


@pytest.fixture
def views_factory(rng):
    return lambda **kw: make_views(rng, **kw)
