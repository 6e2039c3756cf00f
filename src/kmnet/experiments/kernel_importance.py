"""Which input kernels the multi-modal networks lean on (Figure 2, Eq. 18), and whether the
relative importance follows how well each kernel separates the training pieces.

Notebook: 06_relative_importance (and the relative-importance cells of 07_4mula).

* :func:`ri_runs` collects the relative importance (Eq. 18) of every input kernel of the fitted
  networks of every run into one long table; for a map network it uses the effective weights
  (:meth:`~kmnet.DeepKernelMapNetwork.effective_weights`), so that scale moved into the anchors
  by learning is accounted for.
* :func:`modality_totals` sums them per modality (the paper's audio / text totals);
  :func:`figure2_table` summarises both over the runs beside the paper's totals.
* :func:`kernel_alignment` measures how well each input kernel, as the DKN sees it (standardised,
  centred, normalised), separates the training classes: the centred kernel-target alignment
  :math:`\\langle K_c, Y_c\\rangle_F / (\\|K_c\\|_F\\|Y_c\\|_F)` of Cortes et al. (2012), with
  :math:`Y` the class-indicator kernel. :func:`ri_alignment_correlation` gives, run by run, the
  Spearman rank correlation between a network's RI and that alignment over the input kernels:
  the test of the statement "the network's weights favour the kernels that separate the
  training songs best".
* :func:`plot_figure2` draws Figure 2 (RI per kernel) and the modality totals beside the paper's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..metrics import relative_importance

__all__ = ["ri_runs", "modality_totals", "figure2_table", "kernel_alignment", "ri_alignment_correlation",
           "plot_figure2"]


def ri_runs(models: Mapping, keys: Sequence, networks: Sequence[str], *, effective: bool = True) -> pd.DataFrame:
    """Relative importance (Eq. 18) of every input kernel, one row per run, network and kernel.

    Parameters
    ----------
    models : mapping
        Fitted networks by key (e.g. ``ProtocolResult.models``, keyed ``(protocol, run, method)``).
    keys : sequence of (run, key_prefix)
        ``(run, prefix)`` pairs: the model of network ``name`` in run ``run`` is
        ``models[(*prefix, name)]``.
    networks : sequence of str
        Network (method) names.
    effective : bool, default True
        Passed to :func:`kmnet.metrics.relative_importance`.

    Returns
    -------
    DataFrame with ``run``, ``network``, ``unit``, ``modality``, ``kernel``, ``ri`` (%).
    """
    rows = []
    for run, prefix in keys:
        prefix = tuple(prefix) if isinstance(prefix, (tuple, list)) else (prefix,)
        for name in networks:
            key = (*prefix, name)
            if key not in models:
                raise ValueError(f"ri_runs: no model {key!r}")
            ri = relative_importance(models[key], effective=effective)
            rows.append(ri.reset_index().assign(run=run, network=name))
    if not rows:
        raise ValueError("ri_runs: no runs")
    out = pd.concat(rows, ignore_index=True)
    return out[["run", "network", "unit", "modality", "kernel", "ri"]]


def modality_totals(ri_long: pd.DataFrame) -> pd.DataFrame:
    """Sum of RI over each modality's kernels, per run and network (``run``, ``network``, ``modality``, ``ri``)."""
    missing = {"run", "network", "modality", "ri"} - set(ri_long.columns)
    if missing:
        raise ValueError(f"modality_totals: missing columns {sorted(missing)}")
    return (ri_long.groupby(["run", "network", "modality"], sort=False)["ri"].sum().reset_index())


