"""GTZAN protocols behind 3-second-window accuracies: windows at random, windows by clip, clips.

Notebook: 02_gtzan.

Many GTZAN results use the 3-second windows of every clip (10 per clip, the Kaggle
``features_3_sec.csv``) and split the *windows* 70/30 at random, so that windows of one clip,
cut from the same recording, sit on both sides of the split. :func:`run_gtzan_protocols` runs
the methods of the book's Table 1 (paper Section 4.2: a tuned SVM with an RBF kernel, the
3-layer DKN of Section 3.1, the initial and the learned DM2KMN of Sections 3.2-3.4; the MFCC and
MFCC + spectral feature sets) under three protocols on the same music:

``"windows, random"`` (a)
    The windows split 70/30 at random, stratified by genre (:func:`kmnet.datasets.splits.random_splits`);
    hyper-parameters chosen by random folds over the training windows, as such studies do.
``"windows, by clip"`` (b)
    The *clips* split 70/30 at random, stratified by genre, and every window goes with its clip.
    Hyper-parameters are chosen on folds and hold-outs that keep clips apart as well
    (:func:`group_selection`). Scored per window, and per clip by a majority vote of its windows
    (:func:`majority_vote`).
``"clips, by clip"`` (c)
    The 30 s clip features (``features_30_sec.csv``) of the same clips, on the same clip
    partition as (b): the book's Table 1 protocol, on fewer clips.

Every run of (b) and (c) with the same seed uses the same clips for testing, so (b) and (c)
differ only in the features (ten windows against one summary per clip). Small test sets are
noisy: with 30 test clips the binomial 95 % interval around an accuracy of 70 % is about
+-16 points.
:meth:`GTZANProtocolResult.summary` gives a t interval over the runs and
:meth:`GTZANProtocolResult.test_noise` a bootstrap interval over the test clips of every run.

The chapter's Table 1 (all clips of the clip table, the paper's random 70/30 splits and the
artist-filtered split of Kereliuk et al. 2015) is protocol (d): :func:`table1_splits` and
:func:`run_table1` run it, and :func:`run_table1_and_protocols` runs it together with (a)-(c),
one task per (protocol, feature set, split), on ``n_jobs`` worker processes (the results do not
depend on ``n_jobs``). :func:`gtzan_data` gives the inputs from the staged tables or from the
GTZAN audio; :func:`protocol_table` puts (a)-(d) in one table with the paper's values beside,
and :func:`protocol_levels` says which of them reach the paper's Table 1 level.

Examples
--------
>>> from kmnet.datasets import gtzan                                   # doctest: +SKIP
>>> res = run_gtzan_protocols(gtzan.load_gtzan_windows(), gtzan.load_gtzan_table(),
...                           seeds=(0, 1, 2))                          # doctest: +SKIP
>>> res.summary()[["protocol", "scoring", "features", "method", "mean", "ci_low", "ci_high"]]  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from ..datasets.gtzan import FEATURE_SETS, GTZANTable, GTZANWindowTable, clip_id, feature_views
from ..datasets.splits import Split, random_splits
from .protocols import (
    FitContext,
    Method,
    ProtocolResult,
    dkn_method,
    dm2kmn_methods,
    estimator_method,
    run_protocol,
)

__all__ = [
    "PROTOCOLS",
    "TABLE1_PROTOCOLS",
    "PROTOCOL_LETTERS",
    "BASELINE_NAMES",
    "GTZANData",
    "gtzan_data",
    "table1_splits",
    "run_table1",
    "run_table1_and_protocols",
    "bootstrap_runs",
    "protocol_table",
    "protocol_levels",
    "GTZANProtocolResult",
    "matching_clips",
    "protocol_splits",
    "group_selection",
    "table1_methods",
    "majority_vote",
    "interval_summary",
    "cluster_bootstrap",
    "run_gtzan_protocols",
    "paper_values",
]

PROTOCOLS: dict[str, str] = {
    "windows": "windows, random",
    "windows_by_clip": "windows, by clip",
    "clips": "clips, by clip",
}
"""Keys and names (the ``protocol`` column) of the three protocols (a), (b), (c)."""

TABLE1_PROTOCOLS: dict[str, str] = {"random": "random 70/30", "artist": "artist-filtered"}
"""Names of Table 1's two protocols on the whole clip table: protocol (d)."""

PROTOCOL_LETTERS: dict[str, str] = {
    PROTOCOLS["windows"]: "a",
    PROTOCOLS["windows_by_clip"]: "b",
    PROTOCOLS["clips"]: "c",
    TABLE1_PROTOCOLS["random"]: "d",
    TABLE1_PROTOCOLS["artist"]: "d",
}
"""The letter of every protocol name, (a)-(d), as the chapter names them."""

BASELINE_NAMES: dict[str, str] = {"svm_rbf": "SVM (RBF)", "svm_hi": "SVM (HI)", "logreg": "logistic regression",
                                  "mlp": "MLP"}
"""Method names of :func:`kmnet.baselines.tuned_baselines`, as the book's Table 1 prints them."""


# ====================================================================== data and splits
def matching_clips(windows: GTZANWindowTable, table: GTZANTable) -> np.ndarray:
    """Rows of the clip table that hold the clips of ``windows``, in the order of the clip ids.

    Parameters
    ----------
    windows : GTZANWindowTable
    table : GTZANTable
        The 30 s clip table (``features_30_sec.csv`` or :func:`~kmnet.datasets.gtzan.extract_gtzan_table`).

    Returns
    -------
    ndarray of int
        One row of ``table`` per distinct clip of ``windows``, sorted by clip id.

    Raises
    ------
    ValueError
        When a clip of ``windows`` has no row in ``table``, or its label differs.
    """
    if not isinstance(windows, GTZANWindowTable) or len(windows.clips) != len(windows.y):
        raise ValueError("windows: expected a GTZANWindowTable with one clip per row")
    ids = np.array([clip_id(f) for f in table.filenames])
    where = {c: i for i, c in enumerate(ids)}
    clips = sorted(set(windows.clips.tolist()))
    missing = [c for c in clips if c not in where]
    if missing:
        raise ValueError(f"{len(missing)} clip(s) of the window table have no row in the clip table: {missing[:5]}")
    rows = np.array([where[c] for c in clips], dtype=np.int64)
    first = {c: windows.y[i] for i, c in reversed(list(enumerate(windows.clips)))}
    wrong = [c for c, r in zip(clips, rows) if table.y[r] != first[c]]
    if wrong:
        raise ValueError(f"clip(s) labelled differently in the window and clip tables: {wrong[:5]}")
    return rows


