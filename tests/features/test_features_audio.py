"""MFCCs on 0.03 s windows, their statistics, the compact image, audio loading and its failures."""

import numpy as np
import pytest

librosa = pytest.importorskip("librosa")
sf = pytest.importorskip("soundfile")

from kmnet.features import audio as A  # noqa: E402

SR = 22050
rng = np.random.default_rng()


def tone(seconds=3.0, sr=SR, freqs=None, noise=0.01, envelope=None):
    t = np.arange(int(seconds * sr)) / sr
    freqs = rng.uniform(150, 3000, size=3) if freqs is None else np.atleast_1d(freqs)
    y = sum(np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) for f in freqs) / len(freqs)
    y = 0.5 * y + noise * rng.standard_normal(t.size)
    if envelope is not None:
        y = y * envelope(t / seconds)
    return y.astype(np.float32)


def test_mfcc_shape_finite_and_settings():
    y = tone(rng.uniform(2.0, 4.0))
    M = A.mfcc(y, SR)
    hop = round(0.015 * SR)
    assert M.shape == (20, 1 + y.size // hop)
    assert M.dtype == np.float32 and np.all(np.isfinite(M))
    # the documented settings: 0.03 s Hann window, n_fft 1024, hop 0.015 s, 40 HTK Mel bands
    ref = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=20, n_fft=1024, win_length=round(0.03 * SR), hop_length=hop,
                               n_mels=40, htk=True, fmin=0.0, window="hann", center=True)
    np.testing.assert_allclose(M, ref, rtol=1e-3, atol=1e-2)


def test_htk_mel_formula_is_the_papers():
    f = rng.uniform(0, 11025, size=50)
    np.testing.assert_allclose(librosa.hz_to_mel(f, htk=True), 2595 * np.log10(1 + f / 700), rtol=1e-10)


def test_mfcc_stats_shape_and_blocks():
    y = tone()
    M = A.mfcc(y, SR, n_mfcc=13)
    s = A.mfcc_stats(M)
    assert s.shape == (52,) and np.all(np.isfinite(s))
    np.testing.assert_allclose(s[:13], M.mean(1), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(s[13:26], M.std(1), rtol=1e-5, atol=1e-4)
    assert np.all(s[13:26] >= 0) and np.all(s[39:] >= 0)
    assert A.mfcc_stats(M, deltas=False).shape == (26,)
    assert len(A.mfcc_stats_names(13)) == 52


def test_deltas_follow_loudness_trend():
    up = tone(3.0, envelope=lambda u: 0.05 + u)
    down = tone(3.0, envelope=lambda u: 1.05 - u)
    s_up, s_down = A.mfcc_stats(A.mfcc(up, SR)), A.mfcc_stats(A.mfcc(down, SR))
    # block 3 is the mean delta; c0 (log energy) rises in a crescendo and falls in a decrescendo
    assert s_up[40] > 0 > s_down[40]
    steady = A.mfcc_stats(A.mfcc(tone(3.0, noise=0.0), SR))
    assert s_up[40] > steady[40] > s_down[40]


def test_mfcc_stats_rejects_bad_matrix():
    with pytest.raises(ValueError, match="at least 3 frames"):
        A.mfcc_stats(np.zeros((20, 2)))
    # a short matrix still gets deltas (narrower window)
    assert np.all(np.isfinite(A.mfcc_stats(rng.standard_normal((20, 4)))))


def test_compact_image_shape_range_and_pitch():
    lo = A.compact_image(tone(2.0, freqs=[200.0], noise=0.0), SR)
    hi = A.compact_image(tone(2.0, freqs=[4000.0], noise=0.0), SR)
    assert lo.shape == (64, 128) and lo.dtype == np.float16
    assert float(lo.max()) <= 0.0 and float(lo.min()) >= -80.0
    # row 0 is the lowest band: the brightest row follows the tone's frequency
    assert np.argmax(lo.astype(np.float32).mean(1)) < np.argmax(hi.astype(np.float32).mean(1))
    assert A.compact_image(tone(1.5), SR, shape=(32, 40)).shape == (32, 40)


def test_pool_image_block_means_and_stretch():
    r, c = rng.integers(2, 6, size=2)
    X = rng.standard_normal((r * 4, c * 5)).astype(np.float32)
    P = A.pool_image(X, (4, 5))
    np.testing.assert_allclose(P, X.reshape(4, r, 5, c).mean((1, 3)), rtol=1e-5, atol=1e-6)
    k = float(rng.uniform(-5, 5))
    np.testing.assert_allclose(A.pool_image(np.full((3, 7), k), (8, 20)), k, rtol=1e-6)


def test_load_audio_resamples_and_mixes(tmp_path):
    y = np.stack([tone(2.0, sr=16000), tone(2.0, sr=16000)], axis=1)
    p = tmp_path / "x.wav"
    sf.write(p, y, 16000)
    out = A.load_audio(p, sr=SR)
    assert out.ndim == 1 and out.dtype == np.float32
    assert abs(out.size - 2.0 * SR) <= 2


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda p: None, "file not found"),
        (lambda p: p.write_bytes(rng.bytes(5000)), "could not decode"),
        (lambda p: sf.write(p, np.zeros(3 * SR, np.float32), SR), "silent"),
        (lambda p: sf.write(p, tone(0.3), SR), "too short"),
    ],
)
def test_load_audio_failures_name_the_problem(tmp_path, make, match):
    p = tmp_path / "bad.wav"
    make(p)
    with pytest.raises(A.AudioError, match=match):
        A.load_audio(p)


def test_check_mel_power():
    good = rng.random((128, int(rng.integers(50, 200))))
    assert A.check_mel_power(good, n_mels=128) is good
    bad = {
        "dtype": good.astype(np.int32),
        "bands": good[:100],
        "2-D": good[None],
        "non-finite": np.where(rng.random(good.shape) < 0.01, np.nan, good),
        "negative": good - 0.5,
        "all zero": np.zeros_like(good),
        "more than": rng.random((128, 1500)),
    }
    for match, arr in bad.items():
        with pytest.raises(A.AudioError, match=match):
            A.check_mel_power(arr, n_mels=128, max_frames=1292)


def test_mfcc_from_mel_matches_librosa():
    mel = rng.random((128, 300)) ** 3
    M = A.mfcc_from_mel(mel, n_mfcc=20)
    ref = librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=20)
    np.testing.assert_allclose(M, ref, rtol=1e-4, atol=1e-3)
