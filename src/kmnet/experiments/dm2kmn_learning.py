"""End-to-end learning of the DM2KMN from a DKN, selected on training data (Section 3.4).

The paper builds the initial DM2KMN from a trained DKN (Eqs. 2-4), learns it end to end (Eq. 6)
and selects the model "via five-fold cross-validation on the training set" (Section 4.2). This
module does that, in three steps that use the training part only:

1. **Calibration** (:func:`initial_network`). The initial network's softmax layer holds the
   DKN's SVMs, whose scores are margins, not log-odds: their softmax is under-confident, so any
   learning that merely sharpens the outputs would lower a held-out cross-entropy and win the
   selection against the network before learning. :meth:`~kmnet.DeepKernelMapNetwork.calibrate`
   fits a temperature on out-of-fold SVM scores of the training samples (default) or learns the
   softmax layer alone for a few epochs; the calibrated network is "epoch 0", a real candidate.
2. **Epoch selection by cross-validation** (:func:`fold_networks`, :func:`select_epochs`). In
   every fold an initial network is built from the fold's training rows only - its anchors, its
   softmax layer (SVMs), its calibration, and with ``fold_dkn="refit"`` (default) its DKN, fitted
   again on those rows with the DKN's hyper-parameters - and learns in **one continuous run**
   (one Adam state), the held-out rows scored every ``check_every`` epochs. The folds run in
   lockstep; the epoch count with the best mean held-out criterion is chosen, and the runs stop
   once it has not improved for ``patience`` checks.
3. **The final fit** (:func:`learn_dm2kmn`): the calibrated initial network of the whole
   training part learns the chosen number of epochs in one continuous run - the schedule the
   folds were scored with (same optimiser, batch size, rates; an epoch of a fold has 1/k fewer
   steps than an epoch of the whole training part).

:func:`parameter_group_ablation` repeats steps 2-3 with other groups of learnable parameters
(head only; + w; + U; + anchors) on the same folds, and :func:`paper_setting` runs the paper's
optimisation (SGD at 1e-4 on single samples, the softmax layer initialised at
:math:`0.01\\,\\mathcal N(0,1)`, Eq. 6's unit penalty coefficients) for a given number of epochs.
:func:`evaluate` scores a network on test data (accuracy, cross-entropy, RE against the DKN).

Leakage (``fold_dkn="reuse"``). Reusing the DKN fitted on the whole training part in every fold
(only the anchors and the SVM head are rebuilt from the fold's rows) saves the fold DKN fits,
but its weights :math:`w` (a few hundred numbers) were fitted with the held-out rows' labels, so
the held-out scores are slightly optimistic for every epoch alike. ``"refit"`` has no such
leakage except the DKN's hyper-parameters (its SVM ``C``, chosen on all training rows).

Notebook: 05_piano_comparison (the learned DM2KMN, the ablation, the paper's setting),
06_relative_importance, 02_gtzan and 07_4mula (through
:func:`kmnet.experiments.protocols.dm2kmn_methods`).

Examples
--------
>>> import numpy as np
>>> from kmnet import DeepKernelNetwork, MultiView
>>> from kmnet.experiments.dm2kmn_learning import learn_dm2kmn
>>> rng = np.random.default_rng(0)
>>> y = np.repeat([0, 1, 2], 30)
>>> X = MultiView({"audio": rng.normal(size=(90, 4)) + y[:, None], "text": rng.normal(size=(90, 3))})
>>> dkn = DeepKernelNetwork(hidden=4, max_iter=3, random_state=0).fit(X, y)
>>> res = learn_dm2kmn(dkn, X, y, cv=3, max_epochs=4, patience=2, seed=0)
>>> 0 <= res.epochs <= 4 and len(res.model.loss_curve_) == res.epochs
True
"""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold

from ..views import MultiView

__all__ = [
    "GROUPS",
    "CALIBRATIONS",
    "PAPER_SETTING",
    "Fold",
    "LearnResult",
    "initial_network",
    "fold_networks",
    "select_epochs",
    "learn_dm2kmn",
    "evaluate",
    "parameter_group_ablation",
    "paper_setting",
]

