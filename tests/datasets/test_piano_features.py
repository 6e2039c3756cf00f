"""The committed piano features: reproduced from the sources, and the loader's contract."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from kmnet.datasets.piano import features as pf
from kmnet.datasets.paths import data_root


def _committed():
    try:
        return pf.load_features()
    except FileNotFoundError:
        pytest.skip("no committed piano features")


def test_committed_features_match_manifest():
    F = _committed()
    n = len(F.manifest)
    assert n == len(F.arrays["audio_mfcc"]) == len(F.arrays["text"]) == len(F.arrays["image"])
    assert F.arrays["audio_mfcc"].shape[1] == 80
    assert F.arrays["audio_cnn"].shape[1] == 1000
    assert F.arrays["kern_bow"].shape[1] == len(F.info["bow_vocabulary"])
    for k in ("audio_mfcc", "audio_cnn", "text"):
        assert np.isfinite(F.arrays[k].astype(np.float64)).all(), k
    # every piece has some tokens and a non-constant image
    assert (F.arrays["kern_bow"].sum(axis=1) > 0).all()
    assert (F.arrays["image"].astype(np.float32).std(axis=(1, 2)) > 0).all()
    tr, te = F.views("train"), F.views("test")
    assert len(F.labels("train")) == len(tr["audio"]) and len(F.labels("test")) == len(te["text"])
    assert len(tr["audio"]) + len(te["audio"]) == n
    assert set(F.labels(None)) == {"Baroque", "Classical", "Romantic", "Modern"}


@pytest.mark.slow
def test_random_sample_reextracts_to_committed_rows(tmp_path, monkeypatch):
    """Render and extract a random sample from the sources, in an empty cache: same rows."""
    F = _committed()
    try:
        root = data_root()
    except (FileNotFoundError, ValueError):
        pytest.skip("no data root")
    if not (root / "piano").is_dir():
        pytest.skip("no piano sources in the data root")
    if shutil.which("fluidsynth") is None:
        pytest.skip("fluidsynth is not installed")
    rng = np.random.default_rng()
    ids = list(rng.choice(F.ids, size=2, replace=False))
    monkeypatch.setenv("KMNET_CACHE", str(tmp_path / "cache"))
    G = pf.build_features(ids=ids, progress=False, out_dir=None)
    assert not G.info["failures"], G.info["failures"]
    rows = F.manifest.reset_index().set_index("id").loc[ids, "index"].to_numpy()
    for k, tol in (("audio_mfcc", 1e-3), ("text", 1e-3), ("audio_cnn", 2e-2)):
        committed = F.arrays[k][rows].astype(np.float64)
        new = G.arrays[k].astype(np.float64)
        scale = np.abs(committed).max(axis=1, keepdims=True)
        np.testing.assert_allclose(new / scale, committed / scale, atol=tol, err_msg=k)
    np.testing.assert_array_equal(G.arrays["kern_bow"], F.arrays["kern_bow"][rows])
    np.testing.assert_allclose(G.arrays["image"].astype(np.float32), F.arrays["image"][rows].astype(np.float32),
                               atol=0.1)


def _fake(tmp_path, n=12):
    rng = np.random.default_rng()
    periods = np.array(["Baroque", "Classical", "Romantic", "Modern"])
    m = pd.DataFrame({"id": [f"p{i}" for i in range(n)], "period": periods[np.arange(n) % 4],
                      "split": np.where(np.arange(n) < 8, "train", "test")})
    m.to_csv(tmp_path / "manifest.csv", index=False)
    arrays = {"audio_mfcc": rng.normal(size=(n, 80)).astype(np.float32),
              "audio_cnn": rng.normal(size=(n, 1000)).astype(np.float16),
              "text": rng.normal(size=(n, 384)).astype(np.float32),
              "kern_bow": rng.integers(0, 5, size=(n, 7)).astype(np.uint16)}
    order = rng.permutation(n)
    np.savez(tmp_path / "features.npz", ids=m["id"].to_numpy()[order].astype(str),
             **{k: v[order] for k, v in arrays.items()})
    np.savez(tmp_path / "images.npz", ids=m["id"].to_numpy()[order].astype(str),
             image=rng.normal(size=(n, 32, 64)).astype(np.float16)[order])
    return m, arrays, order


def test_load_features_aligns_rows_with_manifest(tmp_path):
    m, arrays, order = _fake(tmp_path)
    F = pf.load_features(tmp_path / "features.npz")
    # the loader follows the file's order and carries the manifest rows along
    assert list(F.ids) == list(m["id"].to_numpy()[order])
    inv = np.argsort(order)
    got = F.views(None)
    np.testing.assert_allclose(got["audio"][inv], arrays["audio_mfcc"].astype(np.float64))
    tr = F.views("train", audio="audio_cnn", extra=("audio_mfcc",))
    assert set(tr) == {"audio", "text", "audio_mfcc"}
    assert tr["audio"].shape == (8, 1000) and tr["audio"].dtype == np.float64
    assert (F.labels("train") == F.manifest.loc[F.manifest["split"] == "train", "period"].to_numpy()).all()
    assert F.images("test").shape == (4, 32, 64) and F.bow("test").shape == (4, 7)


def test_load_features_bad_input(tmp_path):
    m, _arrays, _order = _fake(tmp_path)
    F = pf.load_features(tmp_path / "features.npz")
    with pytest.raises(ValueError, match="split"):
        F.views("validation")
    with pytest.raises(ValueError, match="unknown feature"):
        F.views("train", audio="vggish")
    with pytest.raises(FileNotFoundError):
        pf.load_features(tmp_path / "nothing.npz")
    m.iloc[:-1].to_csv(tmp_path / "manifest.csv", index=False)  # a piece missing from the manifest
    with pytest.raises(ValueError, match="do not match the manifest"):
        pf.load_features(tmp_path / "features.npz")
    with pytest.raises(ValueError, match="unknown setting"):
        pf.build_features(ids=[], out_dir=None, levels=3)


def test_bow_vocabulary_comes_from_training_texts():
    texts = ["4c 4d 4e", "4c 4c 8f", "2g 2g", "4c =1 *-"]
    train = np.array([True, True, False, False])
    counts, vocab = pf._bow_counts(texts, train, None, 10)
    assert set(vocab) == {"4c", "4d", "4e", "8f"}  # "2g", "=1", "*-" occur only outside training
    assert counts.shape == (4, 4)
    assert counts[1, vocab.index("4c")] == 2 and counts[2].sum() == 0
    again, v2 = pf._bow_counts(texts[2:], np.array([False, False]), vocab, 10)
    assert v2 == vocab and (again == counts[2:]).all()
    with pytest.raises(ValueError, match="training texts"):
        pf._bow_counts(["x"], np.array([False]), None, 5)
