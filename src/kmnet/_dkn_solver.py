"""The DKN's training steps: forward pass (Eq. 1), SVM solves, weight updates and gradients.

:class:`DKNSolver` is a mixin of :class:`~kmnet.DeepKernelNetwork`; the updates are described
in :mod:`kmnet.dkn`.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.svm import SVC

from ._base import hidden_sizes
from ._linalg import CHUNK_ELEMS as _CHUNK_ELEMS, project_nonnegative_sphere, project_simplex

__all__ = ["DKNSolver", "UPDATES", "kernel_network_forward"]

#: weight updates of :class:`~kmnet.DeepKernelNetwork` (:mod:`kmnet.dkn`)
UPDATES = ("simplex", "eg", "l2")


def kernel_network_forward(G: torch.Tensor, weights: list[torch.Tensor]) -> torch.Tensor:
    """Eq. 1 applied layer by layer to stacked input Gram blocks.

    Parameters
    ----------
    G : tensor (n_input_units, n_a, n_b)
        Elementary kernel values.
    weights : list of tensors
        ``weights[l]`` has shape (n_{l+1}, n_l); the last one has a single row (the output unit).

    Returns
    -------
    tensor (n_a, n_b): the output kernel :math:`\\kappa^{(L)}_1`.
    """
    H = G
    last = len(weights) - 1
    for l, W in enumerate(weights):
        n_in, a, b = H.shape
        F = (W @ H.reshape(n_in, a * b)).reshape(W.shape[0], a, b)
        H = torch.exp(F) if l == last else torch.tanh(F)
    return H[0]


class DKNSolver:
    """SVM solves, weight initialisation, updates and gradients of :class:`~kmnet.DeepKernelNetwork` (mixin)."""

    def _svm_targets(self, y_idx):
        """One-vs-rest targets (+1/-1): one SVM for two classes, one per class otherwise."""
        C = len(self.classes_)
        cls = [1] if C == 2 else list(range(C))
        return [np.where(y_idx == c, 1, -1) for c in cls]

    def _solve_svms(self, K: np.ndarray, targets, sample_weight):
        """Solve the one-vs-rest SVMs on a precomputed kernel; return dual coefficients and J."""
        betas, intercepts, J = [], [], 0.0
        for t in targets:
            svm = SVC(C=float(self.C), kernel="precomputed", tol=1e-4, cache_size=500)
            svm.fit(K, t, sample_weight=sample_weight)
            beta = np.zeros(K.shape[0])
            # sklearn orders the classes [-1, +1]: dual_coef_ = alpha_i * y_i, decision > 0 means +1
            beta[svm.support_] = svm.dual_coef_[0]
            betas.append(beta)
            intercepts.append(float(svm.intercept_[0]))
            # einsum sums in a fixed order (no BLAS): the objective decides which steps are
            # accepted, so it must not depend on the number of BLAS threads
            J += np.abs(beta).sum() - 0.5 * np.einsum("i,ij,j->", beta, K, beta)
        return np.stack(betas), np.asarray(intercepts), float(J)

    def _init_weights(self, n_in: int, gen: torch.Generator):
        sizes = [n_in, *hidden_sizes(self.hidden), 1]
        ws = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            W = torch.rand(b, a, generator=gen, dtype=torch.float64)
            W = W / W.sum(1, keepdim=True)
            if self.update == "l2":
                W = W / W.norm(dim=1, keepdim=True) / np.sqrt(a)
            ws.append(W.to(self.dtype_).to(self.device_))
        return ws

    def _take_step(self, W: torch.Tensor, g: torch.Tensor, eta: float) -> torch.Tensor:
        """One weight update of ``update`` (module docstring) with step ``eta`` = step / max|g|."""
        if self.update == "simplex":
            return project_simplex(W - eta * g)
        if self.update == "eg":
            return torch.softmax(torch.log(W) - eta * g, dim=1)
        r = 1.0 / np.sqrt(W.shape[1])
        return project_nonnegative_sphere(W - (eta * r) * g, r)

    def _forward_chunked(self, G: torch.Tensor, weights) -> torch.Tensor:
        n_units, a, b = G.shape
        width = max([W.shape[0] for W in weights] + [n_units])
        step = max(1, _CHUNK_ELEMS // max(1, width * b))
        out = torch.empty(a, b, dtype=G.dtype, device=G.device)
        for i in range(0, a, step):
            out[i : i + step] = kernel_network_forward(G[:, i : i + step], weights)
        return out

    def _grad(self, G, weights, betas_t):
        """Gradient of -1/2 sum_c beta_c^T K(w) beta_c w.r.t. every weight matrix (chunked rows)."""
        n_units, a, b = G.shape
        ws = [W.detach().clone().requires_grad_(True) for W in weights]
        width = max([W.shape[0] for W in weights] + [n_units])
        step = max(1, _CHUNK_ELEMS // max(1, width * b))
        grads = [torch.zeros_like(W) for W in weights]
        for i in range(0, a, step):
            K = kernel_network_forward(G[:, i : i + step], ws)
            val = -0.5 * torch.einsum("ci,ij,cj->", betas_t[:, i : i + step], K, betas_t)
            gs = torch.autograd.grad(val, ws)
            for acc, g in zip(grads, gs):
                acc += g
        return grads
