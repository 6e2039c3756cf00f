"""End-to-end learning of :class:`kmnet.DeepKernelMapNetwork` (paper Section 3.4, Eq. 6).

The pieces of :meth:`DeepKernelMapNetwork.fit <kmnet.DeepKernelMapNetwork.fit>` that do the
learning, as functions of the model: the loss of Eq. 6 (:func:`training_loss`), the parameter
groups that learn (:func:`param_groups`), the optimiser with per-tensor step sizes
(:func:`make_optimizer`), the stratified hold-out for early stopping (:func:`split_validation`),
one continuous run of epochs with one optimiser state (:class:`LearningRun`, also what
:meth:`~kmnet.DeepKernelMapNetwork.learning_run` returns for epoch selection) and the epoch loop
of ``fit`` built on it (:func:`train`). The model's fitted state (``module_``, ``loss_curve_``,
``validation_loss_``, ``best_epoch_``, ...) is set on the model, as :meth:`fit` documents.
"""

from __future__ import annotations

import numpy as np
import torch
from tqdm.auto import tqdm

from ._mapnet import PAPER, SHARED
from ._validation import check_labels

__all__ = ["TRAINABLE", "check_params", "training_loss", "param_groups", "make_optimizer", "split_validation",
           "LearningRun", "train"]

#: the parameter groups that can learn (``trainable``)
TRAINABLE = ("anchors", "projections", "weights", "classifier")


def check_params(model) -> None:
    """Raise ``ValueError`` for a constructor parameter out of its range."""
    if not (0.0 < float(model.energy) <= 1.0):
        raise ValueError(f"energy must be in (0, 1], got {model.energy!r}")
    if model.parameterization not in (SHARED, PAPER):
        raise ValueError(f"parameterization must be 'shared' or 'paper', got {model.parameterization!r}")
    if model.optimizer not in ("adam", "sgd"):
        raise ValueError(f"optimizer must be 'adam' or 'sgd', got {model.optimizer!r}")
    bad = [t for t in model.trainable if t not in TRAINABLE]
    if bad:
        raise ValueError(f"trainable: unknown group {bad[0]!r}; expected a subset of {TRAINABLE}")
    if int(model.epochs) < 0:
        raise ValueError(f"epochs must be >= 0, got {model.epochs!r}")


def training_loss(model, logits, y, sw, n_total):
    """Eq. 6 averaged over the batch: class-weighted cross-entropy plus the two L2 penalties."""
    ce = torch.nn.functional.cross_entropy(logits, y, reduction="none")
    data = (sw * ce).mean()
    net = model.module_
    a_c = (1.0 / n_total) if model.alpha_classifier is None else float(model.alpha_classifier)
    a_w = (1.0 / n_total) if model.alpha_weights is None else float(model.alpha_weights)
    reg = a_c * (net.W**2).sum() + a_w * sum((w**2).sum() for w in net.w)
    return data + reg


def param_groups(model) -> list[torch.nn.Parameter]:
    """The parameters of the ``trainable`` groups (the others stop requiring gradients)."""
    net = model.module_
    groups = {
        "anchors": list(net.A0) + list(net.A),
        "projections": list(net.U),
        "weights": list(net.w),
        "classifier": [net.W, net.b],
    }
    params = []
    for name, ps in groups.items():
        on = name in model.trainable
        for p in ps:
            p.requires_grad_(on)
            if on:
                params.append(p)
    return params


