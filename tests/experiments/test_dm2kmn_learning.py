"""kmnet.experiments.dm2kmn_learning: fold networks built from the fold's rows, epochs by
cross-validation in one continuous run per fold, the final fit with the same schedule, the
parameter-group ablation and the paper's setting."""

import copy

import numpy as np
import pytest
import torch
from scipy.special import log_softmax

from synthetic_views import make_views
from kmnet import DeepKernelMapNetwork, DeepKernelNetwork, MultiView
from kmnet.experiments import dm2kmn_learning as dl


def _data(rng, n=150, noise=1.2):
    views, y = make_views(rng, n=n, n_classes=3, noise=noise)
    return MultiView(views), y


def _weighted_ce(model, X, y):
    """Class-weighted held-out cross-entropy computed from the network's logits (reference)."""
    idx = np.searchsorted(model.classes_, y)
    lp = log_softmax(model.decision_function(X), axis=1)[np.arange(len(y)), idx]
    return lp, idx


def test_fold_networks_are_built_from_the_fold_rows_only(rng):
    X, y = _data(rng, n=120)
    dkn = DeepKernelNetwork(hidden=3, max_iter=2, random_state=int(rng.integers(1e6))).fit(X, y)
    seed = int(rng.integers(1e6))
    refit = dl.fold_networks(dkn, X, y, cv=3, seed=seed)
    reuse = dl.fold_networks(dkn, X, y, cv=3, fold_dkn="reuse", calibration="none", seed=seed)
    rows = np.concatenate([f.val_rows for f in refit])
    assert sorted(rows.tolist()) == list(range(120))  # every row is held out once
    for f, g in zip(refit, reuse):
        np.testing.assert_array_equal(f.train_rows, g.train_rows)
        assert not set(f.train_rows) & set(f.val_rows)
        # the anchors are the fold's training rows: no held-out row among them
        np.testing.assert_array_equal(f.net.anchor_views_["audio"], X["audio"][f.train_rows])
        assert len(f.net.anchor_index_) == len(f.train_rows)
        # refit: a DKN of the fold's rows (other weights); reuse: the given DKN's weights
        assert not np.allclose(f.net.weights_[0], dkn.weights_[0])
        np.testing.assert_allclose(g.net.weights_[0], dkn.weights_[0], rtol=1e-6)
        assert f.net.calibration_ == "temperature" and 0 < f.net.temperature_ < 1
        assert g.net.calibration_ == "none" and g.net.temperature_ == 1.0
        Z, yv = f.net.encode(X[f.val_rows], y[f.val_rows])
        assert all(torch.equal(a, b) for a, b in zip(Z, f.Z_val)) and torch.equal(yv, f.y_val)
    with pytest.raises(ValueError, match="fold_dkn"):
        dl.fold_networks(dkn, X, y, cv=3, fold_dkn="share")


def test_select_epochs_scores_continuous_runs_and_picks_the_best_mean(rng):
    X, y = _data(rng, n=120)
    dkn = DeepKernelNetwork(hidden=3, max_iter=2, random_state=int(rng.integers(1e6))).fit(X, y)
    folds = dl.fold_networks(dkn, X, y, cv=3, fold_dkn="reuse", seed=int(rng.integers(1e6)))
    E, curve, per_fold = dl.select_epochs(folds, max_epochs=4, patience=100, batch_size=32)
    assert list(curve["epoch"]) == [0, 1, 2, 3, 4] and len(per_fold) == 5 * 3
    # reference: a fresh copy of one fold's network fitted e epochs (one fit, the same schedule)
    k, e = int(rng.integers(3)), int(rng.integers(1, 5))
    f = folds[k]
    ref = copy.deepcopy(f.net).set_params(epochs=e, batch_size=32).fit(f.X_train, f.y_train)
    Xv, yv = X[f.val_rows], y[f.val_rows]
    lp, idx = _weighted_ce(ref, Xv, yv)
    cw = ref._class_weights(np.searchsorted(ref.classes_, f.y_train), ref.class_weight)[idx]
    row = per_fold[(per_fold["fold"] == k) & (per_fold["epoch"] == e)].iloc[0]
    assert row["val_loss"] == pytest.approx(-(cw * lp).sum() / cw.sum(), rel=1e-4)
    assert row["val_accuracy"] == pytest.approx(np.mean(ref.predict(Xv) == yv))
    assert row["train_loss"] == pytest.approx(ref.loss_curve_[-1], rel=1e-5)
    # the chosen count has the lowest mean held-out cross-entropy (up to the tolerance)
    mean = per_fold.groupby("epoch")["val_loss"].mean()
    np.testing.assert_allclose(curve["val_loss"], mean.to_numpy())
    assert curve["best"].sum() == 1 and curve.loc[curve["best"], "epoch"].iloc[0] == E
    assert mean[E] <= mean.min() + 1e-4 and (mean[:E] > mean[E]).all()
    # accuracy: the first count with the highest mean held-out accuracy
    Ea, curve_a, _ = dl.select_epochs(folds, max_epochs=4, patience=100, batch_size=32, criterion="accuracy")
    acc = curve_a.set_index("epoch")["val_accuracy"]
    assert Ea == int(acc.idxmax()) and acc[Ea] == acc.max()
    # patience: stops once the criterion has not improved for that many checks
    Ep, curve_p, _ = dl.select_epochs(folds, max_epochs=4, patience=1, batch_size=32)
    assert curve_p["epoch"].max() == min(4, Ep + 1)
    with pytest.raises(ValueError, match="criterion"):
        dl.select_epochs(folds, criterion="auc")


