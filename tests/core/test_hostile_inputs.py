"""Hostile and odd inputs to the networks and the maps: each works correctly or raises a
``ValueError``/``TypeError`` that names the input.

One test (or parametrised group) per input that once gave a silent wrong answer or crashed: string
and boolean layer widths, mixed-type, tensor, continuous and column-vector labels, complex input,
float32 overflow, reordered DataFrame columns, degenerate settings; negative strides, MultiView of
DataFrames under cross-validation, binary decision functions and ROC AUC, NotFittedError,
``n_features_in_``, ``score`` with ``sample_weight``, maps in a scikit-learn ``Pipeline``.
"""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.base import clone
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline

from synthetic_views import make_views
from kmnet import DeepKernelMapNetwork, DeepKernelNetwork, MultiView
from kmnet.maps import HistogramIntersectionMap, LinearMap, PolynomialMap, RBFMap

NETWORKS = {
    "dkn": lambda **kw: DeepKernelNetwork(**{"hidden": 2, "max_iter": 2, **kw}),
    "dm2kmn": lambda **kw: DeepKernelMapNetwork(**{"hidden": 2, "epochs": 3, **kw}),
}
MAPS = [LinearMap, PolynomialMap, RBFMap, HistogramIntersectionMap]


@pytest.fixture(params=sorted(NETWORKS))
def make(request):
    return NETWORKS[request.param]


def _seed(rng):
    return int(rng.integers(1e6))


# ======================================================================================
# silent wrong answers
# ======================================================================================
@pytest.mark.parametrize("hidden", ["16", True, 2.5, (4, "2"), (4, False), [0], -3])
def test_layer_widths_must_be_positive_ints(rng, make, hidden):
    views, y = make_views(rng, n=30)
    with pytest.raises((TypeError, ValueError), match="'hidden' parameter"):
        make(hidden=hidden).fit(views, y)


def test_mixed_type_labels_are_refused(rng, make):
    views, _ = make_views(rng, n=30)
    y = np.array(["a", 1, 2.5] * 10, dtype=object)
    with pytest.raises(ValueError, match="labels mix types"):
        make().fit(views, y)
    with pytest.raises(ValueError, match="labels mix types"):
        make().fit(views, ["a", 1] * 15)


def test_tensor_labels_are_labels_not_samples(rng, make):
    views, y = make_views(rng, n=60)
    seed = _seed(rng)
    a = make(random_state=seed).fit(views, torch.as_tensor(y))
    b = make(random_state=seed).fit(views, y)
    assert a.classes_.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(a.predict(views), b.predict(views))
    assert a.score(views, torch.as_tensor(y)) == b.score(views, y)


def test_continuous_and_multi_output_targets_are_refused(rng, make):
    views, y = make_views(rng, n=30)
    with pytest.raises(ValueError, match="continuous"):
        make().fit(views, rng.normal(size=30))
    with pytest.raises(ValueError, match=r"column vector of shape \(30, 1\)"):
        make().fit(views, y[:, None])
    with pytest.raises(ValueError, match="multi-output"):
        make().fit(views, np.stack([y, y], axis=1))
    with pytest.raises(ValueError, match="None"):
        make().fit(views, [None] + list(y[1:]))


@pytest.mark.parametrize("form", ["numpy", "torch", "dataframe"])
def test_complex_input_is_refused_with_the_views_name(rng, make, form):
    views, y = make_views(rng, n=30)
    A = views["audio"] + 1j * rng.normal(size=views["audio"].shape)
    A = {"numpy": A, "torch": torch.as_tensor(A), "dataframe": pd.DataFrame(A)}[form]
    with pytest.raises(ValueError, match=r"views\['audio'\]: Complex data not supported"):
        make().fit({**views, "audio": A}, y)
    fitted = make().fit(views, y)
    with pytest.raises(ValueError, match=r"views\['audio'\]: Complex data not supported"):
        fitted.predict({**views, "audio": A})


@pytest.mark.parametrize("cls", MAPS)
def test_maps_refuse_complex_input(rng, cls):
    X = rng.normal(size=(20, 3))
    with pytest.raises(ValueError, match="Complex data not supported"):
        cls().fit(X + 1j)
    m = cls().fit(X)
    for bad in (X + 1j, torch.as_tensor(X + 1j)):
        with pytest.raises(ValueError, match="Complex data not supported"):
            m.transform(bad)


