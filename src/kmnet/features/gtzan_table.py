"""The 57 features of the GTZAN table ``features_30_sec.csv``, computed with librosa.

The Kaggle release "GTZAN Dataset - Music Genre Classification" ships a feature table whose
extraction code is not published. Its column names are those of librosa's features, each
summarised by its mean and variance over frames. :func:`table_features` computes the same
columns with librosa's default settings (22050 Hz, ``n_fft=2048``, ``hop_length=512``,
Slaney Mel scale with 128 bands for the MFCCs, ``beat_track`` for the tempo; ``harmony`` and
``perceptr`` are the harmonic and percussive waveforms of ``librosa.effects.hpss``), so that a
user with GTZAN audio gets the same table layout.

Exact equality with the Kaggle table is **not** expected: its extraction settings and librosa
version are unknown. Measured on the two real clips staged with the project (blues.00000,
classical.00000; librosa 0.11): the 28 variance columns differ from the table's rows by at most
0.31 % (median 0.02-0.05 %); the 28 ``_mean`` columns differ by at most 0.17 % of the feature's
frame-level standard deviation (relative differences look larger only for means near zero:
``mfcc14_mean`` of classical.00000 is -0.358 against -0.365, and ``harmony_mean``/``perceptr_mean``
are means of zero-mean waveforms, about 1e-5); the tempo is identical (123.05 and 95.70 BPM);
the correlation across the 57 values on a signed log scale is above 0.99999.
``tests/features/test_features_table.py`` checks this with looser bounds.

Cost: about 2 s per 30 s clip on one core, most of it the harmonic/percussive separation
(median filtering); this is why the table features are optional in
:func:`kmnet.features.extract_audio` (``table=True``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["TABLE_COLUMNS", "SPECTRAL_COLUMNS", "MFCC_TABLE_COLUMNS", "table_features"]

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
