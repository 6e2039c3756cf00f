"""Input checks shared by every estimator. Bad input raises ``ValueError`` naming the problem."""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np

from .views import MultiView

__all__ = ["check_views", "check_matrix", "check_labels", "check_same_modalities"]


def _to_numpy(a, name: str) -> np.ndarray:
    try:
        import torch

        if isinstance(a, torch.Tensor):
            a = a.detach().cpu().numpy()
    except ImportError:  # pragma: no cover
        pass
    if hasattr(a, "to_numpy"):
        a = a.to_numpy()
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: could not convert to a float array ({exc})") from exc
    return arr


def check_matrix(a, name: str = "X", *, n_features: int | None = None) -> np.ndarray:
    """A finite 2-D float64 array; 1-D input of length n is refused (ambiguous)."""
    arr = _to_numpy(a, name)
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array (n_samples, n_features), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name}: no samples")
    if arr.shape[1] == 0:
        raise ValueError(f"{name}: no features")
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.isfinite(arr).sum())
        kind = "NaN" if np.isnan(arr).any() else "inf"
        raise ValueError(f"{name}: contains {bad} non-finite value(s) ({kind})")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(f"{name}: expected {n_features} features, got {arr.shape[1]}")
    return arr


def check_views(views, *, expected: Mapping[str, int] | None = None, name: str = "views") -> dict[str, np.ndarray]:
    """Validate a mapping modality -> (n, d) array.

    Parameters
    ----------
    views : mapping or MultiView
    expected : mapping of modality -> n_features, optional
        The modalities and dimensions seen at fit time; missing or re-shaped modalities raise.
    """
    if isinstance(views, MultiView):
        views = dict(views.items())
    if not isinstance(views, Mapping):
        raise ValueError(
            f"{name}: expected a mapping of modality name -> (n, d) array (or a kmnet.MultiView), "
            f"got {type(views).__name__}"
        )
    if len(views) == 0:
        raise ValueError(f"{name}: no modalities given")
    out: dict[str, np.ndarray] = {}
    for k, v in views.items():
        if not isinstance(k, str):
            raise ValueError(f"{name}: modality names must be strings, got {k!r}")
        nf = None if expected is None or k not in expected else expected[k]
        out[k] = check_matrix(v, f"{name}[{k!r}]", n_features=nf)
    ns = {k: v.shape[0] for k, v in out.items()}
    if len(set(ns.values())) != 1:
        raise ValueError(f"{name}: modalities have different sample counts: {ns}")
    if expected is not None:
        missing = [k for k in expected if k not in out]
        if missing:
            raise ValueError(f"{name}: modality {missing[0]!r} seen at fit time is missing (got {sorted(out)})")
        extra = [k for k in out if k not in expected]
        if extra:
            raise ValueError(f"{name}: modality {extra[0]!r} was not seen at fit time (expected {sorted(expected)})")
        out = {k: out[k] for k in expected}  # fit-time order
    return out


def check_same_modalities(a: Mapping, b: Mapping) -> None:
    if set(a) != set(b):
        raise ValueError(f"modalities differ: {sorted(a)} vs {sorted(b)}")


def check_labels(y, n_samples: int, *, min_classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Encode labels of any hashable type.

    Returns
    -------
    classes : ndarray of object or of the labels' dtype
        Sorted unique labels when they are mutually comparable, else in order of first appearance.
    y_idx : ndarray of int64 of shape (n_samples,)
    """
    if y is None:
        raise ValueError("y: labels are required")
    if hasattr(y, "to_numpy"):
        y = y.to_numpy()
    y_list = list(y) if not isinstance(y, np.ndarray) or y.ndim == 1 else None
    if y_list is None:
        arr = np.asarray(y)
        if arr.ndim == 2 and arr.shape[1] == 1:
            y_list = list(arr[:, 0])
        else:
            raise ValueError(f"y: expected a 1-D sequence of labels, got shape {arr.shape}")
    if len(y_list) != n_samples:
        raise ValueError(f"y: {len(y_list)} labels for {n_samples} samples")
    for v in y_list:
        if not isinstance(v, Hashable):
            raise ValueError(f"y: label {v!r} is not hashable")
        if isinstance(v, float) and not np.isfinite(v):
            raise ValueError("y: contains a NaN/inf label")
    uniq = list(dict.fromkeys(y_list))
    try:
        uniq = sorted(uniq)
    except TypeError:
        pass
    if len(uniq) < min_classes:
        raise ValueError(f"y: need at least {min_classes} classes, got {len(uniq)} ({uniq!r})")
    index = {c: i for i, c in enumerate(uniq)}
    y_idx = np.fromiter((index[v] for v in y_list), dtype=np.int64, count=len(y_list))
    try:
        classes = np.asarray(uniq)
        if classes.ndim != 1 or classes.dtype.kind in "OV":
            raise ValueError
    except ValueError:
        classes = np.empty(len(uniq), dtype=object)
        classes[:] = uniq
    return classes, y_idx
