"""kmnet.experiments.protocols: selection parts, the runner, and the kernel-network recipes."""

import copy
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, PredefinedSplit, StratifiedKFold, cross_val_score
from sklearn.preprocessing import MinMaxScaler
from sklearn.svm import SVC

from kmnet import DeepKernelMapNetwork, DeepKernelNetwork, MultiView
from kmnet.datasets.splits import Split, fixed_splits, random_splits
from kmnet.metrics import relative_error
from kmnet.experiments.protocols import (
    Method,
    dkn_method,
    dm2kmn_methods,
    estimator_method,
    run_protocol,
    select_svm_c,
    selection_parts,
    train_with_validation,
)


def _data(rng, n=120, n_classes=3, shift=2.0):
    y = np.repeat(np.array(["a", "b", "c"][:n_classes]), n // n_classes)
    rng.shuffle(y)
    idx = np.searchsorted(np.unique(y), y)
    # class centres on random orthonormal directions: pairwise distance shift * sqrt(2) * 2
    Q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    centers = 2.0 * shift * Q[:n_classes]
    views = {"one": centers[idx] + rng.normal(size=(n, 5)),
             "two": rng.normal(size=(n, 3)) + 0.5 * idx[:, None]}
    return views, y


def test_selection_parts_with_and_without_validation(rng):
    y = np.repeat([0, 1, 2], 30)
    perm = rng.permutation(90)
    fixed = fixed_splits(perm[:40], perm[60:], perm[40:60], protocol="fixed")[0]
    fit, cv, (tr, va) = selection_parts(fixed, y)
    assert np.array_equal(fit, np.r_[perm[:40], perm[40:60]])
    assert isinstance(cv, PredefinedSplit) and cv.get_n_splits() == 1
    cv_tr, cv_va = next(cv.split())
    assert np.array_equal(cv_tr, tr) and np.array_equal(cv_va, va) and np.array_equal(fit[va], perm[40:60])
    rs = random_splits(y, seeds=(int(rng.integers(1000)),))[0]
    fit, cv, (tr, va) = selection_parts(rs, y, cv=4, validation_fraction=0.2)
    assert isinstance(cv, StratifiedKFold) and cv.get_n_splits() == 4
    assert not set(tr) & set(va) and len(tr) + len(va) == len(fit)
    assert np.bincount(y[fit][va]).min() >= 2


# ---------------------------------------------------------------------- runner
class _Recorder(TransformerMixin, BaseEstimator):
    """Scaler that remembers how many rows it was fitted on."""

    fitted_rows: list = []

    def fit(self, X, y=None):
        type(self).fitted_rows.append(len(X))
        self.mean_ = X.mean(0)
        return self

    def transform(self, X):
        return X - self.mean_


def test_run_protocol_scores_times_and_selects_on_training_rows(rng):
    views, y = _data(rng)
    splits = random_splits(y, seeds=(1, 2)) + fixed_splits(np.arange(60), np.arange(90, 120), np.arange(60, 90),
                                                            protocol="fixed")
    search = GridSearchCV(LogisticRegression(max_iter=500), {"C": [0.1, 1.0]}, cv=3)
    _Recorder.fitted_rows = []
    res = run_protocol([estimator_method("lr", search, views=["one"], concat=True, time_forward=True)],
                       views, y, splits, preprocess=_Recorder, tags={"features": "one"}, keep_models=True)
    runs = res.runs
    assert list(runs["protocol"]) == ["random", "random", "fixed"] and (runs["status"] == "ok").all()
    assert (runs["accuracy"] > 0.8).all() and (runs["forward_s"] > 0).all() and (runs["fit_s"] > 0).all()
    assert list(runs["n_fit"]) == [84, 84, 90] and list(runs["n_test"]) == [36, 36, 30]
    # the preprocessing saw the fit rows only: one scaler per view and split
    assert _Recorder.fitted_rows == [84, 84, 84, 84, 90, 90]
    # the fixed split's validation part was the selection fold (PredefinedSplit), 5 folds otherwise
    fixed_model = res.models[("one", "fixed", 0, "lr")]
    assert isinstance(fixed_model.cv, PredefinedSplit)
    assert isinstance(res.models[("one", "random", 0, "lr")].cv, StratifiedKFold)
    preds = res.predictions
    assert len(preds) == 36 + 36 + 30 and set(preds.columns) >= {"index", "y_true", "y_pred", "features"}
    assert np.array_equal(preds["y_true"].to_numpy(), y[preds["index"].to_numpy()])
    acc = preds.groupby(["protocol", "run"], sort=False).apply(lambda d: (d.y_true == d.y_pred).mean()).to_numpy()
    assert np.allclose(acc, runs["accuracy"])
    summ = res.summary()
    assert summ.loc[summ["protocol"] == "fixed", "std"].isna().all()
    assert summ.loc[summ["protocol"] == "random", "runs"].iloc[0] == 2
    assert "best_params" in res.info[("one", "random", 0, "lr")]
    diag = res.diagnostics()
    assert list(diag.index) == ["lr"]
    assert np.isclose(diag.at["lr", "test_accuracy"], 100 * runs["accuracy"].mean())
    assert np.isclose(diag.at["lr", "gap"], 100 * (runs["train_accuracy"] - runs["accuracy"]).mean())
    assert diag.at["lr", "epochs"] == "" and np.isnan(diag.at["lr", "re"])


def test_run_protocol_reports_a_failing_method_and_goes_on(rng):
    views, y = _data(rng)

    def broken(ctx):
        raise RuntimeError("no luck")

    methods = [Method("broken", broken), estimator_method("lr", LogisticRegression(max_iter=500), concat=True),
               Method("needs broken", lambda ctx: ctx.fitted["broken"])]
    with pytest.warns(UserWarning) as record:
        res = run_protocol(methods, views, y, random_splits(y, seeds=(0,)))
    messages = [str(w.message) for w in record]
    assert any("broken failed: RuntimeError: no luck" in m for m in messages)
    assert any("needs broken failed: KeyError" in m for m in messages)
    status = dict(zip(res.runs["method"], res.runs["status"]))
    assert status == {"broken": "failed", "lr": "ok", "needs broken": "failed"}
    assert "RuntimeError: no luck" in res.runs.set_index("method").loc["broken", "error"]
    with pytest.raises(RuntimeError):
        run_protocol(methods, views, y, random_splits(y, seeds=(0,)), errors="raise")


def test_run_protocol_bad_input(rng):
    views, y = _data(rng)
    m = estimator_method("lr", LogisticRegression(), concat=True)
    with pytest.raises(ValueError, match="duplicate"):
        run_protocol([m, m], views, y, random_splits(y, seeds=(0,)))
    with pytest.raises(ValueError, match="labels"):
        run_protocol([m], views, y[:-1], random_splits(y, seeds=(0,)))
    with pytest.raises(ValueError, match="outside"):
        run_protocol([m], views, y, [Split("p", 0, np.arange(10), np.array([500]))])
    with pytest.raises(ValueError, match="unknown view"):
        run_protocol([estimator_method("x", LogisticRegression(), views=["three"], concat=True)], views, y,
                     random_splits(y, seeds=(0,)), errors="raise")
    with pytest.raises(ValueError, match="errors"):
        run_protocol([m], views, y, random_splits(y, seeds=(0,)), errors="ignore")


# ---------------------------------------------------------------------- kernel networks
def test_select_svm_c_returns_a_grid_value(rng):
    views, y = _data(rng, n=90)
    grid = sorted(rng.choice([0.01, 0.1, 1.0, 10.0, 100.0], 3, replace=False).tolist())
    folds = StratifiedKFold(3, shuffle=True, random_state=int(rng.integers(1000)))
    c, scores = select_svm_c(DeepKernelNetwork(hidden=2, random_state=0), views, y, folds, grid=grid)
    assert c in grid and list(scores["C"]) == grid
    assert c == scores.loc[scores["cv_accuracy"].idxmax(), "C"]
    # reference: cross-validated SVMs on the output kernel of the DKN's initial weights
    K = DeepKernelNetwork(hidden=2, random_state=0, max_iter=0).fit(views, y).output_kernel(views).double().numpy()
    K = 0.5 * (K + K.T)
    ref = [cross_val_score(SVC(kernel="precomputed", C=g), K, y, cv=folds).mean() for g in grid]
    np.testing.assert_allclose(scores["cv_accuracy"], ref)
    assert scores["cv_accuracy"].max() > 0.7  # three separated classes: chance is 1/3
    with pytest.raises(ValueError, match="positive"):
        select_svm_c(DeepKernelNetwork(), views, y, 3, grid=[0.0, 1.0])


def test_train_with_validation_keeps_the_best_check_of_one_run(rng):
    views, y = _data(rng, n=90, shift=0.5)
    X = MultiView(views)
    tr, va = np.arange(60), np.arange(60, 90)
    dkn = DeepKernelNetwork(hidden=2, max_iter=2, random_state=0).fit(X[tr], y[tr])
    net = DeepKernelMapNetwork.from_dkn(dkn, X[tr], random_state=int(rng.integers(1000))).calibrate(X[tr], y[tr])
    start = copy.deepcopy(net)
    best, curve = train_with_validation(net, X, y, tr, va, max_epochs=6, check_every=2, patience=5,
                                        monitor=lambda m: {"n_epochs": len(m.loss_curve_)})
    assert list(curve["epoch"]) == [0, 2, 4, 6] and curve["best"].sum() == 1
    assert list(curve["n_epochs"]) == [0, 2, 4, 6]
    row = curve[curve["best"]].iloc[0]
    # the kept check is the best one, up to the tolerance (1e-4) that an improvement must exceed
    assert row["val_loss"] <= curve["val_loss"].min() + 1e-4
    assert (curve["val_loss"].iloc[: int(row.name)] > row["val_loss"]).all()
    # reference: the same network fitted for that many epochs in one fit (one continuous run)
    ref = copy.deepcopy(start).set_params(epochs=int(row["epoch"])).fit(X[tr], y[tr])
    np.testing.assert_allclose(best.predict_proba(X[va]), ref.predict_proba(X[va]), rtol=1e-5, atol=1e-7)
    assert row["val_loss"] == pytest.approx(log_loss(y[va], ref.predict_proba(X[va]), labels=ref.classes_), rel=1e-5)
    assert row["val_accuracy"] == pytest.approx(ref.score(X[va], y[va]))
    with pytest.raises(ValueError, match="warm_start"):
        train_with_validation(DeepKernelMapNetwork(), X, y, tr, va)
    with pytest.raises(ValueError, match="overlap"):
        train_with_validation(net, X, y, tr, tr[:5])
    y_odd = y.astype(object)
    y_odd[va[0]] = "unseen"
    with pytest.raises(ValueError, match="unseen"):
        train_with_validation(net, X, y_odd, tr, va)


def test_dkn_and_dm2kmn_methods_in_a_protocol(rng):
    views, y = _data(rng, n=150)
    methods = [dkn_method("DKN", views=["one"], C=(1.0, 10.0), max_iter=2)]
    methods += dm2kmn_methods(dkn="DKN", views=["one"], max_epochs=3, patience=2, folds=3, fold_dkn="reuse")
    split = random_splits(y, seeds=(int(rng.integers(1000)),))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may fail silently
        res = run_protocol(methods, views, y, split, keep_models=True, preprocess=MinMaxScaler)
    runs = res.runs.set_index("method")
    assert (runs["status"] == "ok").all()
    assert runs.loc["DKN", "C"] in (1.0, 10.0)
    dkn = res.models[("random", 0, "DKN")]
    assert dkn.weights_[0].shape == (8, 4)  # "twice the input units": 4 kernels -> 8 hidden units
    initial = res.models[("random", 0, "initial DM2KMN")]
    learned = res.models[("random", 0, "learned DM2KMN")]
    E = int(runs.loc["learned DM2KMN", "epochs"])
    assert runs.loc["initial DM2KMN", "epochs"] == 0 and 0 <= E <= 3
    # the initial network is calibrated on the fit rows: a temperature, the same predictions
    assert initial.calibration_ == "temperature" and runs.loc["initial DM2KMN", "temperature"] == initial.temperature_
    # references recomputed from the fitted models on the fit rows
    fit_rows = split[0].fit_index
    X_fit = MultiView({"one": MinMaxScaler().fit(views["one"][fit_rows]).transform(views["one"][fit_rows])})
    K = dkn.output_kernel(X_fit)
    for name, model in (("initial DM2KMN", initial), ("learned DM2KMN", learned)):
        assert runs.loc[name, "re"] == pytest.approx(relative_error(model.output_kernel(X_fit), K), rel=1e-6)
    # the learned network is the calibrated initial one fitted E epochs in one run
    ref = copy.deepcopy(initial).set_params(epochs=E).fit(X_fit, y[fit_rows])
    np.testing.assert_allclose(learned.decision_function(X_fit), ref.decision_function(X_fit), rtol=1e-5, atol=1e-6)
    assert len(learned.anchor_index_) == runs.loc["learned DM2KMN", "n_fit"]
    curve = res.info[("random", 0, "learned DM2KMN")]["curve"]
    per_fold = res.info[("random", 0, "learned DM2KMN")]["per_fold"]
    assert curve["epoch"].iloc[0] == 0 and curve.loc[curve["best"], "epoch"].iloc[0] == E
    assert sorted(per_fold["fold"].unique()) == [0, 1, 2]  # folds=3 stratified folds of the fit rows
    # three separated classes (chance 1/3): both networks must clear it on the test rows
    assert runs.loc["initial DM2KMN", "accuracy"] > 0.7 and runs.loc["learned DM2KMN", "accuracy"] > 0.7
    with pytest.raises(ValueError, match="max_epochs"):
        dm2kmn_methods(epochs=3)
    with pytest.raises(ValueError, match="folds"):
        dm2kmn_methods(folds=1)
    with pytest.raises(ValueError, match="twice"):
        run_protocol([dkn_method("D", hidden="double", C=1.0)], views, y, random_splits(y, seeds=(0,)),
                     errors="raise")
