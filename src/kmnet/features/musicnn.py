"""musicnn in torch: music-trained audio taggers and embeddings, loaded from musicnn's own weights.

Pons & Serra (2019), "musicnn: pre-trained convolutional neural networks for music audio
tagging", Late-Breaking/Demo, ISMIR 2019 (arXiv:1909.06654). The PyPI package
``musicnn==0.1.0`` (ISC licence, Music Technology Group, Universitat Pompeu Fabra) ships
TensorFlow checkpoints of four models trained on music audio:

* ``MSD_musicnn`` and ``MSD_vgg``: Million Song Dataset, its 50 most frequent tags (many of them
  genres: rock, pop, jazz, metal, blues, ...);
* ``MTT_musicnn`` and ``MTT_vgg``: MagnaTagATune, its 50 most frequent tags (instruments,
  moods and genres, among them ``classical``, ``piano``, ``harpsichord``).

Its own code runs on TensorFlow's v1 graph API; this module re-implements both architectures
in torch and reads the checkpoints with a small pure-Python reader of TensorFlow's
tensor-bundle format (:mod:`kmnet.features._tf_bundle`, CRC-32C checked), so **no TensorFlow
is needed**. Install the weights with ``pip install --no-deps musicnn==0.1.0`` (``--no-deps``:
the package requires ``tensorflow>=1.14`` and ``numpy<1.17``, neither needed here, the latter
not installable beside this project).

Pre-processing (as musicnn's ``extractor.batch_data``)
------------------------------------------------------
Audio at 16 kHz (librosa's default resampler, as ``librosa.load``), mono;
``librosa.feature.melspectrogram`` with a 512-point FFT, hop 256, 96 Slaney Mel bands, power
2, centred frames; the power rounded to float16 (as musicnn stores it), then
``log10(10000 x + 1)`` in float32 (numpy < 2 promotes ``10000 * float16`` to float32; under
numpy 2 the original code computes it in float16 and overflows to ``inf`` for loud bins, which
this port does not reproduce). Non-overlapping patches of 187 frames (3 s); the tail that does
not fill a patch is dropped; audio shorter than one patch (about 2.98 s) is refused.

Architectures (musicnn's ``models.py``; TensorFlow ``layers`` defaults: batch normalisation
with epsilon 1e-3 in inference mode, applied *after* the ReLU of each convolution)
--------------------------------------------------------------------------------------
* **musicnn** (``build_musicnn``): batch norm of the input; front end of musically motivated
  filters: timbral 7 x 38 and 7 x 67 (time x Mel) convolutions, 204 filters each, time padded
  by 3 ("valid" in frequency), and temporal 128 x 1, 64 x 1, 32 x 1 convolutions ("same"
  padding), 51 filters each; each max-pooled over frequency: 561 channels per frame. Mid end:
  three 1-D convolutions of width 7 over time, 64 filters, the second and third residual,
  densely connected to the front end (753 channels). Back end: max and mean over time
  (interleaved, 1506 values), batch norm, dense 200 + ReLU + batch norm (the
  ``penultimate`` layer), dense 50, sigmoid. Dropout is inactive at inference.
* **vgg** (``vgg``): batch norm of the input; five 3 x 3 convolutions of 128 filters ("same"),
  each followed by ReLU, batch norm and max pooling (4 x 1 stride 2 x 2; 2 x 2 s 2 three
  times; 4 x 4 s 4), giving 2 x 1 x 128 per patch; dense 50, sigmoid.

Layers exposed (per patch; musicnn's ``extractor`` names): musicnn: ``timbral`` (frames x
408), ``temporal`` (frames x 153), ``cnn1``, ``cnn2``, ``cnn3`` (frames x 64), ``mean_pool``,
``max_pool`` (753), ``penultimate`` (200), ``taggram`` (50 sigmoid outputs); vgg: ``pool1`` ..
``pool5`` (time x frequency x 128), ``taggram``. :func:`embed` pools a layer over all patches
(and over the positions inside a patch for the convolutional layers): the mean and the maximum,
concatenated.

Agreement with the original
---------------------------
Checked against musicnn 0.1.0 running on TensorFlow (a throw-away virtual environment outside
the project: ``pip install tensorflow-cpu tf-keras librosa`` (TensorFlow 2.21.0, librosa
0.11.0), then ``pip install numpy==1.26.4 "ml-dtypes<0.6"`` (the numpy 1.x promotion musicnn's
log compression was written for) and ``pip install --no-deps musicnn==0.1.0``;
``TF_USE_LEGACY_KERAS=1``, ``TF_ENABLE_ONEDNN_OPTS=0``, CPU), on the two staged GTZAN clips
(``blues.00000.wav``, ``classical.00000.wav``) and all four models:

* the input patches equal musicnn's ``extractor.batch_data`` exactly (max abs difference 0);
* tag probabilities per patch: max abs difference <= 1e-6; averaged over the patches
  (:func:`tag`): <= 2.4e-7;
* ``penultimate`` (musicnn models, values up to 3.6) and ``pool5`` (VGG, up to 3.7): <= 5.5e-6;
* musicnn's other layers: ``mean_pool`` 4.9e-6 (values up to 8.4), ``max_pool`` 2.1e-4 (107),
  ``timbral`` 3.1e-5 (48), ``temporal`` 1.3e-5 (36), ``cnn1`` 4.3e-6 (6.6), ``cnn2`` 6.5e-5
  (27), ``cnn3`` 2.4e-4 (87); VGG ``pool1`` .. ``pool5``: <= 5.0e-5 (values up to 44).

musicnn's ``extractor`` returns, for every patch after the first, the first patch's
``cnn1``, ``cnn2``, ``cnn3`` and ``penultimate`` (its loop reads variables of the first
batch), so those layers were compared with the TensorFlow graph run on all patches at once.

TensorFlow is not a dependency of kmnet. ``tools/musicnn_tf_reference.py`` (run in such an
environment) writes the original's patch summaries, per-patch tags and ``penultimate`` /
``pool5`` layers of the two clips to ``tests/features/data/musicnn_tf_reference.npz`` (94 kB),
which the test suite compares this port with; the suite also runs random patches through a
second, independent forward pass (numpy, in TensorFlow's own tensor layout, from the tensors
the bundle reader returns).

Examples
--------
>>> from kmnet.features import musicnn
>>> musicnn.tag("classical.00000.wav", model="MTT_musicnn").nlargest(3).round(2)   # doctest: +SKIP
classical    0.81
strings      0.45
violin       0.44
Name: MTT_musicnn, dtype: float64
>>> musicnn.embed("blues.00000.wav").shape                            # doctest: +SKIP
(400,)
"""