def protocol_splits(
    window_y,
    window_clips,
    clip_ids,
    clip_y,
    *,
    seeds: Sequence[int] = (0, 1, 2),
    window_seeds: Sequence[int] | None = None,
    test_size: float = 0.3,
) -> dict[str, list[Split]]:
    """The splits of the three protocols, one per seed.

    Parameters
    ----------
    window_y, window_clips : array-like of shape (n_windows,)
        Genre and source clip of every window.
    clip_ids, clip_y : array-like of shape (n_clips,)
        The clips (rows of the clip-level data) and their genres; every clip of the windows
        must be among them.
    seeds : sequence of int
        One split per seed and protocol; the seed also seeds the models.
    window_seeds : sequence of int, optional
        Other seeds for ``"windows"`` (a), whose intervals are narrow with few runs; default ``seeds``.
    test_size : float, default 0.3

    Returns
    -------
    dict
        ``"windows"``: stratified random splits of the window rows; ``"clips"``: stratified
        random splits of the clip rows; ``"windows_by_clip"``: for every seed, the window rows
        of the training and test clips of ``"clips"`` with the same seed.
    """
    window_y, window_clips = np.asarray(window_y), np.asarray(window_clips)
    clip_ids, clip_y = np.asarray(clip_ids), np.asarray(clip_y)
    if window_y.shape != window_clips.shape or window_y.ndim != 1:
        raise ValueError(f"window_y and window_clips: expected equal 1-D shapes, got {window_y.shape}, "
                         f"{window_clips.shape}")
    if clip_ids.shape != clip_y.shape or clip_ids.ndim != 1:
        raise ValueError(f"clip_ids and clip_y: expected equal 1-D shapes, got {clip_ids.shape}, {clip_y.shape}")
    if len(set(clip_ids.tolist())) != clip_ids.size:
        raise ValueError("clip_ids: a clip appears more than once")
    pos = {c: i for i, c in enumerate(clip_ids.tolist())}
    unknown = sorted(set(window_clips.tolist()) - set(pos))
    if unknown:
        raise ValueError(f"window clip(s) not among clip_ids: {unknown[:5]}")
    of_window = np.array([pos[c] for c in window_clips.tolist()], dtype=np.int64)
    if not np.array_equal(clip_y[of_window], window_y):
        raise ValueError("a window's genre differs from its clip's")
    if set(of_window.tolist()) != set(range(clip_ids.size)):
        raise ValueError("clip_ids: some clips have no window")
    by_window = random_splits(window_y, seeds=seeds if window_seeds is None else window_seeds, test_size=test_size,
                              protocol=PROTOCOLS["windows"])
    by_clip = random_splits(clip_y, seeds=seeds, test_size=test_size, protocol=PROTOCOLS["clips"])
    grouped = [Split(PROTOCOLS["windows_by_clip"], s.run, np.flatnonzero(np.isin(of_window, s.train)),
                     np.flatnonzero(np.isin(of_window, s.test)), None, s.seed) for s in by_clip]
    return {"windows": by_window, "windows_by_clip": grouped, "clips": by_clip}


def _grouped_selection(y, groups, seed, *, cv: int, validation_fraction: float):
    """Selection folds and hold-out over rows, keeping groups apart (stratified by class)."""
    y, groups = np.asarray(y), np.asarray(groups)
    dummy = np.zeros(len(y))
    folds = list(StratifiedGroupKFold(int(cv), shuffle=True, random_state=seed).split(dummy, y, groups))
    n_hold = max(2, int(round(1.0 / float(validation_fraction))))
    tr, va = next(StratifiedGroupKFold(n_hold, shuffle=True, random_state=seed).split(dummy, y, groups))
    unseen = sorted(set(y[va].tolist()) - set(y[tr].tolist()), key=str)
    if unseen:
        raise ValueError(f"group_selection: the hold-out holds classes with no training group: {unseen}")
    return folds, (np.sort(tr), np.sort(va))


def group_selection(
    methods: Sequence[Method],
    groups,
    *,
    cv: int = 5,
    validation_fraction: float = 0.15,
) -> list[Method]:
    """The methods with their model selection kept apart by group (e.g. the clip of a window).

    :func:`kmnet.protocols.run_protocol` gives every method stratified random folds and a
    stratified random hold-out of the fit rows. When rows come in groups that share their
    content (the windows of one clip), random folds put a group on both sides and favour
    settings that memorise it. The returned methods replace ``ctx.cv`` by a
    :class:`~sklearn.model_selection.StratifiedGroupKFold` over the fit rows and
    ``ctx.validation`` by one group-disjoint fold of about ``validation_fraction`` of them,
    then call the original method; everything else is unchanged.

    Parameters
    ----------
    methods : sequence of Method
    groups : array-like of shape (n,)
        Group of every row of the data set (not only of the fit rows).
    cv : int, default 5
    validation_fraction : float, default 0.15

    Returns
    -------
    list of Method
    """
    groups = np.asarray(groups)
    if groups.ndim != 1:
        raise ValueError(f"groups: expected a 1-D array, got shape {groups.shape}")
    if int(cv) < 2:
        raise ValueError(f"cv must be >= 2, got {cv}")
    if not 0.0 < float(validation_fraction) < 0.5:
        raise ValueError(f"validation_fraction must be in (0, 0.5), got {validation_fraction}")

    def wrap(m: Method) -> Method:
        def fit(ctx: FitContext, _inner=m.fit):
            fit_index = ctx.split.fit_index
            if fit_index.max() >= groups.size:
                raise ValueError(f"groups: {groups.size} entries, but the split uses row {fit_index.max()}")
            ctx.cv, ctx.validation = _grouped_selection(ctx.y, groups[fit_index], ctx.seed, cv=cv,
                                                        validation_fraction=validation_fraction)
            ctx.info["selection"] = "grouped"
            return _inner(ctx)

        return dataclasses.replace(m, fit=fit)

    return [wrap(m) for m in methods]


def table1_methods(
    cols: Sequence[str],
    *,
    baselines: Sequence[str] = ("svm_rbf",),
    dkn_iterations: int = 10,
    max_epochs: int = 60,
    dkn_C: float | Sequence[float] | None = None,
    device=None,
    **dm2kmn_params,
) -> list[Method]:
    """The methods of the book's Table 1 on the views ``cols``.

    Tuned baselines (:func:`kmnet.baselines.tuned_baselines`, by default the RBF-kernel SVM),
    the 3-layer DKN (:func:`kmnet.protocols.dkn_method`: 4 elementary kernels per view, twice as
    many hidden units as inputs, SVM ``C`` chosen on the training part) and the initial and
    learned DM2KMN built from it (:func:`kmnet.protocols.dm2kmn_methods`: epochs chosen on
    held-out training data).

    Parameters
    ----------
    cols : sequence of str
        The views (feature types) the methods read, e.g. ``("mfcc", "spectral")``.
    baselines : sequence of {"svm_rbf", "svm_hi", "logreg", "mlp"}
    dkn_iterations : int, default 10
        Alternating SVM / gradient steps of the DKN (``max_iter``).
    max_epochs : int, default 60
        Upper bound of the learned DM2KMN's end-to-end epochs.
    dkn_C : float or sequence of float, optional
        The DKN's SVM ``C``, or the grid it is chosen from on the training part; default the
        grid of :func:`kmnet.experiments.protocols.dkn_method`.
    device : str or torch.device, optional
    **dm2kmn_params
        Passed to :func:`kmnet.protocols.dm2kmn_methods` (``check_every``, ``patience``, ...).
    """
    from ..baselines import tuned_baselines

    cols = tuple(cols)
    if not cols:
        raise ValueError("cols: at least one view is needed")
    grids = tuned_baselines()
    bad = [b for b in baselines if b not in grids]
    if bad:
        raise ValueError(f"baselines: unknown {bad}; choose from {list(grids)}")
    out = [estimator_method(BASELINE_NAMES[b], grids[b], views=cols, concat=True) for b in baselines]
    c = {} if dkn_C is None else {"C": dkn_C if np.ndim(dkn_C) == 0 else tuple(float(v) for v in dkn_C)}
    out.append(dkn_method("3-layer DKN", views=cols, max_iter=int(dkn_iterations), device=device, **c))
    out += dm2kmn_methods(dkn="3-layer DKN", views=cols, max_epochs=int(max_epochs), device=device, **dm2kmn_params)
    return out


