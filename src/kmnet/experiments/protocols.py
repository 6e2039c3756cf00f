"""Evaluation protocols: fit a set of methods on train/test splits, collect accuracy and timings.

The book's result tables (GTZAN Table 1, piano Table 5, 4MuLA Table 6) all follow one pattern:
for every split of a protocol (the paper's random splits, a fixed split with a validation part,
...) fit every method on the training part, choosing its hyper-parameters on the training part
only, then touch the test part once: predict it, time the prediction (the "forward time" of
the paper's Table 5) and score it. :func:`run_protocol` does exactly that and returns one row per
(split, method) and the test predictions (for confusion matrices).

Model selection
---------------
Every method receives a :class:`FitContext` that says how it may select hyper-parameters:

* ``ctx.cv``: a cross-validation splitter over the rows of ``ctx.X``. Without a validation part
  it is a stratified ``k``-fold split of the training part (the paper's "five-fold
  cross-validation on the training set"); with one (e.g. the artist-filtered GTZAN split, the
  4MuLA 8:1:1 split) it is a :class:`~sklearn.model_selection.PredefinedSplit` with the
  validation part as the single held-out fold, so that selection respects whatever the
  validation part was built to keep apart (artists, ...). The map network's epoch count is
  chosen on these folds too (:func:`dm2kmn_methods`).
* ``ctx.validation``: one (train rows, validation rows) pair inside ``ctx.X`` for methods that
  select by hold-out: the validation part when the split has one, else a stratified
  ``validation_fraction`` of the training part.

``ctx.X`` holds every labelled non-test row (train, plus validation when the split has one), so
a method that selects by ``ctx.cv`` and refits (``GridSearchCV(refit=True)``) ends up trained on
all of them, and the test part is only ever predicted once.

Recipes
-------
:func:`estimator_method` wraps any scikit-learn estimator or search (e.g. the grids of
:func:`kmnet.baselines.tuned_baselines`); :func:`dkn_method` and :func:`dm2kmn_methods` give the
paper's chain DKN -> initial DM2KMN -> learned DM2KMN (Sections 3.1-3.4) with training-only
model selection (:func:`select_svm_c`; the DM2KMN's calibration and epochs by cross-validation,
:mod:`kmnet.experiments.dm2kmn_learning`).

Notebook: 02_gtzan, 05_piano_comparison, 06_relative_importance, 07_4mula (every protocol of the book).
The splits it runs on are :mod:`kmnet.datasets.splits`.

Examples
--------
>>> import numpy as np
>>> from sklearn.linear_model import LogisticRegression
>>> from kmnet.datasets.splits import random_splits
>>> from kmnet.experiments.protocols import estimator_method, run_protocol
>>> rng = np.random.default_rng(0)
>>> y = np.repeat(["a", "b"], 40)
>>> views = {"audio": rng.normal(size=(80, 3)) + 2.0 * (y == "a")[:, None]}
>>> res = run_protocol([estimator_method("LR", LogisticRegression(), concat=True)], views, y,
...                    random_splits(y, seeds=(0, 1)))
>>> res.runs[["protocol", "run", "method"]].shape
(2, 3)
>>> bool((res.runs["accuracy"] > 0.8).all())
True
"""

from __future__ import annotations

import copy
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, PredefinedSplit, StratifiedKFold, train_test_split
from sklearn.svm import SVC

from ..datasets.splits import Split
from ..views import MultiView

__all__ = [
    "FitContext",
    "Method",
    "ProtocolResult",
    "run_protocol",
    "estimator_method",
    "dkn_method",
    "dm2kmn_methods",
    "select_svm_c",
    "selection_parts",
    "train_with_validation",
]


