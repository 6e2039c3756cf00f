"""DKN weight updates (simplex, exponentiated gradient, fixed L2 norm), kernel centring, live units, RI."""

import numpy as np
import pytest
import torch

from synthetic_views import make_views
from kmnet import DeepKernelMapNetwork, DeepKernelNetwork
from kmnet._linalg import project_nonnegative_sphere
from kmnet.dkn import UPDATES
from kmnet.experiments.dkn_study import dkn_settings, dkn_study, plot_dkn_study, ri_long, unit_activity
from kmnet.metrics import relative_error, relative_importance


def _seed(rng):
    return int(rng.integers(2**31 - 1))


@pytest.mark.parametrize("update", UPDATES)
@pytest.mark.parametrize("center", [False, True])
def test_updates_keep_w_nonnegative_and_lower_the_dual_objective(rng, update, center):
    views, y = make_views(rng, n=90, n_classes=3)
    dkn = DeepKernelNetwork(hidden=6, max_iter=8, update=update, center=center, random_state=_seed(rng)).fit(views, y)
    obj = np.asarray(dkn.objective_)
    assert len(obj) >= 2, "no step was accepted"
    assert np.all(np.diff(obj) < 0), "the dual objective must decrease at every accepted step"
    for W, W0 in zip(dkn.weights_, dkn.initial_weights_):
        assert (W >= 0).all()
        n_in = W.shape[1]
        if update == "l2":
            np.testing.assert_allclose(np.linalg.norm(W, axis=1), 1 / np.sqrt(n_in), rtol=1e-5)
            np.testing.assert_allclose(np.linalg.norm(W0, axis=1), 1 / np.sqrt(n_in), rtol=1e-5)
        else:
            np.testing.assert_allclose(W.sum(1), 1.0, atol=1e-5)
        if update == "eg":
            assert (W > 0).all(), "multiplicative updates never reach exactly zero"
    assert any(np.abs(W - W0).max() > 1e-3 for W, W0 in zip(dkn.weights_, dkn.initial_weights_))


def test_nonnegative_sphere_projection(rng):
    V = torch.as_tensor(rng.normal(size=(20, 7)))
    V[0] = -torch.rand(7, dtype=V.dtype)  # no positive entry
    r = rng.uniform(0.1, 2.0)
    P = project_nonnegative_sphere(V, r)
    assert (P >= 0).all()
    np.testing.assert_allclose(P.norm(dim=1).numpy(), r, rtol=1e-12)
    assert int(P[0].argmax()) == int(V[0].argmax()) and int((P[0] > 0).sum()) == 1
    # nearest point of the set: no random feasible point is closer
    for i in range(1, 20):
        Q = torch.rand(500, 7, dtype=V.dtype)
        Q = r * Q / Q.norm(dim=1, keepdim=True)
        assert float((P[i] - V[i]).norm()) <= float((Q - V[i]).norm(dim=1).min()) + 1e-12


def test_default_keeps_most_hidden_units_alive_where_the_simplex_kills_them(rng):
    views, y = make_views(rng, n=150, n_classes=3)
    s = _seed(rng)
    default = DeepKernelNetwork(hidden=16, max_iter=30, random_state=s).fit(views, y)
    legacy = DeepKernelNetwork(hidden=16, max_iter=30, random_state=s, update="simplex", center=False,
                               sigma="std").fit(views, y)
    act, old = unit_activity(default), unit_activity(legacy)
    assert act["hidden_units"] == 16
    assert act["live_units"] >= 12, act
    assert old["weighted_units"] < act["weighted_units"], (old, act)
    assert default.score(views, y) > 0.9


def _rbf_only(rng, n):
    """Modality ``x``: 3 x 3 Gaussian blobs in the plane, labelled as a checkerboard of 2 classes, so that no
    linear function separates them; modality ``z``: noise."""
    cx, cy = rng.integers(0, 3, n), rng.integers(0, 3, n)
    y = (cx + cy) % 2
    x = np.c_[cx, cy] * 3.0 + 0.5 * rng.normal(size=(n, 2))
    return {"x": x, "z": rng.normal(size=(n, 6))}, y


