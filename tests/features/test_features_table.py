"""GTZAN-table features from audio, compared with the Kaggle table's rows for the two staged real clips."""

import numpy as np
import pandas as pd
import pytest

librosa = pytest.importorskip("librosa")
sf = pytest.importorskip("soundfile")

from kmnet.datasets.paths import data_root  # noqa: E402
from kmnet.features import TABLE_COLUMNS, load_audio, table_features  # noqa: E402

rng = np.random.default_rng()


def _gtzan():
    try:
        root = data_root() / "gtzan"
    except FileNotFoundError:
        pytest.skip("no data root")
    if not (root / "features_30_sec.csv").is_file() or not (root / "audio" / "genres").is_dir():
        pytest.skip("staged GTZAN table/audio absent")
    return root


def test_table_layout_on_synthetic_audio():
    sr = 22050
    t = np.arange(int(rng.uniform(3, 5) * sr)) / sr
    beat = (np.sin(2 * np.pi * 2 * t) > 0.95).astype(float) * rng.standard_normal(t.size)
    y = (0.3 * np.sin(2 * np.pi * rng.uniform(200, 800) * t) + 0.3 * beat).astype(np.float32)
    v = table_features(y, sr)
    assert v.shape == (57,) == (len(TABLE_COLUMNS),) and np.all(np.isfinite(v))
    d = dict(zip(TABLE_COLUMNS, v))
    assert 0 <= d["chroma_stft_mean"] <= 1 and d["rms_mean"] > 0 and d["tempo"] > 0
    assert d["spectral_centroid_mean"] < d["rolloff_mean"] < sr / 2
    with pytest.raises(ValueError, match="mono waveform"):
        table_features(np.zeros((2, 5000), np.float32))


@pytest.mark.slow
def test_matches_kaggle_table_on_real_clips():
    """Honest check: same layout, values close to the Kaggle rows (exact equality not expected)."""
    root = _gtzan()
    table = pd.read_csv(root / "features_30_sec.csv").set_index("filename")
    clips = sorted((root / "audio" / "genres").glob("*/*.wav"))
    assert clips
    names = np.array(TABLE_COLUMNS)
    is_mean = np.char.endswith(names, "_mean")
    for path in clips:
        ours = table_features(load_audio(path), 22050)
        ref = table.loc[path.name, list(TABLE_COLUMNS)].to_numpy(dtype=float)
        # a "_mean" column is compared with the frame-level spread (sqrt of its "_var" column):
        # some means are near zero (mfcc14_mean, the waveform means of harmony/perceptr)
        spread = np.array([np.sqrt(ref[TABLE_COLUMNS.index(c[:-5] + "_var")]) if m else np.nan for c, m in zip(names, is_mean)])
        z = np.abs(ours - ref)[is_mean] / spread[is_mean]
        assert z.max() < 0.01, dict(zip(names[is_mean], z))
        # variances and tempo: relative difference
        rel = np.abs(ours - ref)[~is_mean] / np.abs(ref[~is_mean])
        assert rel.max() < 0.01, dict(zip(names[~is_mean], rel))
        assert np.median(rel) < 0.002
        assert ours[TABLE_COLUMNS.index("tempo")] == pytest.approx(ref[TABLE_COLUMNS.index("tempo")], rel=0.02)
        # correlation across the 57 features on a signed log scale
        slog = lambda a: np.sign(a) * np.log1p(np.abs(a))  # noqa: E731
        assert np.corrcoef(slog(ours), slog(ref))[0, 1] > 0.999
