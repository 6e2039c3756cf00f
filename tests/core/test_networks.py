"""DKN (Section 3.1) and DM2KMN (Sections 3.2-3.4): training, reproduction, learning."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score

from synthetic_views import make_views
from kmnet import DeepKernelMapNetwork, DeepKernelNetwork, MultiView
from kmnet.dkn import kernel_network_forward
from kmnet.metrics import relative_error


def test_dkn_lowers_the_svm_dual_objective(rng):
    views, y = make_views(rng, n=90, n_classes=3)
    dkn = DeepKernelNetwork(hidden=4, max_iter=8, random_state=int(rng.integers(1e6))).fit(views, y)
    obj = np.asarray(dkn.objective_)
    assert len(obj) >= 2, "no step was accepted"
    assert obj[-1] < obj[0]
    assert np.all(np.diff(obj) < 0)
    # weights stay on the simplex (w >= 0, rows sum to one)
    for W in dkn.weights_:
        assert (W >= 0).all()
        np.testing.assert_allclose(W.sum(1), 1.0, atol=1e-5)
    assert dkn.weights_[0].shape == (4, 8) and dkn.weights_[1].shape == (1, 4)
    assert dkn.unit_names_[:4] == ["audio:linear", "audio:polynomial", "audio:rbf", "audio:hi"]


def test_dkn_output_kernel_is_eq1(rng):
    views, y = make_views(rng, n=40)
    dkn = DeepKernelNetwork(hidden=3, max_iter=2, dtype="float64").fit(views, y)
    G = dkn.input_layer_.grams(views)
    W1, W2 = (torch.as_tensor(w) for w in dkn.weights_)
    hidden = torch.tanh(torch.einsum("pq,qab->pab", W1, G))
    ref = torch.exp(torch.einsum("op,pab->oab", W2, hidden))[0]
    K = dkn.output_kernel(views)
    np.testing.assert_allclose(K.numpy(), ref.numpy(), rtol=1e-10)
    np.testing.assert_allclose(kernel_network_forward(G, [W1, W2]).numpy(), ref.numpy(), rtol=1e-12)
    # p.s.d. (exp of a p.s.d. combination of p.s.d. kernels is not guaranteed after tanh: check symmetry)
    np.testing.assert_allclose(K.numpy(), K.numpy().T, rtol=1e-10)
    other, _ = make_views(rng, n=7)
    assert dkn.output_kernel(views, other).shape == (40, 7)


def test_dkn_classifies_and_accepts_any_labels(rng):
    views, y = make_views(rng, n=150, n_classes=3, noise=0.5)
    kinds = np.empty(3, dtype=object)
    kinds[:] = [("baroque", 1), ("modern", 2), ("romantic", 3)]  # any hashable labels of one type
    names = kinds[y]
    dkn = DeepKernelNetwork(hidden=4, max_iter=5).fit(views, names)
    assert dkn.score(views, names) > 0.9
    assert set(dkn.predict(views).tolist()) <= set(names.tolist())
    # binary problem: decision_function has shape (n,)
    yb = (y == 0)
    d = DeepKernelNetwork(hidden=2, max_iter=2).fit(views, yb).decision_function(views)
    assert d.shape == (150,)


def test_initial_dm2kmn_reproduces_the_dkn(rng):
    views, y = make_views(rng, n=150, dims=(8, 6), n_classes=3)
    dkn = DeepKernelNetwork(hidden=6, max_iter=5, random_state=int(rng.integers(1e6))).fit(views, y)
    dm = DeepKernelMapNetwork.from_dkn(dkn, views, energy=0.99)
    re = relative_error(dm.output_kernel(views), dkn.output_kernel(views))
    assert re < 1.0, f"RE {re:.3f}% on the training data"
    # more energy, better reproduction
    dm_full = DeepKernelMapNetwork.from_dkn(dkn, views, energy=1.0)
    re_full = relative_error(dm_full.output_kernel(views), dkn.output_kernel(views))
    assert re_full <= re + 1e-6
    # the softmax layer took over the SVMs: same predictions on the training data (almost)
    agree = np.mean(dm.predict(views) == dkn.predict(views))
    assert agree > 0.95
    np.testing.assert_allclose(dm.weights_[0], dkn.weights_[0], rtol=1e-6)


def test_learning_lowers_the_training_loss(rng):
    views, y = make_views(rng, n=120, n_classes=3, noise=1.5)
    dkn = DeepKernelNetwork(hidden=4, max_iter=3).fit(views, y)
    dm = DeepKernelMapNetwork.from_dkn(dkn, views, epochs=0)
    dm.fit(views, y)  # epochs=0: no learning step (calibration is DeepKernelMapNetwork.calibrate)
    assert dm.loss_curve_ == []
    dm.set_params(epochs=30)
    dm.fit(views, y)
    curve = np.asarray(dm.loss_curve_)
    assert len(curve) == 30
    assert curve[-1] < curve[0]
    # w >= 0 kept
    assert all((w >= 0).all() for w in dm.weights_)


def test_dm2kmn_without_dkn_learns(rng):
    views, y = make_views(rng, n=150, n_classes=3, noise=0.6)
    dm = DeepKernelMapNetwork(hidden=4, epochs=60, random_state=int(rng.integers(1e6))).fit(views, y)
    assert dm.loss_curve_[-1] < dm.loss_curve_[0]
    assert dm.score(views, y) > 0.9
    p = dm.predict_proba(views)
    np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-6)
    assert dm.output_map(views).shape[0] == 150


def test_landmark_anchors(rng):
    views, y = make_views(rng, n=160, n_classes=2, noise=0.7)
    dm = DeepKernelMapNetwork(hidden=3, anchors=40, epochs=20, random_state=3).fit(views, y)
    assert len(dm.anchor_index_) == 40
    assert dm.module_.n_anchors == 40
    assert all(r <= 40 for layer in dm.ranks_ for r in layer)
    idx = np.arange(0, 160, 4)
    dm2 = DeepKernelMapNetwork(hidden=3, anchors=idx, epochs=0).fit(views, y)
    np.testing.assert_array_equal(dm2.anchor_index_, idx)
    with pytest.raises(ValueError, match="anchors"):
        DeepKernelMapNetwork(anchors=[0, 1000], epochs=0).fit(views, y)


def test_depth_two_and_four(rng):
    views, y = make_views(rng, n=90, n_classes=2, noise=0.5)
    for hidden in [(), (4, 3)]:
        dkn = DeepKernelNetwork(hidden=hidden, max_iter=3).fit(views, y)
        assert len(dkn.weights_) == len(hidden) + 1
        dm = DeepKernelMapNetwork.from_dkn(dkn, views)
        assert relative_error(dm.output_kernel(views), dkn.output_kernel(views)) < 2.0
        dm.set_params(epochs=5).fit(views, y)
        assert dm.score(views, y) > 0.7


def test_sklearn_conventions(rng):
    views, y = make_views(rng, n=90, n_classes=2, noise=0.5)
    X = MultiView(views)
    for est in (DeepKernelNetwork(hidden=3, max_iter=2), DeepKernelMapNetwork(hidden=3, epochs=25)):
        c = clone(est)
        assert c.get_params() == est.get_params()
        c.set_params(hidden=2)
        assert c.hidden == 2
        assert c.fit(X, y) is c
        scores = cross_val_score(clone(est), X, y, cv=3)
        assert scores.shape == (3,) and np.all(scores > 0.5)
    gs = GridSearchCV(DeepKernelMapNetwork(epochs=5), {"hidden": [2, 3]}, cv=2).fit(X, y)
    assert gs.best_params_["hidden"] in (2, 3)


def test_paper_parameterization_matches_shared_at_init(rng):
    views, y = make_views(rng, n=60)
    dkn = DeepKernelNetwork(hidden=3, max_iter=2, dtype="float64").fit(views, y)
    a = DeepKernelMapNetwork.from_dkn(dkn, views, parameterization="shared")
    b = DeepKernelMapNetwork.from_dkn(dkn, views, parameterization="paper")
    np.testing.assert_allclose(a.output_kernel(views).numpy(), b.output_kernel(views).numpy(), rtol=1e-8, atol=1e-10)


def test_float64_option(rng):
    views, y = make_views(rng, n=50)
    dm = DeepKernelMapNetwork(hidden=2, epochs=2, dtype="float64").fit(views, y)
    assert dm.output_map(views).dtype == torch.float64
    assert dm.module_.W.dtype == torch.float64


def test_early_stopping_keeps_the_best_validation_state(rng):
    views, y = make_views(rng, n=150, n_classes=3, noise=2.0)
    dm = DeepKernelMapNetwork(hidden=3, epochs=60, early_stopping=True, n_iter_no_change=4,
                              lr=3e-3, lr_classifier=3e-2, random_state=int(rng.integers(1e6))).fit(views, y)
    val = np.asarray([dm.initial_validation_loss_] + dm.validation_loss_)
    assert len(val) == dm.n_epochs_ + 1 <= 61
    assert 0 <= dm.best_epoch_ <= dm.n_epochs_
    assert val[dm.best_epoch_] == val.min()
    # validation samples are training samples, stratified by class
    assert set(np.unique(y[dm.validation_index_])) == set(np.unique(y))
    with pytest.raises(ValueError, match="validation_fraction"):
        DeepKernelMapNetwork(epochs=2, early_stopping=True, validation_fraction=1.5).fit(views, y)


def test_early_stopping_with_explicit_validation(rng):
    views, y = make_views(rng, n=120, n_classes=2, noise=1.5)
    val, yv = make_views(rng, n=40, n_classes=2, noise=1.5)
    dm = DeepKernelMapNetwork(hidden=3, epochs=15, early_stopping=True, n_iter_no_change=3)
    dm.fit(views, y, validation=(val, yv))
    assert dm.validation_index_ is None and len(dm.validation_loss_) == dm.n_epochs_
    # the kept state is the one with the lowest validation cross-entropy
    import torch

    Z = [z.detach() for z in dm._input_reps(dm._validate_predict(val))]
    lookup = {c: i for i, c in enumerate(dm.classes_.tolist())}
    yt = torch.as_tensor([lookup[c] for c in yv.tolist()])
    with torch.no_grad():
        ce = torch.nn.functional.cross_entropy(dm.module_(Z), yt, reduction="none")
    y_fit = np.asarray([lookup[c] for c in y.tolist()])
    cw = dm._class_weights(y_fit, dm.class_weight)  # class weights come from the training labels
    kept = float((torch.as_tensor(cw, dtype=ce.dtype)[yt] * ce).mean())
    best = min([dm.initial_validation_loss_] + dm.validation_loss_)
    assert kept == pytest.approx(best, rel=1e-4)
    with pytest.raises(ValueError, match="validation must be a tuple"):
        DeepKernelMapNetwork(epochs=1, early_stopping=True).fit(views, y, validation=val)