#: parameter groups that learn, by ablation row (``trainable`` of the DM2KMN)
GROUPS = {
    "head only": ("classifier",),
    "head + w": ("classifier", "weights"),
    "head + w + U": ("classifier", "weights", "projections"),
    "head + w + U + anchors": ("classifier", "weights", "projections", "anchors"),
}

#: calibration methods of the initial network (:meth:`~kmnet.DeepKernelMapNetwork.calibrate`)
CALIBRATIONS = ("temperature", "head", "none")

#: the paper's optimisation (Section 4.2, Eq. 6): per-sample SGD at 1e-4, the softmax layer drawn
#: from 0.01 N(0, 1), unit penalty coefficients (1/n on our sample-averaged loss), no calibration
PAPER_SETTING = dict(head="random", calibration="none", optimizer="sgd", lr=1e-4, lr_classifier=None,
                     batch_size=1, alpha_classifier=None, alpha_weights=None)

_CRITERIA = ("cross_entropy", "accuracy")


def _mv(X) -> MultiView:
    return X if isinstance(X, MultiView) else MultiView(X)


def initial_network(dkn, X, y, *, calibration: str = "temperature", calibration_cv: int = 5, head_epochs: int = 10,
                    head: str = "svm", refit_head: bool = False, seed=None, energy: float = 0.99, anchors=None,
                    **params):
    """The initial DM2KMN of a fitted DKN, calibrated on the training rows ``(X, y)``.

    Parameters
    ----------
    dkn : DeepKernelNetwork
        Fitted on ``X`` (or, with ``refit_head``, on rows that include ``X``).
    X, y : training views and labels
    calibration : {"temperature", "head", "none"}
        See :meth:`~kmnet.DeepKernelMapNetwork.calibrate` (``calibration_cv`` folds,
        ``head_epochs`` epochs).
    head : {"svm", "random"}
        Softmax layer from the SVMs, or the paper's :math:`0.01\\,\\mathcal N(0,1)`.
    refit_head : bool
        Solve the SVMs of the softmax layer on ``(X, y)`` (a fold of the DKN's training rows)
        instead of taking the DKN's.
    seed : int, optional
        ``random_state`` of the network.
    energy, anchors, **params
        :meth:`~kmnet.DeepKernelMapNetwork.from_dkn` parameters.
    """
    from ..dm2kmn import DeepKernelMapNetwork

    if calibration not in CALIBRATIONS:
        raise ValueError(f"calibration must be one of {CALIBRATIONS}, got {calibration!r}")
    X = _mv(X)
    net = DeepKernelMapNetwork.from_dkn(dkn, X, energy=energy, anchors=anchors, y=(y if refit_head else None),
                                        head=head, random_state=seed, **params)
    if calibration != "none":
        net.calibrate(X, y, calibration, cv=calibration_cv, epochs=head_epochs)
    else:
        net.calibrate(X, y, "none")
    return net


@dataclass
class Fold:
    """One cross-validation fold: its calibrated initial network and its held-out rows.

    Attributes
    ----------
    net : DeepKernelMapNetwork
        Built from the fold's training rows only (with the DKN's or a refitted DKN's weights).
    X_train, y_train : the fold's training rows
    Z_val, y_val : the held-out rows, encoded once (:meth:`~kmnet.DeepKernelMapNetwork.encode`)
    train_rows, val_rows : ndarray of int
        Positions in the training part.
    build_s : float
        Seconds to build it (DKN refit, map network, calibration).
    """

    net: Any
    X_train: Any
    y_train: np.ndarray
    Z_val: Any
    y_val: Any
    train_rows: np.ndarray
    val_rows: np.ndarray
    build_s: float


def _fold_pairs(cv, y, seed):
    """(train, held-out) position pairs from an int, a splitter or a list of pairs."""
    if isinstance(cv, (int, np.integer)):
        if int(cv) < 2:
            raise ValueError(f"cv must be >= 2 folds, got {cv}")
        cv = StratifiedKFold(int(cv), shuffle=True, random_state=seed)
    if hasattr(cv, "split"):
        pairs = list(cv.split(np.zeros(len(y)), y))
    else:
        pairs = [(np.asarray(a), np.asarray(b)) for a, b in cv]
    if not pairs:
        raise ValueError("cv: no folds")
    return pairs


