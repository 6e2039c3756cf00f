"""A small pure-Python reader of TensorFlow checkpoints (the "tensor bundle" format).

A TensorFlow v1/v2 checkpoint ``<prefix>`` is two kinds of file:

* ``<prefix>.index``: an immutable sorted table in LevelDB's SSTable layout. Data blocks of
  prefix-compressed key/value entries (each block followed by a 5-byte trailer: compression
  type, 0 = none or 1 = Snappy, and a masked CRC-32C of the block), an index block mapping the
  last key of each data block to its ``BlockHandle`` (varint offset, varint size), and a
  48-byte footer (meta-index and index handles, padding, the magic number
  ``0xdb4775248b80fb57``). The empty key holds a ``BundleHeaderProto`` (number of shards,
  endianness); every other key is a tensor name whose value is a ``BundleEntryProto``:
  ``dtype`` (1), ``shape`` (2, a ``TensorShapeProto``), ``shard_id`` (3), ``offset`` (4),
  ``size`` (5), ``crc32c`` (6, fixed32, masked) and ``slices`` (7, partitioned variables).
* ``<prefix>.data-<shard>-of-<n>``: the raw little-endian tensor bytes at those offsets.

The protocol-buffer messages are decoded here with a minimal wire-format parser (varints,
fixed32/64, length-delimited fields), so no TensorFlow and no protobuf package is needed.
CRC-32C (Castagnoli) checksums of the blocks and the tensors are verified with a
table-driven implementation vectorised over chunks with numpy.

Only what plain checkpoints need is supported: numeric and boolean dtypes, unsliced tensors
(a sliced, i.e. partitioned, variable raises ``ValueError``), any number of shards.

Examples
--------
>>> from kmnet.features._tf_bundle import read_bundle
>>> w = read_bundle("site-packages/musicnn/MSD_musicnn/")   # doctest: +SKIP
>>> w["dense/kernel"].shape                                 # doctest: +SKIP
(1506, 200)
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "BundleEntry",
    "TensorBundle",
    "crc32c",
    "mask_crc",
    "unmask_crc",
    "read_bundle",
    "snappy_decompress",
]

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
BLOCK_TRAILER_SIZE = 5

#: TensorFlow ``DataType`` enum values -> numpy dtypes (little-endian)
TF_DTYPES = {
    1: np.dtype("<f4"),   # DT_FLOAT
    2: np.dtype("<f8"),   # DT_DOUBLE
    3: np.dtype("<i4"),   # DT_INT32
    4: np.dtype("u1"),    # DT_UINT8
    5: np.dtype("<i2"),   # DT_INT16
    6: np.dtype("i1"),    # DT_INT8
    8: np.dtype("<c8"),   # DT_COMPLEX64
    9: np.dtype("<i8"),   # DT_INT64
    10: np.dtype("?"),    # DT_BOOL
    17: np.dtype("<u2"),  # DT_UINT16
    18: np.dtype("<c16"),  # DT_COMPLEX128
    19: np.dtype("<f2"),  # DT_HALF
    22: np.dtype("<u4"),  # DT_UINT32
    23: np.dtype("<u8"),  # DT_UINT64
}
_TF_DTYPE_NAMES = {7: "DT_STRING", 14: "DT_BFLOAT16", 20: "DT_RESOURCE", 21: "DT_VARIANT"}


# -- CRC-32C ---------------------------------------------------------------------------------

def _crc_table() -> np.ndarray:
    poly = 0x82F63B78  # reflected Castagnoli polynomial
    t = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        t = np.where(t & 1, (t >> 1) ^ np.uint32(poly), t >> 1).astype(np.uint32)
    return t


_CRC_TABLE = _crc_table()
_CRC_TABLE_LIST = [int(v) for v in _CRC_TABLE]
_CHUNK = 4096
_SHIFT_COLUMNS: list[int] | None = None  # the linear map "feed _CHUNK zero bytes", by columns


def _raw_crc_py(data: bytes, crc: int = 0) -> int:
    t = _CRC_TABLE_LIST
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def _shift_columns() -> list[int]:
    global _SHIFT_COLUMNS
    if _SHIFT_COLUMNS is None:
        s = (np.uint32(1) << np.arange(32, dtype=np.uint32)).astype(np.uint32)
        for _ in range(_CHUNK):
            s = _CRC_TABLE[s & 0xFF] ^ (s >> 8)
        _SHIFT_COLUMNS = [int(v) for v in s]
    return _SHIFT_COLUMNS


def crc32c(data) -> int:
    """CRC-32C (Castagnoli) of ``data`` (bytes-like), as in ``crc32c::Value``.

    Long inputs are cut into chunks whose raw CRCs are computed side by side with numpy and
    combined through the (linear) zero-feeding operator, so a few MB take milliseconds.

    >>> hex(crc32c(b"123456789"))
    '0xe3069283'
    """
    buf = np.frombuffer(memoryview(data).cast("B"), dtype=np.uint8)
    n = buf.size
    if n < 4 * _CHUNK:
        return _raw_crc_py(buf.tobytes(), 0xFFFFFFFF) ^ 0xFFFFFFFF
    # The initial register 0xFFFFFFFF is the same as XOR-ing it into the first 4 bytes and
    # starting from 0; from 0, leading zero bytes change nothing, so pad at the front.
    msg = buf.copy()
    msg[:4] ^= np.uint8(0xFF)
    n_chunks = -(-n // _CHUNK)
    padded = np.zeros(n_chunks * _CHUNK, dtype=np.uint8)
    padded[n_chunks * _CHUNK - n:] = msg
    cols = np.ascontiguousarray(padded.reshape(n_chunks, _CHUNK).T)
    s = np.zeros(n_chunks, dtype=np.uint32)
    for row in cols:
        s = _CRC_TABLE[(s ^ row) & 0xFF] ^ (s >> 8)
    shift = _shift_columns()
    crc = 0
    for part in s.tolist():
        acc, i, x = 0, 0, crc
        while x:
            if x & 1:
                acc ^= shift[i]
            x >>= 1
            i += 1
        crc = acc ^ part
    return crc ^ 0xFFFFFFFF


def mask_crc(crc: int) -> int:
    """LevelDB/TensorFlow's masking of a stored CRC (``crc32c::Mask``)."""
    crc &= 0xFFFFFFFF
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def unmask_crc(masked: int) -> int:
    """Inverse of :func:`mask_crc`."""
    rot = (masked - 0xA282EAD8) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


