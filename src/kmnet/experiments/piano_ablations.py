"""Ablation studies of the kernel networks on a fixed train/test split (paper Section 4.3.1).

Notebook: 04_piano_ablations (Tables 3 and 4, normalisation, depth, energy, anchors).

Three small runners, each returning one row per setting with its test accuracy and its time:

* :func:`elementary_kernel_svms`: an SVM on every elementary kernel of every feature matrix,
  ``C`` chosen by cross-validation inside the training split (the paper's Table 3);
* :func:`table3_rows`: the same for named matrices of the piano features, with the paper's
  Table 3 value beside each row (e.g. an ``audio_musicnn`` row beside the paper's VGGish row);
* :func:`dkn_sweep`: a :class:`~kmnet.DeepKernelNetwork` with one parameter varied (hidden
  units, Table 4; depth; kernel normalisation), ``C`` chosen per setting by
  :func:`kmnet.experiments.protocols.select_svm_c` on the training split;
* :func:`map_network_sweep`: initial map networks built from one trained DKN
  (:meth:`~kmnet.DeepKernelMapNetwork.from_dkn`) with varied energy threshold and anchor
  count: the RE (Eq. 17) of their output kernel against the DKN's, their summed ranks, their
  accuracy and their build / forward times.

:func:`kmnet.metrics.mcnemar_test` compares two classifiers' predictions on the same test samples
(exact McNemar test on the discordant pairs), which tells whether a change of ordering between
two methods on one test set is more than chance.

Every runner touches the test data only to score the model it has selected on the training
data.

Examples
--------
>>> import numpy as np
>>> from kmnet.experiments.piano_ablations import elementary_kernel_svms
>>> rng = np.random.default_rng(0)
>>> y = np.repeat(["a", "b"], 40)
>>> X = {"f": rng.normal(size=(80, 3)) + 2.0 * (y == "a")[:, None]}
>>> tr, te = np.arange(0, 80, 2), np.arange(1, 80, 2)
>>> table = elementary_kernel_svms({"f": X["f"][tr]}, y[tr], {"f": X["f"][te]}, y[te],
...                                kernels=("linear", "hi"), random_state=0)
>>> table[["feature", "kernel"]].values.tolist()
[['f', 'linear'], ['f', 'hi']]
>>> bool((table["accuracy"] > 0.8).all())
True
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.svm import SVC

from .._validation import check_labels
from ..maps import canonical_kernel_name, make_map
from ..metrics import relative_error

__all__ = ["elementary_kernel_svms", "table3_rows", "dkn_sweep", "map_network_sweep"]

_C_GRID = (0.1, 1.0, 10.0, 100.0, 1000.0)


def _as_matrix(name: str, A) -> np.ndarray:
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] == 0:
        raise ValueError(f"feature {name!r}: expected a non-empty 2-D array, got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError(f"feature {name!r} contains NaN or inf")
    return A


def _splitter(cv, random_state):
    if isinstance(cv, (int, np.integer)):
        if int(cv) < 2:
            raise ValueError(f"cv must be >= 2, got {cv}")
        return StratifiedKFold(int(cv), shuffle=True, random_state=random_state)
    return cv


def elementary_kernel_svms(
    train: Mapping[str, Any],
    y_train,
    test: Mapping[str, Any],
    y_test,
    *,
    kernels: Sequence[str] = ("linear", "polynomial", "rbf", "hi"),
    C_grid: Sequence[float] = _C_GRID,
    cv=5,
    class_weight=None,
    normalize: bool = True,
    kernel_params: Mapping[str, Any] | None = None,
    random_state=None,
    device=None,
) -> pd.DataFrame:
    """SVMs on single elementary kernels, one per (feature, kernel): the paper's Table 3.

    For every feature matrix and kernel the kernel map (Appendix A.1) is fitted on the training
    features (standardisation for the linear, polynomial and RBF kernels, RBF width, HI ranges:
    unsupervised), the training Gram matrix is computed once, ``C`` is chosen on it by ``cv``-fold
    cross-validation (``GridSearchCV`` of ``SVC(kernel="precomputed")``), the SVM is refitted on
    the whole training split and scores the test split once. This is the model of
    :class:`kmnet.baselines.KernelSVC` (``probability=False``) with its ``C`` tuned, computed
    with one Gram matrix per kernel instead of one per fold.

    Parameters
    ----------
    train, test : mapping of str to array (n, d)
        Feature matrices by name (same names in both).
    y_train, y_test : array-like
    kernels : sequence of str
    C_grid : sequence of float
    cv : int or splitter, default 5
    class_weight : None, "balanced" or dict
        Of the SVMs (the paper weighs the piano classes inversely to their counts).
    normalize : bool, default True
        Cosine-normalise every kernel (as :class:`~kmnet.DeepKernelNetwork` does).
    kernel_params : mapping, optional
        Extra options of the maps (``degree``, ``sigma``, ...).
    random_state : int, optional
        Seeds the cross-validation folds.
    device : str, optional
        Where the Gram matrices are computed (``None``: CUDA when available).

    Returns
    -------
    DataFrame
        One row per (feature, kernel): ``feature``, ``kernel``, ``C``, ``cv_accuracy``,
        ``cv_std`` (over folds), ``train_accuracy``, ``accuracy`` (test, in [0, 1]), ``fit_s``
        (Gram matrix + selection + refit) and ``predict`` (the test predictions, an array).
    """
    if set(train) != set(test):
        raise ValueError(f"train and test must hold the same features, got {sorted(train)} and {sorted(test)}")
    if not train:
        raise ValueError("no features given")
    grid = [float(c) for c in C_grid]
    if not grid or any(not c > 0 for c in grid):
        raise ValueError(f"C_grid: expected positive values, got {grid}")
    names = [canonical_kernel_name(k) for k in kernels]
    rows = []
    for feat in train:
        Xtr, Xte = _as_matrix(feat, train[feat]), _as_matrix(feat, test[feat])
        if Xtr.shape[1] != Xte.shape[1]:
            raise ValueError(f"feature {feat!r}: {Xtr.shape[1]} columns in train, {Xte.shape[1]} in test")
        classes, ytr = check_labels(y_train, Xtr.shape[0])
        yte = np.asarray(y_test)
        if yte.shape != (Xte.shape[0],):
            raise ValueError(f"y_test: expected {Xte.shape[0]} labels, got shape {yte.shape}")
        for name in names:
            t0 = time.perf_counter()
            params = dict(kernel_params or {})
            params.update(standardize=(name != "hi"), normalize=bool(normalize), dtype="float64", device=device,
                          output="torch")
            mp = make_map(name, **params).fit(Xtr)
            K = mp.kernel(Xtr).double().cpu().numpy()
            K = 0.5 * (K + K.T)
            svc = SVC(kernel="precomputed", class_weight=class_weight)
            search = GridSearchCV(svc, {"C": grid}, cv=_splitter(cv, random_state), refit=True).fit(K, ytr)
            fit_s = time.perf_counter() - t0
            Kte = mp.kernel(Xte, Xtr).double().cpu().numpy()
            pred = classes[search.best_estimator_.predict(Kte).astype(np.int64)]
            best = search.best_index_
            rows.append({
                "feature": feat,
                "kernel": name,
                "C": float(search.best_params_["C"]),
                "cv_accuracy": float(search.cv_results_["mean_test_score"][best]),
                "cv_std": float(search.cv_results_["std_test_score"][best]),
                "train_accuracy": float(np.mean(search.best_estimator_.predict(K) == ytr)),
                "accuracy": float(np.mean(pred == yte)),
                "fit_s": fit_s,
                "predict": pred,
            })
    return pd.DataFrame(rows)


def table3_rows(
    features,
    rows: Mapping[str, str],
    *,
    paper_rows: Mapping[str, str] | None = None,
    kernels: Sequence[str] = ("linear", "polynomial", "rbf", "hi"),
    C_grid: Sequence[float] = _C_GRID,
    cv=5,
    class_weight="balanced",
    random_state=None,
    device=None,
) -> pd.DataFrame:
    """Table 3 rows for named matrices of the piano features, each beside a paper row.

    :func:`elementary_kernel_svms` on the manifest's split of ``features`` (``C`` by ``cv``-fold
    cross-validation on the training split, the test split scored once per SVM).

    Parameters
    ----------
    features : kmnet.datasets.piano.features.PianoFeatures
        e.g. ``load_features()`` (with ``audio_musicnn`` when ``musicnn.npz`` is committed).
    rows : mapping of str to str
        Row label -> feature matrix, e.g. ``{"Audio-musicnn": "audio_musicnn"}``.
    paper_rows : mapping of str to str, optional
        Row label -> the paper's Table 3 row shown beside it (``"Audio-MFCC"``,
        ``"Audio-VGGish"`` or ``"Symbolic features"``); by default the label itself, and no
        paper value for a label the paper does not have.
    kernels, C_grid, cv, class_weight, random_state, device
        As in :func:`elementary_kernel_svms` (the piano set's classes weighted inversely to
        their counts by default, as in the paper).

    Returns
    -------
    DataFrame
        :func:`elementary_kernel_svms`' columns with ``feature`` the row label, plus
        ``features`` (the matrix), ``ours`` (test accuracy in %), ``paper_row`` and ``paper``
        (the paper's accuracy in %, NaN where it has none).

    Raises
    ------
    ValueError
        No rows, a matrix ``features`` does not hold, or an unknown paper row.
    """
    from .paper import paper_table

    rows = dict(rows)
    if not rows:
        raise ValueError("rows: name at least one feature matrix")
    have = getattr(features, "arrays", {})
    missing = sorted({k for k in rows.values() if k not in have})
    if missing:
        raise ValueError(f"rows: unknown feature matrices {missing}; have {sorted(have)}")
    paper = paper_table("table3")
    given = dict(paper_rows or {})
    stray = sorted(set(given) - set(rows))
    if stray:
        raise ValueError(f"paper_rows: labels {stray} are not in rows {list(rows)}")
    bad = sorted(str(v) for v in given.values() if v not in paper.index)
    if bad:
        raise ValueError(f"paper_rows: {bad} not in the paper's Table 3 rows {list(paper.index)}")

    def split(part):
        v = features.views(part, extra=tuple(dict.fromkeys(rows.values())))
        return {label: v[key] for label, key in rows.items()}

    t = elementary_kernel_svms(split("train"), features.labels("train"), split("test"), features.labels("test"),
                               kernels=kernels, C_grid=C_grid, cv=cv, class_weight=class_weight,
                               random_state=random_state, device=device)
    t.insert(1, "features", t["feature"].map(rows))
    t["ours"] = 100.0 * t["accuracy"]
    t["paper_row"] = [given.get(label, label) for label in t["feature"]]
    t["paper"] = [float(paper.loc[r, k]) if r in paper.index and k in paper.columns else np.nan
                  for r, k in zip(t["paper_row"], t["kernel"])]
    return t


def dkn_sweep(
    dkn,
    param: str,
    values: Sequence[Any],
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    C_grid: Sequence[float] | None = _C_GRID,
    cv=5,
    random_state=None,
) -> tuple[pd.DataFrame, dict]:
    """Train a DKN once per value of one parameter and score each on the test split.

    Parameters
    ----------
    dkn : DeepKernelNetwork
        Template (unfitted); ``param`` is set to every value in turn.
    param : str
        A constructor parameter (``"hidden"``, ``"normalize"``, ``"kernels"``, ...).
    values : sequence
    X_train, X_test : mapping of str to array (n, d) or MultiView
    y_train, y_test : array-like
    C_grid : sequence of float or None
        ``C`` of every setting chosen by :func:`kmnet.experiments.protocols.select_svm_c` (``cv``-fold
        cross-validation on the training split, at the initial weights); ``None`` keeps the
        template's ``C``.
    cv : int or splitter
    random_state : int, optional
        Seeds the folds (the DKN's own ``random_state`` seeds its weights).

    Returns
    -------
    table : DataFrame
        One row per value: ``param``, ``value`` (as text), ``C``, ``accuracy`` (test),
        ``train_accuracy``, ``n_iter``, ``select_s`` (choice of ``C``), ``fit_s`` (training),
        ``predict_s`` (the test split) and ``predict`` (the test predictions).
    models : dict
        ``value text -> fitted DKN``.
    """
    from .protocols import select_svm_c

    if param not in dkn.get_params(deep=False):
        raise ValueError(f"{type(dkn).__name__} has no parameter {param!r}")
    if len(values) == 0:
        raise ValueError("values: at least one value is needed")
    y_test = np.asarray(y_test)
    rows, models = [], {}
    for v in values:
        est = clone(dkn).set_params(**{param: v})
        t0 = time.perf_counter()
        if C_grid is not None:
            c, _ = select_svm_c(est, X_train, y_train, _splitter(cv, random_state), grid=C_grid)
            est.set_params(C=c)
        select_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        est.fit(X_train, y_train)
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        pred = est.predict(X_test)
        predict_s = time.perf_counter() - t0
        key = str(v)
        models[key] = est
        rows.append({
            "param": param,
            "value": key,
            "C": float(est.C),
            "accuracy": float(np.mean(pred == y_test)),
            "train_accuracy": float(est.score(X_train, y_train)),
            "n_iter": int(est.n_iter_),
            "select_s": select_s,
            "fit_s": fit_s,
            "predict_s": predict_s,
            "predict": pred,
        })
    return pd.DataFrame(rows), models


def map_network_sweep(
    dkn,
    X_train,
    X_test,
    y_test,
    *,
    energies: Sequence[float] = (0.99,),
    anchors: Sequence[int | None] = (None,),
    random_state=None,
    **params,
) -> pd.DataFrame:
    """Initial DM2KMNs built from one trained DKN, for every (energy, anchors) pair (Eqs. 2-4).

    Parameters
    ----------
    dkn : DeepKernelNetwork
        Fitted on ``X_train``.
    X_train : mapping of str to array (n, d) or MultiView
        The DKN's training views (candidate anchors; the RE is measured on them).
    X_test, y_test
        Scored once per network.
    energies : sequence of float in (0, 1]
    anchors : sequence of int or None
        ``None``: all training samples (the paper's setting); an int: that many random landmarks.
    random_state : int, optional
        Seeds the choice of landmarks.
    **params
        Other :meth:`~kmnet.DeepKernelMapNetwork.from_dkn` parameters (``device``, ...).

    Returns
    -------
    DataFrame
        One row per pair: ``energy``, ``anchors`` (count), ``rank`` (summed ranks of all units),
        ``re`` (Eq. 17, in %, output kernel on ``X_train`` against the DKN's), ``accuracy``
        (test), ``build_s`` and ``forward_s`` (test split).
    """
    from ..dm2kmn import DeepKernelMapNetwork

    y_test = np.asarray(y_test)
    K_dkn = dkn.output_kernel(X_train)
    rows = []
    for M in anchors:
        for e in energies:
            t0 = time.perf_counter()
            net = DeepKernelMapNetwork.from_dkn(dkn, X_train, energy=float(e), anchors=M,
                                                random_state=random_state, **params)
            build_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            pred = net.predict(X_test)
            forward_s = time.perf_counter() - t0
            rows.append({
                "energy": float(e),
                "anchors": int(len(net.anchor_index_)),
                "rank": int(sum(map(sum, net.ranks_))),
                "re": relative_error(net.output_kernel(X_train), K_dkn),
                "accuracy": float(np.mean(pred == y_test)),
                "build_s": build_s,
                "forward_s": forward_s,
            })
    return pd.DataFrame(rows)
