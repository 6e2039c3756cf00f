"""The torch module behind :class:`kmnet.DeepKernelMapNetwork`: parameters and forward pass.

Notation (paper Section 3.2, METHOD.md Section 3): input unit :math:`q` has a representation
:math:`z_q(x)` (an explicit elementary map or its Nystrom coordinates); layer :math:`l` has
:math:`n_l` units, unit :math:`p` computes

.. math::
    f_p(x, i) = \\langle \\hat\\phi^{(l),c}_p(x), A_p[i] \\rangle,\\qquad
    \\hat\\phi^{(l)}_p(x) = g\\big(f_p(x, \\cdot)\\big)\\,U_p        \\tag{2-4}

over the :math:`M` anchors :math:`i`. Two parameterisations of the anchors :math:`A` (METHOD.md):

``"shared"`` (S)
    anchors live in the previous layer's unit spaces and are shared by all units of the layer:
    :math:`f_p(x,i)=\\sum_q w_{p,q}\\langle \\hat\\phi_q(x), A_q[i]\\rangle`. The per-input Gram
    blocks :math:`\\langle\\hat\\phi_q(x),A_q[i]\\rangle` are computed once and shared by every unit,
    and no concatenation is ever formed (METHOD.md Section 10). Default.
``"paper"`` (P)
    one free anchor matrix per unit in the concatenated space, initialised at
    :math:`\\hat\\phi^{(l),c}_p(x_i)=[\\sqrt{w_{p,q}}\\hat\\phi_q(x_i)]_q`, with
    :math:`f_p(x,i)=\\sum_q\\sqrt{w_{p,q}}\\langle\\hat\\phi_q(x),A_{p,q}[i]\\rangle`. These are the
    parameters whose gradients the paper derives (Eqs. 10-16, see :mod:`kmnet.gradients`).

Both give :math:`f_p=\\sum_q w_{p,q}\\kappa_q` at initialisation, i.e. the DKN's Eq. 1.
Hidden units of one layer may keep different ranks :math:`r_p`; they are stored zero-padded to the
layer's largest rank. Padded entries start at zero and receive exactly zero gradients (every
product that reaches them involves another padded zero), so they stay zero without masking the
forward pass; :meth:`MapNetModule.project_` re-applies the masks after each step anyway.
"""

from __future__ import annotations

import torch
from torch import nn

from ._linalg import nystroem_projection

__all__ = ["MapNetModule", "build_map_network"]

SHARED, PAPER = "shared", "paper"


def _activation(is_output: bool):
    return torch.exp if is_output else torch.tanh


class MapNetModule(nn.Module):
    """Parameters of a deep (multi-modal) kernel map network and its forward pass."""

    def __init__(self, *, in_dims, widths, ranks, n_anchors, n_classes, parameterization, dtype, device):
        super().__init__()
        if parameterization not in (SHARED, PAPER):
            raise ValueError(f"parameterization must be 'shared' or 'paper', got {parameterization!r}")
        self.parameterization = parameterization
        self.in_dims = list(in_dims)
        self.widths = list(widths)  # units per layer after the input layer; last is 1 (output)
        self.ranks = [list(r) for r in ranks]  # per layer, per unit
        self.n_anchors = int(n_anchors)
        kw = dict(dtype=dtype, device=device)
        M = self.n_anchors
        n0 = len(self.in_dims)
        R = [max(r) for r in self.ranks]
        # input -> first layer
        n1 = self.widths[0]
        if parameterization == SHARED:
            self.A0 = nn.ParameterList([nn.Parameter(torch.zeros(M, d, **kw)) for d in self.in_dims])
        else:
            self.A0 = nn.ParameterList([nn.Parameter(torch.zeros(n1, M, d, **kw)) for d in self.in_dims])
        self.w = nn.ParameterList([nn.Parameter(torch.zeros(n1, n0, **kw))])
        self.U = nn.ParameterList([nn.Parameter(torch.zeros(n1, M, R[0], **kw))])
        self.A = nn.ParameterList()
        for l in range(1, len(self.widths)):
            n_prev, n_next = self.widths[l - 1], self.widths[l]
            if parameterization == SHARED:
                self.A.append(nn.Parameter(torch.zeros(n_prev, M, R[l - 1], **kw)))
            else:
                self.A.append(nn.Parameter(torch.zeros(n_next, n_prev, M, R[l - 1], **kw)))
            self.w.append(nn.Parameter(torch.zeros(n_next, n_prev, **kw)))
            self.U.append(nn.Parameter(torch.zeros(n_next, M, R[l], **kw)))
        for l, r in enumerate(self.ranks):
            mask = torch.zeros(len(r), R[l], **kw)
            for p, rp in enumerate(r):
                mask[p, :rp] = 1.0
            self.register_buffer(f"mask{l}", mask)
        self.W = nn.Parameter(torch.zeros(n_classes, R[-1], **kw))
        self.b = nn.Parameter(torch.zeros(n_classes, **kw))

    def mask(self, l: int) -> torch.Tensor:
        return getattr(self, f"mask{l}")

    @property
    def depth(self) -> int:
        """Number of layers including the input layer (the paper's 3 for one hidden layer)."""
        return len(self.widths) + 1

    def project_(self) -> None:
        """Keep :math:`w\\ge0` (p.s.d. kernels) and the padded entries at zero, in place."""
        with torch.no_grad():
            for w in self.w:
                w.clamp_(min=0.0)
            for l, U in enumerate(self.U):
                U.mul_(self.mask(l)[:, None, :])
            if self.parameterization == SHARED:
                for l, A in enumerate(self.A):
                    A.mul_(self.mask(l)[:, None, :])
            else:
                for l, A in enumerate(self.A):
                    A.mul_(self.mask(l)[None, :, None, :])
            self.W.mul_(self.mask(len(self.U) - 1)[0][None, :])

    # ------------------------------------------------------------------ forward
    def first_layer_pre(self, Z: list[torch.Tensor]) -> torch.Tensor:
        """:math:`f_p(x, i)` of the first layer, shape (n_1, B, M)."""
        w = self.w[0]
        if self.parameterization == SHARED:
            G = torch.stack([z @ a.T for z, a in zip(Z, self.A0)])  # (n0, B, M), shared by all units
            n0, B, M = G.shape
            return (w @ G.reshape(n0, B * M)).reshape(w.shape[0], B, M)
        sw = torch.sqrt(w.clamp_min(1e-30))
        F = 0.0
        for q, (z, a) in enumerate(zip(Z, self.A0)):
            F = F + sw[:, q, None, None] * torch.einsum("bd,pmd->pbm", z, a)
        return F

    def layer_pre(self, l: int, Phi: torch.Tensor) -> torch.Tensor:
        """:math:`f_p` of layer ``l`` (>= 1) from the previous layer's maps ``Phi`` (n_l, B, R)."""
        w = self.w[l]
        if self.parameterization == SHARED:
            G = torch.bmm(Phi, self.A[l - 1].transpose(1, 2))  # (n_prev, B, M)
            n_prev, B, M = G.shape
            return (w @ G.reshape(n_prev, B * M)).reshape(w.shape[0], B, M)
        sw = torch.sqrt(w.clamp_min(1e-30))
        return torch.einsum("pq,qbr,pqmr->pbm", sw, Phi, self.A[l - 1])

    def layer_maps(self, l: int, F: torch.Tensor) -> torch.Tensor:
        """Eq. 4: :math:`g(f_p)\\,U_p`, shape (n_l, B, R_l)."""
        g = _activation(l == len(self.widths) - 1)
        return torch.bmm(g(F), self.U[l])

    def output_map(self, Z: list[torch.Tensor]) -> torch.Tensor:
        """:math:`\\hat\\phi^{(L)}_1(x)`, shape (B, R_L)."""
        Phi = self.layer_maps(0, self.first_layer_pre(Z))
        for l in range(1, len(self.widths)):
            Phi = self.layer_maps(l, self.layer_pre(l, Phi))
        return Phi[0]

    def forward(self, Z: list[torch.Tensor]) -> torch.Tensor:
        """Logits :math:`f(X) = W^{LR}\\hat\\phi^{(L)}_1(X) + b` (Eq. 5), shape (B, C)."""
        return self.output_map(Z) @ self.W.T + self.b