# -- varints, protobuf wire format, Snappy ---------------------------------------------------

def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint longer than 10 bytes")


def _proto_fields(buf: bytes) -> list[tuple[int, int, object]]:
    """``(field number, wire type, value)`` of a protobuf message (ints or bytes)."""
    out, pos = [], 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field_no, wire = key >> 3, key & 7
        if wire == 0:
            val, pos = _varint(buf, pos)
        elif wire == 1:
            val = struct.unpack_from("<Q", buf, pos)[0]
            pos += 8
        elif wire == 2:
            n, pos = _varint(buf, pos)
            val = bytes(buf[pos:pos + n])
            if len(val) != n:
                raise ValueError("truncated length-delimited protobuf field")
            pos += n
        elif wire == 5:
            val = struct.unpack_from("<I", buf, pos)[0]
            pos += 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        out.append((field_no, wire, val))
    return out


def snappy_decompress(buf: bytes) -> bytes:
    """Decompress a raw Snappy block (the format of compressed SSTable blocks)."""
    n, pos = _varint(buf, 0)
    out = bytearray()
    while pos < len(buf):
        tag = buf[pos]
        pos += 1
        kind = tag & 3
        if kind == 0:  # literal
            ln = tag >> 2
            if ln >= 60:
                nb = ln - 59
                ln = int.from_bytes(buf[pos:pos + nb], "little")
                pos += nb
            ln += 1
            out += buf[pos:pos + ln]
            pos += ln
            continue
        if kind == 1:
            ln = 4 + ((tag >> 2) & 7)
            off = ((tag >> 5) << 8) | buf[pos]
            pos += 1
        elif kind == 2:
            ln = (tag >> 2) + 1
            off = int.from_bytes(buf[pos:pos + 2], "little")
            pos += 2
        else:
            ln = (tag >> 2) + 1
            off = int.from_bytes(buf[pos:pos + 4], "little")
            pos += 4
        if off == 0 or off > len(out):
            raise ValueError("corrupt Snappy block (bad copy offset)")
        start = len(out) - off
        for k in range(ln):  # copies may overlap their own output
            out.append(out[start + k])
    if len(out) != n:
        raise ValueError(f"corrupt Snappy block: {len(out)} bytes decoded, header says {n}")
    return bytes(out)


# -- SSTable ---------------------------------------------------------------------------------

