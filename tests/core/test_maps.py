"""Elementary maps against their closed-form kernels (paper App. A.1)."""

import numpy as np
import pytest
import torch

from kmnet.maps import (
    HistogramIntersectionMap,
    LinearMap,
    PolynomialMap,
    RBFMap,
    energy_rank,
    make_map,
    nystroem_projection,
)


def _np(t):
    """Maps return NumPy arrays by default; tensors (``output="torch"``) are converted too."""
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


def test_linear_map_is_exact(rng):
    X, Y = rng.normal(size=(30, 7)), rng.normal(size=(20, 7))
    m = LinearMap(dtype="float64").fit(X)
    np.testing.assert_allclose(_np(m.kernel(X, Y)), X @ Y.T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_np(m.transform(X) @ m.transform(Y).T), X @ Y.T, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("degree", [1, 2, 3])
def test_polynomial_map_is_exact(rng, degree):
    d = int(rng.integers(2, 7))
    X, Y = rng.normal(size=(25, d)), rng.normal(size=(15, d))
    m = PolynomialMap(degree, dtype="float64").fit(X)
    closed = (X @ Y.T) ** degree
    np.testing.assert_allclose(_np(m.kernel(X, Y)), closed, rtol=1e-10, atol=1e-10)
    Z = m.transform(X)
    assert Z.shape[1] == (d * (d + 1) // 2 if degree == 2 else d**degree) == m.n_output_features_
    np.testing.assert_allclose(_np(Z @ m.transform(Y).T), closed, rtol=1e-10, atol=1e-10)


def test_standardize_and_normalize_closed_form(rng):
    X = rng.normal(size=(40, 5)) * rng.uniform(0.1, 10, 5) + rng.normal(size=5)
    Y = rng.normal(size=(10, 5))
    mu, sd = X.mean(0), X.std(0)
    Xs, Ys = (X - mu) / sd, (Y - mu) / sd
    cos = (Xs @ Ys.T) / np.linalg.norm(Xs, axis=1)[:, None] / np.linalg.norm(Ys, axis=1)[None]
    lin = LinearMap(standardize=True, normalize=True, dtype="float64").fit(X)
    np.testing.assert_allclose(_np(lin.kernel(X, Y)), cos, atol=1e-12)
    np.testing.assert_allclose(_np(lin.transform(X) @ lin.transform(Y).T), cos, atol=1e-12)
    poly = PolynomialMap(standardize=True, normalize=True, dtype="float64").fit(X)
    np.testing.assert_allclose(_np(poly.kernel(X, Y)), cos**2, atol=1e-12)
    np.testing.assert_allclose(_np(poly.kernel_diag(X)), np.ones(len(X)), atol=1e-12)


def test_rbf_kernel_closed_form_and_default_sigma(rng):
    X, Y = rng.normal(size=(30, 4)) * 3, rng.normal(size=(12, 4))
    m = RBFMap(dtype="float64").fit(X)
    # default width: the standard deviation over all features (sqrt of the total variance)
    assert m.sigma_ == pytest.approx(np.sqrt(X.var(0).sum()), rel=1e-12)
    d2 = ((X[:, None, :] - Y[None, :, :]) ** 2).sum(-1)
    np.testing.assert_allclose(_np(m.kernel(X, Y)), np.exp(-d2 / (2 * m.sigma_**2)), atol=1e-12)
    m2 = RBFMap(sigma=0.7, dtype="float64").fit(X)
    np.testing.assert_allclose(_np(m2.kernel(X, Y)), np.exp(-d2 / (2 * 0.49)), atol=1e-12)


@pytest.mark.parametrize("energy", [0.9, 0.99, 1.0])
def test_rbf_map_exact_on_anchors_up_to_dropped_energy(rng, energy):
    X = rng.normal(size=(60, 3))
    m = RBFMap(energy=energy, dtype="float64").fit(X)
    K = _np(m.kernel(X))
    Z = _np(m.transform(X))
    E = K - Z @ Z.T
    lam = np.linalg.eigvalsh(K)
    dropped = lam.sum() - _np(m.eigenvalues_).sum()
    # K - Z Z^T is the dropped part of the spectrum: p.s.d., trace = dropped energy
    assert np.linalg.eigvalsh(E).min() > -1e-8
    assert np.trace(E) == pytest.approx(dropped, abs=1e-8)
    assert dropped <= (1 - energy) * lam[lam > 0].sum() + 1e-8
    assert np.abs(E).max() <= dropped + 1e-8
    if energy == 1.0:
        assert np.abs(E).max() < 1e-8


def test_rbf_landmarks(rng):
    X = rng.normal(size=(80, 3))
    m = RBFMap(n_anchors=20, random_state=int(rng.integers(1000)), dtype="float64").fit(X)
    assert m.anchors_.shape[0] == 20 and m.n_output_features_ <= 20
    # exact on its own anchors up to the dropped energy
    A = _np(m.anchors_)
    Z = _np(m._map_raw(m.anchors_))
    K = np.exp(-((A[:, None] - A[None]) ** 2).sum(-1) / (2 * m.sigma_**2))
    assert np.abs(K - Z @ Z.T).max() < 0.05


def _hi_naive(X, Y, lo, hi):
    a = np.clip(X, lo, hi) - lo
    b = np.clip(Y, lo, hi) - lo
    return np.minimum(a[:, None, :], b[None, :, :]).sum(-1)


def test_hi_exact_kernel_closed_form(rng):
    X = rng.gamma(2.0, size=(50, 6))
    Y = rng.gamma(2.0, size=(400, 6))  # large enough to take the cdist path
    m = HistogramIntersectionMap(dtype="float64").fit(X)
    ref = _hi_naive(X, Y, X.min(0), X.max(0))
    np.testing.assert_allclose(_np(m.kernel(X, Y)), ref, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(_np(m.kernel(X[:5], Y[:5])), ref[:5, :5], rtol=1e-12, atol=1e-12)


def test_hi_map_within_bound_and_improves_with_levels(rng):
    X = rng.normal(size=(40, 5)) * rng.uniform(0.5, 4, 5)
    Y = rng.normal(size=(25, 5)) * 3  # partly outside the fitting range: clipped
    errors = []
    for Q in (5, 10, 20, 40):
        m = HistogramIntersectionMap(Q, dtype="float64").fit(X)
        E = _np(m.kernel(X, Y) - m.transform(X) @ m.transform(Y).T)
        bound = m.error_bound()
        assert bound == pytest.approx((X.max(0) - X.min(0)).sum() / Q)
        assert E.min() >= -1e-10 and E.max() < bound
        errors.append(E)
        assert m.transform(X).shape[1] == Q * 5
    # nested levels (each Q doubles): the error never grows, and shrinks on average
    for a, b in zip(errors[:-1], errors[1:]):
        assert np.all(b <= a + 1e-10)
        assert b.mean() < a.mean()


def test_hi_negative_features_rule(rng):
    """Rule: features are shifted by the training minimum, so negative inputs are valid."""
    X = rng.normal(size=(30, 4)) - 5.0
    assert (X < 0).all()
    m = HistogramIntersectionMap(dtype="float64").fit(X)
    K = _np(m.kernel(X))
    assert np.linalg.eigvalsh(K).min() > -1e-9  # p.s.d.
    np.testing.assert_allclose(K, _hi_naive(X, X, X.min(0), X.max(0)), atol=1e-12)
    # constant dimension contributes nothing
    Xc = np.c_[X, np.full(len(X), 3.0)]
    mc = HistogramIntersectionMap(dtype="float64").fit(Xc)
    np.testing.assert_allclose(_np(mc.kernel(Xc)), K, atol=1e-12)
    assert np.all(_np(mc.transform(Xc))[:, -10:] == 0)


def test_normalized_hi_map_is_unit_norm(rng):
    X = rng.gamma(1.5, size=(20, 8))
    m = HistogramIntersectionMap(normalize=True, dtype="float64").fit(X)
    n = np.linalg.norm(_np(m.transform(X)), axis=1)
    assert np.all((np.abs(n - 1) < 1e-12) | (n == 0))
    d = _np(m.kernel(X))
    np.testing.assert_allclose(np.diag(d), 1.0, atol=1e-12)


def test_energy_rank_and_nystroem(rng):
    lam = torch.tensor([5.0, 3.0, 1.0, 0.5, 0.0, -1.0], dtype=torch.float64)
    assert energy_rank(lam, 0.5) == 1
    assert energy_rank(lam, 0.84) == 2  # (5 + 3) / 9.5 = 0.842
    assert energy_rank(lam, 0.85) == 3
    assert energy_rank(lam, 1.0) == 4  # non-positive eigenvalues dropped
    with pytest.raises(ValueError, match="energy"):
        energy_rank(lam, 1.5)
    A = rng.normal(size=(10, 4))
    K = torch.as_tensor(A @ A.T)
    U, ev = nystroem_projection(K, 1.0)
    assert U.shape == (10, 4)
    np.testing.assert_allclose(_np(K @ U @ U.T @ K), _np(K), atol=1e-8)


def test_make_map_and_params():
    assert isinstance(make_map("poly", degree=3, levels=4), PolynomialMap)
    assert make_map("histogram", levels=4).levels == 4
    with pytest.raises(ValueError, match="unknown kernel"):
        make_map("sigmoid")
    from sklearn.base import clone

    m = clone(RBFMap(energy=0.9, sigma=2.0))
    assert m.get_params()["energy"] == 0.9


@pytest.mark.parametrize("cls", [LinearMap, PolynomialMap, RBFMap, HistogramIntersectionMap])
def test_maps_reject_bad_input(rng, cls):
    X = rng.normal(size=(10, 3))
    m = cls().fit(X)
    bad = X.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        cls().fit(bad)
    with pytest.raises(ValueError, match="non-finite"):
        m.transform(bad)
    with pytest.raises(ValueError, match="expected 3 features"):
        m.kernel(rng.normal(size=(4, 5)))
    with pytest.raises(ValueError, match="2-D"):
        m.transform(X[0])
    inf = X.copy()
    inf[0, 0] = np.inf
    with pytest.raises(ValueError, match="inf"):
        m.kernel(X, inf)


def test_float32_default_and_float64_option(rng):
    X = rng.normal(size=(8, 3))
    assert LinearMap().fit(X).transform(X).dtype == np.float32
    assert LinearMap(dtype="float64").fit(X).transform(X).dtype == np.float64
    assert LinearMap(output="torch").fit(X).transform(X).dtype == torch.float32
    assert LinearMap(dtype="float64", output="torch").fit(X).transform(X).dtype == torch.float64
    with pytest.raises(ValueError, match="dtype"):
        LinearMap(dtype="int8").fit(X)