def fold_networks(dkn, X, y, *, cv=5, fold_dkn: str = "refit", calibration: str = "temperature",
                  calibration_cv: int = 5, head_epochs: int = 10, head: str = "svm", seed=None, progress: bool = False,
                  **params) -> list[Fold]:
    """The calibrated initial network of every cross-validation fold of the training part.

    Parameters
    ----------
    dkn : DeepKernelNetwork
        Fitted on ``(X, y)``.
    X, y : the training part
    cv : int, splitter or list of (train, held-out) pairs, default 5
        Folds over the rows of ``X`` (an int: stratified, shuffled with ``seed``).
    fold_dkn : {"refit", "reuse"}
        ``"refit"``: a DKN with ``dkn``'s parameters is fitted on each fold's training rows (no
        label of the held-out rows enters the fold's network); ``"reuse"``: ``dkn``'s weights
        are kept and only the anchors and the SVM head are built from the fold's rows (cheaper;
        the weights saw the held-out labels, see the module docstring).
    calibration, calibration_cv, head_epochs, head
        See :func:`initial_network`.
    seed : int, optional
    progress : bool
    **params
        :meth:`~kmnet.DeepKernelMapNetwork.from_dkn` parameters (``anchors``, ``energy``, ``device``, ...).
    """
    from tqdm.auto import tqdm

    if fold_dkn not in ("refit", "reuse"):
        raise ValueError(f"fold_dkn must be 'refit' or 'reuse', got {fold_dkn!r}")
    X, y = _mv(X), np.asarray(y)
    out = []
    for k, (tr, va) in enumerate(tqdm(_fold_pairs(cv, y, seed), disable=not progress, desc="folds", leave=False)):
        t0 = time.perf_counter()
        Xtr, ytr = X[tr], y[tr]
        fold_seed = None if seed is None else int(seed) + 1000 * (k + 1)
        if fold_dkn == "refit":
            d = clone(dkn).fit(Xtr, ytr)
            net = initial_network(d, Xtr, ytr, calibration=calibration, calibration_cv=calibration_cv,
                                  head_epochs=head_epochs, head=head, seed=fold_seed, **params)
        else:
            net = initial_network(dkn, Xtr, ytr, calibration=calibration, calibration_cv=calibration_cv,
                                  head_epochs=head_epochs, head=head, refit_head=True, seed=fold_seed, **params)
        Z_val, y_val = net.encode(X[va], y[va])
        out.append(Fold(net, Xtr, ytr, Z_val, y_val, np.asarray(tr), np.asarray(va), time.perf_counter() - t0))
    return out