def _read_block(data: bytes, offset: int, size: int, *, verify: bool, what: str) -> bytes:
    end = offset + size + BLOCK_TRAILER_SIZE
    if end > len(data):
        raise ValueError(f"{what}: block at {offset}+{size} runs past the end of the index file")
    contents = data[offset:offset + size]
    ctype = data[offset + size]
    if verify:
        stored = struct.unpack_from("<I", data, offset + size + 1)[0]
        actual = crc32c(contents + bytes([ctype]))
        if unmask_crc(stored) != actual:
            raise ValueError(f"{what}: block checksum mismatch at offset {offset}")
    if ctype == 0:
        return contents
    if ctype == 1:
        return snappy_decompress(contents)
    raise ValueError(f"{what}: unknown block compression type {ctype}")


def _block_entries(block: bytes) -> list[tuple[bytes, bytes]]:
    if len(block) < 4:
        raise ValueError("block too short")
    n_restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    limit = len(block) - 4 - 4 * n_restarts
    if limit < 0:
        raise ValueError("corrupt block (restart array larger than the block)")
    out, pos, key = [], 0, b""
    while pos < limit:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        vlen, pos = _varint(block, pos)
        if shared > len(key) or pos + unshared + vlen > limit:
            raise ValueError("corrupt block entry")
        key = key[:shared] + block[pos:pos + unshared]
        pos += unshared
        out.append((key, block[pos:pos + vlen]))
        pos += vlen
    return out


def read_table(path: str | os.PathLike, *, verify: bool = True) -> list[tuple[bytes, bytes]]:
    """All ``(key, value)`` pairs of an SSTable file, in key order."""
    data = Path(path).read_bytes()
    if len(data) < FOOTER_SIZE:
        raise ValueError(f"{path}: too short for a table ({len(data)} bytes)")
    footer = data[-FOOTER_SIZE:]
    if struct.unpack_from("<Q", footer, 40)[0] != TABLE_MAGIC:
        raise ValueError(f"{path}: not a TensorFlow/LevelDB table (bad magic number)")
    _meta_off, pos = _varint(footer, 0)
    _meta_size, pos = _varint(footer, pos)
    idx_off, pos = _varint(footer, pos)
    idx_size, pos = _varint(footer, pos)
    index = _read_block(data, idx_off, idx_size, verify=verify, what=str(path))
    out = []
    for _last_key, handle in _block_entries(index):
        off, p = _varint(handle, 0)
        size, _ = _varint(handle, p)
        out.extend(_block_entries(_read_block(data, off, size, verify=verify, what=str(path))))
    return out


# -- tensor bundle ---------------------------------------------------------------------------

@dataclass(frozen=True)
class BundleEntry:
    """One tensor's ``BundleEntryProto``: where its bytes are and what they are."""

    name: str
    dtype: int
    shape: tuple[int, ...]
    shard_id: int
    offset: int
    size: int
    crc32c: int  # masked, as stored
    sliced: bool

    @property
    def np_dtype(self) -> np.dtype:
        if self.dtype not in TF_DTYPES:
            what = _TF_DTYPE_NAMES.get(self.dtype, f"DataType {self.dtype}")
            raise ValueError(f"tensor {self.name!r}: unsupported dtype {what}")
        return TF_DTYPES[self.dtype]


def _parse_shape(buf: bytes) -> tuple[int, ...]:
    dims = []
    for f, _w, v in _proto_fields(buf):
        if f == 2:
            size = next((int(x) for ff, _ww, x in _proto_fields(v) if ff == 1), 0)
            dims.append(size if size < (1 << 63) else size - (1 << 64))
        elif f == 3 and v:
            raise ValueError("tensor of unknown rank")
    return tuple(dims)


def _parse_entry(name: str, buf: bytes) -> BundleEntry:
    kw = dict(dtype=0, shape=(), shard_id=0, offset=0, size=0, crc32c=0, sliced=False)
    for f, _w, v in _proto_fields(buf):
        if f == 1:
            kw["dtype"] = int(v)
        elif f == 2:
            kw["shape"] = _parse_shape(v)
        elif f == 3:
            kw["shard_id"] = int(v)
        elif f == 4:
            kw["offset"] = int(v)
        elif f == 5:
            kw["size"] = int(v)
        elif f == 6:
            kw["crc32c"] = int(v)
        elif f == 7:
            kw["sliced"] = True
    return BundleEntry(name=name, **kw)


