"""The one torch training loop and the base class of the torch baselines.

Adam on (optionally class-weighted) cross-entropy, early stopping on a validation part carved
from the training data, seeded through a forked RNG, ``predict_proba`` as the softmax of the
logits. :class:`TorchClassifier` adds scikit-learn's fit/predict plumbing on top.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm

from .._torch import resolve_device
from .._validation import check_labels
from ._inputs import (
    Standardizer,
    check_image,
    check_same_n,
    check_vectors,
    class_weight_vector,
    pick_views,
    seed_from,
    validation_split,
)

__all__ = ["train_module", "predict_module", "TorchClassifier", "fill_doc"]


# --------------------------------------------------------------------------------------------
# the one torch training loop
# --------------------------------------------------------------------------------------------
def _fork_devices(device: torch.device) -> list[int]:
    if device.type == "cuda":
        return [device.index if device.index is not None else torch.cuda.current_device()]
    return []


def _batches(n: int, batch_size: int, perm: torch.Tensor | None):
    order = perm if perm is not None else torch.arange(n)
    for s in range(0, n, batch_size):
        yield order[s : s + batch_size]


@torch.no_grad()
def predict_module(module: torch.nn.Module, inputs: Sequence[torch.Tensor], *, batch_size: int = 512) -> torch.Tensor:
    """Logits of ``module(*inputs)`` in eval mode, computed in batches."""
    module.eval()
    n = inputs[0].shape[0]
    out = [module(*(t[idx] for t in inputs)) for idx in _batches(n, batch_size, None)]
    return torch.cat(out, 0)


def train_module(
    build,
    arrays: Sequence[np.ndarray],
    y: np.ndarray,
    *,
    seed: int,
    device: torch.device,
    max_epochs: int,
    batch_size: int,
    lr: float,
    weight_decay: float,
    validation_fraction: float | None,
    n_iter_no_change: int,
    class_weights: np.ndarray | None,
    verbose: bool = False,
    desc: str = "train",
) -> tuple[torch.nn.Module, dict]:
    """Train ``build()`` with Adam on cross-entropy; early stopping on a validation part.

    Parameters
    ----------
    build : callable
        Returns a fresh ``torch.nn.Module`` whose ``forward(*inputs)`` gives logits.
        Called under a seeded, forked RNG so that the global torch RNG is left untouched.
    arrays : sequence of ndarray
        The (already standardised) inputs, one per network input, all with ``len(y)`` rows.
    validation_fraction : float or None
        Fraction of the given (training) rows held out for early stopping; the weights of the
        epoch with the lowest validation loss are restored. ``None`` or 0 trains ``max_epochs``.

    Returns
    -------
    module : the trained module, in eval mode, on ``device``
    history : dict with ``loss_curve``, ``validation_loss_curve``, ``validation_score_curve``,
        ``best_epoch``, ``n_epochs``, ``validation_indices``
    """
    if int(max_epochs) < 1:
        raise ValueError(f"max_epochs must be >= 1, got {max_epochs}")
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    if int(n_iter_no_change) < 1:
        raise ValueError(f"n_iter_no_change must be >= 1, got {n_iter_no_change}")
    n = len(y)
    if validation_fraction:
        fit_idx, val_idx = validation_split(y, validation_fraction, seed)
    else:
        fit_idx, val_idx = np.arange(n), np.arange(0)

    def to_t(a, idx):
        return torch.as_tensor(np.ascontiguousarray(a[idx]), dtype=torch.float32, device=device)

    X_fit = [to_t(a, fit_idx) for a in arrays]
    X_val = [to_t(a, val_idx) for a in arrays]
    y_fit = torch.as_tensor(y[fit_idx], dtype=torch.long, device=device)
    y_val = torch.as_tensor(y[val_idx], dtype=torch.long, device=device)
    weight = None if class_weights is None else torch.as_tensor(class_weights, dtype=torch.float32, device=device)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight)

    hist = {"loss_curve": [], "validation_loss_curve": [], "validation_score_curve": []}
    with torch.random.fork_rng(devices=_fork_devices(device)):
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        module = build().to(device)
        opt = torch.optim.Adam(module.parameters(), lr=float(lr), weight_decay=float(weight_decay))
        best_loss, best_state, best_epoch, stall = math.inf, None, 0, 0
        bar = tqdm(range(int(max_epochs)), desc=desc, disable=not verbose, leave=False)
        n_fit = len(fit_idx)
        for epoch in bar:
            module.train()
            perm = torch.randperm(n_fit, generator=gen).to(device)
            total, seen = 0.0, 0
            for idx in _batches(n_fit, int(batch_size), perm):
                if len(idx) < 2 and n_fit >= 2:  # batch norm cannot train on one sample
                    continue
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(module(*(t[idx] for t in X_fit)), y_fit[idx])
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(idx)
                seen += len(idx)
            hist["loss_curve"].append(total / max(seen, 1))
            if len(val_idx):
                logits = predict_module(module, X_val)
                vloss = float(loss_fn(logits, y_val))
                vacc = float((logits.argmax(1) == y_val).float().mean())
                hist["validation_loss_curve"].append(vloss)
                hist["validation_score_curve"].append(vacc)
                bar.set_postfix(loss=hist["loss_curve"][-1], val_loss=vloss, val_acc=vacc)
                if vloss < best_loss - 1e-6:
                    best_loss, best_epoch, stall = vloss, epoch + 1, 0
                    best_state = copy.deepcopy(module.state_dict())
                else:
                    stall += 1
                    if stall >= int(n_iter_no_change):
                        break
            else:
                bar.set_postfix(loss=hist["loss_curve"][-1])
                best_epoch = epoch + 1
        if best_state is not None:
            module.load_state_dict(best_state)
    module.eval()
    hist["best_epoch"] = best_epoch
    hist["n_epochs"] = len(hist["loss_curve"])
    hist["validation_indices"] = val_idx
    return module, hist


# --------------------------------------------------------------------------------------------
# base class of the torch classifiers
# --------------------------------------------------------------------------------------------
class TorchClassifier(ClassifierMixin, BaseEstimator):
    """Fit/predict plumbing shared by the torch baselines.

    A subclass defines ``__init__`` (storing parameters only, for scikit-learn), the inputs it
    reads (``_inputs``: list of ``(view name, "vector" | "image")``), and ``_build(shapes, n_classes)``
    returning a module whose ``forward(*inputs)`` gives logits. The subclass must have the
    parameters ``standardize, max_epochs, batch_size, lr, weight_decay, validation_fraction,
    n_iter_no_change, class_weight, device, random_state, verbose``.
    """

    _min_image_side = 1

    # -- to be provided by subclasses
    def _inputs(self) -> list[tuple[str, str]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _build(self, shapes: dict[str, tuple[int, ...]], n_classes: int) -> torch.nn.Module:  # pragma: no cover
        raise NotImplementedError

    # -- input handling
    def _read(self, X, *, fitted: bool) -> tuple[dict[str, np.ndarray], int]:
        spec = self._inputs()
        names = [name for name, _ in spec]
        if len(set(names)) != len(names):
            raise ValueError(f"{type(self).__name__}: the same view is named twice: {names}")
        raw = pick_views(X, names, estimator=type(self).__name__)
        expected = self.input_shapes_ if fitted else None
        out: dict[str, np.ndarray] = {}
        vec = {n: raw[n] for n, kind in spec if kind == "vector"}
        if vec:
            exp = None if expected is None else {n: expected[n][0] for n in vec}
            out.update(check_vectors(vec, exp))
        for n, kind in spec:
            if kind == "image":
                img = check_image(
                    raw[n], f"X[{n!r}]", image_shape=getattr(self, "image_shape", None), min_side=self._min_image_side
                )
                if expected is not None and tuple(img.shape[1:]) != tuple(expected[n]):
                    raise ValueError(
                        f"X[{n!r}]: images have shape {tuple(img.shape[1:])}, the model was fitted on {tuple(expected[n])}"
                    )
                out[n] = img
        n = check_same_n(out)
        return {k: out[k] for k in names}, n

    def _scaled(self, data: dict[str, np.ndarray]) -> list[np.ndarray]:
        if not self.standardize:
            return [a.astype(np.float32) for a in data.values()]
        return [self.scalers_[k].transform(a).astype(np.float32) for k, a in data.items()]

    # -- scikit-learn API
    def fit(self, X, y):
        """Fit on the training views ``X`` and labels ``y`` (any hashable labels).

        Early stopping uses a validation part carved from these training rows
        (``validation_fraction``); nothing else is seen.
        """
        data, n = self._read(X, fitted=False)
        classes, y_idx = check_labels(y, n)
        self.classes_ = classes
        self.n_classes_ = len(classes)
        self.input_shapes_ = {k: tuple(a.shape[1:]) for k, a in data.items()}
        self.n_features_in_ = int(sum(np.prod(s) for s in self.input_shapes_.values()))
        kinds = dict(self._inputs())
        if self.standardize:
            self.scalers_ = {
                k: Standardizer((0, 2) if kinds[k] == "image" else (0,)).fit(a) for k, a in data.items()
            }
        arrays = self._scaled(data)
        self.device_ = resolve_device(self.device)
        seed = seed_from(self.random_state)
        shapes, k = dict(self.input_shapes_), self.n_classes_
        module, hist = train_module(
            lambda: self._build(shapes, k),
            arrays,
            y_idx,
            seed=seed,
            device=self.device_,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            weight_decay=self.weight_decay,
            validation_fraction=self.validation_fraction,
            n_iter_no_change=self.n_iter_no_change,
            class_weights=class_weight_vector(self.class_weight, classes, y_idx),
            verbose=self.verbose,
            desc=type(self).__name__,
        )
        self.module_ = module
        self.loss_curve_ = hist["loss_curve"]
        self.validation_loss_curve_ = hist["validation_loss_curve"]
        self.validation_score_curve_ = hist["validation_score_curve"]
        self.best_epoch_ = hist["best_epoch"]
        self.n_epochs_ = hist["n_epochs"]
        self.validation_indices_ = hist["validation_indices"]
        return self

    def _logits(self, X) -> np.ndarray:
        check_is_fitted(self, "module_")
        data, _ = self._read(X, fitted=True)
        tensors = [torch.as_tensor(a, device=self.device_) for a in self._scaled(data)]
        return predict_module(self.module_, tensors).double().cpu().numpy()

    def decision_function(self, X) -> np.ndarray:
        """Logits, shape ``(n, n_classes)``; for two classes, ``logit_1 - logit_0`` of shape ``(n,)``."""
        z = self._logits(X)
        return z[:, 1] - z[:, 0] if z.shape[1] == 2 else z

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (softmax of the logits); columns follow ``classes_``."""
        z = self._logits(X)
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row (labels as given to ``fit``)."""
        idx = np.argmax(self._logits(X), axis=1)
        return self.classes_[idx]


# --------------------------------------------------------------------------------------------
# shared docstring fragments
# --------------------------------------------------------------------------------------------
_DOC_FRAGMENTS = {
    "training": """standardize : bool, default=True
        Standardise every input with statistics of the training data passed to ``fit``
        (per feature for vector views, per frequency row for images).
    max_epochs : int
        Upper bound on training epochs (Adam, cross-entropy).
    batch_size : int, default=32
    lr : float, default=1e-3
        Adam learning rate.
    weight_decay : float, default=1e-4
        Adam L2 penalty.
    validation_fraction : float or None, default=0.1
        Fraction of the TRAINING rows held out (stratified) for early stopping; the weights of
        the epoch with the lowest validation loss are kept. ``None`` trains ``max_epochs``.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    class_weight : None, "balanced" or dict label -> weight
        Weights of the cross-entropy; ``"balanced"`` is ``n / (n_classes * count)``.
    device : str, torch.device or None
        ``None`` picks ``cuda`` when available, else ``cpu``.
    random_state : int, RandomState or None
        Seeds initialisation, shuffling, dropout and the validation split (forked RNG: the
        global torch RNG is untouched). Fixed -> identical results on CPU.
    verbose : bool, default=False
        Show a tqdm progress bar over epochs.""",
    "attributes": """classes_ : ndarray of shape (n_classes,)
        Labels seen in ``fit`` (sorted when comparable).
    module_ : torch.nn.Module
        The trained network (eval mode, on ``device_``).
    device_ : torch.device
    input_shapes_ : dict
        Per-view feature shape seen in ``fit`` (checked at predict time).
    loss_curve_, validation_loss_curve_, validation_score_curve_ : list of float
        Per-epoch training loss, validation loss and validation accuracy.
    best_epoch_, n_epochs_ : int
        Epoch whose weights were kept; epochs run.
    validation_indices_ : ndarray
        Rows of the training data held out for early stopping.""",
}


def fill_doc(obj):
    """Replace ``%(training)s`` / ``%(attributes)s`` in ``obj.__doc__`` by the shared text."""
    if obj.__doc__:
        obj.__doc__ = obj.__doc__ % _DOC_FRAGMENTS
    return obj
