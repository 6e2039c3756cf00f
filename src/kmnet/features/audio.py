"""Audio features: MFCCs on 0.03 s windows, their statistics, and a compact time-frequency image.

Paper, Section 4.1: "MFCCs are computed on short overlapping windows of 0.03 s" with the Mel
scale :math:`\\mathrm{Mel}(f) = 2595 \\log_{10}(1 + f/700)` (the paper prints 2585, a typo; this
is the HTK formula, ``htk=True`` in librosa). The MFCC matrix is then either summarised
(:func:`mfcc_stats`) or turned into an image for a frozen ImageNet CNN
(:func:`kmnet.features.image.mfcc_to_image`).

Settings chosen here (the paper gives only the window length):

* window 0.03 s (662 samples at 22050 Hz), Hann, zero-padded to the next power of two
  (``n_fft`` = 1024) and centred; **hop 0.015 s** (331 samples: 50 % overlap), so a 30 s clip
  gives 2001 frames;
* 40 HTK Mel bands from 0 Hz to Nyquist (more bands than that leave empty filters at low
  frequency with a 0.03 s window), power spectrum, ``power_to_db`` (``ref=1``, ``top_db=80``),
  DCT-II (orthonormal), **20 coefficients** (c0 included).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np

__all__ = [
    "AudioError",
    "DEFAULT_SR",
    "load_audio",
    "power_spectrogram",
    "mfcc",
    "mfcc_from_mel",
    "check_mel_power",
    "mfcc_stats",
    "mfcc_stats_names",
    "logmel",
    "compact_image",
    "pool_image",
]

DEFAULT_SR = 22050


class AudioError(ValueError):
    """An input that cannot give features (unreadable, silent, too short, non-finite)."""


def _librosa():
    try:
        import librosa
    except ImportError as exc:  # pragma: no cover - part of the `data` extra
        raise ImportError("audio features need librosa: pip install 'kmnet[data]'") from exc
    return librosa


def load_audio(
    path: str | os.PathLike,
    *,
    sr: int = DEFAULT_SR,
    min_duration: float = 1.0,
    silence_peak: float = 1e-4,
) -> np.ndarray:
    """Read an audio file as mono float32 at ``sr`` Hz, and check that it is usable.

    Decoding uses libsndfile (``soundfile``: WAV, AU/SND, AIFF, FLAC, OGG, MP3), with librosa's
    audioread fallback for other formats. Channels are averaged; other sample rates are
    resampled with soxr (librosa's default).

    Parameters
    ----------
    path : path-like
    sr : int, default 22050
        Target sample rate (GTZAN's own rate).
    min_duration : float, default 1.0
        Shorter signals raise ``AudioError`` ("too short").
    silence_peak : float, default 1e-4
        Signals whose peak absolute amplitude is below this (about -80 dBFS) raise
        ``AudioError`` ("silent").

    Raises
    ------
    AudioError
        With a message that names the problem: file not found, could not decode, no samples,
        non-finite samples, too short, silent.
    """
    import soundfile as sf

    p = Path(path)
    if not p.is_file():
        raise AudioError(f"file not found: {p}")
    try:
        y, file_sr = sf.read(str(p), dtype="float32", always_2d=True)
        y = y.mean(axis=1)
    except Exception as exc_sf:  # libsndfile could not decode it: try audioread through librosa
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                y, file_sr = _librosa().load(str(p), sr=None, mono=True)
        except Exception:
            raise AudioError(f"could not decode audio ({type(exc_sf).__name__}: {exc_sf})") from None
    y = np.asarray(y, dtype=np.float32)
    if y.size == 0:
        raise AudioError("no audio samples")
    if not np.all(np.isfinite(y)):
        raise AudioError("audio contains non-finite samples")
    if int(file_sr) != int(sr):
        y = _librosa().resample(y, orig_sr=int(file_sr), target_sr=int(sr)).astype(np.float32)
    duration = y.size / float(sr)
    if duration < min_duration:
        raise AudioError(f"too short: {duration:.3f} s < min_duration {min_duration:g} s")
    peak = float(np.max(np.abs(y)))
    if peak < silence_peak:
        raise AudioError(f"silent: peak amplitude {peak:.3g} < {silence_peak:g}")
    return y


def _frame_params(sr: int, win_s: float, hop_s: float) -> tuple[int, int, int]:
    if win_s <= 0 or hop_s <= 0:
        raise ValueError(f"window and hop must be positive, got win_s={win_s}, hop_s={hop_s}")
    win = int(round(win_s * sr))
    hop = int(round(hop_s * sr))
    if win < 16:
        raise ValueError(f"window of {win_s} s at {sr} Hz is only {win} samples")
    n_fft = 1 << int(np.ceil(np.log2(win)))
    return win, hop, n_fft


def power_spectrogram(y: np.ndarray, sr: int, *, win_s: float = 0.03, hop_s: float = 0.015) -> np.ndarray:
    """``|STFT|^2`` with a ``win_s`` Hann window zero-padded to a power of two, hop ``hop_s``.

    Returns an array of shape ``(n_fft // 2 + 1, n_frames)``, float32.
    """
    librosa = _librosa()
    win, hop, n_fft = _frame_params(sr, win_s, hop_s)
    S = librosa.stft(np.asarray(y, dtype=np.float32), n_fft=n_fft, hop_length=hop, win_length=win, window="hann", center=True)
    return (np.abs(S) ** 2).astype(np.float32)


def _mel_power(S: np.ndarray, sr: int, n_mels: int, fmin: float, fmax: float | None) -> np.ndarray:
    librosa = _librosa()
    n_fft = 2 * (S.shape[0] - 1)
    fb = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=True)
    return fb @ S


def check_mel_power(
    mel,
    *,
    n_mels: int | None = None,
    min_frames: int = 9,
    max_frames: int | None = None,
    dtypes: tuple[str, ...] = ("float32", "float64"),
) -> np.ndarray:
    """Validate a linear-power Mel spectrogram of shape ``(n_mels, n_frames)``.

    Raises
    ------
    AudioError
        Naming the problem: not an array, wrong dtype, wrong number of dimensions or bands, too
        few or too many frames, non-finite values, negative values, all zero (silent).
    """
    if not isinstance(mel, np.ndarray):
        raise AudioError(f"mel spectrogram is not an array (got {type(mel).__name__})")
    if mel.dtype.name not in dtypes:
        raise AudioError(f"mel spectrogram has dtype {mel.dtype}, expected one of {', '.join(dtypes)}")
    if mel.ndim != 2:
        raise AudioError(f"mel spectrogram must be 2-D (n_mels, n_frames), got shape {mel.shape}")
    if n_mels is not None and mel.shape[0] != n_mels:
        raise AudioError(f"mel spectrogram has {mel.shape[0]} bands, expected {n_mels} (shape {mel.shape})")
    if mel.shape[1] < min_frames:
        raise AudioError(f"mel spectrogram has {mel.shape[1]} frames, fewer than {min_frames}")
    if max_frames is not None and mel.shape[1] > max_frames:
        raise AudioError(f"mel spectrogram has {mel.shape[1]} frames, more than {max_frames}")
    finite = np.isfinite(mel)
    if not finite.all():
        raise AudioError(f"mel spectrogram contains {int(mel.size - finite.sum())} non-finite value(s)")
    if (mel < 0).any():
        raise AudioError("mel spectrogram has negative values (expected linear power, not dB)")
    if not (mel > 0).any():
        raise AudioError("mel spectrogram is all zero (silent)")
    return mel


def mfcc_from_mel(mel_power: np.ndarray, *, n_mfcc: int = 20, top_db: float | None = 80.0) -> np.ndarray:
    """MFCCs from a (linear power) Mel spectrogram: ``librosa.feature.mfcc(S=power_to_db(mel))``.

    This is the route for data that ship Mel spectrograms instead of audio (4MuLA, Section 4.4).

    Returns
    -------
    ndarray of shape (n_mfcc, n_frames), float32
    """
    librosa = _librosa()
    mel_power = np.asarray(mel_power)
    if mel_power.ndim != 2:
        raise ValueError(f"mel spectrogram must be 2-D (n_mels, n_frames), got shape {mel_power.shape}")
    if n_mfcc > mel_power.shape[0]:
        raise ValueError(f"n_mfcc={n_mfcc} exceeds the number of Mel bands {mel_power.shape[0]}")
    db = librosa.power_to_db(mel_power, ref=1.0, top_db=top_db)
    return librosa.feature.mfcc(S=db, n_mfcc=n_mfcc).astype(np.float32)


def mfcc(
    y: np.ndarray,
    sr: int = DEFAULT_SR,
    *,
    n_mfcc: int = 20,
    n_mels: int = 40,
    win_s: float = 0.03,
    hop_s: float = 0.015,
    fmin: float = 0.0,
    fmax: float | None = None,
    S: np.ndarray | None = None,
) -> np.ndarray:
    """MFCC matrix on 0.03 s windows with the HTK Mel scale (Section 4.1; settings in the module doc).

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
    sr : int
    n_mfcc, n_mels : int
    win_s, hop_s : float
        Window and hop in seconds.
    fmin, fmax : float
        Mel filter bank range (``fmax=None``: Nyquist).
    S : ndarray, optional
        A power spectrogram from :func:`power_spectrogram` with the same ``win_s``/``hop_s``
        (saves recomputing the STFT).

    Returns
    -------
    ndarray of shape (n_mfcc, n_frames), float32
    """
    if S is None:
        S = power_spectrogram(y, sr, win_s=win_s, hop_s=hop_s)
    return mfcc_from_mel(_mel_power(S, sr, n_mels, fmin, fmax), n_mfcc=n_mfcc)


def mfcc_stats(M: np.ndarray, *, deltas: bool = True) -> np.ndarray:
    """Means and standard deviations over time of the MFCCs and of their deltas.

    Parameters
    ----------
    M : ndarray of shape (n_mfcc, n_frames)
    deltas : bool, default True
        Append the statistics of the first-order deltas (``librosa.feature.delta``, width 9, or
        the largest odd width the clip allows).

    Returns
    -------
    ndarray of shape (4 * n_mfcc,) (or ``2 * n_mfcc`` without deltas), float32
        ``[mean(M), std(M), mean(dM), std(dM)]``, each block in coefficient order; see
        :func:`mfcc_stats_names`.
    """
    M = np.asarray(M, dtype=np.float32)
    if M.ndim != 2 or M.shape[1] < 3:
        raise ValueError(f"MFCC matrix must be 2-D with at least 3 frames, got shape {M.shape}")
    parts = [M.mean(axis=1), M.std(axis=1)]
    if deltas:
        width = min(9, M.shape[1] if M.shape[1] % 2 else M.shape[1] - 1)
        D = _librosa().feature.delta(M, width=width, axis=1)
        parts += [D.mean(axis=1), D.std(axis=1)]
    return np.concatenate(parts).astype(np.float32)


def mfcc_stats_names(n_mfcc: int = 20, *, deltas: bool = True) -> list[str]:
    """Column names matching :func:`mfcc_stats` (``mfcc1_mean`` ... ``dmfcc20_std``)."""
    names = [f"mfcc{i + 1}_mean" for i in range(n_mfcc)] + [f"mfcc{i + 1}_std" for i in range(n_mfcc)]
    if deltas:
        names += [f"dmfcc{i + 1}_mean" for i in range(n_mfcc)] + [f"dmfcc{i + 1}_std" for i in range(n_mfcc)]
    return names


def logmel(
    y: np.ndarray | None = None,
    sr: int = DEFAULT_SR,
    *,
    n_mels: int = 64,
    win_s: float = 0.03,
    hop_s: float = 0.015,
    S: np.ndarray | None = None,
    top_db: float = 80.0,
) -> np.ndarray:
    """Log-Mel spectrogram in dB relative to the clip's maximum (values in ``[-top_db, 0]``)."""
    librosa = _librosa()
    if S is None:
        S = power_spectrogram(y, sr, win_s=win_s, hop_s=hop_s)
    mel = _mel_power(S, sr, n_mels, 0.0, None)
    return librosa.power_to_db(mel, ref=np.max, top_db=top_db).astype(np.float32)


def pool_image(X: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Average-pool (or linearly stretch) a 2-D array to ``shape`` (rows, columns).

    Each output cell is the mean of the input cells in its block (``np.array_split`` blocks, so
    every input cell counts once); an axis shorter than the target is linearly interpolated.
    """
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2 or min(X.shape) < 1:
        raise ValueError(f"expected a non-empty 2-D array, got shape {X.shape}")
    out = X
    for axis, n_out in enumerate(shape):
        n_in = out.shape[axis]
        if n_in == n_out:
            continue
        if n_in > n_out:
            edges = np.linspace(0, n_in, n_out + 1).round().astype(int)
            csum = np.cumsum(np.moveaxis(out, axis, 0), axis=0, dtype=np.float64)
            csum = np.concatenate([np.zeros((1,) + csum.shape[1:]), csum], axis=0)
            pooled = (csum[edges[1:]] - csum[edges[:-1]]) / np.diff(edges)[:, None]
            out = np.moveaxis(pooled, 0, axis).astype(np.float32)
        else:
            src = np.linspace(0, n_in - 1, n_out)
            moved = np.moveaxis(out, axis, 0)
            lo = np.floor(src).astype(int)
            hi = np.minimum(lo + 1, n_in - 1)
            frac = (src - lo)[:, None]
            out = np.moveaxis(moved[lo] * (1 - frac) + moved[hi] * frac, 0, axis).astype(np.float32)
    return out


def compact_image(
    y: np.ndarray | None = None,
    sr: int = DEFAULT_SR,
    *,
    shape: tuple[int, int] = (64, 128),
    win_s: float = 0.03,
    hop_s: float = 0.015,
    S: np.ndarray | None = None,
    mel_db: np.ndarray | None = None,
) -> np.ndarray:
    """A small fixed-size log-Mel image per piece, for CNN baselines trained from scratch.

    ``shape[0]`` HTK Mel bands (dB relative to the clip maximum, floor -80 dB) on 0.03 s windows,
    average-pooled over time to ``shape[1]`` columns (a 30 s clip: about 0.23 s per column).
    Stored as float16: 64 x 128 is 16 KiB per piece.

    Parameters
    ----------
    y, sr : waveform and its rate; or
    S : power spectrogram (:func:`power_spectrogram`); or
    mel_db : an existing log-Mel matrix in dB (e.g. 4MuLA's 128 bands), pooled to ``shape``.

    Returns
    -------
    ndarray of shape ``shape``, float16, low frequencies in row 0
    """
    if mel_db is None:
        mel_db = logmel(y, sr, n_mels=shape[0], win_s=win_s, hop_s=hop_s, S=S)
    return pool_image(mel_db, shape).astype(np.float16)
