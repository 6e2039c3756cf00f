"""The views each chapter's comparison reads, built from a data set's features.

A comparison's methods read named views (``audio``, ``text``, and for some baselines the raw
texts, token counts or an image): these functions turn a data set's features into that dict,
checked for matching rows.

* :func:`piano_views`: the piano set (Table 5), with its labels and its fixed split;
* :func:`lyrics_views`: audio features, text embeddings and the raw lyrics (Table 6 on the
  lyrics stand-in);
* :func:`fourmula_views`: the same for 4MuLA, with the log-Mel image for the CNN of [91].

Notebook: 05_piano_comparison, 06_relative_importance, 07_4mula.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..baselines.bow_view import texts_view

__all__ = ["piano_views", "lyrics_views", "fourmula_views"]


def piano_views(features, *, audio: str = "audio_mfcc", text: str = "text", extra_audio=()):
    """The views :func:`~kmnet.experiments.piano_comparison.piano_methods` reads, for all pieces, with the
    labels and the fixed split.

    Parameters
    ----------
    features : kmnet.datasets.piano.features.PianoFeatures
    audio, text : str
        The matrices that play the audio and text modalities.
    extra_audio : sequence of str
        Further audio matrices, added as views under their own names (e.g. ``("audio_cnn",)``)
        for the extra single-modality rows of
        :func:`~kmnet.experiments.piano_comparison.piano_methods`.

    Returns
    -------
    views : dict
        ``audio`` and ``text`` (float64), the ``extra_audio`` views, ``image`` (the compact
        log-Mel images flattened to ``(n, H*W)``, for the CNNs) and ``bow_counts`` (the **kern token counts).
    y : ndarray of str
        Periods.
    train, test : ndarray of int
        Rows of the manifest's split.
    image_shape : (int, int)
    """
    extra_audio = tuple(extra_audio)
    clash = sorted(set(extra_audio) & {"audio", "text", "image", "bow_counts"})
    if clash:
        raise ValueError(f"extra_audio: {clash} would replace a view of the same name")
    views = features.views(None, audio=audio, text=text, extra=extra_audio)
    img = features.images(None)
    if img.ndim != 3:
        raise ValueError(f"images: expected (n, H, W), got {img.shape}")
    views["image"] = img.reshape(img.shape[0], -1).astype(np.float64)
    views["bow_counts"] = features.bow(None)
    y = np.asarray(features.labels(None))
    split = features.manifest["split"].to_numpy()
    bad = sorted(set(split) - {"train", "test"})
    if bad:
        raise ValueError(f"manifest split: unexpected values {bad}")
    return views, y, np.flatnonzero(split == "train"), np.flatnonzero(split == "test"), tuple(img.shape[1:])


def lyrics_views(audio, text, texts) -> dict[str, np.ndarray]:
    """The views :func:`~kmnet.experiments.multimodal_comparison.multimodal_methods` reads: ``audio``,
    ``text`` (embeddings), ``lyrics`` (raw).

    Parameters
    ----------
    audio : array-like of shape (n, d_a)
    text : array-like of shape (n, d_t)
    texts : sequence of str
        The raw lyrics (for the bag-of-words of [91]).
    """

    A, T = np.asarray(audio, dtype=np.float64), np.asarray(text, dtype=np.float64)
    L = texts_view(texts)
    if A.ndim != 2 or T.ndim != 2:
        raise ValueError(f"audio and text must be 2-D, got {A.shape} and {T.shape}")
    if not (A.shape[0] == T.shape[0] == L.shape[0]):
        raise ValueError(f"audio ({A.shape[0]}), text ({T.shape[0]}) and lyrics ({L.shape[0]}) differ in rows")
    return {"audio": A, "text": T, "lyrics": L}


def fourmula_views(features, manifest: pd.DataFrame, *, audio: str = "cnn") -> tuple[dict[str, np.ndarray], np.ndarray]:
    """4MuLA views for :func:`~kmnet.experiments.multimodal_comparison.multimodal_methods`, with the
    log-Mel image for the CNN of [91].

    Parameters
    ----------
    features : kmnet.datasets.fourmula.FourMuLAFeatures
        From :func:`~kmnet.datasets.fourmula.extract_fourmula_features` on ``manifest`` (with
        ``"image"`` among its audio features for the CNN + BOW method).
    manifest : DataFrame
        The manifest the features were extracted from (same rows, same order).
    audio : str, default "cnn"
        The audio feature used as the audio view (MFCC image -> frozen ImageNet CNN).

    Returns
    -------
    views : dict
        ``audio``, ``text``, ``lyrics`` (raw, for the bag-of-words) and, when extracted,
        ``image`` (flattened ``(n, H*W)``; the shape is ``features.audio["image"].shape[1:]``).
    y : ndarray of str
    """
    rep = features.report
    if len(rep) != len(manifest):
        raise ValueError(f"features cover {len(rep)} tracks, the manifest {len(manifest)}")
    ok = rep["ok"].to_numpy(dtype=bool)
    man = manifest.reset_index(drop=True)
    if not np.array_equal(man["music_id"].to_numpy(dtype=str)[ok], np.asarray(features.music_ids, dtype=str)):
        raise ValueError("features and manifest list different tracks (extract the features from this manifest)")
    if audio not in features.audio:
        raise ValueError(f"audio feature {audio!r} was not extracted; have {sorted(features.audio)}")
    views = lyrics_views(features.audio[audio], features.text, man.loc[ok, "lyrics"].astype(str).tolist())
    if "image" in features.audio:
        img = np.asarray(features.audio["image"], dtype=np.float32)
        views["image"] = img.reshape(img.shape[0], -1)
    return views, np.asarray(features.y)