from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path

import numpy as np

from .._torch import resolve_device

__all__ = [
    "BN_EPSILON",
    "LAYERS",
    "MODELS",
    "N_FRAMES",
    "N_MELS",
    "SR",
    "checkpoint_dir",
    "embed",
    "extract",
    "load_model",
    "log_mel",
    "patches",
    "tag",
    "tag_names",
]

SR = 16000
FFT_SIZE = 512
FFT_HOP = 256
N_MELS = 96
N_FRAMES = 187  # librosa.time_to_frames(3, sr=16000, n_fft=512, hop_length=256) + 1
BN_EPSILON = 1e-3  # tf.compat.v1.layers.batch_normalization's default
SILENCE_PEAK = 1e-4  # as kmnet.features.load_audio: quieter inputs are refused
PAD_MODE = "constant"  # librosa >= 0.10's stft default (musicnn calls melspectrogram with defaults)

#: the models shipped in the musicnn 0.1.0 wheel -> architecture
MODELS = {"MSD_musicnn": "musicnn", "MSD_vgg": "vgg", "MTT_musicnn": "musicnn", "MTT_vgg": "vgg"}

#: layers per architecture, with their per-patch layout
LAYERS = {
    "musicnn": {"timbral": "frames x 408", "temporal": "frames x 153", "cnn1": "frames x 64",
                "cnn2": "frames x 64", "cnn3": "frames x 64", "mean_pool": "753", "max_pool": "753",
                "penultimate": "200", "taggram": "50"},
    "vgg": {"pool1": "92 x 48 x 128", "pool2": "46 x 24 x 128", "pool3": "23 x 12 x 128",
            "pool4": "11 x 6 x 128", "pool5": "2 x 1 x 128", "taggram": "50"},
}