def test_float32_overflow_is_refused_with_the_views_name(rng, make):
    views, y = make_views(rng, n=40)
    fitted = make().fit(views, y)
    big = {**views, "text": views["text"].copy()}
    big["text"][3, 1] = 1e39
    with pytest.raises(ValueError, match=r"views\['text'\]: 1 value\(s\) overflow float32"):
        fitted.predict(big)
    with pytest.raises(ValueError, match=r"views\['text'\]: 1 value\(s\) overflow float32"):
        make().fit(big, y)
    # the same values fit a float64 network
    assert make(dtype="float64").fit(big, y).predict(big).shape == (40,)


def test_kernels_that_overflow_are_refused_not_predicted_as_the_first_class(rng):
    views, y = make_views(rng, n=40)
    kw = dict(kernels=("polynomial",), standardize=False, hidden=2, max_iter=1)
    huge = {k: v * 1e20 for k, v in views.items()}  # finite in float32, (x.x)^2 is not
    for model in (DeepKernelNetwork(**kw), DeepKernelMapNetwork(kernels=("rbf",), standardize=False, epochs=1)):
        with pytest.raises(ValueError, match=r"views\['audio'\] \((polynomial|rbf) kernel\): .* overflows float32"):
            model.fit(huge, y)
    with pytest.raises(ValueError, match="the linear kernel overflows float32"):
        LinearMap().fit(huge["audio"])
    fitted = DeepKernelNetwork(**kw).fit(views, y)
    with pytest.raises(ValueError, match="overflow the working dtype float32"):
        fitted.predict(huge)
    dm = DeepKernelMapNetwork(kernels=("polynomial",), standardize=False, hidden=2, epochs=2).fit(views, y)
    with pytest.raises(ValueError, match="overflow the working dtype float32"):
        dm.predict(huge)


def test_dataframe_column_names_are_remembered_and_checked(rng, make):
    views, y = make_views(rng, n=40)
    frames = {k: pd.DataFrame(v, columns=[f"{k}_{i}" for i in range(v.shape[1])]) for k, v in views.items()}
    model = make().fit(frames, y)
    assert model.feature_names_in_["audio"].tolist() == list(frames["audio"].columns)
    model.predict(frames)
    reordered = {**frames, "text": frames["text"][frames["text"].columns[::-1]]}
    with pytest.raises(ValueError, match=r"(?s)views\['text'\]: The feature names should match.*same order"):
        model.predict(reordered)
    renamed = {**frames, "audio": frames["audio"].rename(columns={"audio_0": "tempo"})}
    with pytest.raises(ValueError, match=r"(?s)views\['audio'\].*unseen at fit time:\n- tempo"):
        model.predict(renamed)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        model.predict(views)
    # one plain DataFrame: scikit-learn's feature_names_in_ (an array)
    single = make().fit(frames["audio"], y)
    assert isinstance(single.feature_names_in_, np.ndarray)
    with pytest.raises(ValueError, match="feature names should match"):
        single.predict(frames["audio"][frames["audio"].columns[::-1]])


DEGENERATE = [
    ("dkn", {"max_iter": -1}, "max_iter"),
    ("dkn", {"C": -1.0}, "'C'"),
    ("dkn", {"C": "1"}, "'C'"),
    ("dkn", {"step": 0.0}, "step"),
    ("dkn", {"tol": float("nan")}, "tol"),
    ("dkn", {"class_weight": {0: -1.0}}, "class_weight"),
    ("dkn", {"class_weight": {0: 0.0, 1: 0.0, 2: 0.0}}, "class_weight"),
    ("dkn", {"class_weight": "balance"}, "class_weight"),
    ("dkn", {"degree": 2.0}, "degree"),
    ("dkn", {"levels": True}, "levels"),
    ("dkn", {"sigma": 0.0}, "sigma"),
    ("dkn", {"kernels": "linear, rbf"}, "unknown kernel"),
    ("dkn", {"kernels": 3}, "kernels"),
    ("dkn", {"dtype": "float16"}, "dtype"),
    ("dkn", {"device": 3}, "device"),
    ("dkn", {"random_state": -1}, "random_state"),
    ("dkn", {"normalize": "yes"}, "normalize"),
    ("dm2kmn", {"batch_size": 0}, "batch_size"),
    ("dm2kmn", {"batch_size": -5}, "batch_size"),
    ("dm2kmn", {"batch_size": 2.5}, "batch_size"),
    ("dm2kmn", {"epochs": -1}, "epochs"),
    ("dm2kmn", {"anchors": 2.5}, "anchors"),
    ("dm2kmn", {"anchors": True}, "anchors"),
    ("dm2kmn", {"anchors": 0}, "anchors"),
    ("dm2kmn", {"anchors": [1.5, 2.0]}, "anchors"),
    ("dm2kmn", {"anchors": [-1, 3]}, "anchors"),
    ("dm2kmn", {"class_weight": {1: -2.0}}, "class_weight"),
    ("dm2kmn", {"alpha_classifier": -1e-3}, "alpha_classifier"),
    ("dm2kmn", {"alpha_weights": -1.0}, "alpha_weights"),
    ("dm2kmn", {"energy": "0.5"}, "energy"),
    ("dm2kmn", {"energy": 1.5}, "energy"),
    ("dm2kmn", {"lr": 0.0}, "'lr'"),
    ("dm2kmn", {"lr_classifier": -1.0}, "lr_classifier"),
    ("dm2kmn", {"validation_fraction": 1.0}, "validation_fraction"),
    ("dm2kmn", {"n_iter_no_change": 0}, "n_iter_no_change"),
    ("dm2kmn", {"optimizer": "lbfgs"}, "optimizer"),
    ("dm2kmn", {"trainable": "weights"}, "trainable"),
    ("dm2kmn", {"max_explicit_dim": 0}, "max_explicit_dim"),
    ("dm2kmn", {"callback": "print"}, "callback"),
    ("dm2kmn", {"early_stopping": 1}, "early_stopping"),
]


