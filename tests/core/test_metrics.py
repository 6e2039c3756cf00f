"""Eq. 17 (relative error), Eq. 18 (relative importance), accuracy and confusion helpers."""

import numpy as np
import pandas as pd
import pytest

from synthetic_views import make_views
from kmnet import DeepKernelNetwork
from kmnet.metrics import (
    accuracy,
    confusion_matrix,
    modality_importance,
    relative_error,
    relative_importance,
)


def test_relative_error_eq17(rng):
    A = rng.normal(size=(6, 6))
    B = A + rng.normal(size=(6, 6)) * 0.1
    ref = np.mean(np.abs(A - B) / (np.abs(A) + np.abs(B))) * 100
    assert relative_error(A, B) == pytest.approx(ref)
    assert relative_error(A, A) == 0.0
    assert relative_error(np.zeros((2, 2)), np.zeros((2, 2))) == 0.0
    assert relative_error(-A, A) == pytest.approx(100.0)
    with pytest.raises(ValueError, match="shape"):
        relative_error(A, B[:5])
    with pytest.raises(ValueError, match="NaN"):
        relative_error(A * np.nan, B)


def test_relative_importance_hand_computation(rng):
    n_in, n_hid = 4, 3
    W1 = rng.uniform(0, 1, (n_hid, n_in))  # hidden p <- input q: W1[p, q] = w^(1)_{q,p}
    W2 = rng.uniform(0, 1, (1, n_hid))
    names = ["audio:linear", "audio:hi", "text:linear", "text:hi"]
    # Eq. 18 written out with loops
    num = np.zeros(n_in)
    for q in range(n_in):
        for p in range(n_hid):
            num[q] += W1[p, q] * W2[0, p] / W1[p, :].sum()
    ref = num / num.sum() * 100
    ri = relative_importance([W1, W2], names)
    assert list(ri.index) == names
    np.testing.assert_allclose(ri["ri"].to_numpy(), ref)
    assert ri["ri"].sum() == pytest.approx(100.0)
    tot = modality_importance(ri)
    assert tot["audio"] == pytest.approx(ref[:2].sum())
    assert tot.sum() == pytest.approx(100.0)
    with pytest.raises(ValueError, match="non-negative"):
        relative_importance([-W1, W2])
    with pytest.raises(ValueError, match="one row"):
        relative_importance([W1, W1])


def test_relative_importance_of_a_fitted_network(rng):
    views, y = make_views(rng, n=60)
    dkn = DeepKernelNetwork(hidden=4, max_iter=2).fit(views, y)
    ri = relative_importance(dkn)
    assert isinstance(ri, pd.DataFrame) and len(ri) == 8
    assert ri["ri"].sum() == pytest.approx(100.0)
    assert (ri["ri"] >= 0).all()
    assert set(ri["modality"]) == {"audio", "text"}


def test_accuracy_and_confusion(rng):
    y = rng.integers(0, 3, 50)
    p = np.where(rng.random(50) < 0.7, y, rng.integers(0, 3, 50))
    assert accuracy(y, p) == pytest.approx(np.mean(y == p))
    cm = confusion_matrix(y, p)
    np.testing.assert_allclose(cm.sum(axis=1), 100.0)
    counts = confusion_matrix(y, p, normalize=None)
    assert counts.to_numpy().sum() == 50
    assert np.trace(counts.to_numpy()) == np.sum(y == p)
    with pytest.raises(ValueError, match="length"):
        accuracy(y, p[:-1])
