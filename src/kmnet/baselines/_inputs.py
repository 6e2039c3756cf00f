"""Input handling shared by every baseline: picking views by name, checking vectors and images,
standardising with training statistics, seeds, validation splits carved from the training data,
class weights. Bad input raises ``ValueError`` naming the problem (via :mod:`kmnet._validation`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from .._validation import check_matrix, check_views
from ..views import MultiView

__all__ = [
    "pick_views",
    "check_image",
    "check_same_n",
    "check_vectors",
    "Standardizer",
    "seed_from",
    "validation_split",
    "class_weight_vector",
    "encode_class_weight",
    "aligned_proba",
]


# --------------------------------------------------------------------------------------------
# views
# --------------------------------------------------------------------------------------------
def _as_float(a, name: str) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        a = a.detach().cpu().numpy()
    if hasattr(a, "to_numpy"):
        a = a.to_numpy()
    try:
        return np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: could not convert to a float array ({exc})") from exc


def pick_views(X, names: Sequence[str] | None, *, estimator: str = "estimator") -> dict:
    """The views ``names`` of ``X`` (raw, unchecked), in the order given.

    ``X`` is a mapping modality -> array (a ``dict`` or :class:`kmnet.views.MultiView`).
    ``names=None`` takes every view of ``X`` in its own order. A bare array is accepted only
    when exactly one view is needed; it then stands for that view.
    """
    if isinstance(X, MultiView):
        X = dict(X.items())
    if not isinstance(X, Mapping):
        if names is not None and len(names) == 1:
            return {names[0]: X}
        need = "several views" if names is None else f"views {list(names)}"
        raise ValueError(
            f"X: {estimator} needs {need} given as a mapping of modality name -> array "
            f"(a dict or a kmnet.MultiView), got {type(X).__name__}"
        )
    if len(X) == 0:
        raise ValueError("X: no modalities given")
    if names is None:
        return dict(X)
    missing = [k for k in names if k not in X]
    if missing:
        raise ValueError(
            f"X: view {missing[0]!r} is missing ({estimator} needs {list(names)}, got {sorted(map(str, X))})"
        )
    return {k: X[k] for k in names}


def check_image(a, name: str, *, image_shape=None, min_side: int | tuple[int, int] = 1) -> np.ndarray:
    """A finite float64 stack of single-channel images of shape ``(n, H, W)``.

    Accepts ``(n, H, W)``, ``(n, 1, H, W)`` or a flattened ``(n, H*W)`` with ``image_shape=(H, W)``
    (row-major: ``H`` frequency bins by ``W`` frames).
    """
    arr = _as_float(a, name)
    if image_shape is not None:
        try:
            hw = tuple(int(s) for s in image_shape)
        except TypeError as exc:
            raise ValueError(f"image_shape must be a pair (H, W), got {image_shape!r}") from exc
        if len(hw) != 2 or min(hw) < 1:
            raise ValueError(f"image_shape must be a pair of positive ints (H, W), got {image_shape!r}")
    else:
        hw = None
    if arr.ndim == 4 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim == 2:
        if hw is None:
            raise ValueError(
                f"{name}: image view is 2-D {arr.shape}; pass image_shape=(H, W) for flattened images "
                "or give an (n, H, W) array"
            )
        if hw[0] * hw[1] != arr.shape[1]:
            raise ValueError(
                f"{name}: image_shape {hw} has {hw[0] * hw[1]} pixels but the image view has {arr.shape[1]} columns"
            )
        arr = arr.reshape(arr.shape[0], *hw)
    elif arr.ndim == 3:
        if hw is not None and tuple(arr.shape[1:]) != hw:
            raise ValueError(f"{name}: images have shape {tuple(arr.shape[1:])}, image_shape says {hw}")
    else:
        raise ValueError(
            f"{name}: image view must be (n, H, W), (n, 1, H, W) or flattened (n, H*W), got shape {arr.shape}"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name}: no samples")
    mh, mw = (min_side, min_side) if isinstance(min_side, int) else min_side
    if arr.shape[1] < mh or arr.shape[2] < mw:
        raise ValueError(
            f"{name}: images of shape {tuple(arr.shape[1:])} are too small; this network's pooling "
            f"needs at least ({mh}, {mw}) pixels"
        )
    check_matrix(arr.reshape(arr.shape[0], -1), name)  # finiteness, with the shared messages
    return arr


def check_same_n(arrays: Mapping[str, np.ndarray]) -> int:
    ns = {k: int(v.shape[0]) for k, v in arrays.items()}
    if len(set(ns.values())) != 1:
        raise ValueError(f"X: views have different sample counts: {ns}")
    return next(iter(ns.values()))


def check_vectors(views: Mapping, expected: Mapping[str, int] | None = None) -> dict[str, np.ndarray]:
    """``check_views`` under the name ``X``, on a subset of views."""
    return check_views(dict(views), expected=expected, name="X")


# --------------------------------------------------------------------------------------------
# standardisation with training statistics
# --------------------------------------------------------------------------------------------
class Standardizer:
    """Mean/std scaling fitted on training data.

    ``axis`` holds the axes averaged over: ``(0,)`` per feature of an ``(n, d)`` matrix,
    ``(0, 2)`` per frequency row of ``(n, H, W)`` images. Constant features get scale 1.
    """

    def __init__(self, axis: tuple[int, ...] = (0,)):
        self.axis = axis

    def fit(self, a: np.ndarray) -> Standardizer:
        self.mean_ = a.mean(axis=self.axis, keepdims=True)
        std = a.std(axis=self.axis, keepdims=True)
        self.scale_ = np.where(std > 1e-12 * (1.0 + np.abs(self.mean_)), std, 1.0)
        return self

    def transform(self, a: np.ndarray) -> np.ndarray:
        return (a - self.mean_) / self.scale_


# --------------------------------------------------------------------------------------------
# randomness, splits, class weights
# --------------------------------------------------------------------------------------------
def seed_from(random_state) -> int:
    """An int seed from a ``random_state`` (int, RandomState or None), the scikit-learn way."""
    return int(check_random_state(random_state).randint(0, 2**31 - 1))


def validation_split(y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(fit, validation)`` carved from the training labels ``y``.

    Stratified when every class has at least two samples and the validation part can hold one
    of each class; otherwise a plain random split. Both parts are non-empty.
    """
    fraction = float(fraction)
    n = len(y)
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"validation_fraction must be in (0, 1), got {fraction}")
    n_val = max(1, int(math.ceil(fraction * n)))
    if n_val >= n:
        raise ValueError(f"validation_fraction={fraction} leaves no training samples out of {n}")
    counts = np.bincount(y)
    counts = counts[counts > 0]
    stratify = y if (counts.min() >= 2 and n_val >= len(counts) and n - n_val >= len(counts)) else None
    idx = np.arange(n)
    fit_idx, val_idx = train_test_split(idx, test_size=n_val, random_state=seed, stratify=stratify)
    return np.sort(fit_idx), np.sort(val_idx)


