"""The setup every chapter's first code cell shares.

Notebook: 02_gtzan, 04_piano_ablations, 05_piano_comparison, 06_relative_importance, 07_4mula.
"""

from __future__ import annotations

__all__ = ["FIGURE_STYLE", "notebook_setup"]

#: figures sized for the book's column (at most 7.7 in at 100 dpi, about 780 px) with text of at
#: least 9 pt once shown at that size
FIGURE_STYLE = {
    "figure.dpi": 100,
    "figure.figsize": (7.5, 3.8),
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "figure.titlesize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
}


def notebook_setup(*, device=None, torch_threads=None, seed=None, precision: int = 2, max_colwidth: int | None = None,
                   extra: tuple = (), portable: bool = True, **pandas_options) -> None:
    """Quiet progress-bar warnings, set threads, seed, display options and figure style; print versions.

    The printed line names the kmnet and torch versions and the device the notebook's models run
    on (``"cuda"`` or ``"cpu"``).

    Parameters
    ----------
    device : str, optional
        The notebook's ``device`` parameter (None: CUDA when available); only reported.
    torch_threads : int, optional
        Torch and BLAS threads (None or 0: the defaults; results may then depend on the number
        of cores). Threads, MKL's code path, deterministic kernels and the global seeds are
        pinned by :func:`kmnet.reproducibility.setup`.
    seed : int, optional
        Seed of Python's, NumPy's and torch's global generators.
    portable : bool, default True
        Pin MKL's compatible code path (:func:`kmnet.reproducibility.setup`); must come
        before any computation of the process.
    precision : int, default 2
        ``pandas`` display precision.
    max_colwidth : int, optional
        ``pandas`` display width of a column.
    extra : tuple
        More items for the printed line (e.g. ``("| seeds:", seeds)``).
    **pandas_options
        Other ``display.<name>`` options of pandas (e.g. ``width=160``).
    """
    import warnings

    import matplotlib.pyplot as plt
    import pandas as pd
    import torch

    from .. import __version__

    warnings.filterwarnings("ignore", category=UserWarning, module="tqdm")
    warnings.filterwarnings("ignore", message=".*IProgress.*")
    from ..reproducibility import setup as reproducible_setup

    pinned = reproducible_setup(threads=int(torch_threads) if torch_threads else None,
                                seed=None if seed is None else int(seed), portable=portable)
    pd.set_option("display.precision", int(precision))
    if max_colwidth is not None:
        pd.set_option("display.max_colwidth", int(max_colwidth))
    for name, value in pandas_options.items():
        pd.set_option(f"display.{name}", value)
    plt.rcParams.update(FIGURE_STYLE)
    used = "cuda" if (device or ("cuda" if torch.cuda.is_available() else "cpu")) == "cuda" else "cpu"
    print("kmnet", __version__, "| torch", torch.__version__, "| device:", used, "| threads:", pinned["threads"],
          "| MKL path:", pinned["mkl_branch"] or "n/a", *extra)
