"""The pure-Python TensorFlow checkpoint reader: CRC-32C, Snappy, SSTable and tensor bundles.

Bundles are written here by a small independent writer (random tensors, random block sizes,
prefix-compressed keys, raw and Snappy blocks) and read back; the checkpoints shipped in the
musicnn wheel are checked for their CRC-32C checksums, dtypes and shapes.
"""

from __future__ import annotations

import importlib.util
import struct

import numpy as np
import pytest

from kmnet.features import _tf_bundle as tb


def _crc_bytewise(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def test_crc32c_known_values_and_bitwise_reference(rng):
    assert tb.crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value
    assert tb.crc32c(b"") == 0
    assert tb.crc32c(bytes(32)) == 0x8A9136AA  # RFC 3720 B.4: 32 bytes of zeros
    assert tb.crc32c(bytes(range(32))) == 0x46DD794E  # RFC 3720 B.4: 0..31
    for n in [int(rng.integers(1, 50)), int(rng.integers(16384, 70000)), 4 * 4096, 4 * 4096 + 1]:
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        assert tb.crc32c(data) == _crc_bytewise(data), n


def test_crc_mask_roundtrip(rng):
    for c in rng.integers(0, 2**32, 20, dtype=np.uint64).tolist():
        m = tb.mask_crc(int(c))
        assert 0 <= m < 2**32 and tb.unmask_crc(m) == c


# -- a small independent writer ---------------------------------------------------------------

def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(no: int, wire: int, payload) -> bytes:
    key = _varint((no << 3) | wire)
    if wire == 0:
        return key + _varint(payload)
    if wire == 2:
        return key + _varint(len(payload)) + payload
    if wire == 5:
        return key + struct.pack("<I", payload)
    raise AssertionError(wire)


def _snappy_literals(data: bytes, rng) -> bytes:
    """A valid Snappy block made of literals only (random run lengths, long-length forms too)."""
    out, pos = bytearray(_varint(len(data))), 0
    while pos < len(data):
        n = min(int(rng.integers(1, 300)), len(data) - pos)
        if n <= 60:
            out.append((n - 1) << 2)
        else:
            out.append(61 << 2)  # 2 extra length bytes
            out += (n - 1).to_bytes(2, "little")
        out += data[pos:pos + n]
        pos += n
    return bytes(out)


def _block(entries, rng, restart_interval) -> bytes:
    out, restarts, prev = bytearray(), [], b""
    for i, (k, v) in enumerate(entries):
        if i % restart_interval == 0:
            restarts.append(len(out))
            shared = 0
        else:
            shared = 0
            while shared < min(len(prev), len(k)) and prev[shared] == k[shared]:
                shared += 1
        out += _varint(shared) + _varint(len(k) - shared) + _varint(len(v)) + k[shared:] + v
        prev = k
    restarts = restarts or [0]
    for r in restarts:
        out += struct.pack("<I", r)
    out += struct.pack("<I", len(restarts))
    return bytes(out)


def _write_block(buf: bytearray, contents: bytes, rng, snappy: bool) -> bytes:
    ctype = 0
    if snappy:
        contents, ctype = _snappy_literals(contents, rng), 1
    off = len(buf)
    buf += contents
    buf += bytes([ctype]) + struct.pack("<I", tb.mask_crc(tb.crc32c(contents + bytes([ctype]))))
    return _varint(off) + _varint(len(contents))


def write_bundle(prefix: str, tensors: dict[str, np.ndarray], rng, *, snappy=False) -> None:
    codes = {v: k for k, v in tb.TF_DTYPES.items()}
    data = bytearray()
    entries = [(b"", _field(1, 0, 1))]  # BundleHeaderProto: one shard, little endian
    for name in sorted(tensors):
        a = np.asarray(tensors[name], order="C")  # (ascontiguousarray would make scalars 1-d)
        raw = a.astype(a.dtype.newbyteorder("<")).tobytes()
        shape = b"".join(_field(2, 2, _field(1, 0, d)) for d in a.shape)
        msg = (_field(1, 0, codes[np.dtype(a.dtype)])
               + _field(2, 2, shape) + (_field(4, 0, len(data)) if len(data) else b"")
               + _field(5, 0, len(raw)) + _field(6, 5, tb.mask_crc(tb.crc32c(raw))))
        entries.append((name.encode(), msg))
        data += raw
    table = bytearray()
    index = []
    i = 0
    while i < len(entries):  # data blocks of random sizes
        n = int(rng.integers(1, 4))
        chunk = entries[i:i + n]
        handle = _write_block(table, _block(chunk, rng, int(rng.integers(1, 4))), rng, snappy and rng.random() < 0.7)
        index.append((chunk[-1][0], handle))
        i += n
    meta = _write_block(table, _block([], rng, 1), rng, False)
    idx = _write_block(table, _block(index, rng, 1), rng, False)
    footer = (meta + idx).ljust(40, b"\0") + struct.pack("<Q", tb.TABLE_MAGIC)
    table += footer
    with open(prefix + ".index", "wb") as fh:
        fh.write(bytes(table))
    with open(prefix + ".data-00000-of-00001", "wb") as fh:
        fh.write(bytes(data))


def _random_tensors(rng) -> dict[str, np.ndarray]:
    dtypes = [np.float32, np.float64, np.float16, np.int32, np.int64, np.uint8, np.int8, np.bool_]
    out = {"global_step": np.array(int(rng.integers(0, 10**6)), dtype=np.int64)}
    for i in range(int(rng.integers(3, 12))):
        dt = np.dtype(dtypes[int(rng.integers(len(dtypes)))])
        shape = tuple(int(s) for s in rng.integers(0, 6, size=int(rng.integers(0, 4))))
        if dt.kind == "f":
            a = rng.normal(size=shape).astype(dt)
        elif dt.kind == "b":
            a = rng.random(shape) < 0.5
        else:
            info = np.iinfo(dt)
            a = rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)
        out[f"scope_{i % 3}/layer_{i}/{'kernel' if i % 2 else 'bias'}"] = a
    return out