def test_informative_rbf_kernel_gets_clear_relative_importance(rng):
    views, y = _rbf_only(rng, 240)
    kernels = {"x": ("linear", "rbf"), "z": ("linear", "polynomial", "hi")}
    dkn = DeepKernelNetwork(kernels=kernels, hidden=8, max_iter=30, C=10.0, random_state=_seed(rng)).fit(views, y)
    ri = relative_importance(dkn)["ri"]
    test_views, y_test = _rbf_only(rng, 200)
    assert dkn.score(test_views, y_test) > 0.85
    assert ri["x:rbf"] > 20.0, ri
    assert ri["x:rbf"] > ri["x:linear"]


def test_rbf_and_hi_kernels_keep_relative_importance_where_the_legacy_setting_zeroes_them(rng):
    # 40 + 30 weakly shifted Gaussian dimensions: every kernel is informative, the linear ones most;
    # uncentred, cosine-normalised RBF / HI kernels are nearly constant and the simplex drops them
    views, y = make_views(rng, n=200, dims=(40, 30), n_classes=4, shift=0.25)
    s = _seed(rng)
    legacy = DeepKernelNetwork(hidden=16, max_iter=30, C=10.0, random_state=s, update="simplex", center=False,
                               sigma="std").fit(views, y)
    default = DeepKernelNetwork(hidden=16, max_iter=30, C=10.0, random_state=s).fit(views, y)
    old, new = relative_importance(legacy)["ri"], relative_importance(default)["ri"]
    assert old[["audio:rbf", "text:rbf"]].max() < 1.0, old
    assert new[["audio:rbf", "text:rbf", "audio:hi", "text:hi"]].min() > 3.0, new


