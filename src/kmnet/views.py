"""Multi-modal input: a mapping from modality name to an ``(n, d)`` feature matrix.

Every kmnet estimator accepts a plain ``dict`` such as ``{"audio": A, "text": T}``. For
scikit-learn's model-selection tools (``GridSearchCV``, ``cross_val_score``), which index
``X`` by rows, wrap the dict in :class:`MultiView`: it has a ``shape`` and supports
``views[indices]``, so the splitters can cut it like an array.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = ["MultiView"]


def _rows(a, idx):
    if hasattr(a, "iloc"):
        return a.iloc[idx]
    return a[idx]


def _row_key(key):
    """The row part of an index: ``X[rows]``, ``X[rows, ...]`` or ``X[rows, :]`` (as scikit-learn's
    ``_safe_indexing`` writes it); a column index is refused (views have different columns)."""
    if isinstance(key, tuple):
        if len(key) == 0 or not all(k is Ellipsis or (isinstance(k, slice) and k == slice(None)) for k in key[1:]):
            raise IndexError(f"MultiView: only rows can be indexed, got {key!r}")
        key = key[0]
    if isinstance(key, (int, np.integer)):
        return [int(key)]
    if hasattr(key, "to_numpy"):  # pandas Series / Index of positions or a boolean mask
        key = key.to_numpy()
    return key


class MultiView(Mapping):
    """Row-indexable multi-modal data set.

    Parameters
    ----------
    views : mapping of str to array-like of shape (n, d_m)
        One feature matrix per modality; all with the same number of rows.

    Examples
    --------
    >>> import numpy as np
    >>> X = MultiView({"audio": np.zeros((5, 3)), "text": np.ones((5, 2))})
    >>> X.shape, len(X[[0, 2]])
    ((5, 5), 2)
    """

    def __init__(self, views: Mapping):
        if isinstance(views, MultiView):
            views = views._views
        if not isinstance(views, Mapping) or len(views) == 0:
            raise ValueError("views must be a non-empty mapping of modality name -> (n, d) array")
        self._views = dict(views)
        ns = {k: (v.shape[0] if hasattr(v, "shape") else len(v)) for k, v in self._views.items()}
        if len(set(ns.values())) != 1:
            raise ValueError(f"modalities have different sample counts: {ns}")
        self._n = next(iter(ns.values()))

    # Mapping interface: iterating gives modality names, like a dict
    def __getitem__(self, key):
        if isinstance(key, str):
            return self._views[key]
        key = _row_key(key)
        return MultiView({k: _rows(v, key) for k, v in self._views.items()})

    def __iter__(self):
        return iter(self._views)

    def __len__(self) -> int:  # number of samples, as scikit-learn expects of X
        return self._n

    def keys(self):
        return self._views.keys()

    def values(self):
        return self._views.values()

    def items(self):
        return self._views.items()

    @property
    def n_samples(self) -> int:
        return self._n

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_samples, total number of features)``: what scikit-learn's splitters need."""
        return (self._n, int(sum(np.shape(v)[1] if np.ndim(v) > 1 else 1 for v in self._views.values())))

    def __repr__(self) -> str:
        dims = ", ".join(f"{k}: {tuple(np.shape(v))}" for k, v in self._views.items())
        return f"MultiView({dims})"
