"""Evaluation: accuracy, confusion matrices, relative error (Eq. 17), relative importance (Eq. 18),
and the paired comparison of two classifiers on the same samples (exact McNemar test)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from scipy.stats import binomtest

__all__ = [
    "relative_error",
    "relative_importance",
    "modality_importance",
    "accuracy",
    "confusion_matrix",
    "mcnemar_test",
]


def _np(a) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().double().numpy()
    return np.asarray(a, dtype=np.float64)


def relative_error(K_approx, K_exact) -> float:
    """Relative error of an approximate kernel against the exact one, in % (Eq. 17).

    .. math:: \\mathrm{RE}=\\frac{1}{|T|^2}\\sum_{x,x'\\in T}
        \\frac{|\\hat\\kappa(x,x')-\\kappa(x,x')|}{|\\hat\\kappa(x,x')|+|\\kappa(x,x')|}\\times100

    Pairs where both values are zero count as exact.

    Parameters
    ----------
    K_approx, K_exact : array-like or tensor of the same shape
        e.g. ``dm2kmn.output_kernel(X)`` and ``dkn.output_kernel(X)``.
    """
    A, B = _np(K_approx), _np(K_exact)
    if A.shape != B.shape:
        raise ValueError(f"K_approx and K_exact differ in shape: {A.shape} vs {B.shape}")
    if A.size == 0:
        raise ValueError("empty kernel matrices")
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
        raise ValueError("kernel matrices contain NaN or inf")
    num = np.abs(A - B)
    den = np.abs(A) + np.abs(B)
    ratio = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    return float(ratio.mean() * 100.0)


def _ri_from_weights(weights: Sequence[np.ndarray]) -> np.ndarray:
    """Eq. 18 generalised to any depth (for 3 layers it is exactly the paper's formula).

    ``weights[l]`` has shape (n_{l+1}, n_l). The output unit's incoming weights are used as they
    are; every lower unit passes its importance down in proportion to its normalised incoming
    weights :math:`w_{p,q}/\\sum_k w_{p,k}`.
    """
    ws = [np.asarray(w, dtype=np.float64) for w in weights]
    if any(w.ndim != 2 for w in ws):
        raise ValueError("weights must be 2-D matrices (n_out, n_in)")
    if ws[-1].shape[0] != 1:
        raise ValueError("the last weight matrix must have one row (the output unit)")
    if any((w < 0).any() for w in ws):
        raise ValueError("weights must be non-negative")
    imp = ws[-1][0]  # importance of the units feeding the output
    for w in reversed(ws[:-1]):
        share = w / np.maximum(w.sum(1, keepdims=True), 1e-300)
        imp = imp @ share
    total = imp.sum()
    if total <= 0:
        raise ValueError("all weights are zero: relative importance is undefined")
    return imp / total * 100.0


def relative_importance(model_or_weights, unit_names: Sequence[str] | None = None, *,
                        effective: bool = True) -> pd.DataFrame:
    """Relative importance of every input unit for the output unit, in % (Eq. 18).

    .. math:: \\mathrm{RI}_q=\\frac{\\sum_p w^{(1)}_{q,p}w^{(2)}_{p,o}/\\sum_k w^{(1)}_{k,p}}
        {\\sum_{q'}\\sum_p w^{(1)}_{q',p}w^{(2)}_{p,o}/\\sum_k w^{(1)}_{k,p}}\\times100

    Parameters
    ----------
    model_or_weights : DeepKernelNetwork, DeepKernelMapNetwork or list of arrays
        A fitted network (its ``weights_`` and ``unit_names_`` are used) or the weight matrices.
    unit_names : sequence of str, optional
        Input unit names when weights are given (default ``unit0, unit1, ...``).
    effective : bool, default True
        For a map network, use its
        :meth:`~kmnet.DeepKernelMapNetwork.effective_weights` (the weights with the scale that
        learning moved into the anchors and projections put back; equal to ``weights_`` before
        learning). With ``False``, the raw ``weights_``, which after learning depend on an
        arbitrary split of scale between :math:`w` and the anchors.

    Returns
    -------
    DataFrame indexed by input unit (``"audio:hi"``, ...) with columns ``modality``, ``kernel``
    and ``ri`` (%, summing to 100).
    """
    if effective and hasattr(model_or_weights, "effective_weights"):
        weights = model_or_weights.effective_weights()
        names = list(model_or_weights.unit_names_) if unit_names is None else list(unit_names)
    elif hasattr(model_or_weights, "weights_"):
        weights = model_or_weights.weights_
        names = list(model_or_weights.unit_names_) if unit_names is None else list(unit_names)
    else:
        weights = list(model_or_weights)
        names = list(unit_names) if unit_names is not None else None
    ri = _ri_from_weights(weights)
    if names is None:
        names = [f"unit{i}" for i in range(len(ri))]
    if len(names) != len(ri):
        raise ValueError(f"{len(names)} unit names for {len(ri)} input units")
    mod = [n.split(":", 1)[0] if ":" in n else n for n in names]
    ker = [n.split(":", 1)[1] if ":" in n else "" for n in names]
    return pd.DataFrame({"modality": mod, "kernel": ker, "ri": ri}, index=pd.Index(names, name="unit"))


def modality_importance(ri: pd.DataFrame) -> pd.Series:
    """Sum of RI over each modality's input units (the paper's audio / text totals)."""
    return ri.groupby("modality", sort=False)["ri"].sum()


def accuracy(y_true, y_pred) -> float:
    """Fraction of correct predictions, in [0, 1]."""
    yt, yp = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    if yt.shape != yp.shape:
        raise ValueError(f"y_true and y_pred differ in length: {yt.shape} vs {yp.shape}")
    if yt.size == 0:
        raise ValueError("no predictions")
    return float(np.mean(yt == yp))


def confusion_matrix(y_true, y_pred, labels=None, *, normalize: str | None = "true") -> pd.DataFrame:
    """Confusion matrix as a DataFrame (rows: true class, columns: predicted class).

    ``normalize="true"`` (default) gives row percentages (the paper's Figures 3-4);
    ``None`` gives counts.
    """
    yt, yp = list(y_true), list(y_pred)
    if len(yt) != len(yp):
        raise ValueError(f"y_true and y_pred differ in length: {len(yt)} vs {len(yp)}")
    if labels is None:
        labels = list(dict.fromkeys(yt + yp))
        try:
            labels = sorted(labels)
        except TypeError:
            pass
    labels = list(labels)
    index = {c: i for i, c in enumerate(labels)}
    cm = np.zeros((len(labels), len(labels)))
    for a, b in zip(yt, yp):
        if a not in index or b not in index:
            raise ValueError(f"label {a if a not in index else b!r} is not in labels")
        cm[index[a], index[b]] += 1
    if normalize == "true":
        cm = 100.0 * cm / np.maximum(cm.sum(1, keepdims=True), 1)
    elif normalize is not None:
        raise ValueError(f"normalize must be 'true' or None, got {normalize!r}")
    names = [str(c) for c in labels]
    return pd.DataFrame(cm, index=pd.Index(names, name="true"), columns=pd.Index(names, name="predicted"))


def mcnemar_test(y_true, pred_a, pred_b) -> dict:
    """Exact McNemar test of two classifiers on the same samples.

    Only the samples that exactly one of the two classifies correctly count; under the null
    hypothesis (equal accuracy) each of them is equally likely to favour either classifier.

    Returns
    -------
    dict
        ``a_only`` and ``b_only`` (samples only A / only B gets right), ``p_value`` (two-sided).
    """
    y_true, pred_a, pred_b = (np.asarray(a) for a in (y_true, pred_a, pred_b))
    if not (y_true.shape == pred_a.shape == pred_b.shape) or y_true.ndim != 1:
        raise ValueError(f"y_true, pred_a, pred_b must be 1-D of one length, got {y_true.shape}, "
                         f"{pred_a.shape}, {pred_b.shape}")
    a_ok, b_ok = pred_a == y_true, pred_b == y_true
    a_only, b_only = int(np.sum(a_ok & ~b_ok)), int(np.sum(b_ok & ~a_ok))
    n = a_only + b_only
    p = 1.0 if n == 0 else float(binomtest(a_only, n, 0.5).pvalue)
    return {"a_only": a_only, "b_only": b_only, "p_value": p}
