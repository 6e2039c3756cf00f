"""Figures shared by the notebooks (matplotlib only; imported lazily by the callers).

Notebook: 02_gtzan, 05_piano_comparison, 06_relative_importance, 07_4mula.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["plot_confusion", "plot_confusions", "plot_importance", "plot_epoch_selection"]


def plot_confusion(cm: pd.DataFrame, *, ax=None, title: str = "", cmap: str = "Blues", fmt: str = "{:.0f}"):
    """Draw a row-normalised confusion matrix (a DataFrame from :func:`kmnet.metrics.confusion_matrix`)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4, 3.6))
    values = cm.to_numpy(dtype=float)
    ax.imshow(values, cmap=cmap, vmin=0, vmax=100 if values.max() <= 100 else None)
    ax.set_xticks(range(values.shape[1]), cm.columns, rotation=45, ha="right")
    ax.set_yticks(range(values.shape[0]), cm.index)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.grid(False)
    thresh = 0.6 * np.nanmax(values) if values.size else 0
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            ax.text(j, i, fmt.format(values[i, j]), ha="center", va="center", fontsize=9,
                    color="white" if values[i, j] > thresh else "black")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_confusions(cms: Mapping[str, pd.DataFrame], *, ncols: int = 2, size: float = 3.6, suptitle: str = ""):
    """Several confusion matrices side by side; returns the figure."""
    import matplotlib.pyplot as plt

    n = len(cms)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols + 0.5, size * nrows), squeeze=False)
    for ax, (title, cm) in zip(axes.flat, cms.items()):
        plot_confusion(cm, ax=ax, title=title)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_importance(ri: pd.DataFrame, *, err: pd.DataFrame | None = None, ax=None, title: str = ""):
    """Grouped bar chart of relative importance (rows: input units, columns: models), in %."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5))
    ri.plot.bar(ax=ax, yerr=err, capsize=2, rot=30)
    ax.set_ylabel("relative importance (%)")
    if title:
        ax.set_title(title)
    return ax


def plot_epoch_selection(result, method: str, *, held_out: str = "held-out", title: str = "DM2KMN epoch selection",
                         size: float = 3.6):
    """The DM2KMN's epoch selection of every run, side by side; returns the figure.

    Per run (one panel): the held-out cross-entropy (mean over folds, with one standard
    deviation when the curve has several folds), the held-out error, the training error when the
    curve has it, against the epoch, and the chosen epoch as a vertical line, from the selection
    curve that :func:`kmnet.experiments.protocols.dm2kmn_methods` keeps in ``info["curve"]``.

    Parameters
    ----------
    result : kmnet.experiments.protocols.ProtocolResult
    method : str
        The learned DM2KMN's method name.
    held_out : str
        What the held-out part is called in the legend (``"held-out"``, ``"validation"``).
    title : str
        Panel title after ``"run <n>: "``.
    """
    import matplotlib.pyplot as plt

    curves = [(key[-2], info["curve"]) for key, info in result.info.items() if key[-1] == method and "curve" in info]
    if not curves:
        raise ValueError(f"result has no selection curve for method {method!r}")
    fig, axes = plt.subplots(1, len(curves), figsize=(size * len(curves), 3), sharey=True, squeeze=False)
    for ax, (run, curve) in zip(axes[0], curves):
        ax.plot(curve["epoch"], curve["val_loss"], "o-", ms=3, label=f"{held_out} cross-entropy")
        if "val_loss_std" in curve and curve["val_loss_std"].notna().any():
            ax.fill_between(curve["epoch"], curve["val_loss"] - curve["val_loss_std"],
                            curve["val_loss"] + curve["val_loss_std"], alpha=0.2)
        ax.plot(curve["epoch"], 1 - curve["val_accuracy"], "s--", ms=3, label=f"{held_out} error")
        if "train_accuracy" in curve:
            ax.plot(curve["epoch"], 1 - curve["train_accuracy"], "^:", ms=3, label="training error")
        ax.axvline(curve.loc[curve["best"], "epoch"].iloc[0], color="k", lw=0.8)
        ax.set_title(f"run {run}: {title}")
        ax.set_xlabel("epoch")
    axes[0, 0].legend(fontsize=9)
    return fig