@pytest.mark.parametrize("which, params, match", DEGENERATE)
def test_degenerate_settings_are_refused(rng, which, params, match):
    views, y = make_views(rng, n=30)
    with pytest.raises((ValueError, TypeError), match=match):
        NETWORKS[which](**params).fit(views, y)


def test_energy_as_a_string_is_refused_the_same_way_everywhere(rng):
    views, y = make_views(rng, n=30)
    X = views["audio"]
    errors = []
    for fit in (lambda: DeepKernelMapNetwork(energy="0.5", epochs=1).fit(views, y),
                lambda: RBFMap(energy="0.5").fit(X),
                lambda: DeepKernelMapNetwork.from_dkn(DeepKernelNetwork(hidden=2, max_iter=1).fit(views, y), views,
                                                      energy="0.5")):
        with pytest.raises(ValueError, match="'energy' parameter") as info:
            fit()
        errors.append(info.value)
    assert all(isinstance(e, TypeError) and isinstance(e, ValueError) for e in errors)


@pytest.mark.parametrize("cls, params", [(RBFMap, {"n_anchors": True}), (RBFMap, {"sigma": -1.0}),
                                         (PolynomialMap, {"degree": "2"}), (HistogramIntersectionMap, {"levels": 0}),
                                         (LinearMap, {"output": "pandas"}), (LinearMap, {"standardize": None})])
def test_maps_refuse_degenerate_settings(rng, cls, params):
    with pytest.raises((ValueError, TypeError), match=f"'{next(iter(params))}' parameter"):
        cls(**params).fit(rng.normal(size=(10, 3)))


# ======================================================================================
# crashes on valid input
# ======================================================================================
def test_negative_strides_and_non_contiguous_views_work(rng, make):
    views, y = make_views(rng, n=40)
    flipped = {k: v[:, ::-1] for k, v in views.items()}  # negative strides
    copies = {k: np.ascontiguousarray(v) for k, v in flipped.items()}
    seed = _seed(rng)
    a = make(random_state=seed).fit(flipped, y)
    b = make(random_state=seed).fit(copies, y)
    np.testing.assert_array_equal(a.decision_function(flipped), b.decision_function(copies))
    wide = {k: np.repeat(v, 2, axis=1)[:, ::2] for k, v in views.items()}  # non-contiguous columns
    np.testing.assert_array_equal(a.predict({k: v[:, ::-1] for k, v in wide.items()}), a.predict(flipped))
    every_other = {k: np.concatenate([v, v])[::2] for k, v in views.items()}
    assert a.predict(every_other).shape == (40,)


@pytest.mark.parametrize("cls", MAPS)
def test_maps_take_negative_strides(rng, cls):
    X = rng.normal(size=(30, 4))
    m = cls().fit(X[:, ::-1])
    np.testing.assert_array_equal(m.transform(X[::-1, ::-1]), m.transform(np.ascontiguousarray(X[::-1, ::-1])))


def _folds(cv, views, y):
    return list(cv.split(next(iter(views.values())), y))


def test_multiview_of_dataframes_under_cross_validation(rng, make):
    """cross_val_score on a MultiView of DataFrames gives what fitting each fold by hand gives."""
    views, y = make_views(rng, n=60, noise=0.5)
    X = MultiView({k: pd.DataFrame(v, columns=[f"{k}{i}" for i in range(v.shape[1])]) for k, v in views.items()})
    cv = StratifiedKFold(3, shuffle=True, random_state=_seed(rng))
    est = make(random_state=_seed(rng))
    scores = cross_val_score(est, X, y, cv=cv)
    by_hand = [clone(est).fit({k: v[tr] for k, v in views.items()}, y[tr]).score({k: v[te] for k, v in views.items()},
                                                                                  y[te])
               for tr, te in _folds(cv, views, y)]
    np.testing.assert_array_equal(scores, by_hand)


