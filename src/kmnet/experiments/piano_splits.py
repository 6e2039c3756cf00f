"""The piano comparisons repeated over random splits, and the paired differences the verdicts use.

Notebook: 00_findings (the piano verdicts), 05_piano_comparison (the fixed split's Table 5).

Table 5 is measured on one fixed split of the 975 pieces (594 training / 381 test). On 381 test
pieces one accuracy near 85 % has a binomial standard error of about 1.8 points, so a
difference of one point between two methods cannot be called from that split. The verdicts on
the paper's piano claims therefore rest on repeated splits:

* :func:`piano_splits` draws ``n_splits`` stratified random splits with Table 2's proportions
  per period (:data:`kmnet.datasets.piano.PAPER_SPLIT`), the files that are segments of one
  movement (the manifest's ``movement`` key) on one side
  (:func:`kmnet.datasets.splits.split_pieces`); the split seeds come from one seed;
* :func:`run_piano_splits` fits the compared methods on each split
  (:func:`kmnet.experiments.protocols.run_protocol`), one split at a time, keeping every
  finished split in an atomically written cache so that an interrupted run resumes;
* :func:`split_table` is the per-split, per-method table (accuracy, status, fit seconds);
* :func:`compute_piano_splits` does all of it on the committed features and writes
  ``results/piano_splits.csv`` and ``results/piano_splits_paired.csv``
  (``python -m kmnet.experiments.piano_splits --splits 10``; heavy: minutes per split);
* :func:`paired_differences` gives, for every comparison of :data:`COMPARISONS`, the paired
  difference A - B over the splits (:func:`kmnet.experiments.verdicts.paired_interval`: mean
  and 95 % Student-t interval), the number of splits in which A is ahead, the paper's
  difference (Table 5) and the verdict (:func:`kmnet.experiments.verdicts.verdict_better`).

The methods are those of Table 5 (:func:`kmnet.experiments.piano_comparison.piano_methods`,
default :data:`DEFAULT_METHODS`): model selection inside each split's training part only (SVM
``C`` and the DM2KMN's calibration and epoch count by five-fold cross-validation). One caveat:
the bag-of-words branch of CNN + BOW [91] reads the committed ``**kern`` token counts, whose
2000-token vocabulary was chosen by frequency on the fixed split's training pieces (no labels;
the tf-idf weights are fitted on each split's training part).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..datasets.splits import Split, split_pieces
from . import method_names as names

__all__ = [
    "DEFAULT_METHODS",
    "FUSIONS",
    "SINGLES",
    "COMPARISONS",
    "piano_splits",
    "run_piano_splits",
    "split_table",
    "best_single",
    "paired_differences",
    "compute_piano_splits",
    "method_summary",
    "plot_paired_differences",
]

#: the fusion baselines of Table 5
FUSIONS = (names.CNN_BOW, names.DCN, names.CONCAT, names.LATE, names.HYBRID)
#: the single-modality methods of Table 5
SINGLES = (names.AUDIO_HI, names.AUDIO_CNN, names.AUDIO_DKN, names.TEXT_HI, names.TEXT_MLP, names.TEXT_DKN)
#: every method of Table 5, in the paper's row order
DEFAULT_METHODS = (*SINGLES, *FUSIONS, names.DKN, names.INITIAL_DM2KMN, names.LEARNED_DM2KMN)

#: the paired comparisons the piano verdicts rest on: (label, A, B); B = "best single modality"
#: is the single-modality method with the highest mean accuracy over the splits
BEST_SINGLE = "best single modality"
COMPARISONS = (
    ("learned DM2KMN - multi-modal DKN", names.LEARNED_DM2KMN, names.DKN),
    ("learned DM2KMN - initial DM2KMN", names.LEARNED_DM2KMN, names.INITIAL_DM2KMN),
    *((f"learned DM2KMN - {f}", names.LEARNED_DM2KMN, f) for f in FUSIONS),
    ("multi-modal DKN - best single modality", names.DKN, BEST_SINGLE),
    ("text DKN - audio DKN", names.TEXT_DKN, names.AUDIO_DKN),
)


def piano_splits(
    manifest: pd.DataFrame,
    *,
    n_splits: int = 10,
    seed: int = 0,
    split=None,
    periods: Sequence[str] | None = None,
    protocol: str = "piano, random splits",
) -> list[Split]:
    """Stratified random training/test splits of the piano set, movements kept on one side.

    Split ``i`` is :func:`kmnet.datasets.splits.split_pieces` with the ``i``-th seed drawn from
    ``seed`` (a :class:`numpy.random.SeedSequence`): per period, Table 2's share of the pieces
    in the test set (exactly Table 2's counts for a period of the paper's size), the files
    sharing a ``movement`` key on one side. The same seed gives the same splits; the split's
    seed also seeds the models fitted on it.

    Parameters
    ----------
    manifest : DataFrame
        The piano manifest (``id``, ``period`` and ``movement`` columns), in feature-row order.
    n_splits : int, default 10
    seed : int, default 0
    split : mapping period -> (train, test), optional
        Default :data:`kmnet.datasets.piano.PAPER_SPLIT` (Table 2).
    periods : sequence of str, optional
        Default :data:`kmnet.datasets.piano.PERIODS`.
    protocol : str

    Returns
    -------
    list of Split
        ``run`` 0 .. n_splits - 1, sorted row indices into ``manifest``.
    """
    from ..datasets.piano import PAPER_SPLIT, PERIODS

    if int(n_splits) < 1:
        raise ValueError(f"n_splits must be >= 1, got {n_splits}")
    missing = {"id", "period"} - set(manifest.columns)
    if missing:
        raise ValueError(f"manifest lacks columns {sorted(missing)}")
    split = PAPER_SPLIT if split is None else split
    periods = tuple(PERIODS if periods is None else periods)
    m = manifest.reset_index(drop=True)
    seeds = np.random.SeedSequence(int(seed)).generate_state(int(n_splits), dtype=np.uint32)
    out = []
    for run, s in enumerate(int(v) % 2**31 for v in seeds):
        side = split_pieces(m, split, seed=s, periods=periods).to_numpy()
        out.append(Split(protocol, run, np.flatnonzero(side == "train"), np.flatnonzero(side == "test"), None, s))
    return out


def _split_key(split: Split, methods: Sequence[str], params: dict | None) -> str:
    h = hashlib.sha256()
    h.update(np.asarray(split.train, dtype=np.int64).tobytes())
    h.update(np.asarray(split.test, dtype=np.int64).tobytes())
    h.update(json.dumps({"seed": split.seed, "methods": list(methods), "params": params or {}},
                        sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


def run_piano_splits(
    methods,
    views,
    y,
    splits: Sequence[Split],
    *,
    cache_dir=None,
    params: dict | None = None,
    progress: bool = True,
    **protocol_kw,
) -> pd.DataFrame:
    """Fit ``methods`` on every split, one split at a time; return the runs of all splits.

    Parameters
    ----------
    methods : sequence of kmnet.experiments.protocols.Method
        E.g. :func:`kmnet.experiments.piano_comparison.piano_methods` (filtered to the ones
        needed).
    views, y
        As for :func:`kmnet.experiments.protocols.run_protocol`.
    splits : sequence of Split
        From :func:`piano_splits`.
    cache_dir : path, optional
        Each finished split's runs are written there (atomically, one CSV per split, named by a
        hash of the split, the method names and ``params``); a later call reads them instead of
        refitting.
    params : dict, optional
        The method parameters, recorded in the cache key (change them and the cache misses).
    progress : bool, default True
        A tqdm bar over the splits.
    **protocol_kw
        Passed to :func:`~kmnet.experiments.protocols.run_protocol` (``time_repeat``, ...).

    Returns
    -------
    DataFrame
        :attr:`ProtocolResult.runs` of every split, concatenated.
    """
    from tqdm.auto import tqdm

    from .._atomic import atomic_write_text
    from .protocols import run_protocol

    splits = list(splits)
    if not splits:
        raise ValueError("splits: nothing to run")
    method_names = [m.name for m in methods]
    out = []
    for s in tqdm(splits, disable=not progress, desc="splits", leave=False):
        path = None
        if cache_dir is not None:
            path = Path(cache_dir) / f"split-{s.run:02d}-{_split_key(s, method_names, params)}.csv"
            if path.exists():
                out.append(pd.read_csv(path, keep_default_na=False, na_values=[""]))
                continue
        runs = run_protocol(methods, views, y, [s], progress=False, **protocol_kw).runs
        if path is not None:
            atomic_write_text(path, runs.to_csv(index=False, lineterminator="\n"))
        out.append(runs)
    return pd.concat(out, ignore_index=True)


def split_table(runs: pd.DataFrame) -> pd.DataFrame:
    """The per-split, per-method table: accuracy in %, status, fit and forward seconds.

    Parameters
    ----------
    runs : DataFrame
        From :func:`run_piano_splits` (``run``, ``seed``, ``method``, ``status``, ``accuracy``
        in [0, 1], ``fit_s``, ``n_fit``, ``n_test``; optional ``C``, ``epochs``, ``re``).

    Returns
    -------
    DataFrame
        ``split``, ``seed``, ``method``, ``status``, ``accuracy`` (%), ``fit_s``, ``forward_s``
        (test-set prediction, median of the timed repeats), ``n_train``,
        ``n_test`` and, where recorded, ``C``, ``epochs``, ``re`` (RE, Eq. 17, in %).
    """
    need = {"run", "method", "status", "accuracy", "fit_s"}
    if not need <= set(runs.columns):
        raise ValueError(f"runs: needs columns {sorted(need)}, got {list(runs.columns)}")
    out = pd.DataFrame({
        "split": runs["run"].astype(int),
        "seed": runs["seed"] if "seed" in runs else np.nan,
        "method": runs["method"],
        "status": runs["status"],
        "accuracy": 100.0 * runs["accuracy"].astype(float),
        "fit_s": runs["fit_s"].astype(float),
        "forward_s": runs["forward_s"].astype(float) if "forward_s" in runs else np.nan,
        "n_train": runs["n_fit"] if "n_fit" in runs else np.nan,
        "n_test": runs["n_test"] if "n_test" in runs else np.nan,
    })
    for c in ("C", "epochs", "re"):
        if c in runs:
            out[c] = runs[c].astype(float)
    return out.reset_index(drop=True)


def _wide(table: pd.DataFrame) -> pd.DataFrame:
    need = {"split", "method", "status", "accuracy"}
    if not need <= set(table.columns):
        raise ValueError(f"table: needs columns {sorted(need)}, got {list(table.columns)}")
    ok = table[table["status"] == "ok"]
    return ok.pivot_table(index="split", columns="method", values="accuracy", aggfunc="first")


def best_single(table: pd.DataFrame, singles: Sequence[str] = SINGLES) -> str:
    """The single-modality method with the highest mean accuracy over the splits it ran on."""
    wide = _wide(table)
    have = [m for m in singles if m in wide.columns and wide[m].notna().any()]
    if not have:
        raise ValueError(f"table: none of the single-modality methods {list(singles)}")
    return max(have, key=lambda m: float(wide[m].mean()))


def paired_differences(
    table: pd.DataFrame,
    comparisons: Sequence[tuple[str, str, str]] = COMPARISONS,
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Paired differences A - B over the splits, with their intervals and verdicts.

    Parameters
    ----------
    table : DataFrame
        From :func:`split_table` (``split``, ``method``, ``status``, ``accuracy`` in %).
    comparisons : sequence of (label, A, B)
        Default :data:`COMPARISONS`; ``B = "best single modality"`` is resolved by
        :func:`best_single`. A comparison whose methods are absent is left out.
    confidence : float, default 0.95

    Returns
    -------
    DataFrame
        ``comparison``, ``a``, ``b``, ``mean``, ``ci_low``, ``ci_high`` (points), ``splits``
        (splits where both succeeded), ``a_ahead`` (splits where A is ahead), ``paper_diff``
        (Table 5's A - B, points), ``verdict`` and ``reason``
        (:func:`kmnet.experiments.verdicts.verdict_better`).
    """
    from .paper import paper_table
    from .piano_comparison import _PAPER_ROW
    from .verdicts import paired_interval, verdict_better

    wide = _wide(table)
    p5 = paper_table("table5")
    pval = {m: float(p5.loc[(p5["modality"] == mod) & (p5["method"] == pm), "paper_mean"].iloc[0])
            for m, (mod, pm) in _PAPER_ROW.items()}
    rows = []
    for label, a, b in comparisons:
        if b == BEST_SINGLE:
            b = best_single(table)
            label = f"{label.rsplit(' - ', 1)[0]} - best single modality ({b})"
        if a not in wide.columns or b not in wide.columns:
            continue
        pair = wide[[a, b]].dropna()
        row = {"comparison": label, "a": a, "b": b, "mean": np.nan, "ci_low": np.nan, "ci_high": np.nan,
               "splits": len(pair), "a_ahead": int((pair[a] > pair[b]).sum()),
               "paper_diff": pval[a] - pval[b] if a in pval and b in pval else np.nan,
               "verdict": "", "reason": ""}
        if len(pair):
            iv = paired_interval(pair[a].to_numpy(), pair[b].to_numpy(), confidence)
            row.update(mean=iv.mean, ci_low=iv.low if iv.n > 1 else np.nan, ci_high=iv.high if iv.n > 1 else np.nan)
            if iv.n > 1:
                v = verdict_better(iv, paper_diff=None if np.isnan(row["paper_diff"]) else row["paper_diff"])
                row.update(verdict=v.verdict, reason=v.reason)
        rows.append(row)
    return pd.DataFrame(rows, columns=["comparison", "a", "b", "mean", "ci_low", "ci_high", "splits", "a_ahead",
                                       "paper_diff", "verdict", "reason"])