def _resolve_prefix(prefix: str | os.PathLike) -> str:
    p = os.fspath(prefix)
    if p.endswith(".index"):
        p = p[: -len(".index")]
    elif os.path.isdir(p) and os.path.isfile(os.path.join(p, ".index")):
        p = os.path.join(p, "")  # musicnn's checkpoints: prefix "<dir>/"
    if not os.path.isfile(p + ".index"):
        raise FileNotFoundError(f"no TensorFlow checkpoint index at {p}.index")
    return p


class TensorBundle:
    """A TensorFlow checkpoint opened for reading.

    Parameters
    ----------
    prefix : path-like
        The checkpoint prefix (``model.ckpt`` for ``model.ckpt.index``), the ``.index`` file
        itself, or a folder holding ``.index`` (a checkpoint saved with prefix ``"<dir>/"``).
    verify : bool, default True
        Check the CRC-32C of every index block and of every tensor read.

    Attributes
    ----------
    entries : dict of str to BundleEntry
        The tensors, by name.
    num_shards : int
    """

    def __init__(self, prefix: str | os.PathLike, *, verify: bool = True):
        self.prefix = _resolve_prefix(prefix)
        self.verify = bool(verify)
        self.num_shards = 1
        self.entries: dict[str, BundleEntry] = {}
        for key, value in read_table(self.prefix + ".index", verify=self.verify):
            if key == b"":
                for f, _w, v in _proto_fields(value):
                    if f == 1:
                        self.num_shards = int(v)
                    elif f == 2 and int(v) != 0:
                        raise ValueError(f"{self.prefix}: big-endian checkpoint not supported")
                continue
            name = key.decode("utf-8")
            self.entries[name] = _parse_entry(name, value)
        self._shards: dict[int, bytes] = {}

    def shard_path(self, shard: int) -> str:
        return f"{self.prefix}.data-{shard:05d}-of-{self.num_shards:05d}"

    def _shard(self, shard: int) -> bytes:
        if shard not in self._shards:
            p = self.shard_path(shard)
            if not os.path.isfile(p):
                raise FileNotFoundError(f"checkpoint data file missing: {p}")
            self._shards[shard] = Path(p).read_bytes()
        return self._shards[shard]

    def keys(self) -> list[str]:
        return sorted(self.entries)

    def __contains__(self, name) -> bool:
        return name in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def raw_bytes(self, name: str) -> bytes:
        """The stored bytes of tensor ``name`` (checksum verified when ``verify``)."""
        e = self._entry(name)
        data = self._shard(e.shard_id)
        if e.offset + e.size > len(data):
            raise ValueError(f"tensor {name!r}: bytes {e.offset}+{e.size} past the end of "
                             f"{self.shard_path(e.shard_id)}")
        raw = data[e.offset:e.offset + e.size]
        if self.verify and crc32c(raw) != unmask_crc(e.crc32c):
            raise ValueError(f"tensor {name!r}: CRC-32C mismatch (damaged checkpoint?)")
        return raw

    def _entry(self, name: str) -> BundleEntry:
        if name not in self.entries:
            raise KeyError(f"no tensor {name!r} in {self.prefix}.index")
        e = self.entries[name]
        if e.sliced:
            raise ValueError(f"tensor {name!r} is stored in slices (partitioned variable): not supported")
        return e

    def tensor(self, name: str) -> np.ndarray:
        """Tensor ``name`` as a numpy array (a copy, native byte order)."""
        e = self._entry(name)
        dt = e.np_dtype
        n = int(np.prod(e.shape, dtype=np.int64))
        if e.size != n * dt.itemsize:
            raise ValueError(f"tensor {name!r}: {e.size} bytes for shape {e.shape} of {dt}")
        arr = np.frombuffer(self.raw_bytes(name), dtype=dt, count=n).reshape(e.shape)
        return arr.astype(dt.newbyteorder("="), copy=True)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.tensor(name)

    def to_dict(self, *, skip_unsupported: bool = True) -> dict[str, np.ndarray]:
        """All tensors by name (tensors of unsupported dtypes skipped, or raising)."""
        out = {}
        for name in self.keys():
            try:
                out[name] = self.tensor(name)
            except ValueError:
                if not skip_unsupported or self.entries[name].dtype in TF_DTYPES:
                    raise
        return out


def read_bundle(prefix: str | os.PathLike, *, verify: bool = True) -> dict[str, np.ndarray]:
    """All tensors of a TensorFlow checkpoint as ``{name: ndarray}`` (see :class:`TensorBundle`)."""
    return TensorBundle(prefix, verify=verify).to_dict()
