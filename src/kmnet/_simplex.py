"""Euclidean projections of weight rows: onto the simplex, and onto the non-negative part of a sphere."""

from __future__ import annotations

import torch

__all__ = ["project_simplex", "project_nonnegative_sphere"]


def project_simplex(V: torch.Tensor, radius: float = 1.0) -> torch.Tensor:
    """Project each row of ``V`` onto :math:`\\{w \\ge 0, \\sum_q w_q = r\\}` (Duchi et al. 2008)."""
    if V.ndim == 1:
        return project_simplex(V[None], radius)[0]
    n, d = V.shape
    U, _ = torch.sort(V, dim=1, descending=True)
    css = torch.cumsum(U, dim=1) - radius
    ind = torch.arange(1, d + 1, dtype=V.dtype, device=V.device)
    cond = (U - css / ind) > 0
    rho = d - 1 - torch.argmax(cond.flip(1).to(torch.int8), dim=1)
    theta = css[torch.arange(n, device=V.device), rho] / (rho + 1).to(V.dtype)
    return (V - theta[:, None]).clamp_min(0.0)


def project_nonnegative_sphere(V: torch.Tensor, radius) -> torch.Tensor:
    """Project each row of ``V`` onto :math:`\\{w \\ge 0, \\lVert w\\rVert_2 = r\\}`.

    The nearest point is :math:`r\\,v_+/\\lVert v_+\\rVert` (negative entries set to zero, then
    rescaled); a row without a positive entry goes to :math:`r` times the unit vector of its
    largest entry. ``radius`` is a float or one value per row.
    """
    if V.ndim == 1:
        return project_nonnegative_sphere(V[None], radius)[0]
    r = torch.as_tensor(radius, dtype=V.dtype, device=V.device).reshape(-1, 1)
    P = V.clamp_min(0.0)
    norm = P.norm(dim=1, keepdim=True)
    empty = (norm <= 0).squeeze(1)
    if bool(empty.any()):
        onehot = torch.zeros_like(V[empty])
        onehot[torch.arange(onehot.shape[0], device=V.device), V[empty].argmax(1)] = 1.0
        P[empty] = onehot
        norm = P.norm(dim=1, keepdim=True)
    return r * P / norm