def test_learn_dm2kmn_refits_with_the_selected_schedule_and_beats_chance(rng):
    X, y = _data(rng, n=240)
    tr, te = np.arange(160), np.arange(160, 240)
    dkn = DeepKernelNetwork(hidden=3, max_iter=3, C=10.0, class_weight="balanced",
                            random_state=int(rng.integers(1e6))).fit(X[tr], y[tr])
    res = dl.learn_dm2kmn(dkn, X[tr], y[tr], cv=3, max_epochs=3, patience=2, seed=int(rng.integers(1e6)),
                          build={"class_weight": "balanced"})
    assert 0 <= res.epochs <= 3 and res.model.epochs == res.epochs
    assert set(res.timings) == {"folds", "select", "initial", "final"}
    # reference: the calibrated initial network fitted for the chosen epochs in one fit
    ref = copy.deepcopy(res.initial).set_params(epochs=res.epochs).fit(X[tr], y[tr])
    np.testing.assert_allclose(res.model.decision_function(X[te]), ref.decision_function(X[te]), rtol=1e-5, atol=1e-6)
    assert res.initial.calibration_ == "temperature" and res.initial.loss_curve_ == []
    # three well separated classes (chance 1/3): the learned network must classify held-out rows
    ev = dl.evaluate(res.model, X[te], y[te], dkn=dkn, X_fit=X[tr])
    print("held-out accuracy", ev)
    assert ev["accuracy"] > 70.0
    assert ev["cross_entropy"] < np.log(3)  # better than the uniform guess
    assert ev["re"] == pytest.approx(dl.evaluate(res.model, X[te], y[te], X_fit=X[tr],
                                                 K_dkn=dkn.output_kernel(X[tr]))["re"])
    fixed = dl.learn_dm2kmn(dkn, X[tr], y[tr], epochs=2, initial=res.initial)
    assert fixed.curve is None and fixed.epochs == 2 and len(fixed.model.loss_curve_) == 2
    with pytest.raises(ValueError, match="epochs"):
        dl.learn_dm2kmn(dkn, X[tr], y[tr], epochs=-1)


def test_parameter_group_ablation_learns_only_the_named_groups(rng):
    X, y = _data(rng, n=180)
    tr, te = np.arange(120), np.arange(120, 180)
    dkn = DeepKernelNetwork(hidden=3, max_iter=2, C=10.0, random_state=int(rng.integers(1e6))).fit(X[tr], y[tr])
    groups = {"head only": ("classifier",), "everything": ("classifier", "weights", "projections", "anchors")}
    table = dl.parameter_group_ablation(dkn, X[tr], y[tr], X[te], y[te], groups=groups, cv=3, fold_dkn="reuse",
                                        max_epochs=2, patience=2, seed=int(rng.integers(1e6)))
    assert list(table["setting"]) == ["initial, uncalibrated", "initial, calibrated (temperature)", *groups]
    raw, cal = table.iloc[0], table.iloc[1]
    assert raw["accuracy"] == cal["accuracy"] and cal["cross_entropy"] < raw["cross_entropy"]
    assert raw["re"] == pytest.approx(cal["re"])  # a temperature leaves the map network as it is
    learned = table.iloc[2:]
    assert learned["epochs"].between(0, 2).all()
    # the selected epoch is never worse on the folds than the calibrated start (epoch 0)
    assert (learned["cv_loss"] <= cal["cv_loss"] + 1e-12).all()
    # the head alone cannot move the output kernel: RE stays the initial network's
    head = table.set_index("setting").loc["head only"]
    assert head["re"] == pytest.approx(cal["re"], abs=1e-9)
    assert table["accuracy"].min() > 60.0, table


def test_paper_setting_is_the_paper_head_sgd_and_penalties(rng):
    X, y = _data(rng, n=90)
    tr, te = np.arange(60), np.arange(60, 90)
    dkn = DeepKernelNetwork(hidden=3, max_iter=2, random_state=int(rng.integers(1e6))).fit(X[tr], y[tr])
    seed = int(rng.integers(1e6))
    row, model = dl.paper_setting(dkn, X[tr], y[tr], X[te], y[te], epochs=2, seed=seed)
    ref = DeepKernelMapNetwork.from_dkn(dkn, X[tr], head="random", random_state=seed, optimizer="sgd", lr=1e-4,
                                        batch_size=1, alpha_classifier=None, alpha_weights=None, epochs=2)
    assert float(ref.module_.W.detach().abs().max()) < 0.1  # 0.01 N(0, 1)
    ref.fit(X[tr], y[tr])
    np.testing.assert_allclose(model.decision_function(X[te]), ref.decision_function(X[te]), rtol=1e-5, atol=1e-7)
    assert row["epochs"] == 2 and row["parameterization"] == "shared"
    assert model.optimizer == "sgd" and model.batch_size == 1 and model.alpha_classifier is None
    assert row["loss_first"] == pytest.approx(ref.loss_curve_[0], rel=1e-6)
    p_row, p_model = dl.paper_setting(dkn, X[tr], y[tr], X[te], y[te], epochs=1, parameterization="paper", seed=seed)
    assert p_model.parameterization == "paper" and p_row["epochs"] == 1
    # mini-batches keep the paper's rate per sample: B * 1e-4 on the batch mean
    B = int(rng.integers(2, 20))
    b_row, b_model = dl.paper_setting(dkn, X[tr], y[tr], X[te], y[te], epochs=1, batch_size=B, seed=seed)
    assert b_model.batch_size == B and b_model.lr == pytest.approx(B * 1e-4) and b_row["lr"] == pytest.approx(B * 1e-4)
    with pytest.raises(ValueError, match="batch_size"):
        dl.paper_setting(dkn, X[tr], y[tr], X[te], y[te], batch_size=0)