def selection_parts(split: Split, y, *, cv: int = 5, validation_fraction: float = 0.15):
    """How methods may select hyper-parameters on ``split`` (see the module docstring).

    Parameters
    ----------
    split : Split
    y : array-like of shape (n,)
        Labels of the whole data set.
    cv : int, default 5
        Folds when the split has no validation part.
    validation_fraction : float, default 0.15
        Stratified hold-out when the split has no validation part.

    Returns
    -------
    fit_index : ndarray of int
        Data-set rows the methods are fitted on (``split.fit_index``).
    cv_splitter : PredefinedSplit or StratifiedKFold
        Over the positions of ``fit_index``.
    validation : (ndarray, ndarray)
        Train and validation positions inside ``fit_index``.
    """
    if not 0.0 < float(validation_fraction) < 1.0:
        raise ValueError(f"validation_fraction must be in (0, 1), got {validation_fraction}")
    if int(cv) < 2:
        raise ValueError(f"cv must be >= 2, got {cv}")
    y = np.asarray(y)
    fit_idx = split.fit_index
    n_tr = len(split.train)
    if split.valid is not None:
        fold = np.r_[np.full(n_tr, -1), np.zeros(len(split.valid), dtype=int)]
        return fit_idx, PredefinedSplit(fold), (np.arange(n_tr), np.arange(n_tr, len(fit_idx)))
    splitter = StratifiedKFold(int(cv), shuffle=True, random_state=split.seed)
    tr_rows, va_rows = train_test_split(np.arange(len(fit_idx)), test_size=float(validation_fraction),
                                        random_state=split.seed, stratify=y[fit_idx])
    return fit_idx, splitter, (np.sort(tr_rows), np.sort(va_rows))


# ====================================================================== methods
@dataclass
class FitContext:
    """What a method's ``fit`` function receives for one split.

    Attributes
    ----------
    X : MultiView or ndarray
        The method's input on the fit rows (train, then valid): a :class:`~kmnet.MultiView` of
        its views, or their concatenation (``Method.concat``).
    y : ndarray
    cv : cross-validation splitter
        Over the rows of ``X`` (see the module docstring).
    validation : (ndarray, ndarray)
        Train rows and validation rows inside ``X`` for hold-out selection.
    seed : int or None
    fitted : dict
        Models fitted earlier on this split, by method name (e.g. the DKN for the DM2KMN).
    split : Split
    info : dict
        Anything the method wants to keep (curves, chosen hyper-parameters): returned in
        :attr:`ProtocolResult.info`. Scalars stored under ``info["metrics"]`` (a dict) become
        columns of :attr:`ProtocolResult.runs`.
    shared : dict
        Scratch space shared by the methods of one split (e.g. a kernel matrix computed once).
    """

    X: Any
    y: np.ndarray
    cv: Any
    validation: tuple[np.ndarray, np.ndarray]
    seed: int | None
    fitted: dict
    split: Split
    info: dict = field(default_factory=dict)
    shared: dict = field(default_factory=dict)


@dataclass
class Method:
    """A named way to fit a model on a :class:`FitContext`.

    Attributes
    ----------
    name : str
    fit : callable ``fit(ctx) -> model``
        Returns a fitted model with ``predict``.
    views : tuple of str or None
        The views it reads (default: all).
    concat : bool
        Give it one ``(n, d)`` array (its views concatenated in order) instead of a MultiView.
    time_forward : bool
        Time its test-set prediction as the median of ``time_repeat`` calls (else one call).
    """

    name: str
    fit: Callable[[FitContext], Any]
    views: tuple[str, ...] | None = None
    concat: bool = False
    time_forward: bool = False


def _seed_params(est, seed) -> dict:
    """Every ``*random_state`` parameter of ``est`` (deep) set to ``seed``."""
    return {k: seed for k in est.get_params(deep=True) if k == "random_state" or k.endswith("__random_state")}


def estimator_method(
    name: str,
    estimator,
    *,
    views: Sequence[str] | None = None,
    concat: bool = False,
    time_forward: bool = False,
) -> Method:
    """A scikit-learn estimator (or search) as a :class:`Method`.

    For every split the estimator is cloned, its ``cv`` parameter (if any, e.g. a
    ``GridSearchCV``) is set to the split's selection splitter ``ctx.cv``, every
    ``random_state`` to the run's seed, and it is fitted on ``ctx.X``.

    Parameters
    ----------
    name : str
    estimator : scikit-learn estimator
    views : sequence of str, optional
        Views to read (default: all).
    concat : bool, default False
        Feed the concatenated views as one array (for estimators that read plain arrays).
    time_forward : bool, default False
    """

    def fit(ctx: FitContext):
        est = clone(estimator)
        params = {}
        if "cv" in est.get_params(deep=False):
            params["cv"] = ctx.cv
        if ctx.seed is not None:
            params.update(_seed_params(est, ctx.seed))
        if params:
            est.set_params(**params)
        est.fit(ctx.X, ctx.y)
        if hasattr(est, "best_params_"):
            ctx.info["best_params"] = dict(est.best_params_)
        return est

    return Method(name, fit, None if views is None else tuple(views), concat, time_forward)


