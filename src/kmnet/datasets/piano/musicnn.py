"""The piano set's music-trained audio feature ``audio_musicnn`` (stand-in for the paper's VGGish).

The paper's Table 3 has a VGGish row (an audio network trained on audio, Section 4.1); no
VGGish weights ship offline. musicnn's ``MSD_musicnn`` (Pons & Serra 2019, trained on the
Million Song Dataset's 50 most frequent tags; :mod:`kmnet.features.musicnn`, torch port of
the weights in the ``musicnn`` wheel) is the closest offline analogue: a CNN trained on music
audio. Each rendered excerpt (:func:`kmnet.datasets.piano.audio_path`, 30 s at 22050 Hz) is
resampled to 16 kHz, cut into 3-s patches, and the 200-unit ``penultimate`` layer (the last
hidden layer, the embedding musicnn's authors expose for transfer) is pooled over the patches:
mean and max, 400 values per piece, stored as float16.

:func:`build_musicnn_features` extracts it for every manifest piece (renders missing audio
first; cached per audio file by :func:`kmnet.features.musicnn.extract_many`; failures reported
with their reasons) and writes ``data/piano/musicnn.npz`` (``ids``, ``audio_musicnn``) and
``data/piano/musicnn.json`` (configuration, checkpoint hash, versions, extraction times,
failures). :func:`kmnet.datasets.piano.features.load_features` adds the matrix to the other
features, so ``load_features().views(audio="audio_musicnn")`` works like ``audio_mfcc``.

Examples
--------
>>> from kmnet.datasets.piano import musicnn
>>> X, info = musicnn.build_musicnn_features()        # doctest: +SKIP
>>> X["audio_musicnn"].shape                                  # doctest: +SKIP
(975, 400)
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ..._atomic import atomic_save_npz, atomic_write_text
from ..paths import checkout_path
from .builder import audio_path, manifest_rows

__all__ = ["DEFAULT_LAYER", "DEFAULT_MODEL", "FEATURE", "build_musicnn_features", "default_musicnn_path"]

FEATURE = "audio_musicnn"
DEFAULT_MODEL = "MSD_musicnn"
DEFAULT_LAYER = "penultimate"
STORED_DTYPE = np.float16


def default_musicnn_path() -> Path:
    """``<checkout>/data/piano/musicnn.npz``."""
    return checkout_path("data/piano") / "musicnn.npz"


def build_musicnn_features(
    manifest: pd.DataFrame | None = None,
    *,
    ids: Sequence[str] | None = None,
    root: str | os.PathLike | None = None,
    out_dir: str | os.PathLike | None = "data/piano",
    model: str = DEFAULT_MODEL,
    layer: str = DEFAULT_LAYER,
    extra_layers: Sequence[str] = (),
    cache: bool = True,
    progress: bool = True,
    device=None,
) -> tuple[dict[str, np.ndarray], dict]:
    """Extract ``audio_musicnn`` for every piece (or for ``ids``) and write it.

    Parameters
    ----------
    manifest : DataFrame, optional
        Default: the committed manifest.
    ids : sequence of str, optional
        Only these pieces (e.g. to check committed rows); nothing is written then.
    root : path-like, optional
        Data root (for pieces whose audio must be rendered from the sources).
    out_dir : path-like or None, default "data/piano"
        Where ``musicnn.npz`` and ``musicnn.json`` go (None: do not write).
    model, layer : str
        musicnn model and layer (:data:`kmnet.features.musicnn.LAYERS`).
    extra_layers : sequence of str
        Further layers returned (not written), computed in the same pass (e.g. to compare
        layers on the training split).
    cache, progress, device :
        As in :func:`kmnet.features.musicnn.extract_many`.

    Returns
    -------
    arrays : dict of str to ndarray
        ``audio_musicnn`` (n, 2 * channels) as stored (float16) and each of ``extra_layers``
        (float32); rows in manifest order, NaN for failed pieces.
    info : dict
        What ``musicnn.json`` holds.
    """
    import torch

    from ... import __version__
    from ...features import musicnn as mn

    m = manifest_rows(manifest, ids)
    layers = list(dict.fromkeys([layer, *extra_layers]))
    cfg = mn.extractor_config(model, layer)  # validates model and layer
    failures: dict[tuple[str, str], str] = {}

    t0 = time.perf_counter()
    paths = []
    rows = m.iterrows()
    if progress:
        from tqdm.auto import tqdm

        rows = tqdm(rows, total=len(m), desc="piano audio", unit="piece")
    for _, row in rows:
        try:
            paths.append(audio_path(row, root, manifest=m))
        except (OSError, ValueError) as e:
            failures[(row["id"], "audio")] = f"{type(e).__name__}: {e}"
            paths.append(Path(f"missing-audio-{row['id']}.wav"))
    t_inputs = time.perf_counter() - t0

    t0 = time.perf_counter()
    arrays, rep = mn.extract_many(paths, model=model, layers=layers, cache=cache, progress=progress, device=device)
    t_extract = time.perf_counter() - t0
    for pid, ok, why in zip(m["id"], rep["ok"], rep["reason"]):
        if not ok:
            failures.setdefault((pid, "musicnn"), str(why))

    cost = rep.loc[rep["ok"], "compute_seconds"].to_numpy(dtype=float)
    cost = cost[np.isfinite(cost)]
    X = arrays[layer].astype(STORED_DTYPE)
    out = {FEATURE: X, **{k: arrays[k] for k in layers if k != layer}}
    try:
        from importlib.metadata import version

        musicnn_version = version("musicnn")
    except Exception:  # pragma: no cover - metadata missing
        musicnn_version = None
    info = {
        "kmnet_version": __version__,
        "built_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "n_pieces": int(len(m)),
        "feature": FEATURE,
        "what": f"rendered audio -> {model} (musicnn, torch port) '{layer}' layer, mean and max over 3-s patches",
        "shape": list(X.shape),
        "dtype": str(X.dtype),
        "config": {**cfg, "musicnn_wheel": musicnn_version},
        "failures": [{"id": i, "stage": st, "reason": why} for (i, st), why in failures.items()],
        "timings_s": {
            "audio_inputs_wall": round(t_inputs, 2),
            "this_run_wall": round(t_extract, 2),
            "cached_pieces_this_run": int(rep["cached"].sum()),
            "extraction_pieces_timed": int(cost.size),
            "extraction_per_piece_median": round(float(np.median(cost)), 3) if cost.size else None,
            "extraction_per_piece_max": round(float(cost.max()), 3) if cost.size else None,
            "extraction_total": round(float(cost.sum()), 1) if cost.size else None,
            "extraction_note": "decode + 16 kHz resampling + log-Mel + network + pooling, per piece, measured "
                               "when computed (kept in the feature cache); rendering excluded",
            "torch_threads": int(torch.get_num_threads()),
            "device": str(next(mn.load_model(model, device).parameters()).device),
        },
    }
    if out_dir is not None and ids is None:
        od = checkout_path(out_dir)
        od.mkdir(parents=True, exist_ok=True)
        atomic_save_npz(od / "musicnn.npz", ids=np.asarray(m["id"], dtype=str), **{FEATURE: X})
        atomic_write_text(od / "musicnn.json", json.dumps(info, indent=2) + "\n")
    return out, info