def test_binary_decision_function_and_roc_auc(rng, make):
    views, y = make_views(rng, n=60, n_classes=2, noise=0.5)
    labels = np.array(["no", "yes"])[y]
    model = make(random_state=_seed(rng)).fit(views, labels)
    d = model.decision_function(views)
    assert d.shape == (60,)
    # positive means classes_[1], as in scikit-learn
    np.testing.assert_array_equal(np.where(d > 0, "yes", "no"), model.predict(views))
    cv = StratifiedKFold(3, shuffle=True, random_state=_seed(rng))
    est = make(random_state=_seed(rng))
    auc = cross_val_score(est, MultiView(views), labels, cv=cv, scoring="roc_auc")
    by_hand = [roc_auc_score(labels[te] == "yes", clone(est).fit({k: v[tr] for k, v in views.items()}, labels[tr])
                             .decision_function({k: v[te] for k, v in views.items()}))
               for tr, te in _folds(cv, views, labels)]
    assert np.all(np.isfinite(auc))
    np.testing.assert_allclose(auc, by_hand, rtol=1e-12)


def test_dm2kmn_binary_decision_is_the_logit_difference(rng):
    views, y = make_views(rng, n=50, n_classes=2)
    dm = DeepKernelMapNetwork(hidden=2, epochs=2, random_state=_seed(rng)).fit(views, y)
    P = dm.predict_proba(views)
    np.testing.assert_allclose(dm.decision_function(views), np.log(P[:, 1]) - np.log(P[:, 0]), rtol=1e-6, atol=1e-6)


def test_not_fitted_error_before_fit(rng, make):
    views, _ = make_views(rng, n=10)
    model = make()
    for method in ("predict", "decision_function"):
        with pytest.raises(NotFittedError):
            getattr(model, method)(views)
    with pytest.raises(NotFittedError):
        model.score(views, np.zeros(10))
    assert not hasattr(model, "n_features_in_")
    for cls in MAPS:
        with pytest.raises(NotFittedError):
            cls().transform(views["audio"])


def test_n_features_in_(rng, make):
    views, y = make_views(rng, n=30, dims=(6, 5))
    model = make().fit(views, y)
    assert model.n_features_in_ == 11 and model.n_features_ == {"audio": 6, "text": 5}


def test_score_checks_y_and_uses_sample_weight(rng, make):
    views, y = make_views(rng, n=60, noise=2.0)
    model = make(random_state=_seed(rng)).fit(views, y)
    calls = []
    original = model.predict
    model.predict = lambda v: calls.append(1) or original(v)
    with pytest.raises(ValueError, match="59 labels for 60 samples"):
        model.score(views, y[:-1])
    with pytest.raises(ValueError, match="sample_weight"):
        model.score(views, y, sample_weight=np.ones(59))
    with pytest.raises(ValueError, match="(?i)negative"):
        model.score(views, y, sample_weight=-np.ones(60))
    assert calls == []  # refused before predicting
    del model.predict
    w = rng.random(60)
    pred = model.predict(views)
    assert model.score(views, y, sample_weight=w) == pytest.approx(accuracy_score(y, pred, sample_weight=w))
    assert model.score(views, y) == pytest.approx(accuracy_score(y, pred))
    hit = pred == y
    if hit.any() and (~hit).any():  # weights on the misclassified samples only: score 0
        assert model.score(views, y, sample_weight=(~hit).astype(float)) == 0.0


@pytest.mark.parametrize("cls", MAPS)
def test_maps_return_numpy_and_sit_in_a_pipeline(rng, cls):
    X = rng.normal(size=(80, 4))
    y = (np.linalg.norm(X, axis=1) > 2).astype(int)
    m = cls().fit(X)
    assert isinstance(m.transform(X), np.ndarray) and isinstance(m.kernel(X), np.ndarray)
    assert isinstance(m.kernel_diag(X), np.ndarray)
    t = cls(output="torch").fit(X)
    assert isinstance(t.transform(X), torch.Tensor)
    np.testing.assert_array_equal(t.transform(X).numpy(), m.transform(X))
    pipe = Pipeline([("map", cls()), ("clf", LogisticRegression(max_iter=500))]).fit(X, y)
    by_hand = LogisticRegression(max_iter=500).fit(m.transform(X), y)
    np.testing.assert_array_equal(pipe.predict_proba(X), by_hand.predict_proba(m.transform(X)))