# ---------------------------------------------------------------------- kernel networks
def select_svm_c(
    dkn,
    X,
    y,
    cv,
    *,
    grid: Sequence[float] = (0.1, 1.0, 10.0, 100.0, 1000.0),
) -> tuple[float, pd.DataFrame]:
    """Choose the SVM ``C`` of a DKN by cross-validation on its output kernel at the initial weights.

    Training a DKN for every ``C`` and fold is expensive; the output kernel of the DKN's
    random initial weights (``max_iter=0``) is computed once on ``X`` and the one-vs-rest SVMs
    are cross-validated on it (``SVC(kernel="precomputed")``), which costs a few SVM solves.
    The DKN is then trained with the chosen ``C``. The unsupervised parts of the kernels
    (standardisation, RBF width, HI ranges) are fitted on all of ``X``, labels are not.

    Parameters
    ----------
    dkn : DeepKernelNetwork
        Unfitted template (its kernels, hidden units, seed, class weights are used).
    X : mapping or MultiView
        Training views.
    y : array-like
    cv : int or splitter
    grid : sequence of float

    Returns
    -------
    best_C : float
    scores : DataFrame with columns ``C`` and ``cv_accuracy``
    """
    grid = [float(c) for c in grid]
    if not grid or any(not c > 0 for c in grid):
        raise ValueError(f"grid: expected positive C values, got {grid}")
    init = clone(dkn).set_params(max_iter=0, verbose=False).fit(X, y)
    K = init.output_kernel(X).double().cpu().numpy()
    K = 0.5 * (K + K.T)
    svc = SVC(kernel="precomputed", class_weight=init.class_weight)
    search = GridSearchCV(svc, {"C": grid}, cv=cv, refit=False).fit(K, np.asarray(y))
    scores = pd.DataFrame({"C": grid, "cv_accuracy": search.cv_results_["mean_test_score"]})
    return float(search.best_params_["C"]), scores


def dkn_method(
    name: str = "DKN",
    *,
    C: float | Sequence[float] = (0.1, 1.0, 10.0, 100.0, 1000.0),
    hidden: int | Sequence[int] | str = "twice",
    views: Sequence[str] | None = None,
    time_forward: bool = True,
    **params,
) -> Method:
    """A :class:`~kmnet.DeepKernelNetwork` (Section 3.1) as a :class:`Method`.

    Parameters
    ----------
    name : str
    C : float or sequence of float
        A fixed SVM ``C``, or a grid chosen per split by :func:`select_svm_c` on ``ctx.cv``
        (the chosen value is kept in ``info["C"]`` and the ``C`` column of the runs).
    hidden : int, tuple or "twice"
        ``"twice"``: twice as many hidden units as input units, the paper's rule for
        single-modality DKNs (Section 4.2, after Jiu & Sahbi 2017).
    views : sequence of str, optional
        The views (modalities) it reads; default all.
    time_forward : bool, default True
    **params
        Other :class:`~kmnet.DeepKernelNetwork` parameters (``max_iter``, ``kernels``, ...).
    """
    from .._input_layer import resolve_kernels
    from ..dkn import DeepKernelNetwork

    def fit(ctx: FitContext):
        h = hidden
        if isinstance(hidden, str):
            if hidden != "twice":
                raise ValueError(f"hidden must be an int, a tuple or 'twice', got {hidden!r}")
            modalities = list(ctx.X) if isinstance(ctx.X, Mapping) else ["X"]
            kernels = resolve_kernels(params.get("kernels", DeepKernelNetwork().kernels), modalities)
            h = 2 * sum(len(k) for k in kernels.values())
        dkn = DeepKernelNetwork(hidden=h, random_state=ctx.seed, **params)
        if np.ndim(C) == 0:
            c = float(C)
        else:
            c, scores = select_svm_c(dkn, ctx.X, ctx.y, ctx.cv, grid=C)
            ctx.info["C_scores"] = scores
        ctx.info.setdefault("metrics", {})["C"] = c
        ctx.info["hidden"] = h
        return dkn.set_params(C=c).fit(ctx.X, ctx.y)

    return Method(name, fit, None if views is None else tuple(views), False, time_forward)


