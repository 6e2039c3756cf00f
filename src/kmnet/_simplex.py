"""Euclidean projection onto the probability simplex (rows of a matrix)."""

from __future__ import annotations

import torch

__all__ = ["project_simplex"]


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
