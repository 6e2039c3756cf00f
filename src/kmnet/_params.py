"""Constructor parameters checked against a declarative ``_parameter_constraints`` dict.

Every estimator (and every elementary map) declares, per constructor parameter, the list of
constraints its value may satisfy, and calls ``self._validate_params()`` first thing in ``fit``;
a value that satisfies none raises
:class:`~sklearn.utils._param_validation.InvalidParameterError` (a ``ValueError`` and a
``TypeError``) that names the parameter, what it must be and what it got.

The constraints are scikit-learn's (:mod:`sklearn.utils._param_validation`: ``None``, a type,
``"boolean"``, ``"verbose"``, ``callable``, ``Interval``, ``StrOptions``, ...) and those it lacks,
defined here: :class:`Int` and :class:`Float` (numbers that are not booleans or strings, finite),
:class:`HiddenSizes`, :class:`ClassWeight`, :class:`Anchors`, :class:`Kernels`,
:class:`DTypeOption`, :class:`DeviceOption` and :class:`GroupSubset`. A new constructor parameter
gets its entry in the class's ``_parameter_constraints`` (a test checks that none is missing).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
    _Constraint,
    make_constraint,
)

__all__ = [
    "validate_params",
    "ParamValidationMixin",
    "Int",
    "Float",
    "HiddenSizes",
    "ClassWeight",
    "Anchors",
    "Kernels",
    "DTypeOption",
    "DeviceOption",
    "GroupSubset",
    "StrOptions",
    "InvalidParameterError",
    "COMMON_CONSTRAINTS",
    "KERNEL_CONSTRAINTS",
]


def _is_bool(v) -> bool:
    return isinstance(v, (bool, np.bool_))


class Int(_Constraint):
    """An integer (not a boolean) in ``[low, high]`` (``None``: unbounded)."""

    def __init__(self, low=None, high=None):
        super().__init__()
        self.low, self.high = low, high

    def is_satisfied_by(self, val):
        if _is_bool(val) or not isinstance(val, (Integral, np.integer)):
            return False
        return (self.low is None or val >= self.low) and (self.high is None or val <= self.high)

    def __str__(self):
        lo = "-inf" if self.low is None else self.low
        hi = "inf" if self.high is None else self.high
        return f"an int in the range [{lo}, {hi}]"


class Float(_Constraint):
    """A real number (not a boolean, not a string), finite unless ``allow_inf``, in an interval.

    ``closed`` as in :class:`sklearn.utils._param_validation.Interval`.
    """

    def __init__(self, low=None, high=None, *, closed="both", allow_inf=False):
        super().__init__()
        self.interval = Interval(Real, low, high, closed=closed)
        self.allow_inf = allow_inf

    def is_satisfied_by(self, val):
        if _is_bool(val) or not isinstance(val, (Real, np.floating, np.integer)):
            return False
        if math.isnan(float(val)) or (not self.allow_inf and math.isinf(float(val))):
            return False
        return float(val) in self.interval

    def __str__(self):
        return str(self.interval).replace("a float", "a finite number" if not self.allow_inf else "a number")


class HiddenSizes(_Constraint):
    """Hidden layer widths: a positive int, or a tuple/list of positive ints (``()``: none)."""

    def is_satisfied_by(self, val):
        width = Int(1)
        if width.is_satisfied_by(val):
            return True
        if isinstance(val, (tuple, list)):
            return all(width.is_satisfied_by(v) for v in val)
        return False

    def __str__(self):
        return "a positive int or a tuple of positive ints"


class ClassWeight(_Constraint):
    """``None``, ``"balanced"`` or a dict label -> non-negative finite weight (not all zero)."""

    def is_satisfied_by(self, val):
        if val is None or (isinstance(val, str) and val == "balanced"):
            return True
        if not isinstance(val, Mapping) or len(val) == 0:
            return False
        w = Float(0, None, closed="left")
        if not all(w.is_satisfied_by(v) for v in val.values()):
            return False
        return any(float(v) > 0 for v in val.values())

    def __str__(self):
        return "None, 'balanced' or a dict label -> non-negative weight (not all zero)"


class Anchors(_Constraint):
    """``None``, a positive int (not a boolean), or a 1-D array-like of non-negative int indices."""

    def is_satisfied_by(self, val):
        if val is None or Int(1).is_satisfied_by(val):
            return True
        if isinstance(val, (str, bytes, Mapping)) or _is_bool(val) or np.ndim(val) != 1:
            return False
        arr = np.asarray(val)
        if arr.size == 0 or arr.dtype.kind not in "iu":
            return False
        return bool((arr >= 0).all())

    def __str__(self):
        return "None, a positive int or a 1-D array of non-negative int indices"


class Kernels(_Constraint):
    """Kernel names: a str, a sequence of str, or a mapping modality -> sequence of str."""

    @staticmethod
    def _names(v) -> bool:
        if isinstance(v, str):
            return True
        return (isinstance(v, (tuple, list)) and len(v) > 0 and all(isinstance(k, str) for k in v))

    def is_satisfied_by(self, val):
        if isinstance(val, Mapping):
            return len(val) > 0 and all(isinstance(k, str) and self._names(v) for k, v in val.items())
        return self._names(val)

    def __str__(self):
        return "a kernel name, a tuple of kernel names or a dict modality -> tuple of kernel names"


class DTypeOption(_Constraint):
    """A float working dtype: "float32"/"float64" (or "single"/"double"), torch or numpy dtypes."""

    def is_satisfied_by(self, val):
        if val is None or isinstance(val, (bool, int, float)):
            return False
        if isinstance(val, str):
            return val in ("float32", "float64", "single", "double")
        try:
            import torch

            if isinstance(val, torch.dtype):
                return val in (torch.float32, torch.float64)
        except ImportError:  # pragma: no cover
            pass
        try:
            return np.dtype(val) in (np.dtype(np.float32), np.dtype(np.float64))
        except TypeError:
            return False

    def __str__(self):
        return "'float32' or 'float64' (or the torch/numpy float dtypes)"


class DeviceOption(_Constraint):
    """``None``, ``"auto"``, a device string torch understands (``"cpu"``, ``"cuda:0"``) or a
    :class:`torch.device`."""

    def is_satisfied_by(self, val):
        if val is None or (isinstance(val, str) and val == "auto"):
            return True
        import torch

        if isinstance(val, torch.device):
            return True
        if not isinstance(val, str):
            return False
        try:
            torch.device(val)
        except (RuntimeError, ValueError):
            return False
        return True

    def __str__(self):
        return "None, 'auto', a device string such as 'cpu' or 'cuda' or a torch.device"


class GroupSubset(_Constraint):
    """A tuple/list (not a str) whose items are names from ``options``."""

    def __init__(self, options):
        super().__init__()
        self.options = tuple(options)

    def is_satisfied_by(self, val):
        return isinstance(val, (tuple, list, set, frozenset)) and all(v in self.options for v in val)

    def __str__(self):
        return f"a tuple of names from {self.options}"


def validate_params(estimator) -> None:
    """Check every constructor parameter of ``estimator`` against its ``_parameter_constraints``.

    ``_parameter_constraints`` maps a parameter name to a list of constraints, any of which may
    be satisfied: scikit-learn's (``None``, a type, ``"boolean"``, ``"verbose"``, ``callable``,
    :class:`~sklearn.utils._param_validation.Interval`, ``StrOptions``, ...) or this module's
    (:class:`Int`, :class:`Float`, :class:`HiddenSizes`, ...). Raises
    :class:`~sklearn.utils._param_validation.InvalidParameterError` (a ``ValueError`` and a
    ``TypeError``) naming the parameter, what it must be and what it got.
    """
    constraints = getattr(estimator, "_parameter_constraints", {})
    for pname, value in estimator.get_params(deep=False).items():
        cs = constraints.get(pname)
        if cs is None or cs == "no_validation":
            continue
        cs = [c if isinstance(c, _Constraint) else make_constraint(c) for c in cs]
        if any(c.is_satisfied_by(value) for c in cs):
            continue
        shown = [str(c) for c in cs if not c.hidden]
        what = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
        raise InvalidParameterError(
            f"The {pname!r} parameter of {type(estimator).__name__} must be {what}. Got {value!r} instead."
        )


class ParamValidationMixin:
    """``_validate_params()`` through :func:`validate_params` (call it first thing in ``fit``)."""

    _parameter_constraints: dict = {}

    def _validate_params(self):
        validate_params(self)


#: constraints of the options shared by the estimators and the maps
COMMON_CONSTRAINTS = {
    "normalize": ["boolean"],
    "standardize": ["boolean"],
    "center": ["boolean"],
    "dtype": [DTypeOption()],
    "device": [DeviceOption()],
    "verbose": ["verbose"],
    "random_state": [None, Int(0, 2**32 - 1), np.random.Generator],
}

#: the elementary kernel options of the networks' input layer
KERNEL_CONSTRAINTS = {
    "kernels": [Kernels()],
    "hidden": [HiddenSizes()],
    "degree": [Int(1)],
    "levels": [Int(1)],
    "sigma": [None, Float(0, None, closed="neither"), StrOptions({"std", "median", "knn"})],
}

