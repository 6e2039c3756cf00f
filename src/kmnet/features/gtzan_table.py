"""The 57 features of the GTZAN table ``features_30_sec.csv``, computed with librosa.

The Kaggle release "GTZAN Dataset - Music Genre Classification" ships a feature table whose
extraction code is not published. Its column names are those of librosa's features, each
summarised by its mean and variance over frames. :func:`table_features` computes the same
columns with librosa's default settings (22050 Hz, ``n_fft=2048``, ``hop_length=512``,
Slaney Mel scale with 128 bands for the MFCCs, ``beat_track`` for the tempo; ``harmony`` and
``perceptr`` are the harmonic and percussive waveforms of ``librosa.effects.hpss``), so that a
user with GTZAN audio gets the same table layout.

Exact equality with the Kaggle table is **not** expected: its extraction settings and librosa
version are unknown. What holds, and on how many clips (librosa 0.11):

* **30 s clips against the Kaggle table, 2 clips.** Only two clips have both their audio and
  their ``features_30_sec.csv`` row staged with the project (blues.00000, classical.00000). On
  them the 28 ``_var`` columns differ from the table by at most 0.31 % (``mfcc5_var`` of
  classical.00000; median 0.02 % and 0.05 %); the 28 ``_mean`` columns by at most 0.17 % of the
  feature's frame-level standard deviation (relative differences look larger only for means near
  zero: ``mfcc14_mean`` of classical.00000 is -0.358 against -0.365, and
  ``harmony_mean``/``perceptr_mean`` are means of zero-mean waveforms, about 1e-5); the tempo is
  identical (123.05 and 95.70 BPM); the correlation across the 57 values on a signed log scale
  is above 0.99999. Two clips do not bound the rest of the table: on 100 GTZAN clips (clips
  00000-00009 of every genre, whose audio is not staged here) others measured differences of
  2.4-2.7 % on some variance columns (``rms_var``, ``mfcc6_var``, ``perceptr_var``) and one tempo
  far off (rock.00008: 89 against the table's 172 BPM; beat tracking can lock onto another
  metrical level). Expect differences of a few per cent on variances, and the occasional tempo
  that disagrees outright.
* **3 s windows against ``gtzan/derived/mini_segments_3s.csv``, the same 2 clips (20 windows).**
  That table was computed with :func:`table_features` on consecutive windows, as
  :func:`window_features` does (see the data README), so this checks that it is reproduced, not agreement with Kaggle's ``features_3_sec.csv``: the
  ``_var`` columns agree to 4e-7 (relative), the ``_mean`` columns to 2e-6 of the frame-level
  standard deviation, the tempo exactly; float32 rounding of the spectrogram and MFCCs. (The
  data README records, from five Kaggle 3 s rows of blues.00000 and blues.00001, agreement
  within 0.4 % on the spectral centroid, MFCC 1-2 means, chroma and RMS, 2.2 % on
  ``mfcc1_var``, and identical tempi.)

``tests/features/test_features_table.py`` (clips) and ``tests/datasets/test_gtzan_windows.py`` (windows) check both
with looser bounds.

Cost: about 2 s per 30 s clip on one core, most of it the harmonic/percussive separation
(median filtering); this is why the table features are optional in
:func:`kmnet.features.extract_audio` (``features=(..., "table")``). The windows of
:func:`window_features` cost about 0.3 s each, about 3 s per clip.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "TABLE_COLUMNS",
    "SPECTRAL_COLUMNS",
    "MFCC_TABLE_COLUMNS",
    "KAGGLE_WINDOW",
    "KAGGLE_N_WINDOWS",
    "table_features",
    "window_features",
]

SPECTRAL_COLUMNS: tuple[str, ...] = (
    "chroma_stft_mean",
    "chroma_stft_var",
    "rms_mean",
    "rms_var",
    "spectral_centroid_mean",
    "spectral_centroid_var",
    "spectral_bandwidth_mean",
    "spectral_bandwidth_var",
    "rolloff_mean",
    "rolloff_var",
    "zero_crossing_rate_mean",
    "zero_crossing_rate_var",
    "harmony_mean",
    "harmony_var",
    "perceptr_mean",
    "perceptr_var",
    "tempo",
)
"""The 17 spectral, chroma and rhythm columns, in the table's order."""

MFCC_TABLE_COLUMNS: tuple[str, ...] = tuple(f"mfcc{i}_{s}" for i in range(1, 21) for s in ("mean", "var"))
"""The 40 MFCC mean/variance columns, in the table's order."""

