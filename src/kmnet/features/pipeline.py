"""Batch feature extraction with caching and per-item failure reports.

* :func:`extract_audio` -- audio files -> MFCC statistics, MFCC image -> frozen CNN, a compact
  log-Mel image, and optionally the GTZAN-table features (Section 4.1).
* :func:`extract_mel` -- Mel spectrograms (4MuLA ships these instead of audio, Section 4.4) ->
  the same features, the MFCCs computed as ``librosa.feature.mfcc(S=power_to_db(mel))``.
* :func:`extract_text` -- texts -> frozen transformer encoder, clips max-pooled (Section 4.1).

Conventions shared by the three:

* the result has **one row per input, in input order**; the rows of inputs that failed are NaN,
  and ``report["ok"]`` is the boolean mask of good rows (``X[report["ok"].to_numpy()]``);
* the report has one row per input: ``name`` (``path`` for audio), ``ok``, ``status``
  (``"ok"``/``"failed"``), ``reason`` (empty when ok), ``sha256`` (of the source), ``cached``
  (every requested feature came from the cache);
* a failing input (missing, unreadable, silent, too short, malformed, empty text) never stops the
  batch; unexpected errors are reported with their exception type;
* features are cached under ``cache_root()/features/`` (or ``cache_dir``) per feature, keyed by
  the source's sha256 and a hash of the extractor configuration (:mod:`kmnet.features.cache`);
* CNN and text-encoder inference is batched; torch's thread setting is the caller's.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .audio import (
    DEFAULT_SR,
    AudioError,
    check_mel_power,
    compact_image,
    load_audio,
    mfcc,
    mfcc_from_mel,
    mfcc_stats,
    power_spectrogram,
)
from .cache import FeatureCache, array_sha256, file_sha256, text_sha256
from .image import DEFAULT_CNN, ImageEncoder, mfcc_to_image
from .text import DEFAULT_TEXT_ENCODER, TextEncoder

__all__ = ["AUDIO_FEATURES", "extract_audio", "extract_mel", "extract_text"]

AUDIO_FEATURES = ("mfcc_stats", "cnn", "image", "table")
"""Feature names :func:`extract_audio` knows; ``"table"`` (GTZAN-table layout) is opt-in."""

_FEATURES_VERSION = 1  # bump when an extractor's code changes its output


def _tqdm(it, **kw):
    from tqdm.auto import tqdm

    return tqdm(it, **kw)


def _check_sequence(items, what: str) -> list:
    if isinstance(items, (str, bytes, os.PathLike)):
        raise ValueError(f"{what}: expected a sequence of items, got a single {type(items).__name__}")
    return list(items)


def _check_features(features: Sequence[str]) -> tuple[str, ...]:
    feats = tuple(dict.fromkeys(features))
    if not feats:
        raise ValueError("features: nothing to extract")
    bad = [f for f in feats if f not in AUDIO_FEATURES]
    if bad:
        raise ValueError(f"features: unknown name(s) {bad}; known: {list(AUDIO_FEATURES)}")
    return feats


class _Engine:
    """Shared loop of extract_audio / extract_mel: cache look-up, compute, batched CNN, report."""

    def __init__(self, *, feats, base_cfg, cnn_kw, image_norm, batch_size, cache, cache_dir, kind):
        self.feats = feats
        self.image_norm = image_norm
        self.batch_size = int(batch_size)
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.encoder = ImageEncoder(**cnn_kw) if "cnn" in feats else None
        self.caches: dict[str, FeatureCache] = {}
        for f in feats:
            cfg = {"feature": f, "version": _FEATURES_VERSION, **base_cfg}
            if f == "cnn":
                cfg.update(self.encoder.config(), image_norm=image_norm, image_size=224)
            self.caches[f] = FeatureCache(f"{kind}-{f}", cfg, root=cache_dir, enabled=cache)
        self.rows: dict[str, list] = {f: [] for f in feats}
        self.report: list[dict] = []
        self._pending: list[tuple[int, str, np.ndarray]] = []

    def _flush(self):
        if not self._pending:
            return
        imgs = np.stack([p[2] for p in self._pending])
        try:
            Z = self.encoder.encode(imgs, batch_size=self.batch_size)
        except Exception as exc:  # the whole batch failed (e.g. out of memory): report, go on
            for i, _, _ in self._pending:
                self._fail(i, f"CNN failed ({type(exc).__name__}: {exc})")
            self._pending = []
            return
        for (i, h, _), z in zip(self._pending, Z):
            self.rows["cnn"][i] = z
            self.caches["cnn"].save(h, {"x": z})
        self._pending = []

    def _fail(self, i: int, reason: str):
        rep = self.report[i]
        rep.update(ok=False, status="failed", reason=reason)
        for f in self.feats:
            self.rows[f][i] = None

    def run(self, items: Iterable[tuple[str, Callable[[], str], Callable[[set], dict]]], *, total, progress, desc):
        for i, (name, hash_fn, compute) in enumerate(
            _tqdm(items, total=total, desc=desc, disable=not progress, unit="item")
        ):
            t0 = time.perf_counter()
            for f in self.feats:
                self.rows[f].append(None)
            self.report.append(dict(name=name, ok=True, status="ok", reason="", sha256="", cached=False, seconds=np.nan))
            try:
                h = hash_fn()
                self.report[i]["sha256"] = h
                missing = set()
                for f in self.feats:
                    hit = self.caches[f].load(h)
                    if hit is not None and "x" in hit:
                        self.rows[f][i] = hit["x"]
                    else:
                        missing.add(f)
                if not missing:
                    self.report[i]["cached"] = True
                else:
                    parts = compute(missing)
                    for f in missing - {"cnn"}:
                        self.rows[f][i] = parts[f]
                        self.caches[f].save(h, {"x": parts[f]})
                    if "cnn" in missing:
                        img = mfcc_to_image(parts["mfcc"], norm=self.image_norm)
                        self._pending.append((i, h, img))
                        if len(self._pending) >= self.batch_size:
                            self._flush()
            except (AudioError, ValueError, FileNotFoundError) as exc:
                self._fail(i, str(exc))
            except Exception as exc:  # keep the batch going; name the unexpected error
                self._fail(i, f"{type(exc).__name__}: {exc}")
            self.report[i]["seconds"] = time.perf_counter() - t0
        self._flush()

    def result(self, dims: dict[str, tuple]) -> dict[str, np.ndarray]:
        out = {}
        n = len(self.report)
        for f in self.feats:
            vals = self.rows[f]
            shape = next((np.shape(v) for v in vals if v is not None), dims[f])
            dtype = np.float16 if f == "image" else (np.float64 if f == "table" else np.float32)
            arr = np.full((n,) + tuple(shape), np.nan, dtype=dtype)
            for i, v in enumerate(vals):
                if v is not None:
                    arr[i] = v
            out[f] = arr
        return out


def _dims(feats, *, n_mfcc, deltas, image_shape, encoder) -> dict[str, tuple]:
    from .gtzan_table import TABLE_COLUMNS

    return {
        "mfcc_stats": ((4 if deltas else 2) * n_mfcc,),
        "cnn": (encoder.dim if encoder is not None else 0,),
        "image": tuple(image_shape),
        "table": (len(TABLE_COLUMNS),),
    }


def extract_audio(
    paths: Sequence[str | os.PathLike],
    *,
    sr: int = DEFAULT_SR,
    features: Sequence[str] = ("mfcc_stats", "cnn", "image"),
    n_mfcc: int = 20,
    n_mels: int = 40,
    win_s: float = 0.03,
    hop_s: float = 0.015,
    deltas: bool = True,
    cnn: str = DEFAULT_CNN,
    cnn_output: str = "logits",
    cnn_weights: str | os.PathLike | None = None,
    image_norm: str = "row",
    image_shape: tuple[int, int] = (64, 128),
    min_duration: float = 1.0,
    silence_peak: float = 1e-4,
    batch_size: int = 32,
    cache: bool = True,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
    device=None,
    allow_download: bool = False,
) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """Audio features of many files (paper Section 4.1), cached, with a per-file report.

    Parameters
    ----------
    paths : sequence of path-like
        Audio files (anything libsndfile reads: WAV, AU, FLAC, OGG, MP3, ...).
    sr : int, default 22050
        Every file is resampled to this rate.
    features : sequence of str, default ("mfcc_stats", "cnn", "image")
        Which features to compute, from :data:`AUDIO_FEATURES`:

        * ``"mfcc_stats"``: means and standard deviations of the MFCCs and their deltas
          (:func:`kmnet.features.audio.mfcc_stats`), ``4 * n_mfcc`` values (80);
        * ``"cnn"``: the MFCC image (:func:`kmnet.features.image.mfcc_to_image`) through the
          frozen ImageNet CNN ``cnn`` (1000 logits by default);
        * ``"image"``: a compact log-Mel image of ``image_shape`` (float16), for CNN baselines;
        * ``"table"``: the 57 GTZAN-table features (:mod:`kmnet.features.gtzan_table`; about
          2 s per 30 s clip, hence opt-in).
    n_mfcc, n_mels, win_s, hop_s, deltas :
        MFCC settings (:func:`kmnet.features.audio.mfcc`): 20 coefficients, 40 HTK Mel bands,
        0.03 s windows, 0.015 s hop.
    cnn, cnn_output, cnn_weights, allow_download :
        The image encoder (:class:`kmnet.features.image.ImageEncoder`).
    image_norm : {"row", "global"}, default "row"
        MFCC-to-image normalisation (:func:`kmnet.features.image.mfcc_to_image`).
    image_shape : (int, int), default (64, 128)
        Mel bands x time columns of the compact image.
    min_duration, silence_peak :
        Inputs shorter than ``min_duration`` seconds or with peak amplitude below
        ``silence_peak`` fail (:func:`kmnet.features.audio.load_audio`).
    batch_size : int, default 32
        Images per CNN forward pass.
    cache : bool, default True
    cache_dir : path-like, optional
        Default ``cache_root()/features``.
    progress : bool, default True
        Show a tqdm progress bar.
    device : str or torch.device, optional
        For the CNN; ``None``: CUDA when available, else CPU.

    Returns
    -------
    features : dict of str to ndarray
        One array per requested feature, first axis = inputs in order; failed inputs' rows are NaN.
    report : pandas.DataFrame
        One row per input: ``path``, ``ok``, ``status``, ``reason``, ``sha256``, ``cached``,
        ``seconds`` (wall time of that item, excluding its share of batched CNN inference).

    Examples
    --------
    >>> feats, report = extract_audio(["a.wav", "b.au"], progress=False)   # doctest: +SKIP
    >>> feats["cnn"][report["ok"].to_numpy()].shape                           # doctest: +SKIP
    (2, 1000)
    """
    paths = _check_sequence(paths, "paths")
    feats = _check_features(features)
    base_cfg = dict(route="audio", sr=int(sr), n_mfcc=int(n_mfcc), n_mels=int(n_mels), win_s=float(win_s),
                    hop_s=float(hop_s), deltas=bool(deltas), min_duration=float(min_duration),
                    silence_peak=float(silence_peak))
    if "image" in feats:
        base_cfg["image_shape"] = list(map(int, image_shape))
    eng = _Engine(feats=feats, base_cfg=base_cfg, image_norm=image_norm, batch_size=batch_size, cache=cache,
                  cache_dir=cache_dir, kind="audio",
                  cnn_kw=dict(name=cnn, output=cnn_output, weights=cnn_weights, device=device, allow_download=allow_download))

    def items():
        for p in paths:
            p = Path(p)

            def hash_fn(p=p):
                if not p.is_file():
                    raise FileNotFoundError(f"file not found: {p}")
                return file_sha256(p)

            def compute(missing, p=p):
                y = load_audio(p, sr=sr, min_duration=min_duration, silence_peak=silence_peak)
                out = {}
                S = power_spectrogram(y, sr, win_s=win_s, hop_s=hop_s) if missing & {"mfcc_stats", "cnn", "image"} else None
                if missing & {"mfcc_stats", "cnn"}:
                    M = mfcc(y, sr, n_mfcc=n_mfcc, n_mels=n_mels, win_s=win_s, hop_s=hop_s, S=S)
                    out["mfcc"] = M
                    if "mfcc_stats" in missing:
                        out["mfcc_stats"] = mfcc_stats(M, deltas=deltas)
                if "image" in missing:
                    out["image"] = compact_image(y, sr, shape=tuple(image_shape), win_s=win_s, hop_s=hop_s, S=S)
                if "table" in missing:
                    from .gtzan_table import table_features

                    out["table"] = table_features(y, sr)
                return out

            yield str(p), hash_fn, compute

    eng.run(items(), total=len(paths), progress=progress, desc="audio features")
    arrays = eng.result(_dims(feats, n_mfcc=n_mfcc, deltas=deltas, image_shape=image_shape, encoder=eng.encoder))
    report = pd.DataFrame(eng.report, columns=["name", "ok", "status", "reason", "sha256", "cached", "seconds"])
    return arrays, report.rename(columns={"name": "path"})


def extract_mel(
    mels: Iterable,
    *,
    names: Sequence[str] | None = None,
    n_items: int | None = None,
    features: Sequence[str] = ("mfcc_stats", "cnn", "image"),
    n_mfcc: int = 20,
    n_mels: int | None = 128,
    min_frames: int = 9,
    max_frames: int | None = None,
    dtypes: tuple[str, ...] = ("float32", "float64"),
    deltas: bool = True,
    cnn: str = DEFAULT_CNN,
    cnn_output: str = "logits",
    cnn_weights: str | os.PathLike | None = None,
    image_norm: str = "row",
    image_shape: tuple[int, int] = (64, 128),
    batch_size: int = 32,
    cache: bool = True,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
    device=None,
    allow_download: bool = False,
) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """Features of (linear power) Mel spectrograms: the 4MuLA route (paper Section 4.4).

    MFCCs are ``librosa.feature.mfcc(S=power_to_db(mel), n_mfcc=n_mfcc)`` over the spectrogram's
    own frames (4MuLA: librosa defaults, 2048-sample windows, hop 512 at 22050 Hz; short tracks
    are **not** zero-padded to 1292 frames). Then, as for audio: ``"mfcc_stats"``, ``"cnn"``
    (MFCC image -> frozen CNN) and ``"image"`` (the log-Mel spectrogram in dB relative to its
    maximum, average-pooled to ``image_shape``). ``"table"`` needs a waveform and is refused.

    Parameters
    ----------
    mels : iterable
        Each item is an ndarray of shape ``(n_mels, n_frames)``, a path to a ``.npy`` file, or a
        zero-argument callable returning the array (lets a caller stream a large parquet file).
        Items may be a generator; pass ``n_items`` for the progress bar.
    names : sequence of str, optional
        Report names (default: the path, or the item's index).
    n_mels, min_frames, max_frames, dtypes :
        Validation (:func:`kmnet.features.audio.check_mel_power`): a malformed spectrogram
        (wrong dtype, shape, NaN/inf, negative, all zero, unreadable file) fails with its reason.
    Other parameters :
        As in :func:`extract_audio`.

    Returns
    -------
    features, report : as in :func:`extract_audio` (the report's first column is ``name``).
        The cache key of a spectrogram is the sha256 of its array (dtype, shape, bytes), so
        the same track read from ``.npy`` or from parquet hits the same cache entry.
    """
    feats = _check_features(features)
    if "table" in feats:
        raise ValueError("features: 'table' needs a waveform; extract_mel cannot compute it")
    if isinstance(mels, (str, bytes, os.PathLike, np.ndarray)):
        raise ValueError("mels: expected an iterable of spectrograms (or paths/callables), not a single one")
    if names is not None:
        names = list(names)
    if n_items is None and hasattr(mels, "__len__"):
        n_items = len(mels)
    base_cfg = dict(route="mel", n_mfcc=int(n_mfcc), deltas=bool(deltas), top_db=80.0)
    if "image" in feats:
        base_cfg["image_shape"] = list(map(int, image_shape))
    eng = _Engine(feats=feats, base_cfg=base_cfg, image_norm=image_norm, batch_size=batch_size, cache=cache,
                  cache_dir=cache_dir, kind="mel",
                  cnn_kw=dict(name=cnn, output=cnn_output, weights=cnn_weights, device=device, allow_download=allow_download))

    def items():
        for i, item in enumerate(mels):
            name = names[i] if names is not None else (str(item) if isinstance(item, (str, os.PathLike)) else str(i))
            holder: dict = {}

            def get(item=item, holder=holder):
                if "mel" not in holder:
                    if isinstance(item, (str, os.PathLike)):
                        p = Path(item)
                        if not p.is_file():
                            raise FileNotFoundError(f"file not found: {p}")
                        try:
                            a = np.load(p, allow_pickle=False)
                        except Exception as exc:
                            raise AudioError(f"could not read mel spectrogram ({type(exc).__name__}: {exc})") from None
                    elif callable(item):
                        a = item()
                    else:
                        a = item
                    holder["mel"] = check_mel_power(a, n_mels=n_mels, min_frames=min_frames, max_frames=max_frames, dtypes=dtypes)
                return holder["mel"]

            def hash_fn(get=get):
                return array_sha256(get())

            def compute(missing, get=get):
                import librosa

                mel = get()
                out = {}
                if missing & {"mfcc_stats", "cnn"}:
                    M = mfcc_from_mel(mel, n_mfcc=n_mfcc)
                    out["mfcc"] = M
                    if "mfcc_stats" in missing:
                        out["mfcc_stats"] = mfcc_stats(M, deltas=deltas)
                if "image" in missing:
                    db = librosa.power_to_db(mel, ref=np.max, top_db=80.0)
                    out["image"] = compact_image(mel_db=db, shape=tuple(image_shape))
                return out

            yield name, hash_fn, compute

    eng.run(items(), total=n_items, progress=progress, desc="mel features")
    arrays = eng.result(_dims(feats, n_mfcc=n_mfcc, deltas=deltas, image_shape=image_shape, encoder=eng.encoder))
    report = pd.DataFrame(eng.report, columns=["name", "ok", "status", "reason", "sha256", "cached", "seconds"])
    return arrays, report


def extract_text(
    texts: Sequence[str | os.PathLike],
    *,
    encoder: str = DEFAULT_TEXT_ENCODER,
    pooling: str = "cls",
    clip_tokens: int = 512,
    max_clips: int | None = 8,
    names: Sequence[str] | None = None,
    batch_size: int = 16,
    cache: bool = True,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
    device=None,
    allow_download: bool = False,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Embeddings of many texts through a frozen transformer encoder (paper Section 4.1).

    Each text is cut into clips of ``clip_tokens`` tokens (at most ``max_clips``, spread over the
    text), each clip gives its first-token (``pooling="cls"``) or mean embedding, and the clips
    are max-pooled (:class:`kmnet.features.text.TextEncoder`). Clips of several texts share
    forward passes.

    Parameters
    ----------
    texts : sequence of str or path-like
        A ``str`` is the text itself; a ``pathlib.Path`` (any ``os.PathLike``) is read as UTF-8.
    encoder : str, default "all-MiniLM-L6-v2"
        The packaged default, a Hugging Face name (``"roberta-large"``) or a local model folder.
    pooling, clip_tokens, max_clips, batch_size, device, allow_download :
        As in :class:`kmnet.features.text.TextEncoder`.
    names : sequence of str, optional
        Report names (default: the path, or the text's index).
    cache, cache_dir, progress :
        As in :func:`extract_audio`.

    Returns
    -------
    X : ndarray of shape (n_texts, dim), float32
        Failed texts' rows are NaN.
    report : pandas.DataFrame
        ``name``, ``ok``, ``status``, ``reason``, ``sha256``, ``cached``, ``n_tokens``,
        ``n_clips`` (encoded), ``seconds``.
    """
    texts = _check_sequence(texts, "texts")
    if names is not None:
        names = list(names)
        if len(names) != len(texts):
            raise ValueError(f"names: {len(names)} names for {len(texts)} texts")
    enc = TextEncoder(encoder, pooling=pooling, clip_tokens=clip_tokens, max_clips=max_clips,
                      batch_size=batch_size, device=device, allow_download=allow_download)
    fc = FeatureCache("text", {"feature": "text", "version": _FEATURES_VERSION, **enc.config()},
                      root=cache_dir, enabled=cache)
    n = len(texts)
    X = np.full((n, enc.dim), np.nan, dtype=np.float32)
    report: list[dict] = []
    pending: list[tuple[int, str, list[list[int]]]] = []

    def flush():
        if not pending:
            return
        clips = [c for _, _, cl in pending for c in cl]
        try:
            E = enc.encode_clips(clips)
        except Exception as exc:
            for i, _, _ in pending:
                report[i].update(ok=False, status="failed", reason=f"encoder failed ({type(exc).__name__}: {exc})")
            pending.clear()
            return
        start = 0
        for i, h, cl in pending:
            v = E[start : start + len(cl)].max(axis=0)
            start += len(cl)
            X[i] = v
            fc.save(h, {"x": v})
        pending.clear()

    for i, t in enumerate(_tqdm(texts, total=n, desc="text features", disable=not progress, unit="text")):
        t0 = time.perf_counter()
        name = names[i] if names is not None else (str(t) if isinstance(t, os.PathLike) else str(i))
        rep = dict(name=name, ok=True, status="ok", reason="", sha256="", cached=False, n_tokens=-1, n_clips=0, seconds=np.nan)
        report.append(rep)
        try:
            if isinstance(t, os.PathLike):
                p = Path(t)
                if not p.is_file():
                    raise FileNotFoundError(f"file not found: {p}")
                try:
                    t = p.read_text(encoding="utf-8")
                except UnicodeDecodeError as exc:
                    raise ValueError(f"not UTF-8 text ({exc})") from None
            if not isinstance(t, str):
                raise ValueError(f"expected a str or a path, got {type(t).__name__}")
            if not t.strip():
                raise ValueError("empty text")
            h = text_sha256(t)
            rep["sha256"] = h
            hit = fc.load(h)
            if hit is not None and "x" in hit:
                X[i] = hit["x"]
                rep["cached"] = True
            else:
                ids = enc.token_ids(t)
                rep["n_tokens"] = len(ids)
                cl = enc.clips_from_ids(ids)
                rep["n_clips"] = len(cl)
                pending.append((i, h, cl))
                if sum(len(c) for _, _, c in pending) >= batch_size:
                    flush()
        except (ValueError, FileNotFoundError) as exc:
            rep.update(ok=False, status="failed", reason=str(exc))
        except Exception as exc:
            rep.update(ok=False, status="failed", reason=f"{type(exc).__name__}: {exc}")
        rep["seconds"] = time.perf_counter() - t0
    flush()
    rep_df = pd.DataFrame(report, columns=["name", "ok", "status", "reason", "sha256", "cached", "n_tokens", "n_clips", "seconds"])
    X[~rep_df["ok"].to_numpy()] = np.nan
    return X, rep_df