# ====================================================================== scoring
def majority_vote(predictions: pd.DataFrame, clips, *, keys: Sequence[str] = ("protocol", "run", "method")) -> pd.DataFrame:
    """Clip-level predictions: the genre predicted for most of a clip's test windows.

    Parameters
    ----------
    predictions : DataFrame
        Window-level test predictions with ``index`` (row of the window table), ``y_true``,
        ``y_pred`` and the ``keys`` columns (:attr:`kmnet.protocols.ProtocolResult.predictions`).
    clips : array-like of shape (n_windows,)
        Source clip of every row of the window table.
    keys : sequence of str
        Columns that identify one model's predictions (add ``"features"`` for tagged runs).

    Returns
    -------
    DataFrame
        One row per (keys, clip): ``clip``, ``y_true``, ``y_pred`` (the vote), ``votes`` (windows
        that voted for it) and ``windows``. Ties go to the tied genre predicted for the
        earliest window of the clip.

    Raises
    ------
    ValueError
        Missing columns, or a clip whose windows carry different true genres.
    """
    clips = np.asarray(clips)
    keys = list(keys)
    need = [*keys, "index", "y_true", "y_pred"]
    missing = [c for c in need if c not in predictions.columns]
    if missing:
        raise ValueError(f"predictions: missing column(s) {missing}")
    p = predictions[need].copy()
    if len(p) and (p["index"].max() >= clips.size or p["index"].min() < 0):
        raise ValueError(f"predictions: row index outside the {clips.size} windows")
    p["clip"] = clips[p["index"].to_numpy(dtype=np.int64)]
    p = p.sort_values([*keys, "clip", "index"], kind="stable")
    rows = []
    for key, g in p.groupby([*keys, "clip"], sort=False):
        truth = g["y_true"].unique()
        if truth.size != 1:
            raise ValueError(f"clip {key[-1]!r}: its windows carry different genres {sorted(truth)}")
        counts = g["y_pred"].value_counts(sort=False)
        top = counts[counts == counts.max()].index
        vote = next(v for v in g["y_pred"] if v in set(top))
        rows.append((*key, truth[0], vote, int(counts.max()), len(g)))
    return pd.DataFrame(rows, columns=[*keys, "clip", "y_true", "y_pred", "votes", "windows"])


