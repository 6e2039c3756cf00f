"""Kernel centring in feature space (kmnet.maps ``center``) and the RBF width rules."""

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist, pdist

from kmnet.maps import SIGMA_RULES, RBFMap, make_map, rbf_width

KERNELS = [("linear", {}), ("polynomial", {}), ("polynomial", {"degree": 3}), ("rbf", {}), ("hi", {})]


def _data(rng, n=50, d=4):
    scale = rng.uniform(0.5, 3.0, d)
    X = rng.normal(size=(n, d)) * scale + rng.normal(size=d)
    Y = rng.normal(size=(7, d)) * scale + rng.normal(size=d)
    return X, Y


@pytest.mark.parametrize("name,kw", KERNELS)
@pytest.mark.parametrize("standardize", [False, True])
def test_centred_kernel_is_the_double_centred_gram(rng, name, kw, standardize):
    X, Y = _data(rng)
    n = X.shape[0]
    raw = make_map(name, standardize=standardize, dtype="float64", output="torch", **kw).fit(X)
    cen = make_map(name, standardize=standardize, center=True, dtype="float64", output="torch", **kw).fit(X)
    H = np.eye(n) - 1.0 / n
    K = raw.kernel(X).numpy()
    np.testing.assert_allclose(cen.kernel(X).numpy(), H @ K @ H, atol=1e-9 * np.abs(K).max())
    # new samples are centred on the fitting set: the block of the Gram of [X; Y] centred on X's rows
    Z = np.vstack([X, Y])
    Kz = raw.kernel(Z).numpy()
    P = np.hstack([np.eye(n), np.zeros((n, len(Y)))]).mean(0)  # mean over the fitting rows
    C = np.eye(len(Z)) - np.ones((len(Z), 1)) * P[None, :]
    Kc = C @ Kz @ C.T
    np.testing.assert_allclose(cen.kernel(Y, X).numpy(), Kc[n:, :n], atol=1e-9 * np.abs(Kz).max())
    np.testing.assert_allclose(cen.kernel(Y).numpy(), Kc[n:, n:], atol=1e-9 * np.abs(Kz).max())
    np.testing.assert_allclose(cen.kernel_diag(Y).numpy(), np.diag(Kc)[n:], atol=1e-9 * np.abs(Kz).max())


@pytest.mark.parametrize("name,kw", KERNELS)
def test_centred_cosine_normalised_kernel(rng, name, kw):
    X, Y = _data(rng)
    un = make_map(name, standardize=True, center=True, dtype="float64", output="torch", **kw).fit(X)
    nm = make_map(name, standardize=True, center=True, normalize=True, dtype="float64", output="torch", **kw).fit(X)
    K = un.kernel(Y, X).numpy()
    ref = K / np.sqrt(np.outer(un.kernel_diag(Y).numpy(), un.kernel_diag(X).numpy()))
    np.testing.assert_allclose(nm.kernel(Y, X).numpy(), ref, atol=1e-10)
    np.testing.assert_allclose(np.diag(nm.kernel(X).numpy()), 1.0, atol=1e-10)
    if name in ("rbf", "hi"):  # kernels with values >= 0: centring removes most of their constant part
        off = ~np.eye(len(X), dtype=bool)
        plain = make_map(name, standardize=True, normalize=True, dtype="float64", output="torch", **kw).fit(X).kernel(X).numpy()
        assert abs(nm.kernel(X).numpy()[off].mean()) < 0.5 * plain[off].mean()


@pytest.mark.parametrize("name,kw", [("linear", {}), ("polynomial", {}), ("polynomial", {"degree": 3})])
@pytest.mark.parametrize("normalize", [False, True])
def test_centred_exact_maps_reproduce_the_centred_kernel(rng, name, kw, normalize):
    X, Y = _data(rng)
    m = make_map(name, standardize=True, center=True, normalize=normalize, dtype="float64", output="torch", **kw).fit(X)
    ZX, ZY = m.transform(X).numpy(), m.transform(Y).numpy()
    K = m.kernel(Y, X).numpy()
    np.testing.assert_allclose(ZY @ ZX.T, K, atol=1e-8 * max(1.0, np.abs(K).max()))
    if not normalize:  # the map is centred on the fitting set
        np.testing.assert_allclose(ZX.mean(0), 0.0, atol=1e-8 * max(1.0, np.abs(ZX).max()))


def test_centred_rbf_and_hi_maps_approximate_the_centred_kernel(rng):
    X, Y = _data(rng, n=80, d=3)
    rbf = RBFMap(energy=1.0, standardize=True, center=True, normalize=True, dtype="float64", output="torch").fit(X)
    np.testing.assert_allclose(rbf.transform(X).numpy() @ rbf.transform(X).numpy().T, rbf.kernel(X).numpy(),
                               atol=1e-6)
    errs = []
    for Q in (10, 40, 160):
        hi = make_map("hi", levels=Q, center=True, dtype="float64", output="torch").fit(X)
        K = hi.kernel(X).numpy()
        errs.append(np.abs(hi.transform(X).numpy() @ hi.transform(X).numpy().T - K).max())
    assert errs[2] < errs[0] and errs[2] < 0.1 * np.abs(K).max()


def test_hi_mean_kernel_against_brute_force(rng):
    X, Y = _data(rng, n=40, d=5)
    X[:5, 2] = X[5, 2]  # ties
    hi = make_map("hi", center=True, dtype="float64", output="torch").fit(X)
    lo, hi_ = X.min(0), X.max(0)
    sx = np.minimum(np.maximum(X - lo, 0), hi_ - lo)
    for A in (X, Y, X[:3] + 0.0):
        sa = np.minimum(np.maximum(A - lo, 0), hi_ - lo)
        ref = np.minimum(sa[:, None, :], sx[None, :, :]).sum(-1).mean(1)
        got = hi._kernel_mean(hi._prepare(A)).numpy()
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


def test_center_param_is_cloned_and_default_off(rng):
    X, _ = _data(rng)
    for name, _kw in KERNELS:
        m = make_map(name)
        assert m.get_params()["center"] is False
        m.fit(X)
        assert not hasattr(m, "kernel_mean_total_")


def test_rbf_width_rules(rng):
    X = rng.normal(size=(60, 4)) * rng.uniform(0.5, 2, 4)
    d = pdist(X)
    assert rbf_width(X, "std") == pytest.approx(np.sqrt(X.var(0).sum()), rel=1e-12)
    assert rbf_width(X, "median") == pytest.approx(np.median(d), rel=1e-10)
    D = cdist(X, X)
    np.fill_diagonal(D, np.inf)
    assert rbf_width(X, "knn") == pytest.approx(np.sort(D, 1)[:, 6].mean(), rel=1e-10)
    assert rbf_width(X, 0.3) == 0.3
    assert rbf_width(torch.as_tensor(X), None) == pytest.approx(rbf_width(X, "std"))
    assert rbf_width(np.ones((5, 3)), "median") == 1.0  # no spread: fallback
    for rule in SIGMA_RULES:
        m = RBFMap(sigma=rule, dtype="float64", output="torch").fit(X)
        assert m.sigma_ == pytest.approx(rbf_width(X, rule), rel=1e-6)


@pytest.mark.parametrize("bad", ["wide", -1.0, 0.0, float("nan"), float("inf"), [1.0]])
def test_rbf_width_rejects_bad_sigma(rng, bad):
    X = rng.normal(size=(10, 2))
    with pytest.raises(ValueError, match="sigma"):
        RBFMap(sigma=bad).fit(X)
