"""The piano set's ``audio_musicnn`` feature: loaded beside the others, committed rows reproducible."""

from __future__ import annotations

import importlib.util
import shutil

import numpy as np
import pandas as pd
import pytest

from kmnet.datasets.piano import features as pf
from kmnet.datasets.piano import musicnn as pm
from kmnet.datasets.paths import data_root
from test_piano_features import _committed as _committed_features  # (tests/datasets)
from test_piano_features import _fake


def test_load_features_adds_audio_musicnn_in_row_order(tmp_path, rng):
    m, arrays, order = _fake(tmp_path)
    F = pf.load_features(tmp_path / "features.npz")
    assert "audio_musicnn" not in F.arrays  # optional file
    mus = rng.normal(size=(len(m), 400)).astype(np.float16)  # row i belongs to m.id[i]
    own = rng.permutation(len(m))  # stored in yet another order
    np.savez(tmp_path / "musicnn.npz", ids=m["id"].to_numpy()[own].astype(str), audio_musicnn=mus[own])
    (tmp_path / "musicnn.json").write_text('{"feature": "audio_musicnn"}')
    F = pf.load_features(tmp_path / "features.npz")
    np.testing.assert_array_equal(F.arrays["audio_musicnn"], mus[order])
    np.testing.assert_array_equal(F.arrays["audio_mfcc"], arrays["audio_mfcc"][order])
    tr = F.views("train", audio="audio_musicnn", extra=("audio_mfcc",))
    assert tr["audio"].shape == (8, 400) and tr["audio"].dtype == np.float64
    train_ids = F.manifest.loc[F.manifest["split"] == "train", "id"].to_numpy()
    rows = [int(i[1:]) for i in train_ids]
    np.testing.assert_allclose(tr["audio"], mus[rows].astype(np.float64))
    assert F.info["audio_musicnn"]["feature"] == "audio_musicnn"
    # a musicnn file of other pieces is refused with a clear message
    np.savez(tmp_path / "musicnn.npz", ids=np.array([f"q{i}" for i in range(len(m))]), audio_musicnn=mus)
    with pytest.raises(ValueError, match="musicnn.npz and features.npz list different pieces"):
        pf.load_features(tmp_path / "features.npz")


def test_build_rejects_unknown_ids_models_and_layers():
    with pytest.raises(ValueError, match="unknown piano id"):
        pm.build_musicnn_features(ids=["no-such-piece"], out_dir=None, progress=False)
    if importlib.util.find_spec("musicnn") is None:
        pytest.skip("musicnn weights not installed (pip install --no-deps musicnn==0.1.0)")
    with pytest.raises(ValueError, match="unknown musicnn model"):
        pm.build_musicnn_features(ids=[], model="VGGish", out_dir=None, progress=False)
    with pytest.raises(ValueError, match="unknown layer"):
        pm.build_musicnn_features(ids=[], model="MSD_vgg", layer="penultimate", out_dir=None, progress=False)


def _committed():
    if not pm.default_musicnn_path().is_file():
        pytest.skip("no committed musicnn features")
    return _committed_features()


def test_committed_musicnn_features():
    F = _committed()
    X = F.arrays["audio_musicnn"]
    info = F.info["audio_musicnn"]
    assert X.shape == (len(F.manifest), 400) and X.dtype == np.float16
    assert info["shape"] == list(X.shape) and info["config"]["model"] == "MSD_musicnn"
    assert not info["failures"]
    Xf = X.astype(np.float32)
    assert np.isfinite(Xf).all()
    assert (Xf[:, :200] <= Xf[:, 200:] + 1e-2).all()  # mean <= max, up to float16 rounding
    assert (Xf.std(axis=0) > 0).sum() > 150  # not a constant embedding
    # pieces of one period are closer to each other than to other periods, on average
    y = F.labels(None)
    Z = (Xf - Xf.mean(0)) / (Xf.std(0) + 1e-6)
    cent = {p: Z[y == p].mean(0) for p in np.unique(y)}
    own = np.mean([np.linalg.norm(z - cent[p]) for z, p in zip(Z, y)])
    other = np.mean([np.mean([np.linalg.norm(z - c) for q, c in cent.items() if q != p]) for z, p in zip(Z, y)])
    assert own < other


@pytest.mark.slow
def test_random_sample_reextracts_to_committed_rows(tmp_path, monkeypatch, rng):
    """Render a random sample from the sources in an empty cache and extract again: same rows."""
    F = _committed()
    if importlib.util.find_spec("musicnn") is None:
        pytest.skip("musicnn weights not installed (pip install --no-deps musicnn==0.1.0)")
    try:
        root = data_root()
    except (FileNotFoundError, ValueError):
        pytest.skip("no data root")
    if not (root / "piano").is_dir():
        pytest.skip("no piano sources in the data root")
    if shutil.which("fluidsynth") is None:
        pytest.skip("fluidsynth is not installed")
    ids = list(rng.choice(F.ids, size=2, replace=False))
    monkeypatch.setenv("KMNET_CACHE", str(tmp_path / "cache"))
    arrays, info = pm.build_musicnn_features(ids=ids, out_dir=None, progress=False, device="cpu")
    assert not info["failures"], info["failures"]
    rows = F.manifest.reset_index().set_index("id").loc[ids, "index"].to_numpy()
    committed = F.arrays["audio_musicnn"][rows].astype(np.float64)
    new = arrays["audio_musicnn"].astype(np.float64)
    scale = np.abs(committed).max(axis=1, keepdims=True)
    np.testing.assert_allclose(new / scale, committed / scale, atol=2e-3)