def select_epochs(folds: Sequence[Fold], *, trainable=None, max_epochs: int = 30, check_every: int = 1,
                  patience: int = 5, criterion: str = "cross_entropy", tol: float = 1e-4, progress: bool = False,
                  **overrides) -> tuple[int, pd.DataFrame, pd.DataFrame]:
    """Choose the number of end-to-end epochs by cross-validation.

    A copy of every fold's network learns in one continuous run (:meth:`learning_run`), the folds
    in lockstep; every ``check_every`` epochs (and before any learning) the held-out rows of every
    fold are scored. The chosen count has the best mean over folds of ``criterion``; learning
    stops after ``patience`` checks without an improvement larger than ``tol`` (cross-entropy) or
    without a higher mean accuracy, or at ``max_epochs``.

    Parameters
    ----------
    folds : sequence of Fold
        From :func:`fold_networks` (not modified).
    trainable : tuple of str, optional
        Parameter groups that learn (default: the networks' own).
    max_epochs, check_every, patience : int
    criterion : {"cross_entropy", "accuracy"}
        ``"cross_entropy"``: the class-weighted held-out cross-entropy (the data term of Eq. 6);
        ``"accuracy"``: held-out accuracy, ties going to fewer epochs.
    tol : float
    **overrides
        Other network parameters for the learning (``lr``, ``optimizer``, ``batch_size``, ...).

    Returns
    -------
    epochs : int
    curve : DataFrame
        One row per check: ``epoch``, ``val_loss`` and ``val_loss_std`` (cross-entropy, mean and
        std over folds), ``val_accuracy``, ``train_loss`` (Eq. 6, mean over folds), ``best``.
    per_fold : DataFrame
        ``fold``, ``epoch``, ``val_loss``, ``val_accuracy``, ``train_loss``.
    """
    from tqdm.auto import tqdm

    if criterion not in _CRITERIA:
        raise ValueError(f"criterion must be one of {_CRITERIA}, got {criterion!r}")
    if int(max_epochs) < 0 or int(check_every) < 1 or int(patience) < 1:
        raise ValueError(f"need max_epochs >= 0, check_every >= 1, patience >= 1; got {max_epochs}, {check_every}, "
                         f"{patience}")
    if not folds:
        raise ValueError("select_epochs: no folds")
    nets, runs = [], []
    for f in folds:
        net = copy.deepcopy(f.net)
        if trainable is not None:
            net.set_params(trainable=tuple(trainable))
        if overrides:
            net.set_params(**overrides)
        nets.append(net)
        runs.append(net.learning_run(f.X_train, f.y_train))
    rows = []

    def check(epoch, losses):
        for k, (f, run) in enumerate(zip(folds, runs)):
            ce, acc = run.score(f.Z_val, f.y_val)
            rows.append({"fold": k, "epoch": epoch, "val_loss": ce, "val_accuracy": acc, "train_loss": losses[k]})
        last = pd.DataFrame(rows[-len(folds):])
        return float(last["val_loss"].mean()), float(last["val_accuracy"].mean())

    ce, acc = check(0, [np.nan] * len(folds))
    best_epoch, best_ce, best_acc, stale, epoch = 0, ce, acc, 0, 0
    bar = tqdm(total=int(max_epochs), disable=not progress, desc="CV epochs", leave=False)
    while epoch < int(max_epochs) and stale < int(patience):
        k = min(int(check_every), int(max_epochs) - epoch)
        losses = [np.nan] * len(folds)
        for _ in range(k):
            losses = [run.epoch() for run in runs]
        epoch += k
        bar.update(k)
        ce, acc = check(epoch, losses)
        better = ce < best_ce - tol if criterion == "cross_entropy" else acc > best_acc + 1e-12
        if better:
            best_epoch, best_ce, best_acc, stale = epoch, ce, acc, 0
        else:
            stale += 1
    bar.close()
    for run in runs:
        run.finish()
    per_fold = pd.DataFrame(rows)
    g = per_fold.groupby("epoch", sort=True)
    curve = pd.DataFrame({"val_loss": g["val_loss"].mean(), "val_loss_std": g["val_loss"].std(ddof=1),
                          "val_accuracy": g["val_accuracy"].mean(), "train_loss": g["train_loss"].mean()}).reset_index()
    curve["best"] = curve["epoch"] == best_epoch
    return int(best_epoch), curve, per_fold


@dataclass
class LearnResult:
    """What :func:`learn_dm2kmn` returns.

    Attributes
    ----------
    model : DeepKernelMapNetwork
        The calibrated initial network of the whole training part after ``epochs`` epochs.
    initial : DeepKernelMapNetwork
        The same network before learning (calibrated).
    epochs : int
    curve, per_fold : DataFrame or None
        Selection curves (:func:`select_epochs`); ``None`` when the epochs were given.
    timings : dict
        Seconds: ``folds`` (building the fold networks), ``select`` (their learning runs),
        ``initial`` (the whole part's network and calibration), ``final`` (its learning).
    """

    model: Any
    initial: Any
    epochs: int
    curve: pd.DataFrame | None
    per_fold: pd.DataFrame | None
    timings: dict = field(default_factory=dict)