def train_with_validation(
    model,
    X,
    y,
    train_rows,
    val_rows,
    *,
    max_epochs: int = 100,
    check_every: int = 5,
    patience: int = 3,
    monitor: Callable[[Any], Mapping[str, float]] | None = None,
    tol: float = 1e-4,
):
    """End-to-end learning of a warm-started map network, epochs chosen on one hold-out.

    The network (e.g. from :meth:`~kmnet.DeepKernelMapNetwork.from_dkn`, calibrated with
    :meth:`~kmnet.DeepKernelMapNetwork.calibrate`) learns on ``train_rows`` in one continuous
    run (:meth:`~kmnet.DeepKernelMapNetwork.learning_run`: one optimiser state, as ``fit`` with
    that many epochs would); every ``check_every`` epochs the **cross-entropy** of ``val_rows``
    (without the L2 penalties of Eq. 6) is measured, and a copy of the network with the lowest
    value is kept (epoch 0, the network before any learning, is a candidate too). Learning stops
    after ``patience`` checks without improvement or at ``max_epochs``.

    For an honest choice the validation rows must be unseen by the network: build it from a
    DKN fitted without them; a DKN whose SVMs were trained on the validation rows makes the
    network before learning look nearly perfect on them. The network before learning should be
    calibrated: an uncalibrated softmax layer taken over from SVMs is under-confident, and any
    sharpening then lowers the cross-entropy. :func:`dm2kmn_methods` selects by
    cross-validation instead (:mod:`kmnet.experiments.dm2kmn_learning`).

    Parameters
    ----------
    model : DeepKernelMapNetwork
        With ``warm_start=True`` (as :meth:`from_dkn` returns it); it is modified in place.
    X : mapping or MultiView
    y : array-like
    train_rows, val_rows : array of int
        Rows of ``X`` to learn on and to validate on.
    max_epochs, check_every, patience : int
    monitor : callable, optional
        ``monitor(model) -> dict`` of extra values recorded at every check (e.g. RE to the DKN).
    tol : float
        Smallest decrease of the validation cross-entropy that counts as an improvement.

    Returns
    -------
    best : DeepKernelMapNetwork
        A copy of the network at the best check.
    curve : DataFrame
        One row per check: ``epoch``, ``train_loss`` (Eq. 6 with its penalties, averaged over
        the last epoch of the chunk), ``train_ce`` and ``train_accuracy`` (cross-entropy and
        accuracy of the train rows, no penalty), ``val_loss`` (cross-entropy), ``val_accuracy``,
        the monitor's columns, and ``best`` (bool).
    """
    if not getattr(model, "warm_start", False):
        raise ValueError("train_with_validation: the model must have warm_start=True (build it with from_dkn)")
    if int(max_epochs) < 0 or int(check_every) < 1 or int(patience) < 1:
        raise ValueError(
            f"need max_epochs >= 0, check_every >= 1, patience >= 1; got {max_epochs}, {check_every}, {patience}"
        )
    X = MultiView(X) if not isinstance(X, MultiView) else X
    y = np.asarray(y)
    tr, va = np.asarray(train_rows, dtype=np.int64), np.asarray(val_rows, dtype=np.int64)
    if tr.size == 0 or va.size == 0:
        raise ValueError("train_with_validation: train_rows and val_rows must be non-empty")
    if np.intersect1d(tr, va).size:
        raise ValueError("train_with_validation: train_rows and val_rows overlap")
    Xtr, ytr, Xva, yva = X[tr], y[tr], X[va], y[va]
    unseen = sorted(set(yva.tolist()) - set(ytr.tolist()), key=str)
    if unseen:
        raise ValueError(f"train_with_validation: validation rows hold classes absent from the train rows: {unseen}")
    rows: list[dict] = []

    def check(epoch: int, train_loss: float) -> float:
        p_tr, p_va = model.predict_proba(Xtr), model.predict_proba(Xva)
        vl = float(log_loss(yva, p_va, labels=model.classes_))
        row = {
            "epoch": epoch,
            "train_loss": train_loss,
            "train_ce": float(log_loss(ytr, p_tr, labels=model.classes_)),
            "train_accuracy": float(np.mean(model.classes_[p_tr.argmax(1)] == ytr)),
            "val_loss": vl,
            "val_accuracy": float(np.mean(model.classes_[p_va.argmax(1)] == yva)),
        }
        if monitor is not None:
            row.update({k: float(v) for k, v in monitor(model).items()})
        rows.append(row)
        return vl

    run = model.learning_run(Xtr, ytr)
    best_loss = check(0, float("nan"))
    best, best_row, stale, epoch = copy.deepcopy(model), 0, 0, 0
    while epoch < int(max_epochs) and stale < int(patience):
        k = min(int(check_every), int(max_epochs) - epoch)
        for _ in range(k):
            loss = run.epoch()
        epoch += k
        vl = check(epoch, float(loss))
        if vl < best_loss - tol:
            best_loss, best, best_row, stale = vl, copy.deepcopy(model), len(rows) - 1, 0
        else:
            stale += 1
    run.finish()
    best.module_.eval()
    for p in best.module_.parameters():
        p.requires_grad_(False)
    best.set_params(epochs=int(rows[best_row]["epoch"]))
    curve = pd.DataFrame(rows)
    curve["best"] = np.arange(len(curve)) == best_row
    return best, curve


