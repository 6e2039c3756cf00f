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

Examples
--------
>>> from kmnet.datasets import gtzan                                   # doctest: +SKIP
>>> res = run_gtzan_protocols(gtzan.load_gtzan_windows(), gtzan.load_gtzan_table(),
...                           seeds=(0, 1, 2))                          # doctest: +SKIP
>>> res.summary()[["protocol", "scoring", "features", "method", "mean", "ci_low", "ci_high"]]  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
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
    "BASELINE_NAMES",
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
    by_window = random_splits(window_y, seeds=seeds, test_size=test_size, protocol=PROTOCOLS["windows"])
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
    out.append(dkn_method("3-layer DKN", views=cols, max_iter=int(dkn_iterations), device=device))
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
        """A bootstrap interval of every run's test accuracy, resampling its test clips.

        Windows of one clip are resampled together (:func:`cluster_bootstrap`), so per-window
        scores get the width that their clips, not their windows, allow.

        Returns
        -------
        DataFrame
            One row per run of :attr:`runs`: the keys, ``run``, ``accuracy``, ``boot_low``,
            ``boot_high`` (%), ``test_clips``.
        """
        pred = self.result.predictions.copy()
        is_clip = pred["protocol"] == PROTOCOLS["clips"]
        pred["clip"] = ""
        pred.loc[~is_clip, "clip"] = self.window_clips[pred.loc[~is_clip, "index"].to_numpy(dtype=np.int64)]
        pred.loc[is_clip, "clip"] = self.clip_ids[pred.loc[is_clip, "index"].to_numpy(dtype=np.int64)]
        pred["scoring"] = np.where(is_clip, "clip", "window")
        votes = self.votes.assign(scoring="clip vote")
        cols = [*self._KEYS, "run", "clip", "y_true", "y_pred"]
        units = pd.concat([pred[cols], votes[cols]], ignore_index=True)
        units["correct"] = (units["y_true"] == units["y_pred"]).astype(float)
        per_clip = units.groupby([*self._KEYS, "run", "clip"], sort=False)["correct"].agg(["sum", "size"]).reset_index()
        rows = []
        for i, (key, g) in enumerate(per_clip.groupby([*self._KEYS, "run"], sort=False)):
            lo, hi = cluster_bootstrap(g["sum"], g["size"], n_boot=n_boot, level=level, seed=seed + i)
            acc = g["sum"].sum() / g["size"].sum()
            rows.append((*key, 100 * acc, 100 * lo, 100 * hi, len(g)))
        return pd.DataFrame(rows, columns=[*self._KEYS, "run", "accuracy", "boot_low", "boot_high", "test_clips"])


def run_gtzan_protocols(
    windows: GTZANWindowTable,
    clips: GTZANTable,
    *,
    seeds: Sequence[int] = (0, 1, 2),
    feature_sets: Mapping[str, Sequence[str]] | None = None,
    protocols: Sequence[str] = ("windows", "windows_by_clip", "clips"),
    methods: Callable[[tuple[str, ...]], list[Method]] | None = None,
    test_size: float = 0.3,
    preprocess: Callable[[], object] | None = None,
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
    feature_sets : mapping, optional
        Name -> views; default :data:`kmnet.datasets.gtzan.FEATURE_SETS` (MFCC; MFCC + spectral).
    protocols : sequence of {"windows", "windows_by_clip", "clips"}
    methods : callable, optional
        ``methods(cols) -> list of Method``; default :func:`table1_methods` with
        ``**method_params``. For (b) they are wrapped by :func:`group_selection`.
    test_size : float, default 0.3
    preprocess : callable returning a transformer, optional
        Default ``MinMaxScaler`` (fitted on each split's fit rows, as in Table 1).
    progress : bool, default False
        A tqdm bar per (protocol, feature set).
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
    """
    from sklearn.preprocessing import MinMaxScaler

    bad = [p for p in protocols if p not in PROTOCOLS]
    if bad or not protocols:
        raise ValueError(f"protocols: unknown or empty {list(protocols)}; choose from {list(PROTOCOLS)}")
    if methods is not None and method_params:
        raise ValueError(f"pass either methods= or the parameters of table1_methods, not both ({list(method_params)})")
    feature_sets = dict(FEATURE_SETS if feature_sets is None else feature_sets)
    if not feature_sets:
        raise ValueError("feature_sets: nothing to run")
    make = methods if methods is not None else (lambda cols: table1_methods(cols, **method_params))
    preprocess = MinMaxScaler if preprocess is None else preprocess

    rows = matching_clips(windows, clips)
    clip_ids = np.array([clip_id(f) for f in clips.filenames[rows]])
    clip_y = clips.y[rows]
    splits = protocol_splits(windows.y, windows.clips, clip_ids, clip_y, seeds=seeds, test_size=test_size)
    data = {
        "windows": (feature_views(windows), windows.y),
        "windows_by_clip": (feature_views(windows), windows.y),
        "clips": ({k: v[rows] for k, v in feature_views(clips).items()}, clip_y),
    }
    result = None
    for key in protocols:
        views, y = data[key]
        for label, cols in feature_sets.items():
            ms = make(tuple(cols))
            if key == "windows_by_clip":
                ms = group_selection(ms, windows.clips)
            r = run_protocol(ms, views, y, splits[key], preprocess=preprocess, tags={"features": label},
                             progress=progress)
            result = r if result is None else result.concat(r)

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
    return GTZANProtocolResult(result, runs, votes, np.asarray(windows.clips), clip_ids)