@torch.no_grad()
def build_map_network(
    Zs: list[torch.Tensor],
    weights: list[torch.Tensor],
    *,
    energy: float,
    n_classes: int,
    parameterization: str = SHARED,
) -> MapNetModule:
    """Build the initial map network on the anchors (Eqs. 2-4), unsupervised.

    Parameters
    ----------
    Zs : list of tensors (M, D_q)
        Input-unit representations of the M anchors.
    weights : list of tensors
        DKN-style weights, ``weights[l]`` of shape (n_{l+1}, n_l), all >= 0.
    energy : float
        Energy kept by every unit's eigen-decomposition (Section 4.2: 0.99).
    """
    dtype, device = Zs[0].dtype, Zs[0].device
    M = Zs[0].shape[0]
    widths = [int(W.shape[0]) for W in weights]
    n_layers = len(widths)
    # pass 1: ranks and projections, layer by layer on the anchors
    G = torch.stack([z @ z.T for z in Zs])  # (n0, M, M) input Gram blocks on the anchors
    Us, Phis, ranks = [], [], []
    for l, W in enumerate(weights):
        n_in = G.shape[0]
        F = (W.to(dtype) @ G.reshape(n_in, M * M)).reshape(W.shape[0], M, M)
        K = _activation(l == n_layers - 1)(F)
        U_l, Phi_l, r_l = [], [], []
        for p in range(K.shape[0]):
            U, _ = nystroem_projection(K[p], energy)
            U_l.append(U)
            Phi_l.append(K[p] @ U)
            r_l.append(U.shape[1])
        Us.append(U_l)
        Phis.append(Phi_l)
        ranks.append(r_l)
        G = torch.stack([phi @ phi.T for phi in Phi_l])
    net = MapNetModule(
        in_dims=[z.shape[1] for z in Zs], widths=widths, ranks=ranks, n_anchors=M,
        n_classes=n_classes, parameterization=parameterization, dtype=dtype, device=device,
    )
    # pass 2: fill the parameters
    for l, W in enumerate(weights):
        net.w[l].copy_(W.to(dtype))
        for p, U in enumerate(Us[l]):
            net.U[l][p, :, : U.shape[1]] = U
    sw0 = torch.sqrt(weights[0].to(dtype))
    for q, z in enumerate(Zs):
        if parameterization == SHARED:
            net.A0[q].copy_(z)
        else:
            net.A0[q].copy_(sw0[:, q, None, None] * z[None])
    for l in range(1, n_layers):
        sw = torch.sqrt(weights[l].to(dtype))
        for q, phi in enumerate(Phis[l - 1]):
            if parameterization == SHARED:
                net.A[l - 1][q, :, : phi.shape[1]] = phi
            else:
                net.A[l - 1][:, q, :, : phi.shape[1]] = sw[:, q, None, None] * phi[None]
    return net