def method_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per method over the splits: accuracy mean, std, 95 % interval (%), splits, mean fit seconds.

    In the order of :data:`DEFAULT_METHODS` (others after), from :func:`split_table`.
    """
    from .verdicts import mean_interval

    wide = _wide(table)
    order = [m for m in DEFAULT_METHODS if m in wide.columns] + [m for m in wide.columns if m not in DEFAULT_METHODS]
    fit = table[table["status"] == "ok"].groupby("method")["fit_s"].mean() if "fit_s" in table else pd.Series()
    rows = []
    for m in order:
        a = wide[m].dropna().to_numpy()
        if a.size == 0:
            continue
        iv = mean_interval(a)
        rows.append({"method": m, "mean": iv.mean, "std": float(a.std(ddof=1)) if a.size > 1 else np.nan,
                     "ci_low": iv.low if a.size > 1 else np.nan, "ci_high": iv.high if a.size > 1 else np.nan,
                     "splits": int(a.size), "fit_s": float(fit.get(m, np.nan))})
    return pd.DataFrame(rows)


def plot_paired_differences(paired: pd.DataFrame, *, width: float = 7.5):
    """Paired differences A - B (points) with their 95 % intervals, the paper's differences beside.

    One row per comparison of :func:`paired_differences`; ours as a dot with its interval, the
    paper's Table 5 difference as a red cross, zero as a dashed line. Returns the figure.
    """
    import matplotlib.pyplot as plt

    need = {"comparison", "mean", "ci_low", "ci_high", "paper_diff"}
    if not need <= set(paired.columns):
        raise ValueError(f"paired: needs columns {sorted(need)}, got {list(paired.columns)}")
    p = paired.reset_index(drop=True)
    n = len(p)
    fig, ax = plt.subplots(figsize=(width, 0.42 * n + 1.2))
    yy = np.arange(n)[::-1]
    err = np.vstack([p["mean"] - p["ci_low"], p["ci_high"] - p["mean"]]).astype(float)
    ax.errorbar(p["mean"], yy, xerr=np.nan_to_num(err), fmt="o", color="C0", capsize=3,
                label="ours: mean and 95 % interval over the splits")
    ax.plot(p["paper_diff"], yy, "x", color="C3", markersize=8, mew=2, label="the paper (Table 5)")
    ax.axvline(0.0, color="0.3", ls="--", lw=1)
    labels = [c.replace("learned DM2KMN - ", "learned - ") for c in p["comparison"]]
    ax.set_yticks(yy, labels)
    ax.set_xlabel("difference in test accuracy (points)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    ax.grid(True, axis="x", alpha=0.3)
    ax.grid(False, axis="y")
    fig.tight_layout()
    return fig


#: the method parameters of the repeated splits: notebook 05's defaults (Table 5)
DEFAULT_PARAMS = dict(hi_C=(0.1, 1.0, 10.0, 100.0, 1000.0), cnn_epochs=60, mlp_epochs=100,
                      dkn_C=(0.1, 1.0, 10.0, 100.0), dkn_hidden=16, dkn_max_iter=30, dm2kmn_anchors=None,
                      dm2kmn_max_epochs=30, dm2kmn_check_every=5, dm2kmn_patience=2)


def compute_piano_splits(
    *,
    n_splits: int = 10,
    seed: int = 0,
    methods: Sequence[str] = DEFAULT_METHODS,
    features_path=None,
    audio_feature: str = "audio_mfcc",
    device=None,
    cache_dir=None,
    write: bool = True,
    only: Sequence[int] | None = None,
    progress: bool = True,
    **params,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the repeated-split comparison on the piano set and (by default) write its tables.

    Parameters
    ----------
    n_splits, seed
        See :func:`piano_splits`.
    methods : sequence of str
        Names of Table 5's methods to run (default all; the DM2KMNs need the multi-modal DKN).
    features_path : path, optional
        Default: the committed ``data/piano/features.npz``.
    audio_feature : str
        The audio modality (``"audio_mfcc"``, Table 5's).
    device : str, optional
    cache_dir : path, optional
        Default ``<project cache>/piano_splits`` (see :func:`run_piano_splits`).
    write : bool, default True
        Write ``piano_splits`` and ``piano_splits_paired`` through
        :func:`kmnet.experiments.reporting.write_results`.
    only : sequence of int, optional
        Fit only these splits (into the cache; nothing is written): several processes can share
        the work, and a last call without ``only`` collects the cached splits.
    progress : bool
    **params
        Overrides of :data:`DEFAULT_PARAMS`.

    Returns
    -------
    table, paired : DataFrame
        :func:`split_table` and :func:`paired_differences`.
    """
    from ..datasets.piano.features import load_features
    from .piano_comparison import piano_methods
    from .reporting import write_results
    from .views import piano_views

    unknown = set(params) - set(DEFAULT_PARAMS)
    if unknown:
        raise ValueError(f"unknown parameters {sorted(unknown)}; known: {sorted(DEFAULT_PARAMS)}")
    bad = [m for m in methods if m not in DEFAULT_METHODS]
    if bad:
        raise ValueError(f"unknown methods {bad}; known: {list(DEFAULT_METHODS)}")
    if {names.INITIAL_DM2KMN, names.LEARNED_DM2KMN} & set(methods) and names.DKN not in methods:
        raise ValueError(f"the DM2KMNs are built from the {names.DKN!r}: add it to methods")
    p = {**DEFAULT_PARAMS, **params}
    F = load_features(features_path)
    views, y, _, _, image_shape = piano_views(F, audio=audio_feature)
    splits = piano_splits(F.manifest, n_splits=n_splits, seed=seed)
    if only is not None:
        bad = sorted(set(int(i) for i in only) - set(range(len(splits))))
        if bad:
            raise ValueError(f"only: splits {bad} are not among 0..{len(splits) - 1}")
        splits = [s for s in splits if s.run in {int(i) for i in only}]
        write = False
    chosen = [m for m in piano_methods(image_shape=image_shape, device=device, **p) if m.name in set(methods)]
    if cache_dir is None:
        from ..features.cache import cache_root

        cache_dir = cache_root() / "piano_splits"
    key = {**p, "audio": audio_feature, "features": F.info.get("config", {})}
    runs = run_piano_splits(chosen, views, y, splits, cache_dir=cache_dir, params=key, progress=progress,
                            time_repeat=3)
    table = split_table(runs)
    paired = paired_differences(table)
    if write:
        write_results(table, "piano_splits")
        write_results(paired, "piano_splits_paired")
    return table, paired


def main(argv=None) -> None:  # pragma: no cover - a thin command line around compute_piano_splits
    import argparse

    ap = argparse.ArgumentParser(description="Table 5's comparisons over repeated random splits of the piano set.")
    ap.add_argument("--splits", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--methods", nargs="*", default=list(DEFAULT_METHODS))
    ap.add_argument("--only", type=int, nargs="*", default=None, help="fit only these splits (cache only)")
    args = ap.parse_args(argv)
    from ..reproducibility import setup

    setup(threads=1, seed=args.seed)
    table, paired = compute_piano_splits(n_splits=args.splits, seed=args.seed, methods=args.methods, only=args.only)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(paired[["comparison", "mean", "ci_low", "ci_high", "splits", "a_ahead", "verdict"]])


if __name__ == "__main__":  # pragma: no cover
    main()
