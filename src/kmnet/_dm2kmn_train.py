"""End-to-end learning of :class:`kmnet.DeepKernelMapNetwork` (paper Section 3.4, Eq. 6).

The pieces of :meth:`DeepKernelMapNetwork.fit <kmnet.DeepKernelMapNetwork.fit>` that do the
learning, as functions of the model: the loss of Eq. 6 (:func:`training_loss`), the parameter
groups that learn (:func:`param_groups`), the optimiser with per-tensor step sizes
(:func:`make_optimizer`), the stratified hold-out for early stopping (:func:`split_validation`)
and the epoch loop (:func:`train`). The model's fitted state (``module_``, ``loss_curve_``,
``validation_loss_``, ``best_epoch_``, ...) is set on the model, as :meth:`fit` documents.
"""

from __future__ import annotations

import numpy as np
import torch
from tqdm.auto import tqdm

from ._mapnet import PAPER, SHARED

__all__ = ["TRAINABLE", "check_params", "training_loss", "param_groups", "make_optimizer", "split_validation",
           "train"]

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


def train(model, views, y_idx, gen, validation=None):
    """The epoch loop of end-to-end learning (mini-batches, projection, early stopping)."""
    epochs = int(model.epochs)
    net = model.module_
    Z_all = [z.detach() for z in model._input_reps(views)]
    y_all = torch.as_tensor(y_idx, device=model.device_)
    cw = torch.as_tensor(model._class_weights(y_idx, model.class_weight), dtype=model.dtype_,
                         device=model.device_)
    sw_all = cw[y_all]
    if epochs == 0:
        return
    params = param_groups(model)
    if not params:
        return
    if model.early_stopping and validation is not None:
        Z, y_t, sw = Z_all, y_all, sw_all
        Z_val = [z.detach() for z in model._input_reps(validation[0])]
        y_val = torch.as_tensor(validation[1], device=model.device_)
        sw_val = cw[y_val]
        model.validation_index_ = None
        model.validation_loss_ = []
    elif model.early_stopping:
        tr, va = split_validation(model, y_idx, gen)
        tr_t = torch.as_tensor(tr, device=model.device_)
        va_t = torch.as_tensor(va, device=model.device_)
        Z, y_t, sw = [z[tr_t] for z in Z_all], y_all[tr_t], sw_all[tr_t]
        Z_val, y_val, sw_val = [z[va_t] for z in Z_all], y_all[va_t], sw_all[va_t]
        model.validation_index_ = va
        model.validation_loss_ = []
    else:
        Z, y_t, sw = Z_all, y_all, sw_all
    n = y_t.shape[0]
    opt = make_optimizer(model, params)
    bs = n if model.batch_size is None else max(1, min(int(model.batch_size), n))
    bar = tqdm(range(epochs), disable=not model.verbose, desc="DM2KMN", leave=False)
    best, best_state, stale = np.inf, None, 0
    if model.early_stopping:  # epoch 0 (no learning) is a candidate too
        with torch.no_grad():
            ce = torch.nn.functional.cross_entropy(net(Z_val), y_val, reduction="none")
            best = float((sw_val * ce).mean())
        best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        model.initial_validation_loss_ = best
    net.train()
    for epoch in bar:
        order = torch.randperm(n, generator=gen).to(model.device_) if bs < n else None
        total = 0.0
        for s in range(0, n, bs):
            idx = order[s : s + bs] if order is not None else slice(None)
            Zb = [z[idx] for z in Z]
            opt.zero_grad(set_to_none=True)
            loss = training_loss(model, net(Zb), y_t[idx], sw[idx], n)
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"DM2KMN training diverged at epoch {epoch} (loss {float(loss)}); lower lr"
                )
            loss.backward()
            opt.step()
            net.project_()
            total += float(loss.detach()) * (len(Zb[0]) / n)
        model.loss_curve_.append(total)
        model.n_epochs_ = len(model.loss_curve_)
        if model.early_stopping:
            # the data term only: the penalties of Eq. 6 say nothing about generalisation
            with torch.no_grad():
                ce = torch.nn.functional.cross_entropy(net(Z_val), y_val, reduction="none")
                vl = float((sw_val * ce).mean())
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
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
