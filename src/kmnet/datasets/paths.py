"""Where the data root and the cache live.

The data root holds the staged, read-only sources (``gtzan/``, ``piano/``, ``lyrics/``,
``4mula/``). It is found, in order, from

1. an explicit ``root=`` argument (notebooks pass their papermill parameter here);
2. the environment variable ``KMNET_DATA``;
3. a folder ``shared/data`` next to the checkout (``<checkout>/../shared/data``), looked
   for from the current directory and from the installed package upwards.

Caches (rendered audio, extracted features, converted scores) never go to the data root:
they go to ``KMNET_CACHE`` or, by default, ``<checkout>/.cache/kmnet`` (git-ignored), or
``~/.cache/kmnet`` for an installed package outside a checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_root", "cache_root", "repo_root"]

_PKG_DIR = Path(__file__).resolve().parent.parent


def _ancestors(start: Path):
    start = start.resolve()
    yield start
    yield from start.parents


def repo_root() -> Path | None:
    """The kmnet checkout that contains the current directory or the package, if any."""
    for start in (Path.cwd(), _PKG_DIR):
        for p in _ancestors(start):
            if (p / "pyproject.toml").is_file() and (p / "src" / "kmnet").is_dir():
                return p
    return None


def data_root(root: str | os.PathLike | None = None, *, must_exist: bool = True) -> Path:
    """Return the data root (see the module docstring for the search order).

    Parameters
    ----------
    root : path-like, optional
        Explicit location; wins over everything else.
    must_exist : bool, default True
        Raise ``FileNotFoundError`` when no data root is found.
    """
    if root is not None and str(root) != "":
        p = Path(root).expanduser()
        if must_exist and not p.is_dir():
            raise FileNotFoundError(f"data root {p} does not exist")
        return p
    env = os.environ.get("KMNET_DATA")
    if env:
        p = Path(env).expanduser()
        if must_exist and not p.is_dir():
            raise FileNotFoundError(f"KMNET_DATA={env} does not exist")
        return p
    for start in (Path.cwd(), _PKG_DIR):
        for p in _ancestors(start):
            cand = p / "shared" / "data"
            if cand.is_dir():
                return cand
    if must_exist:
        raise FileNotFoundError(
            "no data root found: set KMNET_DATA, pass root=..., or place the data in "
            "<checkout>/../shared/data"
        )
    return Path("shared") / "data"


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
