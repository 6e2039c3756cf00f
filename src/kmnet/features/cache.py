"""On-disk cache of extracted features.

Every extracted feature is stored under ``cache_root()/features/<kind>/<config-hash>/`` in a file
named after the sha256 of its source (the audio file's bytes, the text's UTF-8 bytes, the mel
spectrogram's bytes). The configuration hash is a stable hash of a JSON-serialisable dict that
holds everything that changes the output (sample rate, window, number of coefficients, encoder
name and weights, pooling, ...), so a changed setting never returns a stale array. Each folder
also holds ``config.json`` with the dict itself, for humans.

Files are written atomically (:mod:`kmnet._atomic`): an interrupted run leaves either no file
or a complete one. A file that cannot be read back is treated as a miss.

Where the cache lives (:func:`cache_root`): ``KMNET_CACHE``, else ``<checkout>/.cache/kmnet``
(git-ignored; :func:`repo_root` finds the checkout), else ``~/.cache/kmnet`` for an installed
package outside a checkout. The data sets keep their own caches below the same root (e.g.
``cache_root()/piano``); the data root itself is found by :func:`kmnet.datasets.paths.data_root`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .._atomic import atomic_save_npz, atomic_write_text

__all__ = ["repo_root", "cache_root", "stable_hash", "file_sha256", "bytes_sha256", "text_sha256", "array_sha256",
           "FeatureCache"]

_PKG_DIR = Path(__file__).resolve().parent.parent


def search_dirs():
    """The current directory and the package's folder, each followed by its ancestors."""
    for start in (Path.cwd(), _PKG_DIR):
        start = start.resolve()
        yield start
        yield from start.parents


def repo_root() -> Path | None:
    """The kmnet checkout that contains the current directory or the package, if any."""
    for p in search_dirs():
        if (p / "pyproject.toml").is_file() and (p / "src" / "kmnet").is_dir():
            return p
    return None


def cache_root(create: bool = True) -> Path:
    """Writable cache folder: ``KMNET_CACHE``, else ``<checkout>/.cache/kmnet``, else ``~/.cache/kmnet``."""
    env = os.environ.get("KMNET_CACHE")
    if env:
        p = Path(env).expanduser()
    else:
        top = repo_root()
        p = (top / ".cache" / "kmnet") if top is not None else Path.home() / ".cache" / "kmnet"
    if create:
        p.mkdir(parents=True, exist_ok=True)
    return p


def _jsonable(obj):
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    return repr(obj)


def stable_hash(config: Mapping, *, length: int = 16) -> str:
    """Hex digest of a configuration dict, independent of key order and of the process.

    Parameters
    ----------
    config : mapping
        JSON-like values (str, numbers, bools, None, lists, nested mappings); other objects are
        hashed through their ``repr``.
    length : int, default 16
        Number of hex characters kept.
    """
    text = json.dumps(_jsonable(config), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def file_sha256(path: str | os.PathLike, *, chunk_size: int = 1 << 20) -> str:
    """sha256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk_size), b""):
            h.update(block)
    return h.hexdigest()


def bytes_sha256(data: bytes) -> str:
    """sha256 of bytes (hex)."""
    return hashlib.sha256(data).hexdigest()


def text_sha256(text: str) -> str:
    """sha256 of a text's UTF-8 bytes (hex)."""
    return bytes_sha256(text.encode("utf-8"))


def array_sha256(a: np.ndarray) -> str:
    """sha256 of an array's dtype, shape and C-ordered bytes (hex)."""
    a = np.ascontiguousarray(a)
    h = hashlib.sha256()
    h.update(f"{a.dtype.str}|{a.shape}|".encode())
    h.update(a.tobytes())
    return h.hexdigest()


class FeatureCache:
    """A folder of ``<source-sha256>.npz`` files for one extractor configuration.

    Parameters
    ----------
    kind : str
        Family of features, e.g. ``"audio-mfcc_stats"`` or ``"text"``; the first folder level.
    config : mapping
        Everything that changes the output; hashed with :func:`stable_hash`.
    root : path-like, optional
        Cache root; default ``cache_root() / "features"``.
    enabled : bool, default True
        When False, :meth:`load` always misses and :meth:`save` does nothing.

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> c = FeatureCache("demo", {"n": 1}, root=tempfile.mkdtemp())
    >>> c.load("ab" * 32) is None
    True
    >>> _ = c.save("ab" * 32, {"x": np.arange(3.0)})
    >>> c.load("ab" * 32)["x"].tolist()
    [0.0, 1.0, 2.0]
    """

    def __init__(self, kind: str, config: Mapping, *, root: str | os.PathLike | None = None, enabled: bool = True):
        if not kind or "/" in kind or "\\" in kind:
            raise ValueError(f"cache kind must be a non-empty name without slashes, got {kind!r}")
        self.kind = kind
        self.config = dict(config)
        self.key = stable_hash(self.config)
        self.enabled = bool(enabled)
        base = Path(root) if root is not None else cache_root() / "features"
        self.dir = base / kind / self.key

    def path(self, source_hash: str) -> Path:
        if not source_hash or any(c in source_hash for c in "/\\."):
            raise ValueError(f"source hash must be a plain hex string, got {source_hash!r}")
        return self.dir / f"{source_hash}.npz"

    def load(self, source_hash: str) -> dict[str, np.ndarray] | None:
        """The cached arrays, or None on a miss (absent or unreadable file, or cache disabled)."""
        if not self.enabled:
            return None
        p = self.path(source_hash)
        if not p.is_file():
            return None
        try:
            with np.load(p, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        except Exception:  # a damaged file is a miss; it is overwritten on the next save
            return None

    def save(self, source_hash: str, arrays: Mapping[str, np.ndarray]) -> Path | None:
        """Write the arrays atomically; returns the file's path (None when disabled)."""
        if not self.enabled:
            return None
        if not (self.dir / "config.json").is_file():
            atomic_write_text(self.dir / "config.json", json.dumps(_jsonable(self.config), indent=1, sort_keys=True))
        return atomic_save_npz(self.path(source_hash), compressed=False, **{k: np.asarray(v) for k, v in arrays.items()})

    def __repr__(self) -> str:
        return f"FeatureCache(kind={self.kind!r}, key={self.key!r}, enabled={self.enabled})"