def dm2kmn_methods(
    *,
    dkn: str = "DKN",
    initial: str | None = "initial DM2KMN",
    learned: str | None = "learned DM2KMN",
    views: Sequence[str] | None = None,
    energy: float = 0.99,
    anchors=None,
    calibration: str = "temperature",
    folds: int | None = None,
    fold_dkn: str = "refit",
    max_epochs: int = 30,
    check_every: int = 1,
    patience: int = 5,
    criterion: str = "cross_entropy",
    trainable: Sequence[str] | None = None,
    relative_error: bool = True,
    time_forward: bool = True,
    **params,
) -> list[Method]:
    """The initial and the learned DM2KMN built from the DKN of the same split (Sections 3.2-3.4).

    * ``initial``: :meth:`~kmnet.DeepKernelMapNetwork.from_dkn` on the fit rows (all of them
      are the anchors unless ``anchors`` is given), its softmax layer calibrated on the fit rows
      (:meth:`~kmnet.DeepKernelMapNetwork.calibrate`, ``calibration``); no learning.
    * ``learned``: that network learned end to end (Eq. 6) for a number of epochs chosen by
      cross-validation on the fit rows (:func:`kmnet.experiments.dm2kmn_learning.learn_dm2kmn`):
      in every fold a network built from the fold's training rows only (``fold_dkn="refit"``:
      with a DKN fitted on them) is calibrated and learns in one continuous run, its held-out
      rows scored every ``check_every`` epochs; the count with the best mean held-out
      ``criterion`` is chosen, and the initial network learns that many epochs on all fit rows
      in one continuous run, the same schedule.

      The folds are the split's selection folds ``ctx.cv`` (five stratified folds of the
      training part - the paper's - or the validation part of a split that has one); an int
      ``folds`` uses that many stratified folds instead (on splits without a validation part).
      The mean selection curve is kept in ``info["curve"]`` (per fold in ``info["per_fold"]``),
      the count in the ``epochs`` column, the selection's seconds in ``select_s``.

    With ``relative_error`` the RE (Eq. 17) of each network's output kernel against the DKN's,
    on the fit rows, becomes the ``re`` column; the temperature of the calibration the
    ``temperature`` column.

    Parameters
    ----------
    dkn : str
        Name of the DKN method (it must come earlier in the method list).
    initial, learned : str or None
        Names of the two methods; ``None`` leaves one out.
    views : sequence of str, optional
        The views the DKN reads (default: all).
    energy, anchors
        See :meth:`~kmnet.DeepKernelMapNetwork.from_dkn`.
    calibration : {"temperature", "head", "none"}, default "temperature"
    folds : int, optional
    fold_dkn : {"refit", "reuse"}, default "refit"
    max_epochs, check_every, patience, criterion
        See :func:`kmnet.experiments.dm2kmn_learning.select_epochs`.
    trainable : sequence of str, optional
        Parameter groups that learn (default all).
    relative_error : bool, default True
    time_forward : bool, default True
    **params
        Other :class:`~kmnet.DeepKernelMapNetwork` parameters (``lr``, ``batch_size``, ...).
    """
    from ..metrics import relative_error as _re
    from .dm2kmn_learning import initial_network, learn_dm2kmn

    if initial is None and learned is None:
        raise ValueError("dm2kmn_methods: nothing to build (initial and learned are both None)")
    if "epochs" in params:
        raise ValueError("dm2kmn_methods: the epoch count is selected; set max_epochs instead of epochs")
    if folds is not None and int(folds) < 2:
        raise ValueError(f"dm2kmn_methods: folds must be >= 2, got {folds}")
    views = None if views is None else tuple(views)
    build = dict(energy=energy, anchors=anchors, **params)

    def _dkn(ctx: FitContext):
        if dkn not in ctx.fitted:
            raise ValueError(f"dm2kmn_methods: method {dkn!r} must come before and succeed")
        return ctx.fitted[dkn]

    def _metrics(ctx: FitContext) -> dict:
        return ctx.info.setdefault("metrics", {})

    def _record_re(ctx: FitContext, model):
        if relative_error:
            key = ("dkn_output_kernel", dkn)
            if key not in ctx.shared:
                ctx.shared[key] = _dkn(ctx).output_kernel(ctx.X)
            _metrics(ctx)["re"] = _re(model.output_kernel(ctx.X), ctx.shared[key])

    def _initial(ctx: FitContext):
        return initial_network(_dkn(ctx), ctx.X, ctx.y, calibration=calibration, seed=ctx.seed, **build)

    def fit_initial(ctx: FitContext):
        model = _initial(ctx)
        _record_re(ctx, model)
        _metrics(ctx).update(epochs=0, temperature=float(model.temperature_))
        return model

    def fit_learned(ctx: FitContext):
        init = ctx.fitted.get(initial) if initial is not None else None
        if init is None:
            init = _initial(ctx)
        cv = ctx.cv if (folds is None or ctx.split.valid is not None) else int(folds)
        res = learn_dm2kmn(_dkn(ctx), ctx.X, ctx.y, cv=cv, initial=init, fold_dkn=fold_dkn, calibration=calibration,
                           trainable=trainable, max_epochs=max_epochs, check_every=check_every, patience=patience,
                           criterion=criterion, seed=ctx.seed, build=build)
        ctx.info["curve"] = res.curve
        ctx.info["per_fold"] = res.per_fold
        ctx.info["timings"] = dict(res.timings)
        _metrics(ctx).update(epochs=res.epochs, temperature=float(init.temperature_),
                             select_s=res.timings["folds"] + res.timings["select"])
        _record_re(ctx, res.model)
        return res.model

    out = []
    if initial is not None:
        out.append(Method(initial, fit_initial, views, False, time_forward))
    if learned is not None:
        out.append(Method(learned, fit_learned, views, False, time_forward))
    return out


