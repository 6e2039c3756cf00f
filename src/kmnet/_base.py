"""Shared machinery of the kmnet classifiers: input checks, label encoding, devices, save/load."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from . import __version__
from ._atomic import atomic_open
from ._validation import check_labels, check_views

__all__ = ["MultiModalClassifier", "move_to", "hidden_sizes"]


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


class MultiModalClassifier(ClassifierMixin, BaseEstimator):
    """Base class: multi-modal input checks, label encoding, ``predict``, ``save``/``load``."""

    # ------------------------------------------------------------------ input
    def _validate_fit(self, views, y):
        views = check_views(views)
        n = next(iter(views.values())).shape[0]
        classes, y_idx = check_labels(y, n)
        self.classes_ = classes
        self.modalities_ = list(views)
        self.n_features_ = {m: int(v.shape[1]) for m, v in views.items()}
        return views, y_idx

    def _validate_predict(self, views):
        check_is_fitted(self, "classes_")
        return check_views(views, expected=self.n_features_)

    @property
    def n_classes_(self) -> int:
        return len(self.classes_)

    def score(self, views, y, sample_weight=None) -> float:
        """Mean accuracy on ``views`` (labels compared as Python objects, so mixed types work)."""
        pred = np.asarray(self.predict(views), dtype=object)
        yt = np.empty(len(pred), dtype=object)
        yt[:] = list(y.to_numpy() if hasattr(y, "to_numpy") else y)
        if len(yt) != len(pred):
            raise ValueError(f"y: {len(yt)} labels for {len(pred)} samples")
        hit = (pred == yt).astype(float)
        if sample_weight is None:
            return float(hit.mean())
        w = np.asarray(sample_weight, dtype=float)
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
                out[lookup[c]] = float(wgt)
            return out
        raise ValueError(f"class_weight must be None, 'balanced' or a dict, got {type(class_weight).__name__}")

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

        The file is written atomically with :func:`torch.save`; load it with :meth:`load`.
        """
        check_is_fitted(self, "classes_")
        state = {k: v for k, v in vars(self).items() if k.endswith("_") and not k.startswith("__")}
        payload = {
            "format": "kmnet-model/1",
            "kmnet_version": __version__,
            "class": f"{type(self).__module__}.{type(self).__qualname__}",
            "params": self.get_params(deep=False),
            "state": state,
        }
        path = Path(path)
        cpu = torch.device("cpu")
        dev = getattr(self, "device_", cpu)
        move_to(self, cpu)
        try:
            with atomic_open(path, "wb") as fh:
                torch.save(payload, fh)
        finally:
            move_to(self, dev)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike, *, device=None):
        """Load a model saved with :meth:`save`. ``device=None``: CUDA when available, else CPU.

        The file is unpickled (``weights_only=False``): load only files you trust.
        """
        from ._torch import resolve_device

        payload = torch.load(path, map_location="cpu", weights_only=False)
        if not isinstance(payload, dict) or payload.get("format") != "kmnet-model/1":
            raise ValueError(f"{path}: not a kmnet model file")
        qual = payload["class"].rsplit(".", 1)[-1]
        if qual != cls.__qualname__ and cls is not MultiModalClassifier:
            raise ValueError(f"{path}: holds a {qual}, not a {cls.__qualname__}")
        import importlib

        mod, name = payload["class"].rsplit(".", 1)
        klass = getattr(importlib.import_module(mod), name)
        model = klass(**payload["params"])
        for k, v in payload["state"].items():
            setattr(model, k, v)
        model.device_ = torch.device("cpu")
        return model.to(resolve_device(device))
