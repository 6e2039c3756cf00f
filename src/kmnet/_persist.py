"""Model files that run no code: arrays plus JSON, decoded by an explicit allow-list.

A model file (:meth:`kmnet.DeepKernelNetwork.save`) is a zip archive with two kinds of members:

``kmnet-model.json``
    ``{"format": "kmnet-model/2", "kmnet_version", "class", "params", "state", "arrays"}``:
    the estimator's class name, its constructor parameters and its fitted state, encoded as JSON
    values with tagged objects (below);
``arrays/<i>.npy``
    every array and tensor of the state, in NumPy's ``.npy`` format, read back with
    ``allow_pickle=False``.

Nothing in the file is unpickled or imported. :func:`read_model_file` checks, before it decodes
anything, that the file is a zip archive holding only these members, that the JSON names the
format and one of kmnet's own estimator classes, and that the parameters are constructor
parameters of that class. The state is then decoded by :func:`decode`, which builds only what
its allow-list names:

=========================  ==================================================================
tag                        value
=========================  ==================================================================
(plain JSON)               ``None``, ``bool``, ``int``, ``float``, ``str``, lists
``__float__``              ``"nan"``, ``"inf"``, ``"-inf"``
``__tuple__``              tuple
``__dict__``               dict, as a list of ``[key, value]`` pairs (keys of any allowed type)
``__ndarray__``            a NumPy array (index into ``arrays``; object arrays as ``__objarray__``)
``__npscalar__``           a NumPy scalar (``dtype`` string and value)
``__tensor__``             a torch tensor (an array, and ``requires_grad``)
``__torch_dtype__``        ``float32``, ``float64``, ...
``__torch_device__``       a device string (the model is loaded on the CPU and then moved)
``__object__``             an instance of an allow-listed kmnet class (:data:`OBJECT_CLASSES`),
                           restored attribute by attribute without calling its constructor
``__mapnet__``             a :class:`~kmnet._mapnet.MapNetModule`: constructor arguments and
                           its ``state_dict``
=========================  ==================================================================

A value of any other type cannot be saved (``TypeError`` naming the attribute), and a tag or
class name that is not listed cannot be loaded (``ValueError``).
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import torch

from ._atomic import atomic_open
from ._input_layer import InputLayer
from ._mapnet import MapNetModule
from .maps import HistogramIntersectionMap, LinearMap, PolynomialMap, RBFMap

__all__ = ["FORMAT", "OBJECT_CLASSES", "encode", "decode", "write_model_file", "read_model_file"]

FORMAT = "kmnet-model/2"
JSON_NAME = "kmnet-model.json"
_ARRAY_RE = re.compile(r"^arrays/(\d+)\.npy$")
_MAX_JSON_BYTES = 256 << 20

#: the kmnet classes whose instances a model file may hold (besides the estimator itself)
OBJECT_CLASSES = {
    f"{c.__module__}.{c.__qualname__}": c
    for c in (InputLayer, LinearMap, PolynomialMap, RBFMap, HistogramIntersectionMap)
}

_TORCH_DTYPES = {
    "float16": torch.float16, "float32": torch.float32, "float64": torch.float64,
    "int8": torch.int8, "int16": torch.int16, "int32": torch.int32, "int64": torch.int64,
    "uint8": torch.uint8, "bool": torch.bool,
}
_MAPNET_ARGS = ("in_dims", "widths", "ranks", "n_anchors", "parameterization")
_TAGS = ("__float__", "__tuple__", "__dict__", "__ndarray__", "__objarray__", "__npscalar__", "__tensor__",
         "__torch_dtype__", "__torch_device__", "__object__", "__mapnet__")


# ======================================================================================
# encoding
# ======================================================================================
class _Encoder:
    def __init__(self):
        self.arrays: list[np.ndarray] = []

    def array(self, a: np.ndarray) -> int:
        # the memory order is kept (.npy stores Fortran order): BLAS results depend on it
        self.arrays.append(a if a.flags.c_contiguous or a.flags.f_contiguous else np.ascontiguousarray(a))
        return len(self.arrays) - 1

    def __call__(self, v, where: str):
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, int) and not isinstance(v, np.integer):
            return v
        if isinstance(v, float) and not isinstance(v, np.floating):
            return v if math.isfinite(v) else {"__float__": repr(v)}
        if isinstance(v, list):
            return [self(x, f"{where}[{i}]") for i, x in enumerate(v)]
        if isinstance(v, tuple):
            if hasattr(v, "_fields"):
                raise TypeError(f"{where}: named tuples cannot be saved")
            return {"__tuple__": [self(x, f"{where}[{i}]") for i, x in enumerate(v)]}
        if isinstance(v, dict):
            return {"__dict__": [[self(k, f"{where} key"), self(x, f"{where}[{k!r}]")] for k, x in v.items()]}
        if isinstance(v, np.ndarray):
            if v.dtype.kind in "OV":
                items = [self(x, f"{where}[...]") for x in v.ravel().tolist()]
                return {"__objarray__": items, "shape": list(v.shape)}
            return {"__ndarray__": self.array(v)}
        if isinstance(v, np.generic):
            if v.dtype.kind in "OV":
                raise TypeError(f"{where}: NumPy scalar of dtype {v.dtype} cannot be saved")
            return {"__npscalar__": v.dtype.str, "value": self(v.item(), where)}
        if isinstance(v, MapNetModule):
            return self._mapnet(v, where)
        if isinstance(v, torch.Tensor):
            name = str(v.dtype).replace("torch.", "")
            if name not in _TORCH_DTYPES:
                raise TypeError(f"{where}: tensors of dtype {v.dtype} cannot be saved")
            return {"__tensor__": self.array(v.detach().cpu().numpy()), "requires_grad": bool(v.requires_grad)}
        if isinstance(v, torch.dtype):
            name = str(v).replace("torch.", "")
            if name not in _TORCH_DTYPES:
                raise TypeError(f"{where}: torch dtype {v} cannot be saved")
            return {"__torch_dtype__": name}
        if isinstance(v, torch.device):
            return {"__torch_device__": str(v)}
        qual = f"{type(v).__module__}.{type(v).__qualname__}"
        if qual in OBJECT_CLASSES and type(v) is OBJECT_CLASSES[qual]:
            state = {k: self(x, f"{where}.{k}") for k, x in vars(v).items()}
            return {"__object__": qual, "state": state}
        raise TypeError(f"{where}: a {qual} cannot be saved in a kmnet model file")

    def _mapnet(self, net: MapNetModule, where: str):
        known = set(_MAPNET_ARGS) | {"training"}
        extra = [k for k in vars(net) if not k.startswith("_") and k not in known]
        if extra:
            raise TypeError(f"{where}: MapNetModule attribute {extra[0]!r} is not part of the model file format")
        args = {k: self(getattr(net, k), f"{where}.{k}") for k in _MAPNET_ARGS}
        args["n_classes"] = int(net.W.shape[0])
        args["dtype"] = str(net.W.dtype).replace("torch.", "")
        state = {k: self(t, f"{where}.{k}") for k, t in net.state_dict().items()}
        grad = {k: bool(p.requires_grad) for k, p in net.named_parameters()}
        return {"__mapnet__": args, "state": state, "requires_grad": grad, "training": bool(net.training)}


def encode(value, where: str = "value"):
    """``(json_value, arrays)``: ``value`` as JSON with tagged objects and the arrays it refers to."""
    enc = _Encoder()
    out = enc(value, where)
    return out, enc.arrays


# ======================================================================================
# decoding
# ======================================================================================
class _Decoder:
    def __init__(self, arrays, path):
        self.arrays = arrays  # callable index -> ndarray
        self.path = path

    def bad(self, msg: str) -> ValueError:
        return ValueError(f"{self.path}: not a valid kmnet model file ({msg})")

    def __call__(self, v):
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, list):
            return [self(x) for x in v]
        if not isinstance(v, dict):
            raise self.bad(f"unexpected JSON value of type {type(v).__name__}")
        tags = [k for k in v if k in _TAGS]
        if len(tags) != 1:
            raise self.bad(f"an object without a known tag: keys {sorted(v)[:5]}")
        tag = tags[0]
        body = v[tag]
        if tag == "__float__":
            if body not in ("nan", "inf", "-inf"):
                raise self.bad(f"float {body!r}")
            return float(body)
        if tag == "__tuple__":
            return tuple(self(x) for x in self._list(body))
        if tag == "__dict__":
            out = {}
            for pair in self._list(body):
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise self.bad("a dict entry that is not a [key, value] pair")
                k = self(pair[0])
                try:
                    out[k] = self(pair[1])
                except TypeError as exc:
                    raise self.bad(f"unhashable dict key ({exc})") from exc
            return out
        if tag == "__ndarray__":
            return self._array(body)
        if tag == "__objarray__":
            items = [self(x) for x in self._list(body)]
            shape = tuple(int(s) for s in self._list(v.get("shape", [len(items)])))
            arr = np.empty(len(items), dtype=object)
            arr[:] = items
            try:
                return arr.reshape(shape)
            except ValueError as exc:
                raise self.bad(f"object array of shape {shape} ({exc})") from exc
        if tag == "__npscalar__":
            try:
                dt = np.dtype(str(body))
            except TypeError as exc:
                raise self.bad(f"dtype {body!r}") from exc
            if dt.kind in "OV":
                raise self.bad(f"scalar of dtype {dt}")
            return dt.type(self(v.get("value")))
        if tag == "__tensor__":
            t = torch.from_numpy(np.array(self._array(body), copy=True))
            return t.requires_grad_(True) if v.get("requires_grad") and t.is_floating_point() else t
        if tag == "__torch_dtype__":
            if body not in _TORCH_DTYPES:
                raise self.bad(f"torch dtype {body!r}")
            return _TORCH_DTYPES[body]
        if tag == "__torch_device__":
            try:
                return torch.device(str(body))
            except (RuntimeError, ValueError) as exc:
                raise self.bad(f"device {body!r}") from exc
        if tag == "__object__":
            cls = OBJECT_CLASSES.get(body)
            if cls is None:
                raise self.bad(f"class {body!r} is not one kmnet stores in model files")
            state = v.get("state")
            if not isinstance(state, dict):
                raise self.bad(f"{body}: no state")
            obj = cls.__new__(cls)
            for k, x in state.items():
                _check_attr_name(k, self)
                obj.__dict__[k] = self(x)
            return obj
        if tag == "__mapnet__":
            return self._mapnet(v)
        raise self.bad(f"tag {tag}")  # pragma: no cover - every tag is handled above

    def _list(self, x) -> list:
        if not isinstance(x, list):
            raise self.bad(f"expected a list, got {type(x).__name__}")
        return x

    def _array(self, idx) -> np.ndarray:
        if not (isinstance(idx, int) and not isinstance(idx, bool)):
            raise self.bad(f"array index {idx!r}")
        return self.arrays(idx)

    def _mapnet(self, v: dict):
        args = v["__mapnet__"]
        if not isinstance(args, dict) or set(args) != {*_MAPNET_ARGS, "n_classes", "dtype"}:
            raise self.bad("MapNetModule arguments")
        kw = {k: self(args[k]) for k in _MAPNET_ARGS}
        dtype = _TORCH_DTYPES.get(args["dtype"])
        if dtype not in (torch.float32, torch.float64):
            raise self.bad(f"MapNetModule dtype {args['dtype']!r}")
        try:
            net = MapNetModule(**kw, n_classes=int(args["n_classes"]), dtype=dtype, device="cpu")
            state = {k: self(t) for k, t in dict(v.get("state", {})).items()}
            net.load_state_dict({k: t.detach() for k, t in state.items()}, strict=True)
        except (TypeError, ValueError, RuntimeError, KeyError) as exc:
            raise self.bad(f"MapNetModule ({exc})") from exc
        grad = v.get("requires_grad", {})
        for k, p in net.named_parameters():
            p.requires_grad_(bool(grad.get(k, False)))
        net.train(bool(v.get("training", False)))
        return net


def _check_attr_name(k, dec) -> None:
    if not (isinstance(k, str) and k.isidentifier() and not (k.startswith("__") and k.endswith("__"))):
        raise dec.bad(f"attribute name {k!r}")


def decode(value, arrays, path="<memory>"):
    """Inverse of :func:`encode`: ``arrays`` is a list of arrays or a callable index -> array."""
    get = arrays if callable(arrays) else (lambda i: arrays[i])
    return _Decoder(get, path)(value)


# ======================================================================================
# files
# ======================================================================================
def write_model_file(path: str | os.PathLike, *, class_name: str, version: str, params: dict,
                     state: dict) -> Path:
    """Write ``params`` and ``state`` (encoded with :func:`encode`) to ``path``, atomically."""
    enc = _Encoder()
    header = {
        "format": FORMAT,
        "kmnet_version": version,
        "class": class_name,
        "params": {k: enc(v, f"params[{k!r}]") for k, v in params.items()},
        "state": {k: enc(v, k) for k, v in state.items()},
    }
    header["arrays"] = [{"dtype": a.dtype.str, "shape": list(a.shape)} for a in enc.arrays]
    path = Path(path)
    with atomic_open(path, "wb") as fh:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(JSON_NAME, json.dumps(header, allow_nan=False))
            for i, a in enumerate(enc.arrays):
                buf = io.BytesIO()
                np.lib.format.write_array(buf, a, allow_pickle=False)
                zf.writestr(f"arrays/{i}.npy", buf.getvalue())
    return path


def read_model_file(path: str | os.PathLike, allowed: dict[str, type]) -> tuple[type, dict, dict]:
    """Check and decode a model file: ``(class, params, state)``.

    Parameters
    ----------
    allowed : dict name -> class
        The estimator classes that may be built (kmnet's own).

    Raises
    ------
    ValueError
        Not a model file of this format (a pickle, a ``torch.save`` file, a zip with other
        members, a class that is not allowed, unknown parameters, an undecodable value).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: not a kmnet model file (expected a zip archive holding {JSON_NAME}); "
                         "nothing was loaded")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        if JSON_NAME not in names:
            pickled = any(n.endswith("data.pkl") for n in names)
            hint = (" (a pickled file, e.g. of format 'kmnet-model/1' written by kmnet 0.1: it is not "
                    "unpickled because that can run code; re-fit the model and save it again)") if pickled else ""
            raise ValueError(f"{path}: not a kmnet model file: no {JSON_NAME}{hint}")
        odd = [n for n in names if n != JSON_NAME and not _ARRAY_RE.match(n)]
        if odd:
            raise ValueError(f"{path}: not a kmnet model file: unexpected member {odd[0]!r}")
        info = zf.getinfo(JSON_NAME)
        if info.file_size > _MAX_JSON_BYTES:
            raise ValueError(f"{path}: not a kmnet model file: {JSON_NAME} is {info.file_size} bytes")
        try:
            header = json.loads(zf.read(JSON_NAME).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: not a kmnet model file: {JSON_NAME} is not JSON ({exc})") from exc
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            got = header.get("format") if isinstance(header, dict) else None
            raise ValueError(f"{path}: not a kmnet model file of format {FORMAT!r} (format {got!r})")
        cname = header.get("class")
        if not isinstance(cname, str) or cname not in allowed:
            raise ValueError(f"{path}: class {cname!r} is not a kmnet estimator (expected one of {sorted(allowed)})")
        cls = allowed[cname]
        params, state, specs = header.get("params"), header.get("state"), header.get("arrays")
        if not (isinstance(params, dict) and isinstance(state, dict) and isinstance(specs, list)):
            raise ValueError(f"{path}: not a kmnet model file: params, state or arrays missing")
        unknown = sorted(set(params) - set(cls._get_param_names()))
        if unknown:
            raise ValueError(f"{path}: {cname} has no parameter {unknown[0]!r}")
        cache: dict[int, np.ndarray] = {}

        def array(i: int) -> np.ndarray:
            if not (0 <= i < len(specs)) or f"arrays/{i}.npy" not in names:
                raise ValueError(f"{path}: not a valid kmnet model file (array {i} is missing)")
            if i not in cache:
                with zf.open(f"arrays/{i}.npy") as fh:
                    try:
                        a = np.lib.format.read_array(fh, allow_pickle=False)
                    except ValueError as exc:
                        raise ValueError(f"{path}: array {i} cannot be read without pickle ({exc})") from exc
                spec = specs[i] if isinstance(specs[i], dict) else {}
                if a.dtype.str != spec.get("dtype") or list(a.shape) != spec.get("shape"):
                    raise ValueError(f"{path}: array {i} does not match its description")
                cache[i] = a
            return cache[i]

        dec = _Decoder(array, path)
        params = {k: dec(v) for k, v in params.items()}
        out_state = {}
        for k, v in state.items():
            _check_attr_name(k, dec)
            if not k.endswith("_"):
                raise dec.bad(f"state attribute {k!r} is not a fitted attribute")
            out_state[k] = dec(v)
    return cls, params, out_state