def make_optimizer(model, params):
    """Adam with per-tensor step sizes relative to each map parameter's scale; or plain SGD.

    Anchors, projections and weights differ in scale by orders of magnitude (the entries of
    :math:`U_p=V_r\\Lambda_r^{-1/2}` scale with the eigenvalues), so with Adam every map tensor
    gets the learning rate ``lr * rms(tensor)``: a step changes each tensor by about ``lr`` of
    its size. The softmax layer uses ``lr_classifier`` times its RMS (at least 1). SGD (the
    paper's optimiser) uses constant rates.
    """
    net = model.module_
    head = {id(net.W), id(net.b)}
    if model.optimizer == "sgd":
        lr = 1e-4 if model.lr is None else float(model.lr)
        lr_c = lr if model.lr_classifier is None else float(model.lr_classifier)
        return torch.optim.SGD([
            {"params": [p for p in params if id(p) not in head], "lr": lr},
            {"params": [p for p in params if id(p) in head], "lr": lr_c},
        ])
    lr = 3e-4 if model.lr is None else float(model.lr)
    lr_c = 3e-3 if model.lr_classifier is None else float(model.lr_classifier)
    groups = []
    for p in params:
        if id(p) in head:
            # relative to the layer's scale when it is large (the SVM-transferred layer of
            # from_dkn), absolute for a freshly initialised one (0.01 N(0, 1))
            scale = float(net.W.detach().pow(2).mean().sqrt())
            groups.append({"params": [p], "lr": lr_c * max(scale, 1.0)})
        else:
            d = p.detach()
            nnz = int((d != 0).sum())
            scale = float((d.pow(2).sum() / nnz).sqrt()) if nnz else 1.0
            groups.append({"params": [p], "lr": lr * max(scale, 1e-8)})
    try:  # the fused kernel is several times faster on the CPU (torch >= 2.4)
        return torch.optim.Adam(groups, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(groups)


def split_validation(model, y_idx, gen):
    """Stratified hold-out of the training samples for early stopping."""
    frac = float(model.validation_fraction)
    if not (0.0 < frac < 1.0):
        raise ValueError(f"validation_fraction must be in (0, 1), got {model.validation_fraction!r}")
    rng = np.random.default_rng(int(torch.randint(2**31 - 1, (1,), generator=gen)))
    val = []
    for c in np.unique(y_idx):
        members = np.flatnonzero(y_idx == c)
        k = int(round(frac * len(members)))
        if k >= 1 and len(members) - k >= 1:
            val.extend(rng.choice(members, k, replace=False).tolist())
    val = np.sort(np.asarray(val, dtype=np.int64))
    if val.size == 0:
        raise ValueError("early_stopping: too few samples per class for a validation split")
    train_rows = np.setdiff1d(np.arange(len(y_idx)), val)
    return train_rows, val


class LearningRun:
    """One continuous run of end-to-end learning: one optimiser and one shuffling generator for
    as many epochs as :meth:`epoch` is called.

    :meth:`DeepKernelMapNetwork.fit <kmnet.DeepKernelMapNetwork.fit>` with ``epochs=E`` is one
    such run of ``E`` epochs; epoch selection by cross-validation
    (:mod:`kmnet.experiments.dm2kmn_learning`) runs one per fold and scores the held-out rows
    after every epoch, so that the selected schedule and the final fit's are the same (Adam's
    moments are never reset in between).

    Parameters
    ----------
    model : DeepKernelMapNetwork
        Fitted (``module_`` exists); modified in place by every epoch.
    views : dict of tensors-ready arrays
        Validated training views.
    y_idx : ndarray of int
        Training labels as indices into ``model.classes_``.
    gen : torch.Generator
        Shuffles the mini-batches.
    rows : ndarray of int, optional
        Learn on these rows of ``views`` only (the rest may be scored with :meth:`score`).
    """

    def __init__(self, model, views, y_idx, gen, rows=None):
        self.model = model
        self.net = model.module_
        self.gen = gen
        Z_all = [z.detach() for z in model._input_reps(views)]
        y_all = torch.as_tensor(np.asarray(y_idx), device=model.device_)
        # class weights from all of y_idx (as the early-stopping hold-out always did)
        self.class_weights = torch.as_tensor(model._class_weights(np.asarray(y_idx), model.class_weight),
                                             dtype=model.dtype_, device=model.device_)
        self.Z_all, self.y_all = Z_all, y_all
        if rows is not None:
            r = torch.as_tensor(np.asarray(rows, dtype=np.int64), device=model.device_)
            self.Z, self.y = [z[r] for z in Z_all], y_all[r]
        else:
            self.Z, self.y = Z_all, y_all
        self.sw = self.class_weights[self.y]
        self.n = int(self.y.shape[0])
        self.params = param_groups(model)
        self.opt = make_optimizer(model, self.params) if self.params else None
        self.bs = self.n if model.batch_size is None else max(1, min(int(model.batch_size), self.n))
        self.epochs_done = 0

    def epoch(self) -> float:
        """One pass over the training rows (mini-batches, Eq. 6, projection); returns the loss."""
        model, net = self.model, self.net
        if self.opt is None:
            return float("nan")
        net.train()
        for p in self.params:
            p.requires_grad_(True)
        order = torch.randperm(self.n, generator=self.gen).to(model.device_) if self.bs < self.n else None
        total = 0.0
        for s in range(0, self.n, self.bs):
            idx = order[s : s + self.bs] if order is not None else slice(None)
            Zb = [z[idx] for z in self.Z]
            self.opt.zero_grad(set_to_none=True)
            loss = training_loss(model, net(Zb), self.y[idx], self.sw[idx], self.n)
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"DM2KMN training diverged at epoch {self.epochs_done} (loss {float(loss)}); lower lr"
                )
            loss.backward()
            self.opt.step()
            net.project_()
            total += float(loss.detach()) * (len(Zb[0]) / self.n)
        self.epochs_done += 1
        model.loss_curve_.append(total)
        model.n_epochs_ = len(model.loss_curve_)
        return total

    def score(self, Z, y) -> tuple[float, float]:
        """Class-weighted cross-entropy (the data term of Eq. 6) and accuracy of input
        representations ``Z`` with label indices ``y`` (a tensor)."""
        with torch.no_grad():
            logits = self.net(Z)
            ce = torch.nn.functional.cross_entropy(logits, y, reduction="none")
            sw = self.class_weights[y]
            return float((sw * ce).sum() / sw.sum()), float((logits.argmax(1) == y).double().mean())

    def finish(self) -> None:
        """Freeze the parameters (inference mode)."""
        self.net.eval()
        for p in self.net.parameters():
            p.requires_grad_(False)


