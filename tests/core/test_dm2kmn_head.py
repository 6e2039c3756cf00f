"""DM2KMN softmax layer and learning schedule: calibration (temperature on out-of-fold SVM scores, or
the layer alone), one continuous learning run, the head from SVMs on given rows or the paper's
random head, and the effective weights behind relative importance after learning."""

import copy

import numpy as np
import pytest
import torch
from scipy.special import log_softmax
from sklearn.svm import SVC

from synthetic_views import make_views
from kmnet import DeepKernelMapNetwork, DeepKernelNetwork
from kmnet._dm2kmn_head import fit_temperature, weighted_cross_entropy
from kmnet.metrics import relative_importance


def _split(views, y, n_train):
    return ({k: v[:n_train] for k, v in views.items()}, y[:n_train],
            {k: v[n_train:] for k, v in views.items()}, y[n_train:])


def _held_out_ce(model, views, y):
    p = model.predict_proba(views)
    idx = np.searchsorted(model.classes_, y)
    return float(-np.mean(np.log(p[np.arange(len(y)), idx])))


def test_fit_temperature_matches_a_brute_force_search(rng):
    n, c = 200, 3
    y = rng.integers(0, c, n)
    logits = rng.normal(size=(n, c)) + 2.0 * np.eye(c)[y]  # informative, scale unknown
    logits *= rng.uniform(0.1, 0.5)  # under-confident
    cw = rng.uniform(0.5, 2.0, c)
    s, before, after = fit_temperature(logits, y, cw, smoothing=False)
    grid = np.exp(np.linspace(np.log(1e-2), np.log(1e2), 4001))
    ce = [weighted_cross_entropy(g * logits, y, cw) for g in grid]
    ref = grid[int(np.argmin(ce))]
    assert s == pytest.approx(ref, rel=5e-3)
    assert after <= min(ce) + 1e-6 and after < before
    # Platt's smoothed targets: (n_c + 1) / (n_c + 2) on the true class
    counts = np.bincount(y, minlength=c)
    t = np.full((n, c), 0.0)
    for i, k in enumerate(y):
        t[i] = 1.0 / (counts[k] + 2) / (c - 1)
        t[i, k] = (counts[k] + 1) / (counts[k] + 2)
    s_smooth, _, _ = fit_temperature(logits, y, cw)
    ce_s = [weighted_cross_entropy(g * logits, y, cw, t) for g in grid]
    assert s_smooth == pytest.approx(grid[int(np.argmin(ce_s))], rel=5e-3) and s_smooth <= s
    # separable logits: one-hot targets push the scale to the bound, smoothed ones keep it finite
    sep = 3.0 * np.eye(c)[y] + 0.1 * rng.normal(size=(n, c))
    s_hard, _, ce_hard = fit_temperature(sep, y, smoothing=False)
    s_soft = fit_temperature(sep, y)[0]
    assert ce_hard < 1e-12 and s_hard > 10  # saturated: every probability of the true class is 1
    # smoothed optimum: margin s * 3 = log(2 (n_c + 1)), about 1.6 for n_c near 67
    expected = np.log(2 * (counts + 1)).mean() / 3.0
    assert s_soft == pytest.approx(expected, rel=0.1)
    # the weighted cross-entropy is the weighted mean negative log-likelihood
    lp = log_softmax(logits, axis=1)[np.arange(n), y]
    assert before == pytest.approx(-(cw[y] * lp).sum() / cw[y].sum())
    with pytest.raises(ValueError, match="finite"):
        fit_temperature(np.full((n, c), np.nan), y)