def learn_dm2kmn(dkn, X, y, *, epochs: int | None = None, cv=5, folds: Sequence[Fold] | None = None,
                 initial=None, fold_dkn: str = "refit", calibration: str = "temperature", calibration_cv: int = 5,
                 head_epochs: int = 10, head: str = "svm", trainable=None, max_epochs: int = 30,
                 check_every: int = 1, patience: int = 5, criterion: str = "cross_entropy", seed=None,
                 progress: bool = False, build: Mapping | None = None, **learn) -> LearnResult:
    """Calibrate, select the epochs by cross-validation, learn: the learned DM2KMN of one training part.

    Parameters
    ----------
    dkn : DeepKernelNetwork
        Fitted on ``(X, y)``.
    X, y : the training part
    epochs : int, optional
        Learn this many epochs without selection (e.g. a fixed budget).
    cv : int, splitter or list of pairs, default 5
        Folds of the selection (the paper's five).
    folds : sequence of Fold, optional
        Prepared by :func:`fold_networks` (shared by several calls, e.g. an ablation); ``cv``,
        ``fold_dkn`` and the calibration arguments are then not used for the folds.
    initial : DeepKernelMapNetwork, optional
        The calibrated initial network of ``(X, y)`` if already built (not modified).
    fold_dkn, calibration, calibration_cv, head_epochs, head
        See :func:`fold_networks` and :func:`initial_network`.
    trainable : tuple of str, optional
        Parameter groups that learn (default all, :data:`kmnet._dm2kmn_train.TRAINABLE`).
    max_epochs, check_every, patience, criterion
        See :func:`select_epochs`.
    seed : int, optional
    build : mapping, optional
        :meth:`~kmnet.DeepKernelMapNetwork.from_dkn` parameters (``anchors``, ``energy``,
        ``device``, ``class_weight``, ``parameterization``, ...).
    **learn
        Learning parameters of the network (``lr``, ``optimizer``, ``batch_size``,
        ``alpha_classifier``, ...), used in the folds and in the final fit alike.
    """
    X, y = _mv(X), np.asarray(y)
    build = dict(build or {})
    timings = {"folds": 0.0, "select": 0.0, "initial": 0.0, "final": 0.0}
    curve = per_fold = None
    if epochs is None:
        if folds is None:
            t0 = time.perf_counter()
            folds = fold_networks(dkn, X, y, cv=cv, fold_dkn=fold_dkn, calibration=calibration,
                                  calibration_cv=calibration_cv, head_epochs=head_epochs, head=head, seed=seed,
                                  progress=progress, **build)
            timings["folds"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        epochs, curve, per_fold = select_epochs(folds, trainable=trainable, max_epochs=max_epochs,
                                                check_every=check_every, patience=patience, criterion=criterion,
                                                progress=progress, **learn)
        timings["select"] = time.perf_counter() - t0
    elif int(epochs) < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    t0 = time.perf_counter()
    if initial is None:
        initial = initial_network(dkn, X, y, calibration=calibration, calibration_cv=calibration_cv,
                                  head_epochs=head_epochs, head=head, seed=seed, **build)
    timings["initial"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = copy.deepcopy(initial)
    if trainable is not None:
        model.set_params(trainable=tuple(trainable))
    if learn:
        model.set_params(**learn)
    run = model.learning_run(X, y)
    for _ in range(int(epochs)):
        run.epoch()
    run.finish()
    model.set_params(epochs=int(epochs))
    timings["final"] = time.perf_counter() - t0
    return LearnResult(model, initial, int(epochs), curve, per_fold, timings)


def evaluate(model, X_test, y_test, *, dkn=None, X_fit=None, K_dkn=None) -> dict:
    """Test accuracy and cross-entropy of a map network, and its RE (Eq. 17) against the DKN.

    Parameters
    ----------
    model : DeepKernelMapNetwork
    X_test, y_test : test views and labels
    dkn : DeepKernelNetwork, optional
        With ``X_fit`` (the training views), the RE of the network's output kernel against the
        DKN's on ``X_fit`` (``K_dkn``: that DKN kernel, if computed already).

    Returns
    -------
    dict
        ``accuracy`` (%), ``cross_entropy`` (mean negative log-likelihood of the true class,
        unweighted), ``re`` (% or NaN).
    """
    from ..metrics import relative_error

    y_test = np.asarray(y_test)
    proba = model.predict_proba(X_test)
    lookup = {c: i for i, c in enumerate(model.classes_.tolist())}
    idx = np.asarray([lookup[c] for c in y_test.tolist()])
    out = {"accuracy": 100.0 * float(np.mean(model.classes_[proba.argmax(1)] == y_test)),
           "cross_entropy": float(-np.mean(np.log(np.clip(proba[np.arange(len(idx)), idx], 1e-300, None)))),
           "re": np.nan}
    if X_fit is not None and (dkn is not None or K_dkn is not None):
        K = dkn.output_kernel(X_fit) if K_dkn is None else K_dkn
        out["re"] = relative_error(model.output_kernel(X_fit), K)
    return out


def parameter_group_ablation(dkn, X, y, X_test, y_test, *, groups: Mapping[str, Sequence[str]] | None = None,
                             cv=5, fold_dkn: str = "refit", calibration: str = "temperature",
                             max_epochs: int = 30, check_every: int = 1, patience: int = 5,
                             criterion: str = "cross_entropy", seed=None, progress: bool = False,
                             build: Mapping | None = None, **learn) -> pd.DataFrame:
    """Which parameter groups should learn: one learned DM2KMN per group, epochs by cross-validation.

    The fold networks and the calibrated initial network are built once and shared by every
    row, so the rows differ only in what learns. The first two rows are the initial network
    before and after calibration (no learning).

    Parameters
    ----------
    dkn : DeepKernelNetwork
        Fitted on ``(X, y)``.
    X, y : the training part
    X_test, y_test : the test part (scored once per row)
    groups : mapping name -> tuple of groups, default :data:`GROUPS`
    cv, fold_dkn, calibration, max_epochs, check_every, patience, criterion, seed, build, **learn
        See :func:`learn_dm2kmn`.

    Returns
    -------
    DataFrame
        One row per setting: ``setting``, ``trainable``, ``epochs`` (chosen), ``cv_loss`` and
        ``cv_accuracy`` (mean held-out cross-entropy / accuracy (%) over folds at the chosen
        epoch), ``accuracy`` (test, %), ``cross_entropy`` (test), ``re`` (Eq. 17 against the DKN
        on the training part, %), ``select_s`` (the folds' learning runs) and ``fit_s`` (the
        final learning; for the first two rows, building and calibrating the initial network),
        ``stopped_at`` (the last epoch the folds ran). ``attrs["folds_s"]``: seconds to build
        the fold networks, shared by every row.
    """
    from ..dm2kmn import DeepKernelMapNetwork

    groups = dict(GROUPS if groups is None else groups)
    X, y = _mv(X), np.asarray(y)
    X_test = _mv(X_test)
    build = dict(build or {})
    t0 = time.perf_counter()
    folds = fold_networks(dkn, X, y, cv=cv, fold_dkn=fold_dkn, calibration=calibration, seed=seed,
                          progress=progress, **build)
    folds_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    raw = DeepKernelMapNetwork.from_dkn(dkn, X, random_state=seed, **build)
    initial = copy.deepcopy(raw).calibrate(X, y, calibration)
    initial_s = time.perf_counter() - t0
    K_dkn = dkn.output_kernel(X)
    rows = []
    for name, net in (("initial, uncalibrated", raw), (f"initial, calibrated ({calibration})", initial)):
        rows.append({"setting": name, "trainable": "", "epochs": 0, "cv_loss": np.nan, "cv_accuracy": np.nan,
                     **evaluate(net, X_test, y_test, X_fit=X, K_dkn=K_dkn), "select_s": 0.0,
                     "fit_s": initial_s, "stopped_at": 0})
    for name, trainable in groups.items():
        res = learn_dm2kmn(dkn, X, y, folds=folds, initial=initial, trainable=tuple(trainable), max_epochs=max_epochs,
                           check_every=check_every, patience=patience, criterion=criterion, seed=seed,
                           progress=progress, build=build, **learn)
        at = res.curve.loc[res.curve["best"]].iloc[0]
        rows.append({"setting": name, "trainable": ", ".join(trainable), "epochs": res.epochs,
                     "cv_loss": float(at["val_loss"]), "cv_accuracy": 100.0 * float(at["val_accuracy"]),
                     **evaluate(res.model, X_test, y_test, X_fit=X, K_dkn=K_dkn),
                     "select_s": res.timings["select"], "fit_s": res.timings["final"],
                     "stopped_at": int(res.curve["epoch"].max())})
        # epoch 0 of every selection is the calibrated start on the same folds
        rows[1]["cv_loss"], rows[1]["cv_accuracy"] = (float(res.curve["val_loss"].iloc[0]),
                                                      100.0 * float(res.curve["val_accuracy"].iloc[0]))
    out = pd.DataFrame(rows)
    out.attrs.update(folds_s=folds_s, initial_s=initial_s)
    return out


def paper_setting(dkn, X, y, X_test, y_test, *, epochs: int = 3, parameterization: str = "shared", batch_size: int = 1,
                  seed=None, cv=None, max_epochs: int = 100, patience: int = 10, check_every: int = 1,
                  build: Mapping | None = None, **learn) -> tuple[dict, Any]:
    """The paper's end-to-end learning (Section 4.2) on one training part, scored on its test part.

    :data:`PAPER_SETTING`: the softmax layer drawn from :math:`0.01\\,\\mathcal N(0,1)` (no SVM
    transfer, no calibration), SGD with a constant rate of :math:`10^{-4}` on single samples,
    Eq. 6's unit penalty coefficients. The paper runs up to 400,000 epochs with five-fold
    cross-validation; here ``epochs`` fixed epochs (a budget), or with ``cv`` (e.g. 5) the
    epochs chosen by cross-validation up to ``max_epochs`` (the full, much longer schedule).

    ``batch_size=1`` is the paper's per-sample SGD (slow on a CPU: hundreds of optimiser steps
    per epoch). A larger ``batch_size`` ``B`` keeps the paper's rate per sample: the step on the
    batch-mean loss is :math:`B\\cdot10^{-4}`, so an epoch sums the same per-sample gradients
    (with the same penalty per epoch) and differs from per-sample SGD only in where the
    gradients are evaluated (to first order in the rate, not at all).

    Parameters
    ----------
    dkn : DeepKernelNetwork
        Fitted on ``(X, y)``.
    X, y, X_test, y_test : training and test parts
    epochs : int
        Fixed number of epochs when ``cv`` is None.
    parameterization : {"shared", "paper"}
        Anchor parameterisation (``"paper"``: the parameters of Eqs. 10-16).
    batch_size : int, default 1
        Samples per step; the rate is :math:`10^{-4}` times ``batch_size`` unless ``lr`` is given.
    seed : int, optional
    cv : None, int or splitter
    max_epochs, patience, check_every
        Of the selection with ``cv``.
    build : mapping, optional
        Other :meth:`~kmnet.DeepKernelMapNetwork.from_dkn` parameters.
    **learn
        Overrides of :data:`PAPER_SETTING`'s learning parameters.

    Returns
    -------
    row : dict
        ``parameterization``, ``batch_size``, ``lr``, ``epochs``, ``accuracy``,
        ``cross_entropy``, ``re``, ``fit_s``, ``s_per_epoch``, ``loss_first``, ``loss_last``
        (Eq. 6, first and last epoch).
    model : DeepKernelMapNetwork
    """
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    setting = {**PAPER_SETTING, "batch_size": int(batch_size), "lr": PAPER_SETTING["lr"] * int(batch_size), **learn}
    head, calibration = setting.pop("head"), setting.pop("calibration")
    alpha_c = setting.pop("alpha_classifier")
    build = {**dict(build or {}), "parameterization": parameterization, "alpha_classifier": alpha_c}
    X, y = _mv(X), np.asarray(y)
    res = learn_dm2kmn(dkn, X, y, epochs=None if cv is not None else int(epochs), cv=cv if cv is not None else 5,
                       calibration=calibration, head=head, max_epochs=max_epochs, patience=patience,
                       check_every=check_every, seed=seed, build=build, **setting)
    n_ep = max(1, res.epochs)
    curve = res.model.loss_curve_
    row = {"parameterization": parameterization, "batch_size": int(batch_size), "lr": float(setting["lr"]),
           "epochs": res.epochs,
           **evaluate(res.model, X_test, y_test, dkn=dkn, X_fit=X),
           "fit_s": sum(res.timings.values()), "s_per_epoch": res.timings["final"] / n_ep,
           "loss_first": float(curve[0]) if curve else np.nan, "loss_last": float(curve[-1]) if curve else np.nan}
    return row, res.model