TABLE_COLUMNS: tuple[str, ...] = SPECTRAL_COLUMNS + MFCC_TABLE_COLUMNS
"""All 57 feature columns of ``features_30_sec.csv`` (``filename``, ``length``, ``label`` excluded)."""


def table_features(y: np.ndarray, sr: int = 22050) -> np.ndarray:
    """The 57 GTZAN-table features of one clip, in the order of :data:`TABLE_COLUMNS`.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Mono waveform (GTZAN: 22050 Hz).
    sr : int, default 22050

    Returns
    -------
    ndarray of shape (57,), float64

    Notes
    -----
    Means and variances are over all frames (and, for the chromagram, over the 12 pitch classes
    too), population variance (``ddof=0``). See the module docstring for how close this comes to
    the Kaggle table.
    """
    import librosa

    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1 or y.size < 2048:
        raise ValueError(f"expected a mono waveform of at least 2048 samples, got shape {y.shape}")
    out: dict[str, float] = {}

    def mv(name: str, a: np.ndarray) -> None:
        out[f"{name}_mean"] = float(np.mean(a))
        out[f"{name}_var"] = float(np.var(a))

    S = np.abs(librosa.stft(y, n_fft=2048, hop_length=512))
    mv("chroma_stft", librosa.feature.chroma_stft(S=S**2, sr=sr))
    mv("rms", librosa.feature.rms(y=y))
    mv("spectral_centroid", librosa.feature.spectral_centroid(S=S, sr=sr))
    mv("spectral_bandwidth", librosa.feature.spectral_bandwidth(S=S, sr=sr))
    mv("rolloff", librosa.feature.spectral_rolloff(S=S, sr=sr))
    mv("zero_crossing_rate", librosa.feature.zero_crossing_rate(y))
    harmonic, percussive = librosa.effects.hpss(y)
    mv("harmony", harmonic)
    mv("perceptr", percussive)
    tempo = librosa.beat.beat_track(y=y, sr=sr)[0]
    out["tempo"] = float(np.atleast_1d(tempo)[0])
    M = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20)
    for i in range(20):
        mv(f"mfcc{i + 1}", M[i])
    return np.array([out[c] for c in TABLE_COLUMNS], dtype=np.float64)


KAGGLE_WINDOW: int = 66149
"""Samples per window of the Kaggle ``features_3_sec.csv`` (its ``length`` column; 3.0 s at 22050 Hz)."""

KAGGLE_N_WINDOWS: int = 10
"""Windows per clip of the Kaggle ``features_3_sec.csv`` (at most; that table has 9,990 rows)."""


def window_features(
    y: np.ndarray,
    sr: int = 22050,
    *,
    window: int = KAGGLE_WINDOW,
    n_windows: int | None = KAGGLE_N_WINDOWS,
) -> np.ndarray:
    """The 57 GTZAN-table features of each consecutive window of one clip.

    The clip is cut into consecutive, non-overlapping windows of ``window`` samples from its
    first sample; only complete windows are kept, at most ``n_windows`` of them, and
    :func:`table_features` is computed on each. With the defaults this is the layout of the
    Kaggle ``features_3_sec.csv`` (66,149 samples, 10 windows of a 30 s clip; a clip shorter
    than 661,490 samples gives 9).

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Mono waveform.
    sr : int, default 22050
    window : int, default 66149
        Samples per window (at least 2048, the STFT size).
    n_windows : int or None, default 10
        Most windows kept; ``None`` keeps every complete window.

    Returns
    -------
    ndarray of shape (n_kept, 57), float64
        Row ``i`` describes samples ``[i * window, (i + 1) * window)``, columns as
        :data:`TABLE_COLUMNS`.

    Raises
    ------
    ValueError
        When ``window`` or ``n_windows`` is not a positive integer, ``window`` is below 2048,
        or the waveform is not 1-D or holds no complete window.
    """
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or int(window) < 2048:
        raise ValueError(f"window: expected an integer number of samples >= 2048, got {window!r}")
    if n_windows is not None and (isinstance(n_windows, bool) or not isinstance(n_windows, (int, np.integer))
                                  or int(n_windows) < 1):
        raise ValueError(f"n_windows: expected a positive integer or None, got {n_windows!r}")
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"expected a mono waveform (1-D), got shape {y.shape}")
    window = int(window)
    k = y.size // window
    if n_windows is not None:
        k = min(k, int(n_windows))
    if k == 0:
        raise ValueError(f"waveform of {y.size} samples is shorter than one window of {window} samples")
    return np.stack([table_features(y[i * window:(i + 1) * window], sr) for i in range(k)])
