"""Batch extraction: shapes, per-item failure reports, NaN rows and ok mask, cache hits and misses."""

import numpy as np
import pytest

sf = pytest.importorskip("soundfile")
pytest.importorskip("librosa")
pytest.importorskip("efficientnet_lite_pytorch")

from kmnet.features import extract_audio, extract_mel, mfcc, mfcc_stats  # noqa: E402
from kmnet.features.audio import load_audio  # noqa: E402

SR = 22050
rng = np.random.default_rng()


def write_clip(path, seconds=None, sr=SR, fmt=None):
    seconds = rng.uniform(1.5, 3.0) if seconds is None else seconds
    t = np.arange(int(seconds * sr)) / sr
    y = sum(rng.uniform(0.1, 0.4) * np.sin(2 * np.pi * rng.uniform(80, 4000) * t) for _ in range(4))
    y = y + 0.02 * rng.standard_normal(t.size)
    sf.write(path, y.astype(np.float32), sr, format=fmt)
    return path


def test_extract_audio_shapes_report_and_failures(tmp_path):
    good = [write_clip(tmp_path / "a.wav"), write_clip(tmp_path / "b.au", fmt="AU"), write_clip(tmp_path / "c.flac", sr=44100)]
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(2 * SR, np.float32), SR)
    short = write_clip(tmp_path / "short.wav", seconds=0.4)
    junk = tmp_path / "junk.wav"
    junk.write_bytes(rng.bytes(4096))
    missing = tmp_path / "missing.wav"
    paths = [good[0], silent, good[1], missing, junk, short, good[2]]
    F, rep = extract_audio(paths, cache_dir=tmp_path / "cache", progress=False, device="cpu", batch_size=2)
    assert list(rep.columns[:4]) == ["path", "ok", "status", "reason"]
    ok = rep["ok"].to_numpy()
    assert ok.tolist() == [True, False, True, False, False, False, True]
    assert (rep["status"] == np.where(ok, "ok", "failed")).all()
    r = rep["reason"].tolist()
    assert "silent" in r[1] and "not found" in r[3] and "decode" in r[4] and "too short" in r[5]
    assert F["mfcc_stats"].shape == (7, 80) and F["cnn"].shape == (7, 1000) and F["image"].shape == (7, 64, 128)
    for k, v in F.items():
        assert np.all(np.isnan(v[~ok].astype(np.float32))), k
        assert np.all(np.isfinite(v[ok].astype(np.float32))), k
    # the batch's MFCC statistics equal the single-file functions'
    y = load_audio(good[1])
    np.testing.assert_allclose(F["mfcc_stats"][2], mfcc_stats(mfcc(y, SR)), rtol=1e-5, atol=1e-4)
    # different clips give different CNN features
    assert not np.allclose(F["cnn"][0], F["cnn"][2], atol=1e-3)


def test_cache_hit_identical_and_config_change_misses(tmp_path):
    paths = [write_clip(tmp_path / f"{i}.wav", seconds=rng.uniform(1.2, 2.0)) for i in range(2)]
    kw = dict(cache_dir=tmp_path / "cache", progress=False, device="cpu")
    F1, r1 = extract_audio(paths, **kw)
    F2, r2 = extract_audio(paths, **kw)
    assert not r1["cached"].any() and r2["cached"].all()
    for k in F1:
        assert np.array_equal(F1[k], F2[k]), k
    F3, r3 = extract_audio(paths, hop_s=0.01, **kw)
    assert not r3["cached"].any()
    assert not np.allclose(F3["mfcc_stats"], F1["mfcc_stats"])
    F4, r4 = extract_audio(paths, features=("cnn",), image_norm="global", **kw)
    assert not r4["cached"].any() and not np.allclose(F4["cnn"], F1["cnn"])
    # the same audio under another file name hits the cache (keyed by content)
    copy = tmp_path / "copy.wav"
    copy.write_bytes(paths[1].read_bytes())
    F5, r5 = extract_audio([copy], **kw)
    assert r5["cached"].all() and np.array_equal(F5["cnn"][0], F1["cnn"][1])
    F6, r6 = extract_audio(paths[:1], cache=False, **kw)
    assert not r6["cached"].any()
    np.testing.assert_allclose(F6["cnn"][0], F1["cnn"][0], rtol=1e-4, atol=1e-4)


def test_extract_audio_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="single"):
        extract_audio(str(tmp_path / "a.wav"), progress=False)
    with pytest.raises(ValueError, match="unknown"):
        extract_audio([], features=("mfcc_stats", "chroma"), progress=False)


def test_extract_audio_all_failed_keeps_dimensions(tmp_path):
    F, rep = extract_audio([tmp_path / "nope.wav"], features=("mfcc_stats", "image"), progress=False, cache=False)
    assert F["mfcc_stats"].shape == (1, 80) and F["image"].shape == (1, 64, 128)
    assert not rep["ok"].any()


def test_extract_mel_reports_malformed(tmp_path):
    good = [rng.random((128, int(rng.integers(200, 1292)))) ** 2 for _ in range(2)]
    np.save(tmp_path / "g.npy", good[1])
    (tmp_path / "broken.npy").write_bytes(b"\x93NUMPY garbage")
    items = [
        good[0],
        good[0][:64],                                  # wrong number of bands
        np.where(rng.random(good[0].shape) < 0.001, np.nan, good[0]),
        good[0].astype(np.int64),                      # wrong dtype
        tmp_path / "g.npy",
        tmp_path / "broken.npy",
        tmp_path / "absent.npy",
        lambda: good[1].astype(np.float32),
    ]
    F, rep = extract_mel(items, cache_dir=tmp_path / "cache", progress=False, device="cpu", max_frames=1292)
    ok = rep["ok"].to_numpy()
    assert ok.tolist() == [True, False, False, False, True, False, False, True]
    r = rep["reason"].tolist()
    assert "bands" in r[1] and "non-finite" in r[2] and "dtype" in r[3] and "read" in r[5] and "not found" in r[6]
    assert F["cnn"].shape == (8, 1000) and np.all(np.isfinite(F["cnn"][ok]))
    assert np.all(np.isnan(F["mfcc_stats"][~ok]))
    with pytest.raises(ValueError, match="waveform"):
        extract_mel(items[:1], features=("table",), progress=False)