_INSTALL = "pip install --no-deps musicnn==0.1.0"


# -- weights -----------------------------------------------------------------------------------

def _check_model(model: str) -> str:
    if model not in MODELS:
        hint = " (MSD_musicnn_big is not in the PyPI wheel)" if model == "MSD_musicnn_big" else ""
        raise ValueError(f"unknown musicnn model {model!r}{hint}; known: {sorted(MODELS)}")
    return MODELS[model]


def _package_dir() -> Path:
    spec = importlib.util.find_spec("musicnn")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"the musicnn weights are not installed; install them with `{_INSTALL}` "
                          "(--no-deps: TensorFlow is not needed)")
    return Path(list(spec.submodule_search_locations)[0])


def checkpoint_dir(model: str = "MSD_musicnn") -> Path:
    """Folder of ``model``'s checkpoint in the installed musicnn wheel (``.index``, ``.data-*``)."""
    _check_model(model)
    d = _package_dir() / model
    if not (d / ".index").is_file():
        raise ImportError(f"musicnn is installed but {d}/.index is missing; reinstall with `{_INSTALL}`")
    return d


def tag_names(model: str = "MSD_musicnn") -> list[str]:
    """The model's 50 tags in output order (musicnn's ``configuration.MSD_LABELS`` / ``MTT_LABELS``)."""
    _check_model(model)
    import ast

    want = "MSD_LABELS" if model.startswith("MSD") else "MTT_LABELS"
    cfg = _package_dir() / "configuration.py"
    for node in ast.parse(cfg.read_text()).body:  # read the literal list, run nothing
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == want for t in node.targets):
            return [str(x) for x in ast.literal_eval(node.value)]
    raise ImportError(f"{cfg} has no {want}; reinstall with `{_INSTALL}`")


def _weights(model: str) -> dict[str, np.ndarray]:
    from ._tf_bundle import TensorBundle

    b = TensorBundle(checkpoint_dir(model), verify=True)
    return {k: b.tensor(k) for k in b.keys() if not (k.endswith("/Adam") or k.endswith("/Adam_1") or "_power" in k)}


def _weights_sha(model: str) -> str:
    import hashlib

    d = checkpoint_dir(model)
    h = hashlib.sha256()
    for name in (".index", ".data-00000-of-00001"):
        h.update((d / name).read_bytes())
    return h.hexdigest()[:16]


# -- torch modules -----------------------------------------------------------------------------

def _torch():
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - torch is a core dependency
        raise ImportError("musicnn features need torch") from exc
    return torch