@pytest.mark.parametrize("snappy", [False, True])
def test_written_bundle_reads_back(tmp_path, rng, snappy):
    tensors = _random_tensors(rng)
    prefix = str(tmp_path / "model.ckpt")
    write_bundle(prefix, tensors, rng, snappy=snappy)
    b = tb.TensorBundle(prefix)
    assert b.num_shards == 1
    assert b.keys() == sorted(tensors)
    for name, a in tensors.items():
        got = b[name]
        assert got.dtype == a.dtype and got.shape == a.shape, name
        np.testing.assert_array_equal(got, a)
    # the .index path and read_bundle give the same
    d = tb.read_bundle(prefix + ".index")
    assert set(d) == set(tensors)


def test_damaged_bundles_raise(tmp_path, rng):
    tensors = {"w": rng.normal(size=(4, 3)).astype(np.float32), "b": rng.normal(size=3).astype(np.float32)}
    prefix = str(tmp_path / "m")
    write_bundle(prefix, tensors, rng)
    data_path = tmp_path / "m.data-00000-of-00001"
    raw = bytearray(data_path.read_bytes())
    raw[int(rng.integers(len(raw)))] ^= 1 << int(rng.integers(8))
    data_path.write_bytes(bytes(raw))
    b = tb.TensorBundle(prefix)
    with pytest.raises(ValueError, match="CRC-32C mismatch"):
        b.to_dict()
    assert tb.TensorBundle(prefix, verify=False)["w"].shape == (4, 3)  # unchecked read still works
    idx = tmp_path / "m.index"
    good = idx.read_bytes()
    idx.write_bytes(good[:-8] + b"\0" * 8)
    with pytest.raises(ValueError, match="magic"):
        tb.TensorBundle(prefix)
    bad = bytearray(good)
    bad[2] ^= 0xFF  # inside the first data block
    idx.write_bytes(bytes(bad))
    with pytest.raises(ValueError, match="checksum|corrupt"):
        tb.TensorBundle(prefix)
    with pytest.raises(FileNotFoundError):
        tb.TensorBundle(tmp_path / "absent")
    with pytest.raises(KeyError):
        b["nope"]