def test_centred_dkn_predicts_against_training_statistics(rng):
    views, y = make_views(rng, n=80)
    dkn = DeepKernelNetwork(hidden=4, max_iter=3, center=True, dtype="float64", random_state=_seed(rng)).fit(views, y)
    other, _ = make_views(rng, n=9)
    sub = np.sort(rng.choice(80, 17, replace=False))
    full = dkn.output_kernel(other, views).numpy()
    part = dkn.output_kernel(other, {m: v[sub] for m, v in views.items()}).numpy()
    np.testing.assert_allclose(part, full[:, sub], rtol=1e-10, atol=1e-12)
    # the SVM scores use the support vectors only, and equal the scores against all training rows
    beta = np.zeros((dkn.dual_coef_.shape[0], 80))
    beta[:, dkn.support_] = dkn.dual_coef_
    scores = full @ beta.T + dkn.intercept_
    np.testing.assert_allclose(dkn.decision_function(other), scores, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("update", ["simplex", "l2"])
def test_initial_map_network_reproduces_the_centred_dkn(rng, update):
    views, y = make_views(rng, n=120, n_classes=3)
    dkn = DeepKernelNetwork(hidden=6, max_iter=8, center=True, update=update, dtype="float64",
                            random_state=_seed(rng)).fit(views, y)
    net = DeepKernelMapNetwork.from_dkn(dkn, views)
    re_train = relative_error(net.output_kernel(views), dkn.output_kernel(views))
    other, _ = make_views(rng, n=30, n_classes=3)
    re_test = relative_error(net.output_kernel(other, views), dkn.output_kernel(other, views))
    assert re_train < 3.0 and re_test < 3.0, (re_train, re_test)
    # without centring in the map network the output kernel is far off: the test can fail
    plain = DeepKernelNetwork(hidden=6, max_iter=0, center=False, dtype="float64").fit(views, y)
    dkn_zero = DeepKernelNetwork(hidden=6, max_iter=0, center=True, dtype="float64").fit(views, y)
    assert relative_error(plain.output_kernel(views), dkn_zero.output_kernel(views)) > 3 * max(re_train, 0.5)


@pytest.mark.parametrize("param,value", [("update", "adam"), ("update", None), ("center", "yes"),
                                         ("center", 1), ("sigma", "wide"), ("sigma", -2.0), ("sigma", 0),
                                         ("step", 0.0), ("max_iter", -1), ("C", 0.0)])
def test_dkn_rejects_bad_parameters(rng, param, value):
    views, y = make_views(rng, n=30)
    with pytest.raises(ValueError, match=param):
        DeepKernelNetwork(hidden=2, **{"max_iter": 1, param: value}).fit(views, y)


@pytest.mark.parametrize("sigma", ["std", "median", "knn", 3.0])
def test_dkn_accepts_every_width_rule(rng, sigma):
    views, y = make_views(rng, n=40)
    dkn = DeepKernelNetwork(hidden=2, max_iter=1, sigma=sigma).fit(views, y)
    widths = {n: mp.sigma_ for n, mp in dkn.input_layer_.maps.items() if n.endswith(":rbf")}
    assert len(widths) == 2 and all(w > 0 for w in widths.values())
    if not isinstance(sigma, str):
        assert set(widths.values()) == {3.0}


def test_dkn_study_table(rng):
    views, y = make_views(rng, n=90, n_classes=3, noise=0.7)
    test_views, y_test = make_views(rng, n=30, n_classes=3, noise=0.7)
    settings = dkn_settings(update=("simplex", "l2"), center=(True,), sigma=("median",))
    tab = dkn_study(views, y, test_views, y_test, settings=settings,
                    template=DeepKernelNetwork(hidden=4, max_iter=4, random_state=_seed(rng)),
                    C_grid=(1.0, 10.0), cv=3, inner_cv=3, random_state=_seed(rng), progress=False)
    assert tab["setting"].tolist() == ["update=simplex, center=True, sigma=median",
                                       "update=l2, center=True, sigma=median"]
    ri_cols = [c for c in tab if c.startswith("ri ")]
    assert len(ri_cols) == 8
    np.testing.assert_allclose(tab[ri_cols].sum(axis=1), 100.0)
    np.testing.assert_allclose(tab["total audio"] + tab["total text"], 100.0)
    assert ((tab["live_units"] <= tab["weighted_units"]) & (tab["weighted_units"] <= tab["hidden_units"])).all()
    assert tab["C"].isin([1.0, 10.0]).all()
    assert tab["accuracy"].between(0, 1).all() and tab["cv_accuracy"].between(0, 1).all()
    long = ri_long(tab)
    assert len(long) == 16 and set(long["kernel"]) == {"linear", "polynomial", "rbf", "hi"}
    fig = plot_dkn_study(tab, title="study")
    bars = fig.axes[2].patches
    assert len(fig.axes) >= 3 and len(bars) == 16
    np.testing.assert_allclose(sorted(b.get_width() for b in bars), sorted(long["ri"]), atol=1e-9)
    assert fig.get_figwidth() <= 7.5  # a book column at 100 dpi
    short = [f"s{i}" for i in range(len(tab))]
    fig = plot_dkn_study(tab, labels=short)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == short
    assert [t.get_text() for t in fig.axes[2].get_yticklabels()] == short
    with pytest.raises(ValueError, match="labels"):
        plot_dkn_study(tab, labels=short[:1])
    with pytest.raises(ValueError, match="figsize"):
        plot_dkn_study(tab, figsize=(0, None))


def test_dkn_study_rejects_bad_input(rng):
    views, y = make_views(rng, n=30)
    with pytest.raises(ValueError, match="settings"):
        dkn_study(views, y, settings=[{"updates": "eg"}], progress=False)
    with pytest.raises(ValueError, match="settings"):
        dkn_study(views, y, settings=[], progress=False)
    with pytest.raises(ValueError, match="y_test"):
        dkn_study(views, y, views, progress=False)
    with pytest.raises(ValueError, match="cv"):
        dkn_study(views, y, settings=dkn_settings(update=("eg",), center=(False,), sigma=("std",)), cv=1,
                  progress=False)
    with pytest.raises(ValueError, match="C_grid"):
        dkn_study(views, y, settings=dkn_settings(update=("eg",), center=(False,), sigma=("std",)), C_grid=(0.0,),
                  progress=False)
    with pytest.raises(ValueError, match="template"):
        dkn_study(views, y, template=object(), progress=False)