def class_weight_vector(class_weight, classes: np.ndarray, y_idx: np.ndarray) -> np.ndarray | None:
    """``None``, ``"balanced"`` (n / (n_classes * count)) or a dict label -> weight."""
    if class_weight is None:
        return None
    k = len(classes)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(f"class_weight must be None, 'balanced' or a dict, got {class_weight!r}")
        counts = np.bincount(y_idx, minlength=k).astype(np.float64)
        return len(y_idx) / (k * np.maximum(counts, 1.0))
    if isinstance(class_weight, Mapping):
        w = np.ones(k)
        known = {c: i for i, c in enumerate(classes.tolist())}
        for c, v in class_weight.items():
            if c not in known:
                raise ValueError(f"class_weight: label {c!r} is not among the classes {classes.tolist()}")
            if not np.isfinite(v) or v < 0:
                raise ValueError(f"class_weight: weight of {c!r} must be finite and >= 0, got {v}")
            w[known[c]] = float(v)
        return w
    raise ValueError(f"class_weight must be None, 'balanced' or a dict, got {type(class_weight).__name__}")


def encode_class_weight(class_weight, classes: np.ndarray):
    """Members are fitted on integer-coded labels: re-key a label -> weight dict."""
    if isinstance(class_weight, Mapping):
        index = {c: i for i, c in enumerate(classes.tolist())}
        missing = [c for c in class_weight if c not in index]
        if missing:
            raise ValueError(f"class_weight: label {missing[0]!r} is not among the classes {classes.tolist()}")
        return {index[c]: float(w) for c, w in class_weight.items()}
    if class_weight is None or class_weight == "balanced":
        return class_weight
    raise ValueError(f"class_weight must be None, 'balanced' or a dict, got {class_weight!r}")


def aligned_proba(estimator, X, n_classes: int) -> np.ndarray:
    """``estimator.predict_proba(X)`` with columns for classes ``0..n_classes-1``.

    A member fitted on a part of the training data may have seen fewer classes; the columns of
    the classes it never saw are zero.
    """
    p = np.asarray(estimator.predict_proba(X), dtype=np.float64)
    cls = np.asarray(estimator.classes_).astype(np.int64)
    out = np.zeros((p.shape[0], n_classes))
    out[:, cls] = p
    return out