def interval_summary(
    runs: pd.DataFrame,
    by: Sequence[str],
    value: str = "accuracy",
    *,
    level: float = 0.95,
    percent: bool = True,
    bounds: tuple[float, float] | None = (0.0, 1.0),
) -> pd.DataFrame:
    """Mean, standard deviation and a t interval of the mean over runs, per group.

    The interval is ``mean +- t_{(1+level)/2, n-1} * std / sqrt(n)`` over the ``n`` runs of a
    group (NaN for a single run), cut to ``bounds`` (the range of an accuracy). With three runs ``t``
    is 4.30, so the interval spans about five standard deviations: it is the honest width of a
    mean of three.

    Returns
    -------
    DataFrame
        ``by`` columns, ``mean``, ``std`` (ddof=1), ``ci_low``, ``ci_high``, ``min``, ``max``,
        ``runs``; in % when ``percent``.
    """
    from scipy import stats

    if value not in runs.columns:
        raise ValueError(f"column {value!r} not in runs ({list(runs.columns)})")
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    scale = 100.0 if percent else 1.0
    g = runs.groupby(list(by), sort=False)[value]
    out = pd.DataFrame({"mean": g.mean(), "std": g.std(ddof=1), "min": g.min(), "max": g.max(), "runs": g.count()})
    n = out["runs"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(n > 1, stats.t.ppf(0.5 + float(level) / 2, np.maximum(n - 1, 1)), np.nan)
        half = t * out["std"].to_numpy() / np.sqrt(n)
    out["ci_low"], out["ci_high"] = out["mean"] - half, out["mean"] + half
    if bounds is not None:
        out["ci_low"], out["ci_high"] = out["ci_low"].clip(lower=bounds[0]), out["ci_high"].clip(upper=bounds[1])
    for c in ("mean", "std", "min", "max", "ci_low", "ci_high"):
        out[c] *= scale
    return out[["mean", "std", "ci_low", "ci_high", "min", "max", "runs"]].reset_index()


def cluster_bootstrap(correct, n, *, n_boot: int = 2000, level: float = 0.95, seed: int | None = 0):
    """Bootstrap interval of an accuracy whose test items come in clusters (clips).

    The clusters are resampled with replacement; the accuracy of a resample is its correct
    items over its items. With one item per cluster this is the usual bootstrap of an
    accuracy; with the windows of a clip as one cluster it respects that they are not
    independent.

    Parameters
    ----------
    correct, n : array-like of shape (n_clusters,)
        Correct items and items of every cluster.
    n_boot : int, default 2000
    level : float, default 0.95
    seed : int or None

    Returns
    -------
    (low, high) : floats in [0, 1]
        Percentile interval.
    """
    correct, n = np.asarray(correct, dtype=float), np.asarray(n, dtype=float)
    if correct.shape != n.shape or correct.ndim != 1 or correct.size == 0:
        raise ValueError(f"correct and n: expected equal non-empty 1-D shapes, got {correct.shape}, {n.shape}")
    if np.any(n < 1) or np.any(correct < 0) or np.any(correct > n):
        raise ValueError("correct and n: need 0 <= correct <= n and n >= 1 in every cluster")
    if int(n_boot) < 100 or not 0.0 < float(level) < 1.0:
        raise ValueError(f"need n_boot >= 100 and level in (0, 1), got {n_boot}, {level}")
    rng = np.random.default_rng(seed)
    W = rng.multinomial(correct.size, np.full(correct.size, 1.0 / correct.size), size=int(n_boot))
    acc = (W @ correct) / (W @ n)
    a = (1.0 - float(level)) / 2
    return float(np.quantile(acc, a)), float(np.quantile(acc, 1 - a))


def paper_values(feature_sets: Sequence[str]) -> dict[tuple[str, str], float]:
    """The paper's Table 1 accuracy (%) for ``(feature set, method)`` pairs of the book.

    The first feature set stands for the paper's "MFCCs" rows and the second for "MFCCs +
    VGGish"; the book's 3-layer DKN and learned DM2KMN for the paper's 3-layer DKN and 3-layer
    DM2KMN. The paper's numbers come from random 70/30 splits of its own features.
    """
    from .paper import paper_table

    paper = paper_table("table1").set_index("method")["paper_mean"]
    out = {}
    for label, theirs in zip(feature_sets, ("MFCCs", "MFCCs + VGGish")):
        out[(label, "3-layer DKN")] = float(paper[f"3-layer DKN with {theirs}"])
        out[(label, "learned DM2KMN")] = float(paper[f"3-layer DM2KMN with {theirs}"])
    return out


def bootstrap_runs(
    predictions: pd.DataFrame,
    clip_of,
    keys: Sequence[str],
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """A bootstrap interval of every run's test accuracy, resampling its test clips.

    Parameters
    ----------
    predictions : DataFrame
        Test predictions with ``index`` (row of the data set), ``y_true``, ``y_pred`` and the
        ``keys`` columns (:attr:`kmnet.experiments.protocols.ProtocolResult.predictions`).
    clip_of : array-like of shape (n_rows,) or callable
        The clip of every row of the data set (a window's source clip, or a clip itself), or a
        function ``clip_of(predictions) -> array`` giving the clip of every prediction row.
    keys : sequence of str
        Columns that identify one run (e.g. protocol, features, method, run).
    n_boot, level, seed
        As in :func:`cluster_bootstrap` (the seed of the ``i``-th run is ``seed + i``).

    Returns
    -------
    DataFrame
        One row per run, in order of first appearance: the ``keys``, ``accuracy``, ``boot_low``,
        ``boot_high`` (%), ``n_test`` (test items) and ``test_clips``. The windows of a clip are
        resampled together, so per-window scores get the width that their clips allow.
    """
    keys = list(keys)
    missing = [c for c in [*keys, "index", "y_true", "y_pred"] if c not in predictions.columns]
    if missing:
        raise ValueError(f"predictions: missing column(s) {missing}")
    p = predictions[[*keys, "index", "y_true", "y_pred"]].copy()
    if callable(clip_of):
        p["clip"] = np.asarray(clip_of(predictions))
    else:
        clip_of = np.asarray(clip_of)
        idx = p["index"].to_numpy(dtype=np.int64)
        if len(idx) and (idx.max() >= clip_of.size or idx.min() < 0):
            raise ValueError(f"predictions: row index outside the {clip_of.size} rows of clip_of")
        p["clip"] = clip_of[idx]
    p["correct"] = (p["y_true"] == p["y_pred"]).astype(float)
    per_clip = p.groupby([*keys, "clip"], sort=False)["correct"].agg(["sum", "size"]).reset_index()
    rows = []
    for i, (key, g) in enumerate(per_clip.groupby(keys, sort=False)):
        key = key if isinstance(key, tuple) else (key,)
        lo, hi = cluster_bootstrap(g["sum"], g["size"], n_boot=n_boot, level=level, seed=seed + i)
        rows.append((*key, 100 * g["sum"].sum() / g["size"].sum(), 100 * lo, 100 * hi, int(g["size"].sum()), len(g)))
    return pd.DataFrame(rows, columns=[*keys, "accuracy", "boot_low", "boot_high", "n_test", "test_clips"])


# ====================================================================== runner
@dataclass
class GTZANProtocolResult:
    """What :func:`run_gtzan_protocols` returns.

    Attributes
    ----------
    result : ProtocolResult
        Every fit of the three protocols (``protocol`` and ``features`` columns); its
        predictions hold the window rows for (a) and (b) and the clip rows for (c).
    runs : DataFrame
        One row per (protocol, scoring, features, method, run): the rows of ``result.runs`` with
        ``scoring`` "window" (a, b) or "clip" (c), and, for (b), rows scored by the majority
        vote per clip (``scoring`` "clip vote"; ``n_test`` counts clips, ``train_accuracy``
        is empty).
    votes : DataFrame
        Clip-level predictions of (b) (:func:`majority_vote`).
    window_clips, clip_ids : ndarray of str
        Source clip of every window row, and the clip of every clip row.
    """

    result: ProtocolResult
    runs: pd.DataFrame
    votes: pd.DataFrame
    window_clips: np.ndarray
    clip_ids: np.ndarray

    _KEYS = ("protocol", "scoring", "features", "method")

    def summary(self, *, level: float = 0.95) -> pd.DataFrame:
        """Accuracy (%) per (protocol, scoring, features, method): mean, std, t interval over runs,
        min, max, runs, test items per run, and the paper's Table 1 value where it has one."""
        ok = self.runs[self.runs["status"] == "ok"]
        out = interval_summary(ok, list(self._KEYS), level=level)
        n_test = ok.groupby(list(self._KEYS), sort=False)["n_test"].mean().rename("n_test").reset_index()
        out = out.merge(n_test, on=list(self._KEYS), how="left")
        paper = paper_values(list(dict.fromkeys(ok["features"])))
        out["paper_value"] = [paper.get((f, m), np.nan) for f, m in zip(out["features"], out["method"])]
        return out

    def test_noise(self, *, n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> pd.DataFrame:
        """A bootstrap interval of every run's test accuracy, resampling its test clips
        (:func:`bootstrap_runs`; windows of one clip are resampled together).

        Returns
        -------
        DataFrame
            One row per run of :attr:`runs`: the keys, ``run``, ``accuracy``, ``boot_low``,
            ``boot_high`` (%), ``n_test``, ``test_clips``.
        """
        pred = self.result.predictions.copy()
        is_clip = (pred["protocol"] == PROTOCOLS["clips"]).to_numpy()
        idx = pred["index"].to_numpy(dtype=np.int64)
        clip = np.empty(len(pred), dtype=object)
        clip[~is_clip] = self.window_clips[idx[~is_clip]]
        clip[is_clip] = self.clip_ids[idx[is_clip]]
        pred["scoring"] = np.where(is_clip, "clip", "window")
        pred["clip_id"] = clip
        votes = self.votes.assign(scoring="clip vote", clip_id=self.votes["clip"])
        cols = [*self._KEYS, "run", "clip_id", "y_true", "y_pred"]
        units = pd.concat([pred[cols], votes[cols]], ignore_index=True)
        units["index"] = np.arange(len(units))
        return bootstrap_runs(units, lambda p: p["clip_id"].to_numpy(), [*self._KEYS, "run"],
                              n_boot=n_boot, level=level, seed=seed)


@dataclass
class _Task:
    """One run_protocol call: one feature set of one protocol on the given splits."""

    views: dict
    y: np.ndarray
    splits: list
    label: str
    cols: tuple
    method_params: dict
    groups: np.ndarray | None = None
    keep_models: bool = False
    preprocess: Callable[[], object] | None = None
    methods: Callable[[tuple[str, ...]], list[Method]] | None = None

    def cost(self) -> float:
        """A rough relative cost, to start the longest tasks first."""
        n = max(len(s.fit_index) for s in self.splits)
        return float(n) ** 1.5 * sum(self.views[c].shape[1] for c in self.cols) ** 0.5 * len(self.splits)


def _run_task(task: _Task, threads: int | None = None) -> ProtocolResult:
    from sklearn.preprocessing import MinMaxScaler

    def go():
        make = task.methods if task.methods is not None else (lambda cols: table1_methods(cols, **task.method_params))
        ms = make(tuple(task.cols))
        if task.groups is not None:
            ms = group_selection(ms, task.groups)
        return run_protocol(ms, task.views, task.y, task.splits,
                            preprocess=MinMaxScaler if task.preprocess is None else task.preprocess,
                            tags={"features": task.label}, keep_models=task.keep_models)

    if threads is None:
        return go()
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(int(threads))
    with threadpool_limits(int(threads)):
        return go()


def _execute(tasks: Sequence[_Task], n_jobs: int | None, progress: bool) -> list[ProtocolResult]:
    """Run the tasks, in worker processes when ``n_jobs > 1``; results in the order of ``tasks``.

    Every model is seeded by its split, so the results do not depend on ``n_jobs`` or on which
    worker ran a task. Workers run BLAS and torch on one thread each.
    """
    from tqdm.auto import tqdm

    n_jobs = 1 if n_jobs is None else int(n_jobs)
    if n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be a positive integer or -1, got {n_jobs}")
    if n_jobs == 1 or len(tasks) <= 1:
        return [_run_task(t) for t in tqdm(tasks, disable=not progress, desc="GTZAN fits", leave=False)]
    from joblib import Parallel, delayed

    order = sorted(range(len(tasks)), key=lambda i: -tasks[i].cost())
    out = Parallel(n_jobs=n_jobs, batch_size=1, backend="loky")(
        delayed(_run_task)(tasks[i], 1) for i in tqdm(order, disable=not progress, desc="GTZAN fits", leave=False))
    results: list = [None] * len(tasks)
    for i, r in zip(order, out):
        results[i] = r
    return results


def _concat(results: Sequence[ProtocolResult]) -> ProtocolResult:
    out = results[0]
    for r in results[1:]:
        out = out.concat(r)
    return out


def table1_splits(y, *, seeds: Sequence[int] = (0, 1, 2), artist: Mapping[str, np.ndarray] | None = None,
                  artist_seeds: Sequence[int] = (0,)) -> list[Split]:
    """Table 1's splits of the clip table: protocol (d).

    Parameters
    ----------
    y : array-like of shape (n_clips,)
    seeds : sequence of int
        One stratified random 70/30 split per seed (the paper's protocol, Section 4.2).
    artist : dict with "train", "valid", "test", optional
        Row indices of the artist-filtered split (:func:`kmnet.datasets.gtzan.artist_filtered_split`);
        it is run once per seed of ``artist_seeds`` (only the models' seeds change).
    artist_seeds : sequence of int

    Returns
    -------
    list of Split
        Protocols named as in :data:`TABLE1_PROTOCOLS`.
    """
    from ..datasets.splits import fixed_splits

    out = random_splits(y, seeds=seeds, protocol=TABLE1_PROTOCOLS["random"]) if len(seeds) else []
    if artist is not None and len(artist_seeds):
        out += fixed_splits(artist["train"], artist["test"], artist.get("valid"), seeds=artist_seeds,
                            protocol=TABLE1_PROTOCOLS["artist"])
    if not out:
        raise ValueError("table1_splits: no seeds, so no split")
    return out


def _table1_tasks(views, y, splits, feature_sets, keep_models, method_params, methods=None) -> list[_Task]:
    if not feature_sets:
        raise ValueError("feature_sets: nothing to run")
    if methods is not None and method_params:
        raise ValueError(f"pass either methods= or the parameters of table1_methods, not both ({list(method_params)})")
    if not splits:
        raise ValueError("splits: nothing to run")
    y = np.asarray(y)
    return [_Task(dict(views), y, [s], label, tuple(cols), dict(method_params), keep_models=keep_models,
                  methods=methods)
            for label, cols in feature_sets.items() for s in splits]


def run_table1(
    views: Mapping[str, np.ndarray],
    y,
    splits: Sequence[Split],
    *,
    feature_sets: Mapping[str, Sequence[str]] | None = None,
    methods: Callable[[tuple[str, ...]], list[Method]] | None = None,
    keep_models: bool = False,
    n_jobs: int | None = 1,
    progress: bool = False,
    **method_params,
) -> ProtocolResult:
    """The book's Table 1: the methods of :func:`table1_methods` on every feature set and split.

    Parameters
    ----------
    views : mapping of str to ndarray
        The clip table's views (:func:`kmnet.datasets.gtzan.feature_views`).
    y : array-like
    splits : sequence of Split
        E.g. :func:`table1_splits`.
    feature_sets : mapping, optional
        Name -> views; default :data:`kmnet.datasets.gtzan.FEATURE_SETS`.
    methods : callable, optional
        ``methods(cols) -> list of Method``; default :func:`table1_methods` with ``**method_params``.
    keep_models : bool, default False
    n_jobs : int, default 1
        Worker processes (one task per feature set and split); the numbers do not depend on it.
    progress : bool, default False
    **method_params
        Passed to :func:`table1_methods` (``baselines``, ``dkn_iterations``, ``max_epochs``, ``dkn_C``, ...).

    Returns
    -------
    ProtocolResult
        With a ``features`` column; every row min-max scaled per split as in the book.
    """
    feature_sets = dict(FEATURE_SETS if feature_sets is None else feature_sets)
    tasks = _table1_tasks(views, y, list(splits), feature_sets, keep_models, method_params, methods)
    return _concat(_execute(tasks, n_jobs, progress))


def _protocol_tasks(windows, clips, seeds, feature_sets, protocols, methods, test_size, preprocess, method_params,
                    window_seeds=None):
    bad = [p for p in protocols if p not in PROTOCOLS]
    if bad or not protocols:
        raise ValueError(f"protocols: unknown or empty {list(protocols)}; choose from {list(PROTOCOLS)}")
    if methods is not None and method_params:
        raise ValueError(f"pass either methods= or the parameters of table1_methods, not both ({list(method_params)})")
    if not feature_sets:
        raise ValueError("feature_sets: nothing to run")
    rows = matching_clips(windows, clips)
    clip_ids = np.array([clip_id(f) for f in clips.filenames[rows]])
    clip_y = clips.y[rows]
    splits = protocol_splits(windows.y, windows.clips, clip_ids, clip_y, seeds=seeds, window_seeds=window_seeds,
                             test_size=test_size)
    win_views = feature_views(windows)
    data = {
        "windows": (win_views, windows.y, None),
        "windows_by_clip": (win_views, windows.y, np.asarray(windows.clips)),
        "clips": ({k: v[rows] for k, v in feature_views(clips).items()}, clip_y, None),
    }
    tasks = []
    for key in protocols:
        views, y, groups = data[key]
        for label, cols in feature_sets.items():
            for s in splits[key]:
                tasks.append(_Task(views, y, [s], label, tuple(cols), dict(method_params), groups=groups,
                                   preprocess=preprocess, methods=methods))
    return tasks, clip_ids


def _finish_protocols(result: ProtocolResult, windows: GTZANWindowTable, clip_ids) -> GTZANProtocolResult:
    runs = result.runs.copy()
    runs.insert(runs.columns.get_loc("features") + 1, "scoring",
                np.where(runs["protocol"] == PROTOCOLS["clips"], "clip", "window"))
    grouped = result.predictions[result.predictions["protocol"] == PROTOCOLS["windows_by_clip"]]
    votes = majority_vote(grouped, windows.clips, keys=("protocol", "features", "run", "method"))
    if len(votes):
        acc = (votes.assign(hit=votes["y_true"] == votes["y_pred"])
               .groupby(["protocol", "features", "run", "method"], sort=False)
               .agg(accuracy=("hit", "mean"), n_test=("hit", "size")).reset_index())
        base = runs[(runs["protocol"] == PROTOCOLS["windows_by_clip"]) & (runs["status"] == "ok")]
        vote_runs = base.drop(columns=["accuracy", "n_test"]).merge(acc, on=["protocol", "features", "run", "method"])
        vote_runs["scoring"] = "clip vote"
        vote_runs["train_accuracy"] = np.nan
        runs = pd.concat([runs, vote_runs[runs.columns]], ignore_index=True)
    return GTZANProtocolResult(result, runs, votes, np.asarray(windows.clips), np.asarray(clip_ids))


def run_gtzan_protocols(
    windows: GTZANWindowTable,
    clips: GTZANTable,
    *,
    seeds: Sequence[int] = (0, 1, 2),
    window_seeds: Sequence[int] | None = None,
    feature_sets: Mapping[str, Sequence[str]] | None = None,
    protocols: Sequence[str] = ("windows", "windows_by_clip", "clips"),
    methods: Callable[[tuple[str, ...]], list[Method]] | None = None,
    test_size: float = 0.3,
    preprocess: Callable[[], object] | None = None,
    n_jobs: int | None = 1,
    progress: bool = False,
    **method_params,
) -> GTZANProtocolResult:
    """Run the methods of Table 1 under the window and clip protocols (see the module docstring).

    Parameters
    ----------
    windows : GTZANWindowTable
        The 3 s windows (:func:`kmnet.datasets.gtzan.load_gtzan_windows` or
        :func:`~kmnet.datasets.gtzan.extract_gtzan_windows`).
    clips : GTZANTable
        A 30 s clip table holding every clip of ``windows`` (e.g. the whole
        ``features_30_sec.csv``); only those clips are used.
    seeds : sequence of int, default (0, 1, 2)
        One split per seed and protocol; (b) and (c) share their clip partition per seed.
    window_seeds : sequence of int, optional
        The seeds of (a) when they differ from ``seeds``.
    feature_sets : mapping, optional
        Name -> views; default :data:`kmnet.datasets.gtzan.FEATURE_SETS` (MFCC; MFCC + spectral).
    protocols : sequence of {"windows", "windows_by_clip", "clips"}
    methods : callable, optional
        ``methods(cols) -> list of Method``; default :func:`table1_methods` with
        ``**method_params``. For (b) they are wrapped by :func:`group_selection`. With
        ``n_jobs > 1`` it must be picklable by cloudpickle (a lambda is).
    test_size : float, default 0.3
    preprocess : callable returning a transformer, optional
        Default ``MinMaxScaler`` (fitted on each split's fit rows, as in Table 1).
    n_jobs : int, default 1
        Worker processes (one task per protocol, feature set and split); the numbers do not
        depend on it.
    progress : bool, default False
        A tqdm bar over the tasks.
    **method_params
        Passed to :func:`table1_methods` (``dkn_iterations``, ``max_epochs``, ``baselines``, ...).

    Returns
    -------
    GTZANProtocolResult

    Notes
    -----
    Cost, measured on the staged 997 windows of 100 clips with three seeds, both feature sets,
    ``dkn_iterations=10`` and ``max_epochs=20``: about 270 s of CPU on one core (single-threaded
    BLAS and torch), 70 % of it the learned DM2KMN on the windows; protocol (c) takes seconds.
    The learned DM2KMN's cost grows with ``max_epochs`` (with 60, one seed took 2.5 times as long).
    With ``n_jobs=2`` the tasks run on two worker processes, which roughly halves the wall time on
    two idle cores.
    """
    feature_sets = dict(FEATURE_SETS if feature_sets is None else feature_sets)
    tasks, clip_ids = _protocol_tasks(windows, clips, seeds, feature_sets, protocols, methods, test_size,
                                      preprocess, method_params, window_seeds)
    return _finish_protocols(_concat(_execute(tasks, n_jobs, progress)), windows, clip_ids)


def run_table1_and_protocols(
    table: GTZANTable,
    windows: GTZANWindowTable,
    table1_split_list: Sequence[Split],
    *,
    seeds: Sequence[int] = (0, 1, 2),
    window_seeds: Sequence[int] | None = None,
    table1_views: Mapping[str, np.ndarray] | None = None,
    table1_feature_sets: Mapping[str, Sequence[str]] | None = None,
    feature_sets: Mapping[str, Sequence[str]] | None = None,
    table1_baselines: Sequence[str] = ("svm_rbf", "svm_hi", "logreg", "mlp"),
    protocol_baselines: Sequence[str] = ("svm_rbf",),
    methods: Callable[[tuple[str, ...]], list[Method]] | None = None,
    keep_models: bool = True,
    n_jobs: int | None = 1,
    progress: bool = False,
    **method_params,
) -> tuple[ProtocolResult, GTZANProtocolResult]:
    """Table 1 (protocol (d)) and the protocols (a)-(c) in one pool of worker processes.

    Parameters
    ----------
    table : GTZANTable
        The clip table (all clips): Table 1 reads it, and (c) its rows of the window clips.
    windows : GTZANWindowTable
    table1_split_list : sequence of Split
        Table 1's splits (:func:`table1_splits`).
    seeds : sequence of int
        The seeds of (a)-(c).
    window_seeds : sequence of int, optional
        The seeds of (a) when they differ from ``seeds``.
    table1_views, table1_feature_sets : optional
        Other views for Table 1 (e.g. encoder features from audio) and their feature sets;
        default the table's views and ``feature_sets``.
    feature_sets : mapping, optional
        Feature sets of the protocols (and of Table 1 by default); default
        :data:`kmnet.datasets.gtzan.FEATURE_SETS`.
    table1_baselines, protocol_baselines : sequence of str
        Tuned baselines of Table 1 and of (a)-(c) (:func:`table1_methods`).
    methods : callable, optional
        ``methods(cols) -> list of Method`` for both, instead of :func:`table1_methods` (then
        the baselines and ``**method_params`` must not be given).
    keep_models : bool, default True
        Keep Table 1's fitted models (forward times, weights, ranks).
    n_jobs : int, default 1
    progress : bool, default False
    **method_params
        The network settings shared by both (``dkn_iterations``, ``max_epochs``, ``dkn_C``, ...).

    Returns
    -------
    (ProtocolResult, GTZANProtocolResult)
        Table 1's result and the protocols' result, the same as :func:`run_table1` and
        :func:`run_gtzan_protocols` give with these settings.
    """
    feature_sets = dict(FEATURE_SETS if feature_sets is None else feature_sets)
    t1_views = feature_views(table) if table1_views is None else dict(table1_views)
    t1_sets = feature_sets if table1_feature_sets is None else dict(table1_feature_sets)
    if methods is None:
        t1_params = {**method_params, "baselines": tuple(table1_baselines)}
        pr_params = {**method_params, "baselines": tuple(protocol_baselines)}
    else:
        t1_params = pr_params = dict(method_params)
    t1 = _table1_tasks(t1_views, table.y, list(table1_split_list), t1_sets, keep_models, t1_params, methods)
    pr, clip_ids = _protocol_tasks(windows, table, seeds, feature_sets, tuple(PROTOCOLS), methods, 0.3, None,
                                   pr_params, window_seeds)
    out = _execute(t1 + pr, n_jobs, progress)
    return _concat(out[:len(t1)]), _finish_protocols(_concat(out[len(t1):]), windows, clip_ids)


# ====================================================================== inputs
@dataclass
class GTZANData:
    """The chapter's inputs: the clip table, the window table, the artist split and their source.

    Attributes
    ----------
    table : GTZANTable
        30 s clip features (``features_30_sec.csv`` or computed from audio).
    windows : GTZANWindowTable
        3 s window features (the staged ``mini_segments_3s.csv``, a full window table, or
        computed from audio).
    artist : dict
        Row indices of ``table`` in the artist-filtered split (``"train"``, ``"valid"``, ``"test"``).
    views : dict
        Views of Table 1 (the table's by default; encoder features with ``audio_features``).
    feature_sets : dict
        Feature sets of Table 1 over ``views``.
    source : str
        Where the clip features come from, in words.
    window_source : str
        Where the window features come from, in words.
    """

    table: GTZANTable
    windows: GTZANWindowTable
    artist: dict
    views: dict
    feature_sets: dict
    source: str
    window_source: str


def gtzan_data(
    data_root=None,
    *,
    audio_root=None,
    window_table=None,
    audio_features: Sequence[str] | None = None,
    window: int | None = None,
    n_windows: int | None = None,
    cache_dir=None,
    device=None,
    progress: bool = False,
) -> GTZANData:
    """The chapter's inputs, from the staged tables or from GTZAN audio.

    Parameters
    ----------
    data_root : path-like, optional
        Data root (the artist-filtered split and, without ``audio_root``, the staged tables).
    audio_root : path-like, optional
        A folder with GTZAN's ``genres/<genre>/*.wav|au``. When given, the clip table is
        computed from the audio (:func:`kmnet.datasets.gtzan.extract_gtzan_table`: the 57 columns
        of ``features_30_sec.csv``, in the MFCC and spectral groups of Table 1) and so are the
        3 s windows (:func:`kmnet.datasets.gtzan.extract_gtzan_windows`, Kaggle's 10 windows of
        66,149 samples), unless ``window_table`` is given.
    window_table : path-like, optional
        A window table to read instead (:func:`kmnet.datasets.gtzan.load_gtzan_windows`), e.g.
        Kaggle's ``features_3_sec.csv`` or one written by ``extract_gtzan_windows(out=...)``.
    audio_features : sequence of str, optional
        With ``audio_root``: Table 1 reads these encoder features of the audio instead of the
        table's columns (:func:`kmnet.datasets.gtzan.extract_gtzan_features`, e.g.
        ``("cnn", "mfcc_stats")``, or ``("musicnn",)`` for a CNN trained on music audio); the
        feature sets are the first alone and all together. The
        protocols always read the window table's columns.
    window, n_windows : int, optional
        Samples per window and most windows per clip when the windows are computed from audio
        (default Kaggle's 66,149 and 10).
    cache_dir : path-like, optional
        Feature cache of the audio extractors (default the project cache).
    device : str or torch.device, optional
        Where the encoder of ``audio_features`` runs.
    progress : bool, default False

    Returns
    -------
    GTZANData
    """
    from ..datasets import gtzan

    if audio_features is not None and audio_root is None:
        raise ValueError("audio_features needs audio_root (the features are computed from the audio)")
    if audio_root is None:
        table = gtzan.load_gtzan_table(data_root)
        source = "the feature table features_30_sec.csv"
    else:
        table = gtzan.extract_gtzan_table(audio_root, progress=progress, cache_dir=cache_dir)
        source = f"the 57 table columns computed from {len(table.y)} audio clips"
    if window_table is not None:
        windows = gtzan.load_gtzan_windows(data_root, path=window_table)
        window_source = f"the window table {os.path.basename(str(window_table))}"
    elif audio_root is not None:
        windows = gtzan.extract_gtzan_windows(audio_root, window=window, n_windows=n_windows, cache_dir=cache_dir,
                                              progress=progress)
        window_source = f"{len(windows.y)} windows of 3 s computed from {len(set(windows.clips))} audio clips"
    else:
        windows = gtzan.load_gtzan_windows(data_root)
        window_source = f"the staged table of {len(windows.y)} windows of 3 s of {len(set(windows.clips))} clips"
    views, feature_sets = feature_views(table), dict(FEATURE_SETS)
    if audio_features is not None:
        feats = tuple(audio_features)
        if not feats:
            raise ValueError("audio_features: name at least one feature")
        audio = gtzan.extract_gtzan_features(audio_root, features=feats, progress=progress, cache_dir=cache_dir,
                                             device=device)
        where = {clip_id(f): i for i, f in enumerate(audio.filenames)}
        keep = np.array([clip_id(f) in where for f in table.filenames])
        if not keep.any():
            raise ValueError("audio_features: no clip of the table has encoder features")
        if not keep.all():  # clips the encoder could not read leave Table 1 too
            table = GTZANTable(X=table.X[keep], y=table.y[keep], filenames=table.filenames[keep],
                               groups=dict(table.groups))
        rows = np.array([where[clip_id(f)] for f in table.filenames])
        views = {k: np.asarray(audio.features[k], dtype=np.float64)[rows] for k in feats}
        feature_sets = {feats[0]: (feats[0],)}
        if len(feats) > 1:
            feature_sets[" + ".join(feats)] = feats
        source = f"{', '.join(feats)} features computed from {len(table.y)} audio clips"
    artist = gtzan.artist_filtered_split(table.filenames, root=data_root)
    return GTZANData(table, windows, artist, views, feature_sets, source, window_source)


# ====================================================================== the protocol table
def protocol_table(
    protocols: GTZANProtocolResult,
    table1: ProtocolResult,
    table1_clips,
    *,
    methods: Sequence[str] | None = None,
    level: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Protocols (a)-(d) in one table: per-run accuracies and their summary, the paper beside.

    Parameters
    ----------
    protocols : GTZANProtocolResult
        (a)-(c).
    table1 : ProtocolResult
        Table 1 (:func:`run_table1`): (d), with a ``features`` column.
    table1_clips : array-like of shape (n_clips,)
        The clip of every row of Table 1's data (``clip_id`` of the table's filenames).
    methods : sequence of str, optional
        Methods to keep from Table 1; default those of ``protocols``.
    level : float, default 0.95
    n_boot, seed
        Bootstrap of every run's test set (:func:`bootstrap_runs`).

    Returns
    -------
    runs : DataFrame
        One row per run: ``letter`` ("a"-"d"), ``protocol``, ``scoring`` ("window", "clip
        vote", "clip"), ``features``, ``method``, ``run``, ``seed``, ``accuracy``, ``boot_low``,
        ``boot_high`` (the test set's 95 % bootstrap interval), ``n_test``, ``test_clips``,
        ``train_accuracy`` (%), ``paper_value``.
    summary : DataFrame
        One row per (protocol, scoring, features, method): ``letter``, ``mean``, ``std``,
        ``ci_low``, ``ci_high`` (t interval of the mean over runs; empty for one run), ``runs``,
        ``n_test`` and ``test_clips`` (per run), ``boot_half`` (median half-width of one run's
        bootstrap interval), ``boot_low``/``boot_high`` (of the single run where there is one),
        ``paper_value``.
    """
    keys = ["protocol", "scoring", "features", "method", "run"]
    pr = protocols.runs[protocols.runs["status"] == "ok"]
    noise = protocols.test_noise(n_boot=n_boot, level=level, seed=seed)
    a = pr[[*keys, "seed", "accuracy", "train_accuracy"]].merge(
        noise.drop(columns=["accuracy"]), on=keys, how="left")
    keep = list(dict.fromkeys(pr["method"])) if methods is None else list(methods)
    t1 = table1.runs[(table1.runs["status"] == "ok") & table1.runs["method"].isin(keep)].copy()
    t1["scoring"] = "clip"
    pred = table1.predictions[table1.predictions["method"].isin(keep)]
    t1_noise = bootstrap_runs(pred, np.asarray(table1_clips), ["protocol", "features", "method", "run"],
                              n_boot=n_boot, level=level, seed=seed + len(noise))
    d = t1[[*keys, "seed", "accuracy", "train_accuracy"]].merge(
        t1_noise.drop(columns=["accuracy"]), on=["protocol", "features", "method", "run"], how="left")
    runs = pd.concat([a, d], ignore_index=True)
    runs["accuracy"] *= 100
    runs["train_accuracy"] *= 100
    runs.insert(0, "letter", runs["protocol"].map(PROTOCOL_LETTERS).fillna(""))
    paper = paper_values(list(dict.fromkeys(runs["features"])))
    runs["paper_value"] = [paper.get((f, m), np.nan) for f, m in zip(runs["features"], runs["method"])]
    runs = runs[["letter", *keys[:-1], "run", "seed", "accuracy", "boot_low", "boot_high", "n_test", "test_clips",
                 "train_accuracy", "paper_value"]]
    # rows in the chapter's order: (a), (b) per window, (b) by vote, (c), (d) random, (d) artist-filtered
    rank = {"window": 0, "clip vote": 1, "clip": 2}
    first_seen = {p: i for i, p in enumerate(dict.fromkeys(runs["protocol"]))}
    order = np.lexsort((np.arange(len(runs)), runs["protocol"].map(first_seen).to_numpy(),
                        runs["scoring"].map(rank).fillna(3).to_numpy(), runs["letter"].to_numpy()))
    runs = runs.iloc[order].reset_index(drop=True)

    by = ["letter", "protocol", "scoring", "features", "method"]
    summ = interval_summary(runs, by, level=level, percent=False, bounds=(0.0, 100.0))
    g = runs.groupby(by, sort=False)
    extra = pd.DataFrame({
        "n_test": g["n_test"].median(),
        "test_clips": g["test_clips"].median(),
        "boot_half": ((runs["boot_high"] - runs["boot_low"]) / 2).groupby([runs[c] for c in by], sort=False).median(),
        "boot_low": g["boot_low"].first().where(g.size() == 1),
        "boot_high": g["boot_high"].first().where(g.size() == 1),
        "paper_value": g["paper_value"].first(),
    }).reset_index()
    summ = summ.merge(extra, on=by, how="left").drop(columns=["min", "max"])
    return runs, summ


def protocol_levels(runs: pd.DataFrame, *, tolerance: float = 1.0, level: float = 0.95) -> pd.DataFrame:
    """Does a protocol reach the paper's Table 1 values? One verdict per protocol and scoring.

    The rows with a paper value (the DKN and the learned DM2KMN on both feature sets) are pooled
    run by run: the gap of a run is the mean, over those rows, of our accuracy minus the paper's
    value. Runs of one seed share their partition, so the runs (seeds) are the replicates, and
    :func:`kmnet.experiments.verdicts.mean_interval` gives the gap's 95 % t interval; a protocol
    run once (a fixed split) takes the mean of its rows' bootstrap intervals instead. The rule is
    :func:`kmnet.experiments.verdicts.verdict_level` against a gap of 0: the interval, widened by
    ``tolerance`` points, contains 0.

    Parameters
    ----------
    runs : DataFrame
        :func:`protocol_table`'s per-run table (``letter``, ``protocol``, ``scoring``,
        ``features``, ``method``, ``run``, ``accuracy``, ``boot_low``, ``boot_high``, ``paper_value``).
    tolerance : float, default 1.0
    level : float, default 0.95

    Returns
    -------
    DataFrame
        One row per (letter, protocol, scoring), in order: ``runs``, ``rows`` (rows with a paper
        value), ``lowest`` and ``highest`` (the range of those rows' mean accuracies, %),
        ``gap``, ``gap_low``, ``gap_high`` (points), ``interval`` ("t over runs" / "bootstrap of
        the test set"), ``verdict``, ``reason``, and ``level``: "reaches" (reproduced), "is
        below" or "is above", so that "<protocol> <level> the paper's values" reads as a sentence.
    """
    from .verdicts import REPRODUCED, Interval, mean_interval, verdict_level

    need = ["letter", "protocol", "scoring", "features", "method", "run", "accuracy", "boot_low", "boot_high",
            "paper_value"]
    missing = [c for c in need if c not in runs.columns]
    if missing:
        raise ValueError(f"runs: missing column(s) {missing}")
    r = runs[runs["paper_value"].notna()]
    if r.empty:
        raise ValueError("runs: no row has a paper value")
    out = []
    for key, g in r.groupby(["letter", "protocol", "scoring"], sort=False):
        gap = (g["accuracy"] - g["paper_value"]).groupby(g["run"], sort=True).mean()
        if len(gap) >= 2:
            iv, how = mean_interval(gap.to_numpy(), level), "t over runs"
        else:
            iv = Interval(float(gap.iloc[0]), float((g["boot_low"] - g["paper_value"]).mean()),
                          float((g["boot_high"] - g["paper_value"]).mean()), 1, level)
            if not (np.isfinite(iv.low) and np.isfinite(iv.high)):
                raise ValueError(f"{key[1]} / {key[2]}: one run and no bootstrap interval")
            how = "bootstrap of the test set"
        v = verdict_level(iv, 0.0, tolerance=tolerance, unit=" points")
        word = "reaches" if v.verdict == REPRODUCED else ("is below" if iv.mean < 0 else "is above")
        means = g.groupby(["features", "method"], sort=False)["accuracy"].mean()
        out.append((*key, len(gap), len(means), float(means.min()), float(means.max()), iv.mean, iv.low, iv.high,
                    how, v.verdict, v.reason, word))
    return pd.DataFrame(out, columns=["letter", "protocol", "scoring", "runs", "rows", "lowest", "highest", "gap",
                                      "gap_low", "gap_high", "interval", "verdict", "reason", "level"])
