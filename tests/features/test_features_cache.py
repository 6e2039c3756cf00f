"""On-disk feature cache: stable keys, hits return identical arrays, changed configs miss, atomic writes."""

import os

import numpy as np
import pytest

from kmnet.features import cache as C

rng = np.random.default_rng()


def test_stable_hash_ignores_key_order_and_sees_changes():
    cfg = {"sr": 22050, "n_mfcc": int(rng.integers(10, 40)), "cnn": "efficientnet-lite0", "shape": [64, 128]}
    rev = dict(reversed(list(cfg.items())))
    assert C.stable_hash(cfg) == C.stable_hash(rev)
    assert C.stable_hash(cfg) != C.stable_hash({**cfg, "n_mfcc": cfg["n_mfcc"] + 1})
    assert C.stable_hash(cfg) != C.stable_hash({**cfg, "cnn": "resnet101"})
    assert C.stable_hash({"x": np.int64(3)}) == C.stable_hash({"x": 3})


def test_source_hashes(tmp_path):
    data = rng.bytes(int(rng.integers(10, 5000)))
    p = tmp_path / "f.bin"
    p.write_bytes(data)
    import hashlib

    assert C.file_sha256(p) == hashlib.sha256(data).hexdigest()
    assert C.text_sha256("abc") == hashlib.sha256(b"abc").hexdigest()
    a = rng.standard_normal((3, 4))
    assert C.array_sha256(a) == C.array_sha256(a.copy())
    assert C.array_sha256(a) != C.array_sha256(a.astype(np.float32))
    assert C.array_sha256(a) != C.array_sha256(a.reshape(4, 3))


def test_hit_identical_and_config_change_misses(tmp_path):
    cfg = {"n": int(rng.integers(100))}
    c = C.FeatureCache("demo", cfg, root=tmp_path)
    h = C.text_sha256(str(rng.random()))
    x = rng.standard_normal(int(rng.integers(5, 50))).astype(np.float32)
    assert c.load(h) is None
    path = c.save(h, {"x": x})
    assert path.is_file() and (c.dir / "config.json").is_file()
    got = C.FeatureCache("demo", dict(cfg), root=tmp_path).load(h)
    assert got["x"].dtype == x.dtype and np.array_equal(got["x"], x)
    assert C.FeatureCache("demo", {"n": cfg["n"] + 1}, root=tmp_path).load(h) is None
    assert C.FeatureCache("demo", cfg, root=tmp_path, enabled=False).load(h) is None


def test_damaged_file_is_a_miss(tmp_path):
    c = C.FeatureCache("demo", {}, root=tmp_path)
    h = "ab" * 32
    c.save(h, {"x": np.arange(4.0)})
    c.path(h).write_bytes(c.path(h).read_bytes()[:20])
    assert c.load(h) is None


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch):
    c = C.FeatureCache("demo", {}, root=tmp_path)
    h = "cd" * 32
    c.save(h, {"x": np.zeros(3)})  # creates the folder and config.json
    before = sorted(os.listdir(c.dir))

    def boom(fd):
        raise OSError("disk full")

    monkeypatch.setattr("kmnet._atomic.os.fsync", boom)
    h2 = "ef" * 32
    with pytest.raises(OSError, match="disk full"):
        c.save(h2, {"x": rng.standard_normal(1000)})
    monkeypatch.undo()
    assert not c.path(h2).exists()
    assert sorted(os.listdir(c.dir)) == before  # no temporary file left behind
    # overwriting an existing entry that fails keeps the old, complete file
    monkeypatch.setattr("kmnet._atomic.os.fsync", boom)
    with pytest.raises(OSError):
        c.save(h, {"x": np.ones(3)})
    monkeypatch.undo()
    assert np.array_equal(c.load(h)["x"], np.zeros(3))


def test_bad_names():
    with pytest.raises(ValueError, match="kind"):
        C.FeatureCache("a/b", {})
    with pytest.raises(ValueError, match="hash"):
        C.FeatureCache("ok", {}).path("../etc")
