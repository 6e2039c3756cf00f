"""The input layer shared by the DKN and the DM2KMN: one elementary map per (modality, kernel).

Paper Section 3.3 and Figure 1: every modality contributes its four elementary kernels (linear,
polynomial, RBF, histogram intersection), so two modalities give eight input units, named
``"<modality>:<kernel>"`` (e.g. ``"audio:hi"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch

from .maps import KernelMap, canonical_kernel_name, make_map

__all__ = ["InputLayer", "resolve_kernels"]


def resolve_kernels(kernels, modalities: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """``kernels`` as a tuple (same for every modality) or a mapping modality -> tuple."""
    if isinstance(kernels, str):
        kernels = (kernels,)
    if isinstance(kernels, Mapping):
        missing = [m for m in modalities if m not in kernels]
        if missing:
            raise ValueError(f"kernels: no kernel list for modality {missing[0]!r}")
        out = {m: tuple(canonical_kernel_name(k) for k in kernels[m]) for m in modalities}
    else:
        ks = tuple(canonical_kernel_name(k) for k in kernels)
        out = {m: ks for m in modalities}
    for m, ks in out.items():
        if len(ks) == 0:
            raise ValueError(f"kernels: modality {m!r} has no kernel")
        if len(set(ks)) != len(ks):
            raise ValueError(f"kernels: duplicate kernel for modality {m!r}: {ks}")
    return out


class InputLayer:
    """Fitted elementary maps, one per input unit.

    Parameters
    ----------
    kernels : tuple of str or mapping modality -> tuple of str
    degree, levels, sigma, rbf_energy
        Options of :class:`~kmnet.maps.PolynomialMap`, :class:`~kmnet.maps.HistogramIntersectionMap`
        and :class:`~kmnet.maps.RBFMap`.
    normalize : bool
        Cosine-normalise every elementary kernel.
    center : bool
        Centre every elementary kernel in its feature space on the fitting set before the cosine
        normalisation (:mod:`kmnet.maps`, ``center``). The exact kernels (DKN) and the maps or
        Nystrom coordinates (DM2KMN) of one fitted layer are centred on the same statistics.
    standardize : bool
        Standardise features before the linear, polynomial and RBF kernels (not before HI, whose
        per-dimension ranges already set the scale).
    """

    def __init__(self, kernels, *, degree=2, levels=10, sigma=None, rbf_energy=0.99,
                 normalize=True, standardize=True, center=False, dtype=torch.float32, device=None):
        self.kernels = kernels
        self.degree = degree
        self.levels = levels
        self.sigma = sigma
        self.rbf_energy = rbf_energy
        self.normalize = normalize
        self.standardize = standardize
        self.center = center
        self.dtype = dtype
        self.device = device

    def fit(self, views: Mapping) -> "InputLayer":
        self.modalities = list(views)
        self.n_features = {m: int(views[m].shape[1]) for m in self.modalities}
        self.kernels_ = resolve_kernels(self.kernels, self.modalities)
        self.units: list[tuple[str, str]] = [(m, k) for m in self.modalities for k in self.kernels_[m]]
        self.maps: dict[str, KernelMap] = {}
        dtype = str(self.dtype).replace("torch.", "")
        for m, k in self.units:
            mp = make_map(
                k,
                degree=self.degree,
                levels=self.levels,
                sigma=self.sigma,
                energy=self.rbf_energy,
                normalize=self.normalize,
                center=bool(self.center),
                standardize=self.standardize and k != "hi",
                dtype=dtype,
                device=self.device,
                output="torch",
            )
            try:
                self.maps[f"{m}:{k}"] = mp.fit(views[m])
            except ValueError as exc:  # name the view: the map only knows its input as "X"
                raise ValueError(f"views[{m!r}] ({k} kernel): {str(exc).removeprefix('X: ')}") from exc
        return self

    @property
    def unit_names(self) -> list[str]:
        return [f"{m}:{k}" for m, k in self.units]

    def __len__(self) -> int:
        return len(self.units)

    def gram(self, name: str, views_a: Mapping, views_b: Mapping | None = None) -> torch.Tensor:
        m = name.split(":", 1)[0]
        return self.maps[name].kernel(views_a[m], None if views_b is None else views_b[m])

    def grams(self, views_a: Mapping, views_b: Mapping | None = None) -> torch.Tensor:
        """Stacked exact Gram blocks, shape (n_units, n_a, n_b)."""
        return torch.stack([self.gram(n, views_a, views_b) for n in self.unit_names])
