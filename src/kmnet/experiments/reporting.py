"""Helpers that report our numbers: run summaries, result tables on disk, timings.

* :func:`summarize_runs`: mean, standard deviation and number of runs per group, in %;
* :func:`write_results` / :func:`results_dir`: ``results/<name>.csv``, written atomically;
* :func:`timed`: a call's result and its median time.

The paper's numbers that ours are put beside are in :mod:`kmnet.experiments.paper`.

Notebook: every chapter (02_gtzan ... 07_4mula).
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import pandas as pd

from .._atomic import atomic_write_text

__all__ = ["summarize_runs", "write_results", "results_dir", "timed"]


def summarize_runs(runs: pd.DataFrame, by, value: str = "accuracy", *, percent: bool = True) -> pd.DataFrame:
    """Mean, standard deviation (ddof=1) and number of runs of ``value`` per group.

    ``runs`` has one row per (method, seed); accuracies in [0, 1] become % when ``percent``.
    """
    if value not in runs:
        raise ValueError(f"column {value!r} not in runs ({list(runs.columns)})")
    scale = 100.0 if percent else 1.0
    g = runs.groupby(by, sort=False)[value]
    out = pd.DataFrame({
        "mean": g.mean() * scale,
        "std": g.std(ddof=1).fillna(0.0) * scale,
        "runs": g.count(),
    })
    return out.reset_index()


def results_dir() -> Path:
    """``<checkout>/results`` (or ``KMNET_RESULTS``): where the notebooks write their tables."""
    env = os.environ.get("KMNET_RESULTS")
    if env:
        return Path(env)
    from ..datasets.paths import checkout_path

    return checkout_path("results")


def write_results(df: pd.DataFrame, name: str, *, directory=None, float_format: str = "%.4f") -> Path:
    """Write a result table to ``results/<name>.csv`` atomically and return its path."""
    d = Path(directory) if directory is not None else results_dir()
    path = d / (name if name.endswith(".csv") else f"{name}.csv")
    atomic_write_text(path, df.to_csv(index=False, float_format=float_format, lineterminator="\n"))
    return path


def timed(fn, *, repeat: int = 3, warmup: bool = True):
    """Call ``fn`` (once to warm up, then ``repeat`` times); return (its result, median seconds)."""
    out = fn() if warmup else None
    times = []
    for _ in range(max(1, int(repeat))):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)