def _build(arch: str, w: dict[str, np.ndarray]):
    torch = _torch()
    import torch.nn.functional as F
    from torch import nn

    def t(a):
        return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))

    class BatchNorm(nn.Module):
        """Inference batch norm over ``dim`` (TensorFlow's moving statistics, epsilon 1e-3)."""

        def __init__(self, prefix, dim):
            super().__init__()
            self.dim = dim
            g, b = w[f"{prefix}/gamma"], w[f"{prefix}/beta"]
            m, v = w[f"{prefix}/moving_mean"], w[f"{prefix}/moving_variance"]
            scale = g / np.sqrt(v + np.float32(BN_EPSILON))
            self.register_buffer("scale", t(scale))
            self.register_buffer("shift", t(b - m * scale))

        def forward(self, x):
            shape = [1] * x.dim()
            shape[self.dim] = -1
            return x * self.scale.view(shape) + self.shift.view(shape)

    def conv2d(name):  # TF (kh, kw, in, out) -> torch (out, in, kh, kw)
        k = w[f"{name}/kernel"]
        c = nn.Conv2d(k.shape[2], k.shape[3], k.shape[:2], bias=True)
        c.weight.data = t(k.transpose(3, 2, 0, 1))
        c.bias.data = t(w[f"{name}/bias"])
        return c

    def conv1d_over_width(name):  # a TF conv whose kernel spans the whole width: a 1-D conv
        k = w[f"{name}/kernel"]  # (7, channels, 1, out)
        c = nn.Conv1d(k.shape[1], k.shape[3], k.shape[0], padding=k.shape[0] // 2, bias=True)
        c.weight.data = t(k[:, :, 0, :].transpose(2, 1, 0))
        c.bias.data = t(w[f"{name}/bias"])
        return c

    def dense(name):  # TF (in, out) -> torch (out, in)
        k = w[f"{name}/kernel"]
        d = nn.Linear(k.shape[0], k.shape[1])
        d.weight.data = t(k.T)
        d.bias.data = t(w[f"{name}/bias"])
        return d

    class Musicnn(nn.Module):
        """musicnn (Pons & Serra 2019): musically motivated front end, dense mid end, pooled back end."""

        def __init__(self):
            super().__init__()
            self.bn_input = BatchNorm("batch_normalization", 1)
            self.timbral = nn.ModuleList([conv2d("conv2d"), conv2d("conv2d_1")])
            self.temporal = nn.ModuleList([conv2d("conv2d_2"), conv2d("conv2d_3"), conv2d("conv2d_4")])
            self.bn_front = nn.ModuleList([BatchNorm(f"batch_normalization_{i}", 1) for i in range(1, 6)])
            self.mid = nn.ModuleList([conv1d_over_width(f"conv2d_{i}") for i in (5, 6, 7)])
            self.bn_mid = nn.ModuleList([BatchNorm(f"batch_normalization_{i}", 1) for i in (6, 7, 8)])
            self.bn_pool = BatchNorm("batch_normalization_9", 1)
            self.dense = dense("dense")
            self.bn_dense = BatchNorm("batch_normalization_10", 1)
            self.out = dense("dense_1")

        def forward(self, x):
            """``x``: (batch, 187, 96) log-Mel patches -> dict of layers (channels last)."""
            x = self.bn_input(x.unsqueeze(1))  # (B, 1, T, F)
            front = []
            xp = F.pad(x, (0, 0, 3, 3))  # time padded by 3 on each side, frequency "valid"
            for conv, bn in zip(self.timbral, self.bn_front[:2]):
                front.append(bn(F.relu(conv(xp))).amax(dim=3))
            for conv, bn in zip(self.temporal, self.bn_front[2:]):
                k = conv.kernel_size[0]  # TensorFlow "same": the extra pad goes after
                y = conv(F.pad(x, (0, 0, (k - 1) // 2, k - 1 - (k - 1) // 2)))
                front.append(bn(F.relu(y)).amax(dim=3))
            fe = torch.cat(front, dim=1)  # (B, 561, T)
            c1 = self.bn_mid[0](F.relu(self.mid[0](fe)))
            c2 = self.bn_mid[1](F.relu(self.mid[1](c1))) + c1
            c3 = self.bn_mid[2](F.relu(self.mid[2](c2))) + c2
            feats = torch.cat([fe, c1, c2, c3], dim=1)  # (B, 753, T)
            mx, mean = feats.amax(dim=2), feats.mean(dim=2)
            flat = torch.stack([mx, mean], dim=2).flatten(1)  # TF flattens (753, 2): interleaved
            pen = self.bn_dense(F.relu(self.dense(self.bn_pool(flat))))
            logits = self.out(pen)
            return {
                "timbral": torch.cat(front[:2], 1).transpose(1, 2),
                "temporal": torch.cat(front[2:], 1).transpose(1, 2),
                "cnn1": c1.transpose(1, 2), "cnn2": c2.transpose(1, 2), "cnn3": c3.transpose(1, 2),
                "mean_pool": mean, "max_pool": mx, "penultimate": pen,
                "logits": logits, "taggram": torch.sigmoid(logits),
            }

    class VGG(nn.Module):
        """musicnn's VGG-like baseline: five 3 x 3 conv / batch norm / max-pool blocks, dense."""

        pools = ((4, 1), (2, 2)), ((2, 2), (2, 2)), ((2, 2), (2, 2)), ((2, 2), (2, 2)), ((4, 4), (4, 4))

        def __init__(self):
            super().__init__()
            self.bn_input = BatchNorm("batch_normalization", 1)
            self.convs = nn.ModuleList([conv2d(f"{i}CNN") for i in range(1, 6)])
            self.bns = nn.ModuleList([BatchNorm(f"batch_normalization_{i}", 1) for i in range(1, 6)])
            self.out = dense("dense")

        def forward(self, x):
            x = self.bn_input(x.unsqueeze(1))
            out = {}
            for i, (conv, bn, (k, s)) in enumerate(zip(self.convs, self.bns, self.pools), 1):
                x = F.max_pool2d(bn(F.relu(conv(F.pad(x, (1, 1, 1, 1))))), k, s)
                out[f"pool{i}"] = x.permute(0, 2, 3, 1)  # (B, time, freq, channels) as TF
            logits = self.out(out["pool5"].flatten(1))
            out.update(logits=logits, taggram=torch.sigmoid(logits))
            return out

    return (Musicnn if arch == "musicnn" else VGG)().eval()


@functools.lru_cache(maxsize=8)
def _load_cached(model: str, device: str):
    torch = _torch()
    net = _build(MODELS[model], _weights(model)).to(torch.device(device))
    for p in net.parameters():
        p.requires_grad_(False)
    return net


def load_model(model: str = "MSD_musicnn", device=None):
    """The torch model (eval mode, frozen), built once per (model, device) and cached.

    Parameters
    ----------
    model : {"MSD_musicnn", "MSD_vgg", "MTT_musicnn", "MTT_vgg"}
    device : str or torch.device, optional
        ``None``: CUDA when available, else CPU.

    Returns
    -------
    torch.nn.Module
        ``forward(x)`` takes log-Mel patches of shape (batch, 187, 96) and returns a dict of
        layers (see :data:`LAYERS`; also ``logits``).

    Raises
    ------
    ValueError
        Unknown model.
    ImportError
        The musicnn wheel (the weights) is not installed.
    """
    _check_model(model)
    return _load_cached(model, str(resolve_device(device)))


# -- audio -> patches --------------------------------------------------------------------------

def _audio(audio_or_path, sr) -> np.ndarray:
    from .audio import load_audio

    if isinstance(audio_or_path, (str, bytes, os.PathLike)):
        if sr is not None:
            raise ValueError("sr is the sample rate of an array input; a file's rate is read from the file")
        return load_audio(os.fsdecode(audio_or_path), sr=SR, min_duration=0.0, silence_peak=SILENCE_PEAK)
    if sr is None:
        raise ValueError("an audio array needs its sample rate: pass sr=")
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise ValueError(f"sr must be a positive integer sample rate in Hz, got {sr!r}")
    y = np.asarray(audio_or_path)
    if not np.issubdtype(y.dtype, np.number) or np.iscomplexobj(y):
        raise ValueError(f"audio must be a real numeric array, got dtype {y.dtype}")
    if y.ndim == 2:  # (channels, samples), as librosa
        y = y.mean(axis=0)
    if y.ndim != 1:
        raise ValueError(f"audio must be 1-D (samples) or 2-D (channels, samples), got shape {y.shape}")
    y = y.astype(np.float32)
    if y.size == 0:
        raise ValueError("audio has no samples")
    if not np.all(np.isfinite(y)):
        raise ValueError("audio contains non-finite samples")
    peak = float(np.max(np.abs(y)))
    if peak < SILENCE_PEAK:
        raise ValueError(f"audio is silent: peak amplitude {peak:.3g} < {SILENCE_PEAK:g}")
    if int(sr) != SR:
        import librosa

        y = librosa.resample(y, orig_sr=int(sr), target_sr=SR).astype(np.float32)
    return y


def log_mel(y: np.ndarray) -> np.ndarray:
    """musicnn's input representation of 16 kHz audio: (frames, 96) float32 (module docstring)."""
    import librosa

    S = librosa.feature.melspectrogram(y=np.asarray(y, dtype=np.float32), sr=SR, hop_length=FFT_HOP,
                                       n_fft=FFT_SIZE, n_mels=N_MELS, pad_mode=PAD_MODE).T
    S = S.astype(np.float16).astype(np.float32)
    return np.log10(np.float32(10000) * S + np.float32(1))


def patches(audio_or_path, sr=None) -> np.ndarray:
    """Non-overlapping 3-s log-Mel patches, (n_patches, 187, 96) float32, as musicnn batches them.

    Raises
    ------
    ValueError
        Unreadable, empty, non-finite or silent audio; a bad ``sr``; audio shorter than one
        patch (187 frames, about 2.98 s).
    """
    y = _audio(audio_or_path, sr)
    rep = log_mel(y)
    n = rep.shape[0] // N_FRAMES
    if n == 0:
        raise ValueError(f"audio too short for musicnn: {y.size / SR:.2f} s gives {rep.shape[0]} frames, "
                         f"one 3-s patch needs {N_FRAMES} (at least {(N_FRAMES - 1) * FFT_HOP / SR:.2f} s)")
    return np.ascontiguousarray(rep[: n * N_FRAMES].reshape(n, N_FRAMES, N_MELS))


def _check_layers(model: str, layers) -> list[str]:
    arch = _check_model(model)
    layers = [layers] if isinstance(layers, str) else list(layers)
    bad = [x for x in layers if x not in LAYERS[arch]]
    if bad or not layers:
        raise ValueError(f"unknown layer(s) {bad or layers} for {model}; known: {list(LAYERS[arch])}")
    return layers


def extract(audio_or_path, sr=None, *, model: str = "MSD_musicnn", layers=("taggram",), device=None,
            batch_size: int = 16) -> dict[str, np.ndarray]:
    """Per-patch outputs of ``model`` (musicnn's ``extractor`` with 3-s patches, no overlap).

    Parameters
    ----------
    audio_or_path : path-like or ndarray
        An audio file (any rate; resampled to 16 kHz), or samples (1-D, or channels x samples).
    sr : int, optional
        Sample rate of an array input (required for arrays, not allowed for files).
    model : str, default "MSD_musicnn"
        One of :data:`MODELS`.
    layers : str or sequence of str, default ("taggram",)
        From :data:`LAYERS` for the model's architecture.
    device : str or torch.device, optional
    batch_size : int, default 16
        Patches per forward pass.

    Returns
    -------
    dict of str to ndarray (float32)
        One array per layer, first axis = patches (e.g. ``taggram`` (n_patches, 50),
        ``penultimate`` (n_patches, 200), ``cnn1`` (n_patches, 187, 64), ``pool5``
        (n_patches, 2, 1, 128)).
    """
    torch = _torch()
    layers = _check_layers(model, layers)
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    X = patches(audio_or_path, sr)
    net = load_model(model, device)
    dev = next(net.parameters()).device
    outs: dict[str, list] = {k: [] for k in layers}
    with torch.inference_mode():
        for i in range(0, len(X), int(batch_size)):
            o = net(torch.from_numpy(X[i:i + int(batch_size)]).to(dev))
            for k in layers:
                outs[k].append(o[k].float().cpu().numpy())
    return {k: np.concatenate(v, axis=0) for k, v in outs.items()}


def tag(audio_or_path, sr=None, model: str = "MSD_musicnn", device=None):
    """Tag probabilities of a piece of music, averaged over its 3-s patches.

    Parameters
    ----------
    audio_or_path : path-like or ndarray
        An audio file, or samples with ``sr``.
    sr : int, optional
        Sample rate of an array input.
    model : {"MSD_musicnn", "MSD_vgg", "MTT_musicnn", "MTT_vgg"}, default "MSD_musicnn"
    device : str or torch.device, optional
        ``None``: CUDA when available, else CPU.

    Returns
    -------
    pandas.Series
        The 50 sigmoid outputs averaged over patches, indexed by tag name in the model's tag
        order (``s.sort_values(ascending=False)`` for the top tags); named after the model.

    Raises
    ------
    ValueError
        Unknown model, bad ``sr``, unusable or too short audio (shorter than 3 s).
    ImportError
        The musicnn wheel is not installed (``pip install --no-deps musicnn==0.1.0``).
    """
    import pandas as pd

    p = extract(audio_or_path, sr, model=model, layers=("taggram",), device=device)["taggram"]
    return pd.Series(p.mean(axis=0).astype(np.float64), index=tag_names(model), name=model)


def _pool(a: np.ndarray) -> np.ndarray:
    flat = a.reshape(-1, a.shape[-1])  # patches (x positions) x channels
    return np.concatenate([flat.mean(axis=0), flat.max(axis=0)]).astype(np.float32)


def embed(audio_or_path, sr=None, model: str = "MSD_musicnn", layer: str = "penultimate", device=None) -> np.ndarray:
    """A fixed-length embedding: one layer pooled over the 3-s patches, mean and max concatenated.

    Parameters
    ----------
    audio_or_path : path-like or ndarray
        An audio file, or samples with ``sr``.
    sr : int, optional
        Sample rate of an array input.
    model : str, default "MSD_musicnn"
        One of :data:`MODELS`.
    layer : str, default "penultimate"
        From :data:`LAYERS`; ``penultimate`` exists for the musicnn models only (use ``pool5``
        for the VGG models). Convolutional layers are pooled over the positions inside each
        patch too.
    device : str or torch.device, optional

    Returns
    -------
    ndarray, float32, of shape (2 * channels,)
        ``[mean, max]``: 400 values for ``penultimate``, 256 for ``pool5``, 1506 for
        ``mean_pool``, 128 for ``cnn1``, 100 for ``taggram``.

    Raises
    ------
    ValueError
        Unknown model or layer, bad ``sr``, unusable or too short audio.
    ImportError
        The musicnn wheel is not installed.
    """
    _check_layers(model, layer)
    return _pool(extract(audio_or_path, sr, model=model, layers=(layer,), device=device)[layer])


# -- many files, cached --------------------------------------------------------------------

_EXTRACT_VERSION = 1  # bump when the pre-processing or the port changes its output


def extractor_config(model: str = "MSD_musicnn", layer: str = "penultimate") -> dict:
    """Everything that determines :func:`embed`'s output (the cache key of :func:`extract_many`)."""
    import librosa

    _check_layers(model, layer)
    return dict(extractor="musicnn", version=_EXTRACT_VERSION, model=model, layer=layer, pooling="mean+max",
                patch_frames=N_FRAMES, sr=SR, n_fft=FFT_SIZE, hop=FFT_HOP, n_mels=N_MELS, pad_mode=PAD_MODE,
                log="log10(10000*float16(power)+1)", librosa=librosa.__version__, weights=_weights_sha(model))


def extract_many(paths, *, model: str = "MSD_musicnn", layers=("penultimate",), cache: bool = True,
                 cache_dir=None, progress: bool = True, device=None):
    """:func:`embed` of many audio files (one or more layers in one pass), cached, with a report.

    Same conventions as :func:`kmnet.features.extract_audio`: one row per input in input
    order, NaN rows for inputs that failed (the report says why; the batch goes on), arrays
    cached per layer under ``cache_root()/features/musicnn/<config-hash>/<audio-sha256>.npz``
    (written atomically; the key covers the model, layer, pre-processing, librosa version and
    the checkpoint's hash).

    Parameters
    ----------
    paths : sequence of path-like
    model : str, default "MSD_musicnn"
        As in :func:`embed`.
    layers : str or sequence of str, default ("penultimate",)
        Layers to pool (:data:`LAYERS`); the network runs once per file for all of them.
    cache : bool, default True
    cache_dir : path-like, optional
        Default ``cache_root()/features``.
    progress : bool, default True
        Show a tqdm progress bar.
    device : str or torch.device, optional

    Returns
    -------
    arrays : dict of str to ndarray
        Per layer, shape (n_files, 2 * channels), float32; NaN rows for failed files.
    report : pandas.DataFrame
        ``path``, ``ok``, ``status``, ``reason``, ``sha256``, ``cached`` (every layer came from
        the cache), ``seconds`` (wall time of that file in this call), ``compute_seconds``
        (wall time of decoding, pre-processing and the network for that file, measured when
        it was computed and kept in the cache: the extraction cost even of cached rows).
    """
    import time

    import pandas as pd
    from tqdm.auto import tqdm

    from .audio import AudioError
    from .cache import FeatureCache, file_sha256

    if isinstance(paths, (str, bytes, os.PathLike)):
        raise ValueError("paths: expected a sequence of files, got a single path")
    paths = list(paths)
    layers = _check_layers(model, layers)
    stores = {k: FeatureCache("musicnn", extractor_config(model, k), root=cache_dir, enabled=cache) for k in layers}
    rows: dict[str, list] = {k: [] for k in layers}
    report = []
    for p in tqdm(paths, desc=f"musicnn {model}", disable=not progress, unit="file"):
        t0 = time.perf_counter()
        rec = dict(path=str(p), ok=True, status="ok", reason="", sha256="", cached=False, compute_seconds=np.nan)
        got: dict[str, np.ndarray] = {}
        try:
            if not Path(p).is_file():
                raise FileNotFoundError(f"file not found: {p}")
            h = rec["sha256"] = file_sha256(p)
            for k in layers:
                hit = stores[k].load(h)
                if hit is not None and "x" in hit:
                    got[k] = hit["x"]
                    if "seconds" in hit and not np.isfinite(rec["compute_seconds"]):
                        rec["compute_seconds"] = float(hit["seconds"])
            missing = [k for k in layers if k not in got]
            rec["cached"] = not missing
            if missing:
                t1 = time.perf_counter()
                out = extract(p, model=model, layers=missing, device=device)
                pooled = {k: _pool(out[k]) for k in missing}
                rec["compute_seconds"] = time.perf_counter() - t1
                for k in missing:
                    got[k] = pooled[k]
                    stores[k].save(h, {"x": got[k], "seconds": np.float64(rec["compute_seconds"])})
        except (AudioError, ValueError, FileNotFoundError) as exc:
            rec.update(ok=False, status="failed", reason=str(exc))
        except Exception as exc:  # keep going; name the unexpected error
            rec.update(ok=False, status="failed", reason=f"{type(exc).__name__}: {exc}")
        rec["seconds"] = time.perf_counter() - t0
        for k in layers:
            rows[k].append(got.get(k) if rec["ok"] else None)
        report.append(rec)
    arrays = {}
    for k in layers:
        dim = next((r.shape[0] for r in rows[k] if r is not None), 0)
        X = np.full((len(paths), dim), np.nan, dtype=np.float32)
        for i, r in enumerate(rows[k]):
            if r is not None:
                X[i] = r
        arrays[k] = X
    cols = ["path", "ok", "status", "reason", "sha256", "cached", "seconds", "compute_seconds"]
    return arrays, pd.DataFrame(report, columns=cols)