def test_snappy_copies(rng):
    """Literal and overlapping copies of all three kinds decode as simulated."""
    out = bytearray()
    stream = bytearray()
    for _ in range(int(rng.integers(20, 60))):
        kind = int(rng.integers(0, 4)) if out else 0
        if kind == 0:
            n = int(rng.integers(1, 100))
            lit = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
            if n <= 60:
                stream.append((n - 1) << 2)
            else:
                stream += bytes([60 << 2, n - 1])
            stream += lit
            out += lit
            continue
        if kind == 1:
            n, off = int(rng.integers(4, 12)), int(rng.integers(1, min(len(out), 2047) + 1))
            stream += bytes([((off >> 8) << 5) | ((n - 4) << 2) | 1, off & 0xFF])
        else:
            n, off = int(rng.integers(1, 65)), int(rng.integers(1, len(out) + 1))
            stream.append(((n - 1) << 2) | kind)
            stream += off.to_bytes(2 if kind == 2 else 4, "little")
        for k in range(n):
            out.append(out[len(out) - off])
    assert tb.snappy_decompress(_varint(len(out)) + bytes(stream)) == bytes(out)
    with pytest.raises(ValueError, match="Snappy"):
        tb.snappy_decompress(_varint(len(out) + 1) + bytes(stream))


# -- the checkpoints in the musicnn wheel -------------------------------------------------------

needs_musicnn = pytest.mark.skipif(importlib.util.find_spec("musicnn") is None,
                                   reason="musicnn weights not installed (pip install --no-deps musicnn==0.1.0)")


@needs_musicnn
@pytest.mark.parametrize("model", ["MSD_musicnn", "MSD_vgg", "MTT_musicnn", "MTT_vgg"])
def test_shipped_checkpoints_checksums_and_shapes(model):
    from kmnet.features.musicnn import checkpoint_dir

    b = tb.TensorBundle(checkpoint_dir(model), verify=True)  # index block CRCs checked here
    w = b.to_dict()  # every tensor's CRC-32C checked here
    assert len(w) == len(b) == (150 if "musicnn" in model else 86)
    for name, a in w.items():
        assert a.dtype == np.float32, name
        assert np.isfinite(a).all(), name
        assert a.nbytes == b.entries[name].size
    if "musicnn" in model:
        expect = {"conv2d/kernel": (7, 38, 1, 204), "conv2d_1/kernel": (7, 67, 1, 204),
                  "conv2d_2/kernel": (128, 1, 1, 51), "conv2d_3/kernel": (64, 1, 1, 51),
                  "conv2d_4/kernel": (32, 1, 1, 51), "conv2d_5/kernel": (7, 561, 1, 64),
                  "conv2d_7/kernel": (7, 64, 1, 64), "batch_normalization_9/gamma": (1506,),
                  "dense/kernel": (1506, 200), "dense_1/kernel": (200, 50)}
    else:
        expect = {"1CNN/kernel": (3, 3, 1, 128), "5CNN/kernel": (3, 3, 128, 128), "dense/kernel": (256, 50)}
    expect["batch_normalization/moving_variance"] = (1,)
    for name, shape in expect.items():
        assert w[name].shape == shape, name
    variances = [a for k, a in w.items() if k.endswith("moving_variance")]
    assert all((v > 0).all() for v in variances)
    # the tensors tile the data file without gaps or overlaps
    spans = sorted((e.offset, e.size) for e in b.entries.values())
    assert spans[0][0] == 0
    assert all(o1 + s1 == o2 for (o1, s1), (o2, _) in zip(spans, spans[1:]))
    assert spans[-1][0] + spans[-1][1] == (checkpoint_dir(model) / ".data-00000-of-00001").stat().st_size
