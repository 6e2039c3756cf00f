"""The paper's hand-derived gradients of the map network (Section 3.4, Eqs. 7-16).

:func:`paper_gradients` evaluates Eqs. 7-16 literally, with explicit matrix products, for a
:class:`~kmnet.DeepKernelMapNetwork` built with ``parameterization="paper"`` (one free anchor
matrix :math:`A_p` per unit in the concatenated space, :math:`w` treated as independent of
:math:`A_p`). :func:`autograd_gradients` returns PyTorch's gradients of the same loss, so that the
two can be compared (``tests/core/test_gradients.py``, notebook ``01_kernel_maps``).

The loss is the one minimised by :meth:`DeepKernelMapNetwork.fit` (Eq. 6, averaged over the
batch): :math:`E=\\frac1B\\sum_i s_i\\,\\mathrm{CE}_i+a_c\\lVert W^{LR}\\rVert^2+a_w\\sum_k\\lVert w^{(k)}\\rVert^2`,
:math:`s_i` the class weight of sample :math:`i`.
"""

from __future__ import annotations

import numpy as np
import torch

from ._dm2kmn_train import training_loss

__all__ = ["paper_gradients", "autograd_gradients", "compare_gradients"]


def _at_zero(dw: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """A weight projected to exactly 0 has an infinite Eq. 16 term (d sqrt(w)/dw); like the
    forward pass (which uses sqrt(max(w, 1e-30))), such weights get no data gradient."""
    return torch.where(w > 1e-30, dw, torch.zeros_like(dw))


def _batch(model, views, y):
    from ._validation import check_labels

    views = model._validate_predict(views)
    n = next(iter(views.values())).shape[0]
    classes_y, idx = check_labels(y, n, min_classes=1)
    lookup = {c: i for i, c in enumerate(model.classes_.tolist())}
    y_idx = np.asarray([lookup[c] for c in classes_y[idx].tolist()], dtype=np.int64)
    Z = [z.detach() for z in model._input_reps(views)]
    y_t = torch.as_tensor(y_idx, device=model.device_)
    cw = torch.as_tensor(model._class_weights(y_idx, model.class_weight), dtype=model.dtype_,
                         device=model.device_)
    return Z, y_t, cw[y_t], n


def _coefs(model, n):
    a_c = (1.0 / n) if model.alpha_classifier is None else float(model.alpha_classifier)
    a_w = (1.0 / n) if model.alpha_weights is None else float(model.alpha_weights)
    return a_c, a_w


def autograd_gradients(model, views, y) -> dict[str, torch.Tensor]:
    """Gradients of the training loss from autograd, keyed like ``module_.named_parameters()``."""
    net = model.module_
    Z, y_t, sw, n = _batch(model, views, y)
    params = dict(net.named_parameters())
    flags = {k: p.requires_grad for k, p in params.items()}
    for p in params.values():
        p.requires_grad_(True)
    try:
        loss = training_loss(model, net(Z), y_t, sw, n)
        grads = torch.autograd.grad(loss, list(params.values()))
    finally:
        for k, p in params.items():
            p.requires_grad_(flags[k])
    return {k: g.detach() for k, g in zip(params, grads)}


@torch.no_grad()
def paper_gradients(model, views, y) -> dict[str, torch.Tensor]:
    """Eqs. 7-16 evaluated by hand on a batch, keyed like ``module_.named_parameters()``.

    Parameters
    ----------
    model : DeepKernelMapNetwork
        Built with ``parameterization="paper"`` (fitted or from :meth:`from_dkn`).
    views, y
        A batch of samples and their labels.
    """
    net = model.module_
    if net.parameterization != "paper":
        raise ValueError("paper_gradients needs a network built with parameterization='paper'")
    Z, y_t, sw, n = _batch(model, views, y)
    a_c, a_w = _coefs(model, n)
    B = Z[0].shape[0]
    L = len(net.widths)
    # ---- forward, keeping every intermediate
    F, H, Phi = [], [], []
    sw0 = torch.sqrt(net.w[0].clamp_min(1e-30))
    F0 = sum(sw0[:, q, None, None] * torch.einsum("bd,pmd->pbm", z, a) for q, (z, a) in enumerate(zip(Z, net.A0)))
    for l in range(L):
        if l > 0:
            swl = torch.sqrt(net.w[l].clamp_min(1e-30))
            Am = net.A[l - 1] * net.mask(l - 1)[None, :, None, :]
            F0 = torch.einsum("pq,qbr,pqmr->pbm", swl, Phi[-1], Am)
        Hl = torch.exp(F0) if l == L - 1 else torch.tanh(F0)
        Um = net.U[l] * net.mask(l)[:, None, :]
        F.append(F0)
        H.append(Hl)
        Phi.append(torch.bmm(Hl, Um))
    phiL = Phi[-1][0]
    logits = phiL @ net.W.T + net.b
    p = torch.softmax(logits, 1)
    Y = torch.nn.functional.one_hot(y_t, p.shape[1]).to(p.dtype)
    grads: dict[str, torch.Tensor] = {}
    # ---- Eq. 7: dE/df_c = p_c - y_c (times the sample weight and the batch mean)
    dlogits = (sw / B)[:, None] * (p - Y)
    # ---- Eq. 9: Delta W^LR = (p - y) phi^(L)(X)^T (+ the penalty's gradient)
    grads["W"] = dlogits.T @ phiL + 2.0 * a_c * net.W
    grads["b"] = dlogits.sum(0)
    # ---- Eq. 8: dE/dphi^(L) = sum_c (p_c - y_c) W^LR_c
    dPhi = (dlogits @ net.W)[None]  # (1, B, R_L)
    for l in range(L - 1, -1, -1):
        Um = net.U[l] * net.mask(l)[:, None, :]
        # Eq. 10: dE/dkappa_p(X, x_i) = < dE/dphi_p(X), U_p[i, :] >
        dH = torch.bmm(dPhi, Um.transpose(1, 2))
        # Eq. 14: Delta U_p = kappa_p(X, .)^T dE/dphi_p(X)
        grads[f"U.{l}"] = torch.bmm(H[l].transpose(1, 2), dPhi) * net.mask(l)[:, None, :]
        # Eq. 11: dE/df_p(X, x_i) = g'(f_p) dE/dkappa_p   (tanh' = 1 - tanh^2, exp' = exp)
        gprime = H[l] if l == L - 1 else 1.0 - H[l] ** 2
        dF = gprime * dH
        w = net.w[l]
        sw_l = torch.sqrt(w.clamp_min(1e-30))
        if l == 0:
            dw = torch.zeros_like(w)
            for q, (z, a) in enumerate(zip(Z, net.A0)):
                # Eq. 12, fragment q: dE/dphi^c_p(X)|_q = sum_i dE/df_p(X, x_i) A_p[i]|_q
                dfrag = torch.einsum("pbm,pmd->pbd", dF, a)
                # Eq. 15: Delta A_p[i]|_q = dE/df_p(X, x_i) * sqrt(w_pq) z_q(X)
                grads[f"A0.{q}"] = sw_l[:, q, None, None] * torch.einsum("pbm,bd->pmd", dF, z)
                # Eq. 16: Delta w_pq = < frag_q, d(sqrt(w_pq) z_q(X))/dw_pq > + 2 w_pq
                dw[:, q] = torch.einsum("pbd,bd->p", dfrag, z) / (2.0 * sw_l[:, q])
            grads["w.0"] = _at_zero(dw, w) + 2.0 * a_w * w
        else:
            mask_prev = net.mask(l - 1)
            Am = net.A[l - 1] * mask_prev[None, :, None, :]
            prev = Phi[l - 1]  # (n_prev, B, R)
            # Eq. 12: fragments of dE/dphi^c_p(X), shape (n_l, n_prev, B, R)
            dfrag = torch.einsum("pbm,pqmr->pqbr", dF, Am)
            # Eq. 13: dE/dphi_q^(l-1)(X) = sum_p sqrt(w_pq) frag_q(dE/dphi^c_p(X))
            dPhi_prev = torch.einsum("pq,pqbr->qbr", sw_l, dfrag)
            # Eq. 15
            grads[f"A.{l - 1}"] = torch.einsum("pbm,pq,qbr->pqmr", dF, sw_l, prev) * mask_prev[None, :, None, :]
            # Eq. 16
            dw = torch.einsum("pqbr,qbr->pq", dfrag, prev) / (2.0 * sw_l)
            grads[f"w.{l}"] = _at_zero(dw, w) + 2.0 * a_w * w
            dPhi = dPhi_prev
    return grads


def compare_gradients(model, views, y):
    """Table of max |paper - autograd| and relative error per parameter (a pandas DataFrame)."""
    import pandas as pd

    hand = paper_gradients(model, views, y)
    auto = autograd_gradients(model, views, y)
    rows = []
    for name, g in auto.items():
        h = hand[name]
        diff = float((h - g).abs().max())
        scale = float(g.abs().max())
        rows.append({"parameter": name, "shape": tuple(g.shape), "max_abs_autograd": scale,
                     "max_abs_diff": diff, "rel_diff": diff / scale if scale > 0 else diff})
    return pd.DataFrame(rows).set_index("parameter")
