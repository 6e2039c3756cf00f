"""Input checks shared by every estimator. Bad input raises ``ValueError`` naming the problem.

* :func:`check_matrix`, :func:`check_views`: features, one ``(n, d)`` matrix per modality (a
  plain 2-D array is one view); complex, string and sparse input is refused, values that overflow
  the working dtype are refused with the view's name, negative strides and non-contiguous arrays
  are copied into a contiguous float64 array.
* :func:`view_feature_names`, :func:`check_feature_names`: column names of DataFrame views,
  remembered at fit time and checked at predict time (the messages of scikit-learn).
* :func:`check_labels`: class labels (``type_of_target`` rules: continuous and multi-output
  targets are refused, torch tensors converted, mixed label types refused).

Constructor parameters are checked by :mod:`kmnet._params`.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping, Sequence
from numbers import Integral, Real

import numpy as np
from sklearn.utils.validation import _get_feature_names

from .views import MultiView

__all__ = [
    "InputTypeError",
    "SINGLE_VIEW",
    "as_view_dict",
    "check_views",
    "check_matrix",
    "check_labels",
    "check_same_modalities",
    "view_feature_names",
    "check_feature_names",
    "label_array",
]

#: modality name given to a plain 2-D array passed instead of a mapping of views
SINGLE_VIEW = "X"

_MAX_ABS = {"float32": float(np.finfo(np.float32).max), "float64": float(np.finfo(np.float64).max)}


class InputTypeError(TypeError, ValueError):
    """Input of a type that cannot be used (strings, objects that are not numbers).

    A ``TypeError`` as NumPy raises it, and a ``ValueError`` so that callers catching bad input
    as ``ValueError`` see it too.
    """


# ======================================================================================
# features
# ======================================================================================
def _is_torch_tensor(a) -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover
        return False
    return isinstance(a, torch.Tensor)


def _is_sparse(a) -> bool:
    try:
        import scipy.sparse as sp
    except ImportError:  # pragma: no cover
        return False
    return sp.issparse(a)


def _dtype_name(dtype) -> str | None:
    """``"float32"``/``"float64"`` of a working dtype given as a string, torch or numpy dtype."""
    if dtype is None:
        return None
    key = str(dtype).replace("torch.", "")
    if isinstance(dtype, type) and issubclass(dtype, np.floating):
        key = np.dtype(dtype).name
    return {"single": "float32", "double": "float64"}.get(key, key)


def _to_numpy(a, name: str) -> np.ndarray:
    if _is_torch_tensor(a):
        if a.is_complex():
            raise ValueError(f"{name}: Complex data not supported (a complex torch tensor)")
        a = a.detach().cpu().numpy()
    if _is_sparse(a):
        raise ValueError(f"{name}: sparse input is not supported; convert it with .toarray()")
    if hasattr(a, "to_numpy") and hasattr(a, "dtypes"):  # pandas DataFrame
        dts = list(getattr(a.dtypes, "values", [a.dtypes]))
        if any(getattr(d, "kind", "") == "c" for d in dts):
            raise ValueError(f"{name}: Complex data not supported")
        a = a.to_numpy()
    elif hasattr(a, "to_numpy"):
        a = a.to_numpy()
    raw = np.asarray(a) if not isinstance(a, np.ndarray) else a
    kind = raw.dtype.kind
    if kind == "c":
        raise ValueError(f"{name}: Complex data not supported (dtype {raw.dtype}); pass the real "
                         "part (or its magnitude) explicitly")
    if kind in "USa":
        raise InputTypeError(f"{name}: strings are not numeric features (dtype {raw.dtype})")
    if kind == "O":
        for v in raw.flat:
            if isinstance(v, (complex, np.complexfloating)):
                raise ValueError(f"{name}: Complex data not supported (a complex value in an object array)")
            if isinstance(v, (str, bytes)):
                raise InputTypeError(f"{name}: strings are not numeric features (found {v!r})")
    try:
        arr = np.asarray(raw, dtype=np.float64)
    except TypeError as exc:
        raise InputTypeError(f"{name}: could not convert to a float array ({exc})") from exc
    except ValueError as exc:
        raise ValueError(f"{name}: could not convert to a float array ({exc})") from exc
    return arr


def check_matrix(a, name: str = "X", *, n_features: int | None = None, dtype=None,
                 estimator: str = "the model") -> np.ndarray:
    """A finite, C-contiguous 2-D float64 array; 1-D input of length n is refused (ambiguous).

    Parameters
    ----------
    a : array-like, DataFrame or torch tensor of shape (n_samples, n_features)
    name : str
        How the input is named in error messages (e.g. ``"views['audio']"``).
    n_features : int, optional
        The number of features seen at fit time.
    dtype : {"float32", "float64"} or a torch/numpy float dtype, optional
        The working dtype of the estimator: values beyond its range are refused (they would
        become ``inf`` in the kernels).
    estimator : str
        The estimator's name, for messages.
    """
    arr = _to_numpy(a, name)
    if arr.ndim != 2:
        hint = ("; Reshape your data with X.reshape(-1, 1) for a single feature or X.reshape(1, -1) for a "
                "single sample") if arr.ndim == 1 else ""
        raise ValueError(f"{name}: expected a 2-D array (n_samples, n_features), got shape {arr.shape}{hint}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name}: no samples: 0 sample(s) (shape={arr.shape}) while a minimum of 1 is required.")
    if arr.shape[1] == 0:
        raise ValueError(f"{name}: no features: 0 feature(s) (shape={arr.shape}) while a minimum of 1 is required.")
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.isfinite(arr).sum())
        kind = "NaN" if np.isnan(arr).any() else "inf"
        raise ValueError(f"{name}: contains {bad} non-finite value(s) ({kind})")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(f"{name}: expected {n_features} features, got {arr.shape[1]} "
                         f"(X has {arr.shape[1]} features, but {estimator} is expecting {n_features} features as input)")
    dname = _dtype_name(dtype)
    if dname in _MAX_ABS:
        big = float(np.abs(arr).max())
        if big > _MAX_ABS[dname]:
            n_big = int((np.abs(arr) > _MAX_ABS[dname]).sum())
            raise ValueError(
                f"{name}: {n_big} value(s) overflow {dname} (largest |x| = {big:.3g} > {_MAX_ABS[dname]:.3g}); "
                f"rescale the features or use dtype='float64'"
            )
    arr = np.ascontiguousarray(arr)
    return arr if arr.flags.writeable else arr.copy()  # torch warns about read-only arrays


def as_view_dict(views, *, name: str = "views") -> tuple[dict, bool]:
    """The views as a ``dict`` modality -> raw matrix, and whether a plain 2-D array was given.

    A mapping or :class:`~kmnet.MultiView` is taken as it is; an array-like that is not a mapping
    (numpy array, DataFrame, torch tensor, nested list) is a single view named
    :data:`SINGLE_VIEW`.
    """
    if isinstance(views, MultiView):
        return dict(views.items()), False
    if _is_sparse(views):  # before Mapping: scipy's DOK format is a dict
        raise ValueError(f"{name}: sparse input is not supported; convert it with .toarray()")
    if isinstance(views, Mapping):
        return dict(views), False
    if views is None or isinstance(views, (str, bytes, Real)):
        raise ValueError(
            f"{name}: expected a 2-D array (one view) or a mapping of modality name -> (n, d) array "
            f"(or a kmnet.MultiView), got {type(views).__name__}"
        )
    if not (hasattr(views, "shape") or hasattr(views, "__array__") or isinstance(views, Sequence)):
        raise ValueError(
            f"{name}: expected a 2-D array (one view) or a mapping of modality name -> (n, d) array "
            f"(or a kmnet.MultiView), got {type(views).__name__}"
        )
    return {SINGLE_VIEW: views}, True


def _view_label(name: str, modality: str, single: bool) -> str:
    return "X" if single else f"{name}[{modality!r}]"


def check_views(views, *, expected: Mapping[str, int] | None = None, name: str = "views",
                dtype=None, estimator: str = "the model") -> dict[str, np.ndarray]:
    """Validate the views: a mapping modality -> (n, d) array, or one plain 2-D array.

    Parameters
    ----------
    views : mapping, MultiView or 2-D array-like
        A 2-D array is one view (modality :data:`SINGLE_VIEW`, or the one modality seen at fit
        time).
    expected : mapping of modality -> n_features, optional
        The modalities and dimensions seen at fit time; missing or re-shaped modalities raise.
    dtype : working dtype, optional
        See :func:`check_matrix`.
    """
    raw, single = as_view_dict(views, name=name)
    if single and expected is not None:
        if len(expected) != 1:
            raise ValueError(
                f"{name}: got one 2-D array, but the model was fitted on the modalities "
                f"{list(expected)}: pass a mapping of modality name -> array"
            )
        raw = {next(iter(expected)): raw[SINGLE_VIEW]}
    if len(raw) == 0:
        raise ValueError(f"{name}: no modalities given")
    out: dict[str, np.ndarray] = {}
    for k, v in raw.items():
        if not isinstance(k, str):
            raise ValueError(f"{name}: modality names must be strings, got {k!r}")
        nf = None if expected is None or k not in expected else expected[k]
        out[k] = check_matrix(v, _view_label(name, k, single), n_features=nf, dtype=dtype, estimator=estimator)
    ns = {k: v.shape[0] for k, v in out.items()}
    if len(set(ns.values())) != 1:
        raise ValueError(f"{name}: modalities have different sample counts: {ns}")
    if expected is not None:
        missing = [k for k in expected if k not in out]
        if missing:
            raise ValueError(f"{name}: modality {missing[0]!r} seen at fit time is missing (got {sorted(out)})")
        extra = [k for k in out if k not in expected]
        if extra:
            raise ValueError(f"{name}: modality {extra[0]!r} was not seen at fit time (expected {sorted(expected)})")
        out = {k: out[k] for k in expected}  # fit-time order
    return out


def check_same_modalities(a: Mapping, b: Mapping) -> None:
    if set(a) != set(b):
        raise ValueError(f"modalities differ: {sorted(a)} vs {sorted(b)}")


# ======================================================================================
# feature names
# ======================================================================================
def view_feature_names(views) -> dict[str, np.ndarray | None]:
    """Column names of every view (``None`` for views without string column names)."""
    raw, single = as_view_dict(views)
    return {k: _get_feature_names(v) for k, v in raw.items()}


def check_feature_names(fitted: np.ndarray | None, names: np.ndarray | None, *, view: str,
                        estimator: str) -> None:
    """Compare a view's column names with those seen at fit time (scikit-learn's messages).

    Different names or a different order raise ``ValueError``; names on one side only warn.
    """
    if fitted is None and names is None:
        return
    if fitted is not None and names is None:
        warnings.warn(f"{view}: X does not have valid feature names, but {estimator} was fitted with "
                      "feature names", UserWarning, stacklevel=4)
        return
    if fitted is None:
        warnings.warn(f"{view}: X has feature names, but {estimator} was fitted without feature names",
                      UserWarning, stacklevel=4)
        return
    if len(fitted) == len(names) and np.all(np.asarray(fitted) == np.asarray(names)):
        return
    message = f"{view}: The feature names should match those that were passed during fit.\n"
    fitted_set, names_set = set(fitted), set(names)
    unexpected = sorted(names_set - fitted_set)
    missing = sorted(fitted_set - names_set)

    def add_names(ns):
        shown = [f"- {n}" for n in ns[:5]] + (["- ..."] if len(ns) > 5 else [])
        return "\n".join(shown) + "\n"

    if unexpected:
        message += "Feature names unseen at fit time:\n" + add_names(unexpected)
    if missing:
        message += "Feature names seen at fit time, yet now missing:\n" + add_names(missing)
    if not missing and not unexpected:
        message += "Feature names must be in the same order as they were in fit.\n"
    raise ValueError(message)


# ======================================================================================
# labels
# ======================================================================================
def _label_kind(v) -> str:
    if isinstance(v, (str, np.str_, bytes, np.bytes_)):
        return "str"
    if isinstance(v, (bool, np.bool_)):
        return "bool"
    if isinstance(v, (Integral, np.integer)):
        return "int"
    if isinstance(v, (Real, np.floating)):
        return "float"
    return type(v).__name__


def _label_list(y, name: str = "y") -> list:
    """Labels as a Python list (pandas and torch converted; 2-D input refused)."""
    if y is None:
        raise ValueError(f"{name}: labels are required (requires y to be passed, but the target y is None)")
    if _is_torch_tensor(y):
        y = y.detach().cpu().numpy()
    if hasattr(y, "to_numpy"):
        y = y.to_numpy()
    if isinstance(y, (str, bytes, Real)) or not (hasattr(y, "__len__") or hasattr(y, "__array__")):
        raise ValueError(f"{name}: expected a 1-D sequence of labels, got {type(y).__name__}")
    if not isinstance(y, (np.ndarray, list, tuple)):
        y = np.asarray(y)  # array-likes (e.g. objects with __array__)
    if isinstance(y, np.ndarray):
        arr = y
    else:
        try:
            arr = np.asarray(y)
        except ValueError:  # ragged nested sequences
            arr = np.asarray(y, dtype=object)
        if arr.ndim == 2 and arr.dtype == object and all(isinstance(v, tuple) for v in y):
            arr = np.empty(len(y), dtype=object)  # tuples as labels: one label each
            arr[:] = list(y)
            return list(arr)
    if arr.ndim == 2:
        if arr.shape[1] == 1:
            raise ValueError(
                f"{name}: expected a 1-D array of labels, got a column vector of shape {arr.shape}; "
                "pass y.ravel() (multi-output targets are not supported)"
            )
        raise ValueError(f"{name}: multi-output targets of shape {arr.shape} are not supported; "
                         "expected a 1-D array of labels")
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D sequence of labels, got shape {arr.shape}")
    if arr.dtype.kind == "c":
        raise ValueError(f"{name}: Complex data not supported (complex labels)")
    return list(y) if not isinstance(y, np.ndarray) else list(arr)


def check_labels(y, n_samples: int, *, min_classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Encode class labels (``type_of_target`` rules).

    Accepted: a 1-D sequence (list, array, pandas Series, torch tensor) of labels of one type:
    strings, integers, booleans or floats that are whole numbers (binary or multiclass targets).
    Refused with ``ValueError``: continuous targets ("Unknown label type: continuous"), column
    vectors and multi-output targets, NaN/inf/None labels, labels that mix types
    (``['a', 1, 2.5]``), complex labels and a wrong number of labels.

    Returns
    -------
    classes : ndarray of object or of the labels' dtype
        Sorted unique labels when they are mutually comparable, else in order of first appearance.
    y_idx : ndarray of int64 of shape (n_samples,)
    """
    y_list = _label_list(y)
    if len(y_list) != n_samples:
        raise ValueError(f"y: {len(y_list)} labels for {n_samples} samples")
    kinds = set()
    for v in y_list:
        if v is None:
            raise ValueError("y: contains None (a missing label)")
        if isinstance(v, (complex, np.complexfloating)):
            raise ValueError("y: Complex data not supported (complex labels)")
        if not isinstance(v, Hashable):
            raise ValueError(f"y: label {v!r} is not hashable")
        if isinstance(v, (float, np.floating)) and not np.isfinite(v):
            raise ValueError("y: contains a NaN/inf label")
        kinds.add(_label_kind(v))
    numeric = {"bool", "int", "float"}
    if len(kinds) > 1 and not kinds <= numeric:
        raise ValueError(f"y: labels mix types ({', '.join(sorted(kinds))}); use one type for all labels")
    if kinds & {"float"} and kinds <= numeric:
        vals = np.asarray([float(v) for v in y_list])
        frac = vals != np.round(vals)
        if frac.any():
            raise ValueError(
                f"y: Unknown label type: continuous (e.g. {vals[frac][0]!r}); a classifier needs class "
                "labels, not a regression target"
            )
    uniq = list(dict.fromkeys(y_list))
    try:
        uniq = sorted(uniq)
    except TypeError:
        pass
    if len(uniq) < min_classes:
        raise ValueError(f"y: need at least {min_classes} classes, got {len(uniq)} class"
                         f"{'es' if len(uniq) != 1 else ''} ({uniq!r})")
    index = {c: i for i, c in enumerate(uniq)}
    y_idx = np.fromiter((index[v] for v in y_list), dtype=np.int64, count=len(y_list))
    try:
        classes = np.asarray(uniq)
        if classes.ndim != 1 or classes.dtype.kind in "OV":
            raise ValueError
    except ValueError:
        classes = np.empty(len(uniq), dtype=object)
        classes[:] = uniq
    return classes, y_idx


def label_array(y, n_samples: int) -> np.ndarray:
    """Labels as a 1-D object array of length ``n_samples`` (for comparisons in ``score``)."""
    y_list = _label_list(y)
    if len(y_list) != n_samples:
        raise ValueError(f"y: {len(y_list)} labels for {n_samples} samples")
    out = np.empty(len(y_list), dtype=object)
    out[:] = y_list
    return out