def figure2_table(ri_long: pd.DataFrame, paper_totals: pd.DataFrame | None = None,
                  paper_rows: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Mean and standard deviation over the runs of every kernel's RI and of the modality totals.

    Parameters
    ----------
    ri_long : DataFrame from :func:`ri_runs`
    paper_totals : DataFrame, optional
        The paper's totals (rows: its network names, columns: modalities), e.g.
        ``paper_table("figure2_totals")``; the paper gives no per-kernel values in its text.
    paper_rows : mapping, optional
        Our network name -> the paper's row name.

    Returns
    -------
    DataFrame with ``network``, ``unit`` (kernel or ``"total <modality>"``), ``modality``,
    ``kernel`` (``"all"`` for totals), ``mean``, ``std``, ``runs``, ``paper_value``.
    """
    n_runs = ri_long.groupby("network")["run"].nunique()
    per_kernel = (ri_long.groupby(["network", "unit", "modality", "kernel"], sort=False)["ri"]
                  .agg(["mean", "std"]).reset_index())
    tot = modality_totals(ri_long)
    per_mod = tot.groupby(["network", "modality"], sort=False)["ri"].agg(["mean", "std"]).reset_index()
    per_mod = per_mod.assign(unit="total " + per_mod["modality"], kernel="all")
    out = pd.concat([per_kernel, per_mod[per_kernel.columns]], ignore_index=True)
    out["runs"] = out["network"].map(n_runs).astype(int)
    out["paper_value"] = np.nan
    if paper_totals is not None:
        rows = dict(paper_rows or {})
        for i, r in out.iterrows():
            p = rows.get(r["network"], r["network"])
            if r["kernel"] == "all" and p in paper_totals.index and r["modality"] in paper_totals.columns:
                out.loc[i, "paper_value"] = float(paper_totals.loc[p, r["modality"]])
    return out[["network", "unit", "modality", "kernel", "mean", "std", "runs", "paper_value"]]


def _alignment(K: np.ndarray, Y: np.ndarray) -> float:
    n = K.shape[0]
    H = np.eye(n) - 1.0 / n
    Kc, Yc = H @ K @ H, H @ Y @ H
    den = np.linalg.norm(Kc) * np.linalg.norm(Yc)
    return float(np.sum(Kc * Yc) / den) if den > 0 else 0.0


def kernel_alignment(dkn, views, y) -> pd.Series:
    """Centred kernel-target alignment of every input kernel of a fitted DKN on ``views``, ``y``.

    The kernels are the DKN's input layer (:meth:`InputLayer.gram`: the kernels as the network
    combines them); the target is the class-indicator kernel :math:`Y_{ij} = [y_i = y_j]`. Values
    lie in [-1, 1]; larger means the kernel's similarities follow the classes more closely.

    Returns
    -------
    Series indexed by the DKN's unit names (``"audio:linear"``, ...).
    """
    if not hasattr(dkn, "input_layer_"):
        raise ValueError("kernel_alignment: the DKN must be fitted")
    y = np.asarray(y)
    if y.ndim != 1 or len(np.unique(y)) < 2:
        raise ValueError("kernel_alignment: y must be 1-d with at least two classes")
    v = dkn._validate_predict(views)
    if len(y) != v[dkn.modalities_[0]].shape[0]:
        raise ValueError(f"kernel_alignment: {len(y)} labels for {v[dkn.modalities_[0]].shape[0]} samples")
    Y = (y[:, None] == y[None, :]).astype(float)
    vals = {}
    for name in dkn.unit_names_:
        K = dkn.input_layer_.gram(name, v).double().cpu().numpy()
        vals[name] = _alignment(0.5 * (K + K.T), Y)
    return pd.Series(vals, name="alignment")


def ri_alignment_correlation(ri_long: pd.DataFrame, alignment: pd.DataFrame) -> pd.DataFrame:
    """Spearman correlation, run by run and network by network, between RI and kernel alignment.

    Parameters
    ----------
    ri_long : DataFrame from :func:`ri_runs`
    alignment : DataFrame with ``run``, ``unit``, ``alignment``

    Returns
    -------
    DataFrame with ``run``, ``network``, ``spearman``, ``top_ri`` (the kernel of largest RI),
    ``top_alignment`` (the kernel of largest alignment).
    """
    merged = ri_long.merge(alignment[["run", "unit", "alignment"]], on=["run", "unit"], how="left")
    if merged["alignment"].isna().any():
        raise ValueError("ri_alignment_correlation: an input kernel has no alignment")
    rows = []
    for (run, net), g in merged.groupby(["run", "network"], sort=False):
        rho = stats.spearmanr(g["ri"], g["alignment"]).statistic if g["ri"].nunique() > 1 else np.nan
        rows.append({"run": run, "network": net, "spearman": float(rho),
                     "top_ri": g.loc[g["ri"].idxmax(), "unit"], "top_alignment": g.loc[g["alignment"].idxmax(), "unit"]})
    return pd.DataFrame(rows)


def plot_figure2(table: pd.DataFrame, *, networks: Sequence[str], width: float = 7.5):
    """Figure 2: RI of every input kernel (top), modality totals beside the paper's (bottom).

    Parameters
    ----------
    table : DataFrame from :func:`figure2_table`
    networks : sequence of str
        The networks to draw, in order.
    width : float
        Figure width in inches.
    """
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(2, 1, figsize=(width, 6.6), gridspec_kw={"height_ratios": [1.25, 1]})
    ker = table[table["kernel"] != "all"]
    units = list(dict.fromkeys(ker["unit"]))
    x = np.arange(len(units))
    w = 0.8 / len(networks)
    for j, net in enumerate(networks):
        t = ker[ker["network"] == net].set_index("unit").reindex(units)
        a1.bar(x + (j - (len(networks) - 1) / 2) * w, t["mean"], w, yerr=t["std"].fillna(0), capsize=2,
               color=f"C{j}", label=net)
    a1.set_xticks(x, [u.replace("audio:", "A-").replace("text:", "S-").replace("polynomial", "poly")
                      .replace("linear", "lin").replace("rbf", "RBF").replace("hi", "HI") for u in units])
    a1.set_ylabel("relative importance (%)")
    a1.set_title("RI of each input kernel (ours, mean ± std over runs)")
    a1.legend(fontsize=9)
    tot = table[table["kernel"] == "all"]
    labels, ours, ours_err, paper = [], [], [], []
    for net in networks:
        for mod in dict.fromkeys(tot["modality"]):
            r = tot[(tot["network"] == net) & (tot["modality"] == mod)].iloc[0]
            labels.append(f"{net}\n{mod}")
            ours.append(r["mean"])
            ours_err.append(0.0 if pd.isna(r["std"]) else r["std"])
            paper.append(r["paper_value"])
    x2 = np.arange(len(labels))
    a2.bar(x2 - 0.2, ours, 0.4, yerr=ours_err, capsize=2, color="C0", label="ours")
    a2.bar(x2 + 0.2, paper, 0.4, color="C3", alpha=0.7, label="paper")
    for xi, (o, p) in enumerate(zip(ours, paper)):
        a2.text(xi - 0.2, o + 1.5, f"{o:.1f}", ha="center", fontsize=9)
        if np.isfinite(p):
            a2.text(xi + 0.2, p + 1.5, f"{p:.1f}", ha="center", fontsize=9)
    a2.axhline(50, color="k", lw=0.8, ls=":")
    a2.set_xticks(x2, labels)
    a2.set_ylim(0, 105)
    a2.set_ylabel("total RI (%)")
    a2.set_title("Modality totals: ours beside the paper's")
    a2.legend(fontsize=9, loc="upper right")
    fig.tight_layout()
    return fig
