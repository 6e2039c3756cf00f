"""Same parameters, same numbers: pin every process-wide setting the results depend on.

The fits of this compendium are seeded (every estimator takes ``random_state``, the protocols
seed every run), so on one machine with one set of process settings they are bit-reproducible.
What is *not* fixed by a seed, and what was measured to change the result tables:

* **Thread counts.** Torch's CPU kernels split reductions (convolutions, matrix products,
  sums) over its intra-op threads; a CNN baseline, the MLPs and the DM2KMN's end-to-end
  learning end with different parameters, and a different early-stopping epoch, with one
  thread than with two. NumPy's BLAS does the same for the DKN's dual objective. The number of
  threads defaults to the number of cores, which differs between machines.
* **The code path of Intel MKL** (torch's BLAS on x86). By default MKL picks its kernels for
  the processor it runs on (and, without "conditional numerical reproducibility", may even
  depend on memory alignment: a matrix-vector product on a buffer shifted by 4 bytes gives
  other last bits). Fits whose outcome hinges on last bits - the DKN on raw, unnormalised
  kernels (its output kernel is constant to five digits), the audio-only DKN of the lyrics
  stand-in (near chance), early stopping on a float32 validation loss - then give another
  accuracy on another processor. ``MKL_CBWR=COMPATIBLE`` makes MKL use one code path on every
  x86 processor.
* **oneDNN convolutions** (the CNN baselines) likewise pick kernels by instruction set; the
  native convolution (im2col + MKL) has none of that.

:func:`setup` pins all of these at the start of a notebook or script, seeds the global
generators (for third-party code that reads them), switches torch to deterministic algorithms
and returns what it set (print it beside the results). Call it **before any computation**:
MKL reads its code-path setting at its first call; :func:`setup` says when that was too late.

The settings cost speed (one thread; MKL's compatible path is slower than its
processor-specific one), which is why the library does not impose them: a reader who wants
speed calls ``setup(threads=None, portable=False)`` or nothing, and accepts that the last
digits, and the outcome of chaotic fits, may then depend on the machine.

Used by every notebook that writes a result table (``notebooks/02_gtzan`` ... ``07_4mula``).
"""

from __future__ import annotations

import ctypes
import os
import platform
import random
from pathlib import Path

import numpy as np
import torch

__all__ = ["setup", "mkl_branch"]

# mkl_cbwr.h
_MKL_CBWR_BRANCH = 1
_MKL_BRANCHES = {0: "off", 1: "off", 2: "auto", 3: "compatible"}
_MKL_CODES = {"auto": 2, "compatible": 3}

_LIMITS = []  # keeps the threadpoolctl limiter alive for the life of the process


def _mkl_lib():
    """The torch library that carries MKL's service functions, or None."""
    lib_dir = Path(torch.__file__).parent / "lib"
    for name in ("libtorch_cpu.so", "libtorch_cpu.dylib", "torch_cpu.dll"):
        path = lib_dir / name
        if path.exists():
            try:
                lib = ctypes.CDLL(str(path))
                get, put = lib.mkl_serv_cbwr_get, lib.mkl_serv_cbwr_set
            except (OSError, AttributeError):
                return None
            get.restype = put.restype = ctypes.c_int
            get.argtypes = put.argtypes = [ctypes.c_int]
            return lib
    return None


def mkl_branch() -> str | None:
    """MKL's conditional-numerical-reproducibility branch: "off", "auto", "compatible", ...

    ``None`` when torch was built without MKL (or its service functions are not reachable).
    """
    lib = _mkl_lib()
    if lib is None:
        return None
    code = int(lib.mkl_serv_cbwr_get(_MKL_CBWR_BRANCH))
    return _MKL_BRANCHES.get(code, f"code {code}")


def _pin_mkl(mode: str) -> str | None:
    """Ask MKL for the ``mode`` branch; returns the branch in force afterwards."""
    os.environ["MKL_CBWR"] = mode.upper()  # read at MKL's first call (also by child processes)
    lib = _mkl_lib()
    if lib is None:
        return None
    if mkl_branch() != mode:
        lib.mkl_serv_cbwr_set(_MKL_CODES[mode])  # fails once MKL has run: reported by the caller
    return mkl_branch()


def _processor() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def setup(threads: int | None = 1, seed: int | None = 0, *, portable: bool = True,
          deterministic: bool = True) -> dict:
    """Pin threads, numerical code paths and global seeds for reproducible results.

    Parameters
    ----------
    threads : int or None, default 1
        Torch intra-op threads and the BLAS / OpenMP thread pools of NumPy, SciPy and
        scikit-learn (threadpoolctl). ``None`` leaves them as they are (results may then depend
        on the number of cores).
    seed : int or None, default 0
        Seeds Python's ``random``, NumPy's global generator and torch's global generator. The
        library's estimators do not read them (they take ``random_state``); third-party code
        may.
    portable : bool, default True
        Make the CPU arithmetic independent of the processor model: MKL's compatible code path
        (``MKL_CBWR=COMPATIBLE``) and the native convolution instead of oneDNN's.
    deterministic : bool, default True
        ``torch.use_deterministic_algorithms(True)``; on CUDA also cuDNN's deterministic mode,
        no cuDNN benchmarking and ``CUBLAS_WORKSPACE_CONFIG=:4096:8`` (set before CUDA starts).

    Returns
    -------
    dict
        What is in force: ``threads``, ``mkl_branch``, ``onednn``, ``deterministic``, ``seed``,
        the processor, torch's CPU capability and the versions of Python, kmnet and the numerical
        packages (``python``, ``kmnet``, ``torch``, ``numpy``, ``scipy``, ``scikit-learn``).

    Raises
    ------
    ValueError
        ``threads`` below 1.
    RuntimeError
        ``portable`` was asked for after MKL had already run in this process (call
        :func:`setup` before any computation, or set ``MKL_CBWR=COMPATIBLE`` in the
        environment).

    Examples
    --------
    >>> from kmnet import reproducibility
    >>> info = reproducibility.setup(threads=1, seed=0)
    >>> info["threads"]
    1
    """
    if threads is not None:
        threads = int(threads)
        if threads < 1:
            raise ValueError(f"threads must be >= 1 or None, got {threads}")
    branch = mkl_branch()
    if portable:
        branch = _pin_mkl("compatible")
        if branch is not None and branch != "compatible":
            raise RuntimeError(
                f"MKL already ran on its {branch!r} code path in this process; call "
                "kmnet.reproducibility.setup() before any computation, or set MKL_CBWR=COMPATIBLE "
                "in the environment"
            )
        torch.backends.mkldnn.enabled = False
    if threads is not None:
        from threadpoolctl import threadpool_limits

        _LIMITS.append(threadpool_limits(limits=threads))
        torch.set_num_threads(threads)
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        # warn_only: an op without a deterministic CUDA kernel warns (naming itself) instead of
        # stopping a notebook; none of the CPU kernels used here has that problem
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    if seed is not None:
        random.seed(int(seed))
        np.random.seed(int(seed) % 2**32)
        torch.manual_seed(int(seed))
    import platform

    import scipy
    import sklearn

    from . import __version__

    return {
        "threads": torch.get_num_threads(),
        "mkl_branch": branch,
        "onednn": bool(torch.backends.mkldnn.enabled),
        "deterministic": torch.are_deterministic_algorithms_enabled(),
        "seed": seed,
        "processor": _processor(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "python": platform.python_version(),
        "kmnet": __version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
    }
