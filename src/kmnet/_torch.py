"""Device and dtype resolution, and array <-> tensor conversion."""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["resolve_device", "resolve_dtype", "as_tensor", "to_numpy"]

_DTYPES = {
    "float32": torch.float32,
    "float64": torch.float64,
    "single": torch.float32,
    "double": torch.float64,
}


def resolve_device(device=None) -> torch.device:
    """``None`` -> ``cuda`` when available, else ``cpu``; strings and devices pass through."""
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' requested but CUDA is not available")
    return dev


def resolve_dtype(dtype="float32") -> torch.dtype:
    """``"float32"`` (default) or ``"float64"`` (or the torch dtypes themselves)."""
    if isinstance(dtype, torch.dtype):
        if dtype not in (torch.float32, torch.float64):
            raise ValueError(f"dtype must be float32 or float64, got {dtype}")
        return dtype
    if isinstance(dtype, type) and issubclass(dtype, np.floating):
        dtype = np.dtype(dtype).name
    key = str(dtype).replace("torch.", "")
    if key not in _DTYPES:
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return _DTYPES[key]


def as_tensor(x, *, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x.to(device=device, dtype=dtype)
    return torch.as_tensor(np.asarray(x), dtype=dtype, device=device)


def to_numpy(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)