def test_temperature_lowers_held_out_cross_entropy_and_keeps_predictions(rng):
    views, y = make_views(rng, n=300, n_classes=3, noise=1.0)
    Xtr, ytr, Xte, yte = _split(views, y, 150)
    dkn = DeepKernelNetwork(hidden=4, max_iter=3, C=10.0, random_state=int(rng.integers(1e6))).fit(Xtr, ytr)
    raw = DeepKernelMapNetwork.from_dkn(dkn, Xtr, random_state=int(rng.integers(1e6)))
    cal = copy.deepcopy(raw).calibrate(Xtr, ytr, "temperature")
    np.testing.assert_array_equal(cal.predict(Xte), raw.predict(Xte))  # a temperature keeps every prediction
    np.testing.assert_allclose(cal.decision_function(Xte), raw.decision_function(Xte) / cal.temperature_, rtol=1e-5,
                               atol=1e-6)
    assert _held_out_ce(cal, Xte, yte) <= _held_out_ce(raw, Xte, yte)
    before, after = cal.calibration_loss_
    assert after <= before and cal.calibration_ == "temperature"
    # SVM scores are margins: on data the SVMs separate, the softmax must be sharpened
    assert cal.temperature_ < 1.0
    assert cal.loss_curve_ == [] and cal.weights_[0].tolist() == raw.weights_[0].tolist()


def test_head_calibration_learns_the_softmax_layer_only(rng):
    views, y = make_views(rng, n=120, n_classes=3, noise=1.5)
    dkn = DeepKernelNetwork(hidden=3, max_iter=2, random_state=int(rng.integers(1e6))).fit(views, y)
    raw = DeepKernelMapNetwork.from_dkn(dkn, views, random_state=int(rng.integers(1e6)))
    cal = copy.deepcopy(raw).calibrate(views, y, "head", epochs=3)
    before, after = raw.module_.state_dict(), cal.module_.state_dict()
    for k in before:
        if k in ("W", "b"):
            assert not torch.equal(before[k], after[k]), k
        else:
            assert torch.equal(before[k], after[k]), k
    assert cal.trainable == raw.trainable and cal.epochs == raw.epochs and cal.loss_curve_ == []
    assert cal.temperature_ == 1.0 and cal.calibration_ == "head"
    with pytest.raises(ValueError, match="method"):
        cal.calibrate(views, y, "platt")
    random_head = DeepKernelMapNetwork(hidden=2, epochs=0).fit(views, y)
    with pytest.raises(ValueError, match="SVM C"):
        random_head.calibrate(views, y, "temperature")


def test_fit_without_epochs_changes_nothing(rng):
    views, y = make_views(rng, n=90, n_classes=3)
    dkn = DeepKernelNetwork(hidden=3, max_iter=2).fit(views, y)
    dm = DeepKernelMapNetwork.from_dkn(dkn, views, epochs=0)
    state = {k: v.clone() for k, v in dm.module_.state_dict().items()}
    dm.fit(views, y)
    assert dm.loss_curve_ == []
    assert all(torch.equal(state[k], v) for k, v in dm.module_.state_dict().items())


def test_fit_is_one_continuous_learning_run(rng):
    views, y = make_views(rng, n=100, n_classes=3, noise=1.5)
    dkn = DeepKernelNetwork(hidden=3, max_iter=2).fit(views, y)
    seed = int(rng.integers(1e6))
    E = int(rng.integers(2, 5))
    a = DeepKernelMapNetwork.from_dkn(dkn, views, random_state=seed, epochs=E, batch_size=32).fit(views, y)
    b = DeepKernelMapNetwork.from_dkn(dkn, views, random_state=seed, batch_size=32)
    run = b.learning_run(views, y)
    for _ in range(E):
        run.epoch()
    run.finish()
    assert a.loss_curve_ == b.loss_curve_ and len(a.loss_curve_) == E
    np.testing.assert_array_equal(a.decision_function(views), b.decision_function(views))
    # restarting the optimiser halfway is a different schedule
    c = DeepKernelMapNetwork.from_dkn(dkn, views, random_state=seed, batch_size=32, epochs=1)
    for _ in range(E):
        c.fit(views, y)
    assert not np.allclose(c.decision_function(views), a.decision_function(views))
    # scores of held-out rows: weighted cross-entropy and accuracy of the current network
    Z, yi = b.encode(views, y)
    ce, acc = run.score(Z, yi)
    assert acc == pytest.approx(np.mean(b.predict(views) == y))
    lp = log_softmax(b.decision_function(views), axis=1)[np.arange(len(y)), yi.numpy()]
    cw = b._class_weights(yi.numpy(), b.class_weight)[yi.numpy()]
    assert ce == pytest.approx(-(cw * lp).sum() / cw.sum(), rel=1e-5)


