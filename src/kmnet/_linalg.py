"""Linear-algebra helpers of the kernel networks, one home each.

* :func:`energy_rank`: how many eigenpairs keep a given energy of a spectrum (Section 4.2);
* :func:`nystroem_projection`: :math:`U=V_r\\Lambda_r^{-1/2}` of an anchor Gram matrix (Eqs. 3-4);
* :func:`eigh`: ``torch.linalg.eigh``, single-threaded on the CPU for moderate sizes;
* :func:`project_simplex`: Euclidean projection of the rows of a matrix onto the simplex (DKN
  weights, Section 3.1);
* :data:`CHUNK_ELEMS`: elements per chunk of the large broadcast products (memory budget).

:func:`energy_rank` and :func:`nystroem_projection` are public through :mod:`kmnet.maps`.
"""

from __future__ import annotations

import torch

__all__ = ["CHUNK_ELEMS", "energy_rank", "eigh", "nystroem_projection", "project_nonnegative_sphere",
           "project_simplex"]

#: elements per chunk of the large broadcast products (Gram blocks, histogram-intersection minima)
CHUNK_ELEMS = 1 << 24


def energy_rank(eigvals: torch.Tensor, energy: float) -> int:
    """Number of leading eigenvalues that keep ``energy`` of the positive spectrum (Section 4.2).

    ``eigvals`` must be sorted in decreasing order. Non-positive eigenvalues are dropped (a tanh
    layer need not be p.s.d., METHOD.md Section 2); ``energy=1`` keeps every eigenvalue above the
    numerical noise floor.
    """
    if not (0.0 < energy <= 1.0):
        raise ValueError(f"energy must be in (0, 1], got {energy}")
    lam = eigvals.detach().to(torch.float64)
    if lam.numel() == 0 or lam[0] <= 0:
        return 0
    floor = float(lam[0]) * lam.numel() * torch.finfo(torch.float64).eps * 10
    pos = lam[lam > floor]
    if pos.numel() == 0:
        return 0
    if energy >= 1.0:
        return int(pos.numel())
    cum = torch.cumsum(pos, 0)
    r = int(torch.searchsorted(cum, energy * cum[-1]).item()) + 1
    return min(r, int(pos.numel()))


def eigh(K: torch.Tensor):
    """``torch.linalg.eigh``; on the CPU, moderate sizes run on one thread.

    Multi-threaded LAPACK eigensolvers slow down by orders of magnitude when the cores are shared
    with other processes (seen here: 0.1 s on one thread, 16 s on two busy cores for 600 x 600),
    while one thread solves a 2000 x 2000 problem in about a second.
    """
    if K.device.type != "cpu" or K.shape[0] > 2048:
        return torch.linalg.eigh(K)
    n_threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        return torch.linalg.eigh(K)
    finally:
        torch.set_num_threads(n_threads)


def nystroem_projection(K: torch.Tensor, energy: float = 0.99, *, min_rank: int = 1):
    """Eigen-decompose an anchor Gram matrix and return ``U = V_r Lambda_r^{-1/2}`` (Eqs. 3-4).

    With this ``U`` the map :math:`\\hat\\phi(x) = k(x, S)\\,U` satisfies
    :math:`\\langle\\hat\\phi(x_i),\\hat\\phi(x_j)\\rangle = (V_r\\Lambda_rV_r^\\top)_{ij}\\approx K_{ij}`
    on the anchors (METHOD.md reading (b): the paper's :math:`V/\\Lambda` is read as
    :math:`V\\Lambda^{-1/2}`).

    Parameters
    ----------
    K : (M, M) tensor, symmetric
    energy : float in (0, 1]
        Fraction of the positive spectrum to keep.
    min_rank : int
        Keep at least this many positive eigenpairs.

    Returns
    -------
    U : (M, r) tensor, same dtype and device as ``K``
    eigvals : (r,) tensor, the kept eigenvalues in decreasing order
    """
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"K must be a square matrix, got shape {tuple(K.shape)}")
    K64 = K.detach().to(torch.float64)
    K64 = 0.5 * (K64 + K64.T)
    lam, V = eigh(K64)
    lam, V = lam.flip(0), V.flip(1)
    r = energy_rank(lam, energy)
    npos = energy_rank(lam, 1.0)
    r = max(r, min(min_rank, npos))
    if r == 0:
        raise ValueError("the anchor Gram matrix has no positive eigenvalue")
    lam_r, V_r = lam[:r], V[:, :r]
    U = V_r / torch.sqrt(lam_r)
    return U.to(K.dtype), lam_r.to(K.dtype)


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