def train(model, views, y_idx, gen, validation=None):
    """The epoch loop of end-to-end learning (mini-batches, projection, early stopping)."""
    epochs = int(model.epochs)
    net = model.module_
    if epochs == 0 or not any(name in model.trainable for name in TRAINABLE):
        return
    tr = va = None
    if model.early_stopping and validation is None:
        tr, va = split_validation(model, y_idx, gen)
    run = LearningRun(model, views, y_idx, gen, rows=tr)
    if model.early_stopping and validation is not None:
        Z_val = [z.detach() for z in model._input_reps(validation[0])]
        y_val = torch.as_tensor(validation[1], device=model.device_)
        model.validation_index_ = None
    elif model.early_stopping:
        va_t = torch.as_tensor(va, device=model.device_)
        Z_val, y_val = [z[va_t] for z in run.Z_all], run.y_all[va_t]
        model.validation_index_ = va
    bar = tqdm(range(epochs), disable=not model.verbose, desc="DM2KMN", leave=False)
    best, best_state, stale = np.inf, None, 0
    if model.early_stopping:  # epoch 0 (no learning) is a candidate too
        model.validation_loss_ = []
        best = _weighted_ce(run, Z_val, y_val)
        best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        model.initial_validation_loss_ = best
    for epoch in bar:
        total = run.epoch()
        if model.early_stopping:
            # the data term only: the penalties of Eq. 6 say nothing about generalisation
            vl = _weighted_ce(run, Z_val, y_val)
            model.validation_loss_.append(vl)
            if vl < best - 1e-6:
                best, stale = vl, 0
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            else:
                stale += 1
        bar.set_postfix(loss=f"{total:.4g}")
        if model.callback is not None:
            model.callback(model, epoch, total)
        if model.early_stopping and stale >= int(model.n_iter_no_change):
            break
    if best_state is not None:
        net.load_state_dict(best_state)
        losses = [model.initial_validation_loss_] + list(model.validation_loss_)
        model.best_epoch_ = int(np.argmin(losses))  # 0: learning did not help
    run.finish()


def _weighted_ce(run, Z_val, y_val) -> float:
    """Mean class-weighted validation cross-entropy (weights of the training classes)."""
    with torch.no_grad():
        ce = torch.nn.functional.cross_entropy(run.net(Z_val), y_val, reduction="none")
        return float((run.class_weights[y_val] * ce).mean())


def generator(random_state) -> torch.Generator:
    """The shuffling generator :meth:`DeepKernelMapNetwork.fit` derives from ``random_state``."""
    rng = np.random.default_rng(random_state)
    return torch.Generator().manual_seed(int(rng.integers(2**31 - 1)))


def label_indices(model, y, n: int, *, min_classes: int, what: str) -> np.ndarray:
    """Indices into ``model.classes_`` of labels ``y``; ValueError for a class not seen in fitting."""
    classes_y, idx = check_labels(y, n, min_classes=min_classes)
    lookup = {c: i for i, c in enumerate(model.classes_.tolist())}
    unknown = [c for c in classes_y.tolist() if c not in lookup]
    if unknown:
        raise ValueError(what.format(unknown[0]))
    return np.asarray([lookup[c] for c in classes_y[idx].tolist()], dtype=np.int64)
