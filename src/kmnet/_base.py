"""Shared machinery of the kmnet classifiers: input checks, label encoding, devices, save/load."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from . import __version__
from ._params import ParamValidationMixin
from ._validation import (
    as_view_dict,
    check_feature_names,
    check_labels,
    check_views,
    label_array,
    view_feature_names,
)

__all__ = ["MultiModalClassifier", "move_to", "hidden_sizes", "check_scores", "check_finite_kernels"]


def hidden_sizes(hidden) -> tuple[int, ...]:
    """``hidden`` as a tuple of layer widths: an int is one hidden layer (depth 3), ``()`` is depth 2."""
    if hidden is None:
        return ()
    if isinstance(hidden, (int, np.integer)):
        hidden = (int(hidden),)
    out = tuple(int(h) for h in hidden)
    if any(h < 1 for h in out):
        raise ValueError(f"hidden: every layer needs at least one unit, got {hidden!r}")
    return out


def _overflow_message(views, dtype, what: str) -> str:
    try:
        raw = as_view_dict(views)[0]
        big = ", ".join(f"{k!r}: largest |x| = {float(np.abs(np.asarray(v, dtype=float)).max()):.3g}"
                        for k, v in raw.items())
    except (TypeError, ValueError):  # pragma: no cover - the views were validated before
        big = "?"
    dt = f" {str(dtype).replace('torch.', '')}" if dtype is not None else ""
    return (f"views: {what} overflow the working dtype{dt} ({big}); rescale the features "
            "(standardize=True) or use dtype='float64'")


def check_scores(scores: np.ndarray, views, dtype=None) -> np.ndarray:
    """Refuse non-finite decision scores (``ValueError`` naming the views' magnitudes).

    Finite inputs can still overflow the working dtype inside the kernels (e.g. an unstandardised
    polynomial kernel of values near 1e20 in float32); without this check the scores would be NaN
    and every sample would be predicted as the first class.
    """
    if np.all(np.isfinite(scores)):
        return scores
    raise ValueError(_overflow_message(views, dtype, "the decision scores are not finite: the kernels"))


def check_finite_kernels(G: torch.Tensor, unit_names, views, dtype=None) -> torch.Tensor:
    """Refuse stacked Gram blocks ``G`` (one per input unit) with non-finite values, naming the units."""
    finite = torch.isfinite(G).flatten(1).all(1).tolist()
    if all(finite):
        return G
    bad = [n for n, ok in zip(unit_names, finite) if not ok]
    raise ValueError(_overflow_message(views, dtype, f"the kernels {bad}"))


def move_to(obj, device: torch.device, _seen=None):
    """Move every tensor held by ``obj`` (attributes, lists, dicts, nested maps) to ``device``."""
    _seen = set() if _seen is None else _seen
    if id(obj) in _seen:
        return obj
    if isinstance(obj, torch.Tensor):
        return obj.to(device)
    if isinstance(obj, torch.nn.Module):
        return obj.to(device)
    if isinstance(obj, dict):
        for k, v in list(obj.items()):
            obj[k] = move_to(v, device, _seen)
        return obj
    if isinstance(obj, list):
        for i, v in enumerate(obj):
            obj[i] = move_to(v, device, _seen)
        return obj
    if isinstance(obj, tuple):
        return type(obj)(move_to(v, device, _seen) for v in obj) if not hasattr(obj, "_fields") else obj
    if hasattr(obj, "__dict__") and obj.__class__.__module__.startswith("kmnet"):
        _seen.add(id(obj))
        for k, v in list(vars(obj).items()):
            if isinstance(v, torch.device):
                setattr(obj, k, device)
            else:
                setattr(obj, k, move_to(v, device, _seen))
    return obj


class MultiModalClassifier(ParamValidationMixin, ClassifierMixin, BaseEstimator):
    """Base class: multi-modal input checks, label encoding, ``predict``, ``save``/``load``.

    Input. ``views`` is a mapping modality -> ``(n, d_m)`` array (or a :class:`~kmnet.MultiView`);
    a plain 2-D array (NumPy, DataFrame, torch tensor) is one view. Column names of DataFrame
    views are remembered (``feature_names_in_``) and checked at prediction time.

    Parameters are checked against the subclass's ``_parameter_constraints`` by
    ``self._validate_params()`` (:mod:`kmnet._params`), first thing in ``fit``.
    """

    _parameter_constraints: dict = {}
    #: kmnet's own estimator classes, by name: the only classes :meth:`load` builds
    _model_classes: dict[str, type] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__module__.split(".")[0] == "kmnet":
            MultiModalClassifier._model_classes[cls.__qualname__] = cls

    # ------------------------------------------------------------------ input
    def _working_dtype(self):
        return getattr(self, "dtype_", None) or getattr(self, "dtype", None)

    def _validate_fit(self, views, y):
        names = view_feature_names(views)
        single = as_view_dict(views)[1]
        views = check_views(views, dtype=getattr(self, "dtype", None), estimator=type(self).__name__)
        n = next(iter(views.values())).shape[0]
        classes, y_idx = check_labels(y, n)
        self.classes_ = classes
        self.modalities_ = list(views)
        self.n_features_ = {m: int(v.shape[1]) for m, v in views.items()}
        if single and names[next(iter(names))] is not None:
            self.feature_names_in_ = names[next(iter(names))]
        elif any(v is not None for v in names.values()):
            self.feature_names_in_ = {m: v for m, v in names.items() if v is not None}
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return views, y_idx

    def _validate_predict(self, views):
        check_is_fitted(self, "classes_")
        out = check_views(views, expected=self.n_features_, dtype=self._working_dtype(),
                          estimator=type(self).__name__)
        if views is not getattr(self, "support_views_", None):
            self._check_feature_names(views)
        return out

    def _check_feature_names(self, views) -> None:
        names = view_feature_names(views)
        single = as_view_dict(views)[1]
        if single:
            names = {self.modalities_[0]: names[next(iter(names))]} if len(self.modalities_) == 1 else names
        fitted = getattr(self, "feature_names_in_", None)
        if isinstance(fitted, np.ndarray):
            fitted = {self.modalities_[0]: fitted}
        fitted = fitted or {}
        for m in self.modalities_:
            check_feature_names(fitted.get(m), names.get(m), view="X" if single else f"views[{m!r}]",
                                estimator=type(self).__name__)

    @property
    def n_features_in_(self) -> int:
        """Number of features seen in fit, summed over the views."""
        try:
            nf = self.__dict__["n_features_"]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} is not fitted: no n_features_in_") from None
        return int(sum(nf.values()))

    @property
    def n_classes_(self) -> int:
        return len(self.classes_)

    def score(self, views, y, sample_weight=None) -> float:
        """Mean accuracy on ``views``, weighted by ``sample_weight`` (labels compared as Python objects).

        ``y`` and ``sample_weight`` are checked (length, finite non-negative weights) before the
        model predicts.
        """
        check_is_fitted(self, "classes_")
        vs = check_views(views, expected=self.n_features_, dtype=self._working_dtype(),
                          estimator=type(self).__name__)
        n = next(iter(vs.values())).shape[0]
        yt = label_array(y, n)
        w = None
        if sample_weight is not None:
            w = _check_sample_weight(sample_weight, np.empty((n, 0)), ensure_non_negative=True)
            if not w.sum() > 0:
                raise ValueError("sample_weight: the weights sum to zero")
        pred = np.asarray(self.predict(views), dtype=object)
        hit = (pred == yt).astype(float)
        if w is None:
            return float(hit.mean())
        return float((hit * w).sum() / w.sum())

    def _labels(self, idx: np.ndarray) -> np.ndarray:
        return self.classes_[np.asarray(idx, dtype=np.int64)]

    def _class_weights(self, y_idx: np.ndarray, class_weight) -> np.ndarray:
        C = len(self.classes_)
        if class_weight is None:
            return np.ones(C)
        if isinstance(class_weight, str):
            if class_weight != "balanced":
                raise ValueError(f"class_weight must be None, 'balanced' or a dict, got {class_weight!r}")
            counts = np.bincount(y_idx, minlength=C).astype(float)
            return len(y_idx) / (C * np.maximum(counts, 1.0))
        if isinstance(class_weight, dict):
            out = np.ones(C)
            lookup = {c: i for i, c in enumerate(self.classes_.tolist())}
            for c, wgt in class_weight.items():
                if c not in lookup:
                    raise ValueError(f"class_weight: unknown class {c!r}")
                if not (np.isfinite(float(wgt)) and float(wgt) >= 0):
                    raise ValueError(f"class_weight: weight of class {c!r} must be finite and >= 0, got {wgt!r}")
                out[lookup[c]] = float(wgt)
            if not out.sum() > 0:
                raise ValueError("class_weight: every class has weight zero")
            return out
        raise ValueError(f"class_weight must be None, 'balanced' or a dict, got {type(class_weight).__name__}")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.target_tags.multi_output = False
        return tags

    # ------------------------------------------------------------------ devices
    def to(self, device) -> "MultiModalClassifier":
        """Move the fitted model to ``device`` (e.g. ``"cpu"`` or ``"cuda"``); returns ``self``."""
        from ._torch import resolve_device

        dev = resolve_device(device)
        move_to(self, dev)
        self.device_ = dev
        return self

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike) -> Path:
        """Save configuration (``get_params``) and fitted state (weights, maps) to ``path``.

        The file holds arrays and JSON only (format ``kmnet-model/2``, :mod:`kmnet._persist`):
        loading it runs no code. It is written atomically. A ``callback`` parameter (a function)
        is not saved; the loaded model has ``callback=None``.
        """
        from ._persist import write_model_file

        check_is_fitted(self, "classes_")
        state = {k: v for k, v in vars(self).items() if k.endswith("_") and not k.startswith("__")}
        params = self.get_params(deep=False)
        for k, v in params.items():
            if callable(v) and not isinstance(v, type):
                warnings.warn(f"save: parameter {k!r} (a function) is not saved; the loaded model has {k}=None",
                              stacklevel=2)
                params[k] = None
        cpu = torch.device("cpu")
        dev = getattr(self, "device_", cpu)
        move_to(self, cpu)
        try:
            return write_model_file(path, class_name=type(self).__qualname__, version=__version__,
                                    params=params, state=state)
        finally:
            move_to(self, dev)

    @classmethod
    def load(cls, path: str | os.PathLike, *, device=None):
        """Load a model saved with :meth:`save`. ``device=None``: CUDA when available, else CPU.

        The file is checked before anything is decoded (a zip archive of ``kmnet-model.json``
        and ``.npy`` arrays, format ``kmnet-model/2``, naming one of kmnet's estimator classes);
        nothing is unpickled or imported, so a crafted file cannot run code: it raises
        ``ValueError``.
        """
        from ._persist import read_model_file
        from ._torch import resolve_device

        klass, params, state = read_model_file(path, MultiModalClassifier._model_classes)
        if cls is not MultiModalClassifier and klass is not cls:
            raise ValueError(f"{path}: holds a {klass.__qualname__}, not a {cls.__qualname__}")
        model = klass(**params)
        model._validate_params()
        for k, v in state.items():
            setattr(model, k, v)
        model.device_ = torch.device("cpu")
        return model.to(resolve_device(device))