# ====================================================================== runner
@dataclass
class ProtocolResult:
    """What :func:`run_protocol` returns.

    Attributes
    ----------
    runs : DataFrame
        One row per (split, method): ``protocol``, ``run``, ``seed``, the ``tags``, ``method``,
        ``status`` ("ok"/"failed"), ``error``, ``accuracy`` (test, in [0, 1]),
        ``train_accuracy`` (on the fit rows), ``fit_s``, ``forward_s`` (test-set prediction),
        ``n_fit``, ``n_test``, plus any ``info["metrics"]`` of the methods.
    predictions : DataFrame
        One row per (split, method, test row): ``protocol``, ``run``, ``method``, ``index``
        (row of the data set), ``y_true``, ``y_pred``.
    info : dict
        ``key -> ctx.info`` (curves, chosen hyper-parameters, ...), where ``key`` is
        ``(*tag values, protocol, run, method)``, e.g. ``("MFCC", "random", 0, "DKN")`` for
        ``tags={"features": "MFCC"}`` and ``("random", 0, "DKN")`` without tags.
    models : dict
        ``key -> fitted model`` (only with ``keep_models``).
    """

    runs: pd.DataFrame
    predictions: pd.DataFrame
    info: dict
    models: dict

    def summary(self, by: Sequence[str] = ("protocol", "method"), value: str = "accuracy") -> pd.DataFrame:
        """Mean, standard deviation (ddof=1; NaN for a single run) and runs per group, in %."""
        from .reporting import summarize_runs

        ok = self.runs[self.runs["status"] == "ok"]
        out = summarize_runs(ok, list(by), value)
        out.loc[out["runs"] < 2, "std"] = np.nan
        return out

    def diagnostics(self) -> pd.DataFrame:
        """Per method, over its runs: training and test accuracy (mean, %), the gap between them
        (over-fitting), the chosen ``C`` and ``epochs`` of each run, and the mean ``re``.

        Columns a method does not record (``C``, ``epochs``, ``re``) are empty for it.
        """
        runs = self.runs.copy()
        for c in ("C", "epochs", "re"):
            if c not in runs.columns:
                runs[c] = np.nan
        diag = runs.groupby("method", sort=False).agg(
            train_accuracy=("train_accuracy", "mean"), test_accuracy=("accuracy", "mean"),
            C=("C", lambda c: ", ".join(f"{v:g}" for v in c.dropna())),
            epochs=("epochs", lambda e: ", ".join(f"{int(v)}" for v in e.dropna())), re=("re", "mean"))
        diag[["train_accuracy", "test_accuracy"]] *= 100
        diag["gap"] = diag["train_accuracy"] - diag["test_accuracy"]
        return diag

    def concat(self, other: "ProtocolResult") -> "ProtocolResult":
        """Both results in one (e.g. two feature sets run separately)."""
        return ProtocolResult(
            pd.concat([self.runs, other.runs], ignore_index=True),
            pd.concat([self.predictions, other.predictions], ignore_index=True),
            {**self.info, **other.info},
            {**self.models, **other.models},
        )


