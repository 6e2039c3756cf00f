"""Weight updates, kernel centring and RBF width of the DKN, compared on training data (Section 3.1).

Notebook: 04_piano_ablations (Section 4, weight updates and centring).

The DKN of :class:`~kmnet.DeepKernelNetwork` has three choices that decide whether its hidden
units and its input kernels stay in use: the weight update that keeps :math:`w\\ge0`
(``update``: Euclidean projection onto the simplex, exponentiated gradient, fixed Euclidean norm),
centring every elementary kernel in feature space before its cosine normalisation (``center``),
and the rule that sets the RBF width (``sigma``). :func:`dkn_study` fits the DKN once per setting
and returns one tidy row per setting:

* ``cv_accuracy`` / ``cv_std``: ``cv``-fold cross-validation on the training part, the SVM ``C``
  of every fold chosen inside that fold's training rows (:func:`kmnet.protocols.select_svm_c`,
  the protocol of the piano and GTZAN chapters), mean and std over the folds;
* ``cv_live_units``, ``cv_effective_units``, ``cv_unit_spread``: unit counts and diversity
  (:func:`unit_activity`), averaged over the fold models;
* the network refitted on the whole training part (its ``C`` chosen the same way):
  ``hidden_units``, ``weighted_units`` (output weight above ``weight_tol``), ``live_units``
  (weighted, and its incoming weights moved from their start by more than ``move_tol``, relative
  L1), ``effective_units`` (:math:`e^{H}` of the output weights' shares), ``unit_spread`` (how
  different the weighted units' mixtures of input kernels are), RI of every input
  kernel (Eq. 18, columns ``ri <modality>:<kernel>``) and the modality totals (``total <modality>``),
  and, when a test part is given, its ``accuracy`` (the test part is scored once per setting,
  by this refitted network, and is never used to choose anything).

Everything but ``accuracy`` is computed from the training part, so a default chosen on these
columns is chosen on training data only. :func:`plot_dkn_study` draws the table.

Examples
--------
>>> import numpy as np
>>> from kmnet import DeepKernelNetwork
>>> from kmnet.experiments.dkn_study import dkn_settings, dkn_study
>>> rng = np.random.default_rng(0)
>>> y = np.repeat([0, 1, 2], 30)
>>> X = {"a": rng.normal(size=(90, 4)) + y[:, None], "b": rng.normal(size=(90, 3)) - y[:, None]}
>>> settings = dkn_settings(update=("simplex", "l2"), center=(False,), sigma=("std",))
>>> table = dkn_study(X, y, settings=settings, template=DeepKernelNetwork(hidden=4, max_iter=5),
...                   C_grid=(1.0,), cv=3, random_state=0, progress=False)
>>> table["setting"].tolist()
['update=simplex, center=False, sigma=std', 'update=l2, center=False, sigma=std']
>>> bool((table["cv_accuracy"] > 0.8).all())
True
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold
from tqdm.auto import tqdm

from .._validation import check_labels, check_views
from ..dkn import DeepKernelNetwork
from ..metrics import modality_importance, relative_importance
from .protocols import select_svm_c

__all__ = ["dkn_settings", "dkn_study", "unit_activity", "ri_long", "plot_dkn_study"]

_C_GRID = (0.1, 1.0, 10.0, 100.0, 1000.0)
_STUDY_PARAMS = ("update", "center", "sigma")


def dkn_settings(
    update: Sequence[str] = ("simplex", "eg", "l2"),
    center: Sequence[bool] = (False, True),
    sigma: Sequence[Any] = ("std", "median", "knn"),
) -> list[dict]:
    """Every combination of the given weight updates, centring options and RBF widths.

    Returns
    -------
    list of dict
        ``{"update": ..., "center": ..., "sigma": ...}``, in the order of
        ``itertools.product(update, center, sigma)``.
    """
    out = [{"update": u, "center": bool(c), "sigma": s} for u, c, s in itertools.product(update, center, sigma)]
    if not out:
        raise ValueError("dkn_settings: every option needs at least one value")
    return out


def unit_activity(dkn: DeepKernelNetwork, *, weight_tol: float = 1e-6, move_tol: float = 0.01) -> dict:
    """How many hidden units of a fitted DKN take part in its output kernel.

    The units are those of the last hidden layer (the ones that feed the output unit).

    Parameters
    ----------
    dkn : DeepKernelNetwork
        Fitted (its ``weights_`` and ``initial_weights_`` are read).
    weight_tol : float
        A unit is *weighted* when its output weight exceeds this.
    move_tol : float
        A weighted unit is *live* when its incoming weights moved from their start by more than
        this, relative L1: :math:`\\lVert w_p-w_p^{(0)}\\rVert_1/\\lVert w_p^{(0)}\\rVert_1`. A unit
        whose output weight reached zero early gets no gradient and stops moving.

    Returns
    -------
    dict
        ``hidden_units``, ``weighted_units``, ``live_units``, ``effective_units``
        (:math:`\\exp(-\\sum_p s_p\\log s_p)` with :math:`s_p=v_p/\\sum_k v_k` the output weights'
        shares: 1 when one unit carries the output, ``hidden_units`` when all carry it equally)
        and ``unit_spread``: the mean L1 distance between the weighted units' incoming weights,
        each normalised to sum 1 (0 when they are all the same mixture of the input kernels, so
        that live units may still be one unit repeated; 2 at most). A network without hidden
        layer has 0 hidden units.
    """
    if len(dkn.weights_) < 2:
        return {"hidden_units": 0, "weighted_units": 0, "live_units": 0, "effective_units": 0.0,
                "unit_spread": 0.0}
    v = np.asarray(dkn.weights_[-1][0], dtype=np.float64)
    W = np.asarray(dkn.weights_[-2], dtype=np.float64)
    W0 = np.asarray(dkn.initial_weights_[-2], dtype=np.float64)
    moved = np.abs(W - W0).sum(1) / np.maximum(np.abs(W0).sum(1), 1e-300)
    weighted = v > weight_tol
    share = v / v.sum() if v.sum() > 0 else np.zeros_like(v)
    nz = share[share > 0]
    R = W[weighted] / np.maximum(W[weighted].sum(1, keepdims=True), 1e-300)
    k = R.shape[0]
    spread = float(np.abs(R[:, None] - R[None]).sum(-1)[np.triu_indices(k, 1)].mean()) if k > 1 else 0.0
    return {
        "hidden_units": int(v.size),
        "weighted_units": int(weighted.sum()),
        "live_units": int((weighted & (moved > move_tol)).sum()),
        "effective_units": float(np.exp(-(nz * np.log(nz)).sum())) if nz.size else 0.0,
        "unit_spread": spread,
    }


def _label(setting: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in setting.items())


def _subset(views: dict, idx: np.ndarray) -> dict:
    return {m: v[idx] for m, v in views.items()}


def _fit_selected(template, setting, views, y, C_grid, cv_seed, inner_cv):
    """Choose C on (views, y) by inner CV at the initial weights, then fit; return the model."""

    est = clone(template).set_params(**setting)
    if C_grid is not None:
        splitter = StratifiedKFold(int(inner_cv), shuffle=True, random_state=cv_seed)
        c, _ = select_svm_c(est, views, y, splitter, grid=C_grid)
        est.set_params(C=c)
    return est.fit(views, y)


def dkn_study(
    X_train,
    y_train,
    X_test=None,
    y_test=None,
    *,
    settings: Sequence[Mapping[str, Any]] | None = None,
    template: DeepKernelNetwork | None = None,
    C_grid: Sequence[float] | None = _C_GRID,
    cv: int = 5,
    inner_cv: int = 5,
    random_state: int | None = 0,
    weight_tol: float = 1e-6,
    move_tol: float = 0.01,
    progress: bool = True,
) -> pd.DataFrame:
    """Compare DKN settings by cross-validation on the training part (module docstring).

    Parameters
    ----------
    X_train : mapping of str to array (n, d) or MultiView
    y_train : array-like (n,)
    X_test, y_test : optional
        Scored once per setting by the network refitted on the whole training part.
    settings : sequence of dict, optional
        DKN parameters per setting (default :func:`dkn_settings`: 3 updates x centring x 3 RBF
        widths). Any constructor parameter may appear.
    template : DeepKernelNetwork, optional
        Unfitted network that every setting modifies (default: ``DeepKernelNetwork()``); its
        ``random_state`` seeds the weights, ``class_weight`` weighs the classes.
    C_grid : sequence of float or None
        SVM ``C`` values; ``None`` keeps the template's ``C``.
    cv : int
        Outer folds (the paper's five-fold cross-validation on the training set).
    inner_cv : int
        Folds of the choice of ``C`` inside every outer training part.
    random_state : int, optional
        Seeds the folds (the same folds for every setting).
    weight_tol, move_tol : float
        Thresholds of :func:`unit_activity`.
    progress : bool
        Show a progress bar over the settings.

    Returns
    -------
    DataFrame
        One row per setting: ``setting`` (label), the setting's parameters, ``C`` (of the
        refitted network), ``cv_accuracy``, ``cv_std``, ``cv_live_units``, ``cv_effective_units``,
        ``cv_unit_spread``, ``accuracy`` (test; NaN without a test part), ``train_accuracy``,
        ``hidden_units``, ``weighted_units``, ``live_units``, ``effective_units``,
        ``unit_spread``, ``n_iter``,
        ``objective_decrease`` (relative decrease of the dual objective during learning),
        ``ri <unit>`` per input kernel, ``total <modality>`` per modality (RI in %), ``cv_s``
        (the cross-validation) and ``fit_s`` (choice of ``C`` and fit on the whole training part).
    """
    views = check_views(X_train, name="X_train")
    n = next(iter(views.values())).shape[0]
    _, y_idx = check_labels(y_train, n)
    y = np.asarray(y_train)
    test_views = None
    if X_test is not None:
        if y_test is None:
            raise ValueError("y_test is required with X_test")
        test_views = check_views(X_test, name="X_test")
        y_test = np.asarray(y_test)
        if y_test.shape != (next(iter(test_views.values())).shape[0],):
            raise ValueError(f"y_test: expected one label per test sample, got shape {y_test.shape}")
    template = DeepKernelNetwork() if template is None else template
    if not isinstance(template, DeepKernelNetwork):
        raise ValueError(f"template must be a DeepKernelNetwork, got {type(template).__name__}")
    settings = dkn_settings() if settings is None else [dict(s) for s in settings]
    if len(settings) == 0:
        raise ValueError("settings: at least one setting is needed")
    known = template.get_params(deep=False)
    for s in settings:
        bad = [k for k in s if k not in known]
        if bad:
            raise ValueError(f"settings: {bad[0]!r} is not a DeepKernelNetwork parameter")
    if int(cv) < 2 or int(inner_cv) < 2:
        raise ValueError(f"cv and inner_cv must be >= 2, got {cv} and {inner_cv}")
    if C_grid is not None:
        C_grid = [float(c) for c in C_grid]
        if not C_grid or any(not c > 0 for c in C_grid):
            raise ValueError(f"C_grid: expected positive values, got {C_grid}")
    folds = list(StratifiedKFold(int(cv), shuffle=True, random_state=random_state).split(np.zeros(n), y_idx))
    rows = []
    bar = tqdm(settings, desc="DKN settings", disable=not progress, leave=False)
    for setting in bar:
        bar.set_postfix_str(_label(setting))
        t0 = time.perf_counter()
        accs, live, eff, spread = [], [], [], []
        for tr, va in folds:
            est = _fit_selected(template, setting, _subset(views, tr), y[tr], C_grid, random_state, inner_cv)
            accs.append(float(np.mean(est.predict(_subset(views, va)) == y[va])))
            act = unit_activity(est, weight_tol=weight_tol, move_tol=move_tol)
            live.append(act["live_units"])
            eff.append(act["effective_units"])
            spread.append(act["unit_spread"])
        cv_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        est = _fit_selected(template, setting, views, y, C_grid, random_state, inner_cv)
        fit_s = time.perf_counter() - t0
        ri = relative_importance(est)
        totals = modality_importance(ri)
        obj = est.objective_
        row = {"setting": _label(setting), **setting, "C": float(est.C),
               "cv_accuracy": float(np.mean(accs)), "cv_std": float(np.std(accs)),
               "cv_live_units": float(np.mean(live)), "cv_effective_units": float(np.mean(eff)),
               "cv_unit_spread": float(np.mean(spread)),
               "accuracy": (float(np.mean(est.predict(test_views) == y_test)) if test_views is not None
                            else np.nan),
               "train_accuracy": float(np.mean(est.predict(views) == y)),
               **unit_activity(est, weight_tol=weight_tol, move_tol=move_tol),
               "n_iter": int(est.n_iter_),
               "objective_decrease": float((obj[0] - obj[-1]) / max(abs(obj[0]), 1e-300)),
               **{f"ri {u}": float(v) for u, v in ri["ri"].items()},
               **{f"total {m}": float(v) for m, v in totals.items()},
               "cv_s": cv_s, "fit_s": fit_s}
        rows.append(row)
    return pd.DataFrame(rows)


def ri_long(table: pd.DataFrame) -> pd.DataFrame:
    """The ``ri <unit>`` columns of a :func:`dkn_study` table in long form.

    Returns
    -------
    DataFrame with columns ``setting``, ``unit``, ``modality``, ``kernel``, ``ri``.
    """
    cols = [c for c in table.columns if c.startswith("ri ")]
    if not cols or "setting" not in table:
        raise ValueError("table: expected a dkn_study table (columns 'setting' and 'ri <unit>')")
    out = table.melt(id_vars="setting", value_vars=cols, var_name="unit", value_name="ri")
    out["unit"] = out["unit"].str[3:]
    out["modality"] = out["unit"].str.split(":").str[0]
    out["kernel"] = out["unit"].str.split(":").str[1]
    return out[["setting", "unit", "modality", "kernel", "ri"]]


def plot_dkn_study(table: pd.DataFrame, *, title: str = "", labels: Sequence[str] | None = None,
                   figsize=(7.5, None)):
    """Accuracy (CV and test), live units and RI of every setting of a :func:`dkn_study` table.

    Sized for a book column (``figsize[0]`` inches wide, 7.5 by default): the top row holds the
    cross-validation accuracy (mean ± std over the folds) with the test accuracy (left) and the
    live and effective hidden units (right); the bottom row the RI of every input kernel as
    stacked bars, its legend below. ``labels`` replaces the settings' long labels on the y axes.
    Returns the figure (axes 0, 1, 2: accuracy, units, RI).
    """
    import matplotlib.pyplot as plt

    width, height = figsize
    if not width or width <= 0:
        raise ValueError(f"figsize: expected a positive width, got {figsize!r}")
    ri = ri_long(table).pivot(index="setting", columns="unit", values="ri").loc[table["setting"]]
    n = len(table)
    names = list(table["setting"]) if labels is None else [str(x) for x in labels]
    if len(names) != n:
        raise ValueError(f"labels: expected {n} labels, got {len(names)}")
    row = 0.6 + 0.28 * n
    height = height if height is not None else 2 * row + 1.6
    fig = plt.figure(figsize=(width, height))
    grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.35], width_ratios=[1.3, 1])
    ax_acc = fig.add_subplot(grid[0, 0])
    ax_units = fig.add_subplot(grid[0, 1], sharey=ax_acc)
    ax_ri = fig.add_subplot(grid[1, :])
    pos = np.arange(n)
    ax = ax_acc
    ax.errorbar(100 * table["cv_accuracy"], pos, xerr=100 * table["cv_std"], fmt="o", capsize=2,
                label="CV (training part)")
    if table["accuracy"].notna().any():
        ax.plot(100 * table["accuracy"], pos, "s", mfc="none", label="test")
    ax.set_yticks(pos, names)
    ax.invert_yaxis()
    ax.set_xlabel("accuracy (%)")
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, frameon=False)
    ax = ax_units
    ax.barh(pos - 0.2, table["live_units"], height=0.4, label="live")
    ax.barh(pos + 0.2, table["effective_units"], height=0.4, label="effective")
    ax.axvline(float(table["hidden_units"].max()), color="k", ls=":", lw=1)
    ax.set_xlabel("hidden units")
    ax.tick_params(axis="y", labelleft=False)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, frameon=False)
    ax = ax_ri
    left = np.zeros(n)
    cmap = plt.get_cmap("tab20")
    for j, unit in enumerate(ri.columns):
        ax.barh(pos, ri[unit].to_numpy(), left=left, color=cmap(j % 20), label=unit)
        left += ri[unit].to_numpy()
    ax.set_yticks(pos, names)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("relative importance (%), Eq. 18")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2 - 0.4 / max(n, 1)), ncol=4, frameon=False)
    for a in (ax_acc, ax_units, ax_ri):
        a.grid(axis="y", visible=False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
