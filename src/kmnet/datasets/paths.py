"""Where the data root lives, and paths inside the checkout.

The data root holds the staged, read-only sources (``gtzan/``, ``piano/``, ``lyrics/``,
``4mula/``). It is found, in order, from

1. an explicit ``root=`` argument (notebooks pass their papermill parameter here);
2. the environment variable ``KMNET_DATA``;
3. a folder ``shared/data`` next to the checkout (``<checkout>/../shared/data``), looked
   for from the current directory and from the installed package upwards.

Caches (rendered audio, extracted features, converted scores) never go to the data root:
they go to :func:`kmnet.features.cache.cache_root` (``KMNET_CACHE`` or, by default,
``<checkout>/.cache/kmnet``, git-ignored). Derived, committed outputs (manifests, feature
matrices, result tables) go to paths inside the checkout (:func:`checkout_path`).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..features.cache import repo_root, search_dirs

__all__ = ["data_root", "checkout_path"]


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
    for p in search_dirs():
        cand = p / "shared" / "data"
        if cand.is_dir():
            return cand
    if must_exist:
        raise FileNotFoundError(
            "no data root found: set KMNET_DATA, pass root=..., or place the data in "
            "<checkout>/../shared/data"
        )
    return Path("shared") / "data"


def checkout_path(path: str | os.PathLike) -> Path:
    """``path`` as is when absolute; a relative one is taken from the checkout's root
    (:func:`~kmnet.features.cache.repo_root`), or from the current directory outside a checkout.

    E.g. ``checkout_path("data/piano")`` is where the piano set's manifest and features are
    committed, ``checkout_path("results")`` where the notebooks write their tables.
    """
    p = Path(path)
    if not p.is_absolute():
        top = repo_root()
        p = (top / p) if top is not None else Path.cwd() / p
    return p