def _subset(views: dict, cols: tuple[str, ...] | None, rows, concat: bool):
    names = list(views) if cols is None else list(cols)
    missing = [c for c in names if c not in views]
    if missing:
        raise ValueError(f"unknown view(s) {missing}; have {sorted(views)}")
    part = {k: views[k][rows] for k in names}
    if concat:
        return np.concatenate([part[k] for k in names], axis=1)
    return MultiView(part)


def _median_time(fn, repeat: int):
    times, out = [], None
    for _ in range(max(1, int(repeat))):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, float(np.median(times))


def run_protocol(
    methods: Sequence[Method],
    views: Mapping[str, Any],
    y,
    splits: Sequence[Split],
    *,
    preprocess: Callable[[], Any] | None = None,
    cv: int = 5,
    validation_fraction: float = 0.15,
    time_repeat: int = 3,
    score_train: bool = True,
    tags: Mapping[str, Any] | None = None,
    keep_models: bool = False,
    errors: str = "report",
    progress: bool = False,
) -> ProtocolResult:
    """Fit every method on every split; score and time the test-set prediction once.

    Parameters
    ----------
    methods : sequence of Method
        Fitted in order on each split; a method may use the models of earlier ones
        (``ctx.fitted``), e.g. the DM2KMN the DKN's.
    views : mapping of str to array-like (n, d)
        The data set's views (feature groups or modalities), all rows.
    y : array-like of shape (n,)
    splits : sequence of Split
    preprocess : callable returning a transformer, optional
        e.g. ``sklearn.preprocessing.MinMaxScaler``: one fresh transformer per view and split,
        fitted on the split's fit rows only and applied to all rows.
    cv : int, default 5
        Folds of ``ctx.cv`` when a split has no validation part.
    validation_fraction : float, default 0.15
        Stratified hold-out for ``ctx.validation`` when a split has no validation part.
    time_repeat : int, default 3
        Test-set predictions timed for methods with ``time_forward`` (median).
    score_train : bool, default True
        Also score each model on its fit rows (``train_accuracy``; shows over-fitting).
    tags : mapping, optional
        Constant columns added to every row (e.g. ``{"features": "MFCC"}``).
    keep_models : bool, default False
    errors : {"report", "raise"}, default "report"
        ``"report"``: a method that fails on a split gets ``status="failed"`` and the reason in
        ``error`` (with a warning), and the others go on.
    progress : bool, default False
        Show a tqdm progress bar over (split, method).

    Returns
    -------
    ProtocolResult
    """
    from tqdm.auto import tqdm

    if errors not in ("report", "raise"):
        raise ValueError(f"errors must be 'report' or 'raise', got {errors!r}")
    methods = list(methods)
    if not methods:
        raise ValueError("methods: nothing to run")
    names = [m.name for m in methods]
    if len(set(names)) != len(names):
        raise ValueError(f"methods: duplicate names in {names}")
    if not isinstance(views, Mapping) or not views:
        raise ValueError("views: expected a non-empty mapping of view name -> (n, d) array")
    data = {}
    for k, v in views.items():
        a = v.to_numpy() if hasattr(v, "to_numpy") else np.asarray(v)
        if a.ndim != 2:
            raise ValueError(f"views[{k!r}]: expected a 2-D array, got shape {a.shape}")
        data[k] = a
    n = {a.shape[0] for a in data.values()}
    if len(n) != 1:
        raise ValueError(f"views: different numbers of rows {sorted(n)}")
    n = n.pop()
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"y: expected {n} labels, got shape {y.shape}")
    splits = list(splits)
    if not splits:
        raise ValueError("splits: nothing to run")
    for s in splits:
        s.check(n)
    if not 0.0 < float(validation_fraction) < 1.0:
        raise ValueError(f"validation_fraction must be in (0, 1), got {validation_fraction}")
    tags = dict(tags or {})

    rows, preds, infos, models = [], [], {}, {}
    bar = tqdm(total=len(splits) * len(methods), disable=not progress, desc="protocol", leave=False)
    for split in splits:
        fit_idx, sel_cv, validation = selection_parts(split, y, cv=cv, validation_fraction=validation_fraction)
        if preprocess is not None:
            pre = {k: preprocess().fit(a[fit_idx]) for k, a in data.items()}
            split_data = {k: np.asarray(pre[k].transform(a), dtype=np.float64) for k, a in data.items()}
        else:
            split_data = data
        y_fit, y_test = y[fit_idx], y[split.test]
        fitted: dict = {}
        shared: dict = {}
        for m in methods:
            key = (*tags.values(), split.protocol, split.run, m.name)
            row = {"protocol": split.protocol, "run": split.run, "seed": split.seed, **tags, "method": m.name,
                   "status": "ok", "error": "", "accuracy": np.nan, "train_accuracy": np.nan,
                   "fit_s": np.nan, "forward_s": np.nan, "n_fit": len(fit_idx), "n_test": len(split.test)}
            ctx = FitContext(_subset(split_data, m.views, fit_idx, m.concat), y_fit, sel_cv, validation,
                             split.seed, fitted, split, shared=shared)
            try:
                t0 = time.perf_counter()
                model = m.fit(ctx)
                row["fit_s"] = time.perf_counter() - t0
                X_test = _subset(split_data, m.views, split.test, m.concat)
                y_pred, row["forward_s"] = _median_time(lambda: model.predict(X_test),
                                                        time_repeat if m.time_forward else 1)
                y_pred = np.asarray(y_pred)
                row["accuracy"] = float(np.mean(y_pred == y_test))
                if score_train:
                    row["train_accuracy"] = float(np.mean(np.asarray(model.predict(ctx.X)) == y_fit))
                fitted[m.name] = model
                if keep_models:
                    models[key] = model
                preds.append(pd.DataFrame({"protocol": split.protocol, "run": split.run, **tags, "method": m.name,
                                           "index": split.test, "y_true": y_test, "y_pred": y_pred}))
            except Exception as exc:  # noqa: BLE001 - reported per method, the batch goes on
                if errors == "raise":
                    raise
                row["status"], row["error"] = "failed", f"{type(exc).__name__}: {exc}"
                warnings.warn(f"{split.protocol}/run {split.run}/{m.name} failed: {row['error']}", stacklevel=2)
            row.update(ctx.info.get("metrics", {}))
            infos[key] = dict(ctx.info)
            rows.append(row)
            bar.update(1)
    bar.close()
    pred_df = pd.concat(preds, ignore_index=True) if preds else pd.DataFrame(
        columns=["protocol", "run", *tags, "method", "index", "y_true", "y_pred"])
    return ProtocolResult(pd.DataFrame(rows), pred_df, infos, models)