def test_from_dkn_head_from_svms_on_given_rows_or_random(rng):
    views, y = make_views(rng, n=160, n_classes=3, noise=1.0)
    Xa, ya, Xb, yb = _split(views, y, 100)
    dkn = DeepKernelNetwork(hidden=4, max_iter=3, C=1.0, dtype="float64").fit(views, y)
    net = DeepKernelMapNetwork.from_dkn(dkn, Xa, y=ya, energy=1.0)
    assert len(net.anchor_index_) == 100
    # reference: one-vs-rest SVMs solved independently on the DKN's kernel of the given rows; the
    # softmax layer is W_c = sum_i beta_ci phi(x_i) (Eq. 5 with the SVM duals), b_c the intercepts
    K = dkn.output_kernel(Xa).numpy()
    K = 0.5 * (K + K.T)
    svms = [SVC(C=1.0, kernel="precomputed", tol=1e-4).fit(K, np.where(ya == c, 1, -1)) for c in range(3)]
    beta = np.zeros((3, 100))
    for c, s in enumerate(svms):
        beta[c, s.support_] = s.dual_coef_[0]
    Phi = net.output_map(Xb).numpy()
    ref = Phi @ (net.output_map(Xa).numpy().T @ beta.T) + np.array([s.intercept_[0] for s in svms])
    np.testing.assert_allclose(net.decision_function(Xb), ref, rtol=1e-6, atol=1e-6)
    # and the map network's scores follow the DKN's SVMs on rows outside the anchors
    ref_b = np.stack([s.decision_function(dkn.output_kernel(Xb, Xa).numpy()) for s in svms], axis=1)
    assert np.mean(net.decision_function(Xb).argmax(1) == ref_b.argmax(1)) > 0.9
    paper = DeepKernelMapNetwork.from_dkn(dkn, views, head="random", random_state=int(rng.integers(1e6)))
    W = paper.module_.W.detach().numpy()
    assert 0.005 < W.std() < 0.02 and np.all(paper.module_.b.detach().numpy() == 0)
    assert paper.alpha_classifier is None and paper.svm_C_ is None
    with pytest.raises(ValueError, match="head"):
        DeepKernelMapNetwork.from_dkn(dkn, views, head="zeros")


@pytest.mark.parametrize("parameterization", ["shared", "paper"])
def test_effective_weights_undo_the_scale_that_anchors_absorb(rng, parameterization):
    views, y = make_views(rng, n=90, n_classes=3, noise=1.5)
    dkn = DeepKernelNetwork(hidden=3, max_iter=2, dtype="float64").fit(views, y)
    dm = DeepKernelMapNetwork.from_dkn(dkn, views, parameterization=parameterization, random_state=0)
    for a, b in zip(dm.effective_weights(), dm.weights_):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-12)  # before learning: w itself
    dm.set_params(epochs=3).fit(views, y)
    ri = relative_importance(dm)["ri"].to_numpy()
    out = dm.decision_function(views)
    # move scale between w and the anchors / projections: the same network
    net = dm.module_
    q, p = int(rng.integers(len(dm.unit_names_))), int(rng.integers(3))
    c1, c2 = rng.uniform(2.0, 5.0, 2)
    with torch.no_grad():
        if parameterization == "shared":
            net.A0[q].div_(c1)
            net.w[0][:, q].mul_(c1)
            net.A[0][p].div_(c2)
        else:
            net.A0[q].div_(c1)
            net.w[0][:, q].mul_(c1**2)
            net.A[0][:, p].div_(c2)
        net.w[1][:, p].mul_(c2 if parameterization == "shared" else c2**2)
        net.U[0][p].mul_(c1)
        net.w[1][:, p].div_(c1 if parameterization == "shared" else c1**2)
    np.testing.assert_allclose(dm.decision_function(views), out, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(relative_importance(dm)["ri"].to_numpy(), ri, rtol=1e-7, atol=1e-9)
    raw = relative_importance(dm, effective=False)["ri"].to_numpy()
    assert np.abs(raw - ri).max() > 1e-3  # w alone moved with the rescaling
