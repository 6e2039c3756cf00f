"""Elementary kernels and their explicit maps (paper Appendix A.1, Eqs. 19-20).

Four kernels are used on every modality (paper Section 4.2, Figure 1):

=================  ===============================  ==========================================
kernel             :math:`\\kappa(x, x')`             map :math:`\\phi(x)`
=================  ===============================  ==========================================
linear             :math:`\\langle x, x'\\rangle`     :math:`x` (exact)
polynomial         :math:`\\langle x, x'\\rangle^p`   :math:`x^{\\otimes p}` (exact; degree 2 is
                                                    stored in :math:`d(d+1)/2` symmetric dims)
RBF                :math:`e^{-\\|x-x'\\|^2/2\\sigma^2}`  kernel-PCA (Nystrom) map on the fitting set,
                                                    Eqs. 3-4 with :math:`g` the identity
histogram inter.   :math:`\\sum_d \\min(x_d, x'_d)`  quantised unary map, Eqs. 19-20
=================  ===============================  ==========================================

Every map is a scikit-learn style transformer: ``fit(X)`` learns the statistics it needs
(standardisation, RBF width and anchors, histogram ranges) and stores them in trailing-underscore
attributes; ``transform(X)`` returns the map; ``kernel(X, Y)`` returns the exact Gram matrix of the
kernel the map approximates, so that ``transform(X) @ transform(Y).T`` can be compared with
``kernel(X, Y)``. Both return NumPy arrays (``output="numpy"``, the default, so that a map can
sit in a scikit-learn ``Pipeline``) or torch tensors on the map's device (``output="torch"``, what
the networks use).

Two options are shared by all maps (METHOD.md, "Normalisation"; not specified by the paper):

``standardize``
    subtract the training mean and divide by the training standard deviation of each feature
    before the kernel is applied (a constant feature is left unscaled).
``normalize``
    cosine normalisation, :math:`\\kappa(x,x')/\\sqrt{\\kappa(x,x)\\kappa(x',x')}`; for the maps,
    :math:`\\phi(x)/\\lVert\\phi(x)\\rVert`. A zero vector maps to zero.
``center``
    centre the kernel in its feature space on the fitting set before the cosine normalisation:
    :math:`\\phi(x)-\\bar\\phi` with :math:`\\bar\\phi=\\frac1n\\sum_i\\phi(x_i)`, i.e.
    :math:`\\kappa_c(x,x')=\\kappa(x,x')-m(x)-m(x')+\\bar m` with the mean kernel
    :math:`m(x)=\\frac1n\\sum_i\\kappa(x,x_i)` and :math:`\\bar m=\\frac1n\\sum_im(x_i)`.
    The fitted map keeps what :math:`m` needs, so that ``kernel`` of new samples (e.g. test
    samples against support vectors) is centred on the *fitting* set: the mean map
    :math:`\\bar x` (linear), the second-moment matrix :math:`\\frac1n\\sum_ix_ix_i^\\top`
    (polynomial of degree 2: :math:`m(x)=x^\\top\\Sigma x`), the sorted fitting values of every
    dimension (histogram intersection: :math:`\\frac1n\\sum_i\\min(t,v_i)` from a cumulative sum),
    and the anchors (RBF, polynomial of other degrees: the mean kernel against them). ``transform``
    subtracts the mean of the map over the same set, so that ``transform(X) @ transform(Y).T``
    reproduces the centred ``kernel`` exactly for the exact maps and up to the map's own
    approximation for the RBF and HI maps. Without centring, a cosine-normalised RBF or HI kernel
    keeps a large constant part (every value near the mean), which an SVM's bias ignores.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._linalg import CHUNK_ELEMS, energy_rank, nystroem_projection
from ._params import COMMON_CONSTRAINTS, KERNEL_CONSTRAINTS, Float, Int, ParamValidationMixin, StrOptions
from ._torch import as_tensor, resolve_device, resolve_dtype
from ._validation import check_feature_names, check_matrix, view_feature_names

__all__ = [
    "KernelMap",
    "LinearMap",
    "PolynomialMap",
    "RBFMap",
    "HistogramIntersectionMap",
    "make_map",
    "KERNEL_NAMES",
    "energy_rank",
    "nystroem_projection",
    "rbf_width",
    "check_sigma",
    "SIGMA_RULES",
    "DEFAULT_SIGMA_RULE",
]

#: canonical names of the elementary kernels, in the paper's order
KERNEL_NAMES = ("linear", "polynomial", "rbf", "hi")
_ALIASES = {
    "linear": "linear",
    "lin": "linear",
    "polynomial": "polynomial",
    "poly": "polynomial",
    "rbf": "rbf",
    "gaussian": "rbf",
    "hi": "hi",
    "histogram": "hi",
    "histogram_intersection": "hi",
    "intersection": "hi",
}
_EPS = 1e-12


def canonical_kernel_name(name: str) -> str:
    """Map an alias (``"poly"``, ``"histogram"``, ...) to its canonical name; ValueError if unknown."""
    key = str(name).lower().replace("-", "_")
    if key not in _ALIASES:
        raise ValueError(f"unknown kernel {name!r}; expected one of {KERNEL_NAMES}")
    return _ALIASES[key]


_MAP_CONSTRAINTS = {
    "standardize": COMMON_CONSTRAINTS["standardize"],
    "normalize": COMMON_CONSTRAINTS["normalize"],
    "center": COMMON_CONSTRAINTS["center"],
    "dtype": COMMON_CONSTRAINTS["dtype"],
    "device": COMMON_CONSTRAINTS["device"],
    "output": [StrOptions({"numpy", "torch"})],
}


#: data-statistic rules for the RBF width (see :func:`rbf_width`)
SIGMA_RULES = ("std", "median", "knn")
#: the rule used when ``sigma=None``
DEFAULT_SIGMA_RULE = "std"
_KNN_K = 7
_WIDTH_MAX_ROWS = 4096


def _pairwise_distances(A: torch.Tensor) -> torch.Tensor:
    a2 = (A * A).sum(1)
    return (a2[:, None] + a2[None, :] - 2.0 * (A @ A.T)).clamp_min(0.0).sqrt()


def check_sigma(sigma):
    """Validate an RBF ``sigma`` (None, a rule of :data:`SIGMA_RULES` or a positive finite number).

    Returns the rule name or the width as a float; raises ValueError naming ``sigma`` otherwise.
    """
    if sigma is None:
        return DEFAULT_SIGMA_RULE
    if isinstance(sigma, str):
        if sigma not in SIGMA_RULES:
            raise ValueError(f"sigma must be a positive number or one of {SIGMA_RULES}, got {sigma!r}")
        return sigma
    try:
        value = float(sigma)
    except (TypeError, ValueError):
        raise ValueError(f"sigma must be a positive number or one of {SIGMA_RULES}, got {sigma!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"sigma must be a positive finite number, got {sigma!r}")
    return value


def rbf_width(A, sigma=None) -> float:
    """The RBF width :math:`\\sigma` for prepared fitting features ``A`` (n, d).

    Parameters
    ----------
    A : tensor or array (n, d)
        The fitting features, standardised if the kernel standardises.
    sigma : float, {"std", "median", "knn"} or None
        A positive width, or a rule (:data:`SIGMA_RULES`): ``"std"``,
        :math:`\\sigma=\\sqrt{\\sum_d\\mathrm{Var}(x_d)}`; ``"median"``, the median pairwise
        Euclidean distance; ``"knn"``, the mean distance of a sample to its 7th nearest neighbour.
        ``None``: :data:`DEFAULT_SIGMA_RULE`. The distance rules use at most 4096 evenly spaced
        rows (deterministic). A zero statistic (all samples equal) gives 1.

    Returns
    -------
    float
    """
    rule = check_sigma(sigma)
    if not isinstance(rule, str):
        return rule
    A = torch.as_tensor(A).to(torch.float64)
    n = A.shape[0]
    if rule == "std":
        s2 = float(A.var(0, unbiased=False).sum())
        return math.sqrt(s2) if s2 > 0 else 1.0
    if n < 2:
        return 1.0
    if n > _WIDTH_MAX_ROWS:
        A = A[torch.as_tensor(np.linspace(0, n - 1, _WIDTH_MAX_ROWS).round().astype(np.int64), device=A.device)]
        n = A.shape[0]
    D = _pairwise_distances(A)
    if rule == "median":
        iu = torch.triu_indices(n, n, 1, device=A.device)
        value = float(np.median(D[iu[0], iu[1]].cpu().numpy()))
    else:
        k = min(_KNN_K, n - 1)
        D.fill_diagonal_(float("inf"))
        value = float(torch.topk(D, k, dim=1, largest=False).values[:, -1].mean())
    return value if value > 0 and math.isfinite(value) else 1.0




class KernelMap(ParamValidationMixin, TransformerMixin, BaseEstimator):
    """Common machinery of the elementary maps (not used directly).

    Subclasses implement ``_fit_prepared``, ``_kernel_raw``, ``_diag_raw`` and ``_map_raw`` on
    prepared (validated, standardised) tensors. ``_parameter_constraints`` declares what every
    constructor parameter may be (checked first thing in :meth:`fit`).
    """

    _parameter_constraints = _MAP_CONSTRAINTS

    #: canonical kernel name
    kernel_name = "base"
    #: whether ``transform`` is an exact map of ``kernel`` (linear, polynomial)
    exact = False

    # ---------------------------------------------------------------- helpers
    def _settings(self):
        return resolve_dtype(self.dtype), resolve_device(self.device)

    def _check_input(self, X, name="X"):
        n_features = getattr(self, "n_features_in_", None)
        return check_matrix(X, name, n_features=n_features, dtype=self.dtype_, estimator=type(self).__name__)

    def _output(self, T: torch.Tensor):
        """``T`` as the ``output`` option asks: a NumPy array (default) or the tensor itself."""
        return T if getattr(self, "output", "numpy") == "torch" else T.detach().cpu().numpy()

    def _prepare(self, X, name="X") -> torch.Tensor:
        """Validated, standardised tensor in the map's dtype and device."""
        check_is_fitted(self, "n_features_in_")
        if (isinstance(X, torch.Tensor) and X.ndim == 2 and X.shape[1] == self.n_features_in_
                and not X.is_complex()):
            if not torch.isfinite(X).all():
                raise ValueError(f"{name}: contains non-finite values (NaN or inf)")
            A = X.to(dtype=self.dtype_, device=self.device_)
        else:
            if hasattr(X, "columns") or hasattr(self, "feature_names_in_"):
                check_feature_names(getattr(self, "feature_names_in_", None), view_feature_names(X).get("X"),
                                    view=name, estimator=type(self).__name__)
            A = as_tensor(self._check_input(X, name), dtype=self.dtype_, device=self.device_)
        if self.standardize:
            A = (A - self.mean_) / self.scale_
        return A

    # ---------------------------------------------------------------- API
    def fit(self, X, y=None):
        """Learn the map's statistics from ``X`` of shape (n_samples, n_features); returns ``self``."""
        self._validate_params()
        names = view_feature_names(X)["X"] if hasattr(X, "columns") else None
        X = check_matrix(X, "X", dtype=self.dtype)
        self.dtype_, self.device_ = self._settings()
        self.n_features_in_ = X.shape[1]
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        mean = X.mean(0)
        std = X.std(0)
        std[std <= 1e-12 * max(1.0, float(np.abs(X).max()))] = 1.0
        self.mean_ = torch.as_tensor(mean, dtype=self.dtype_, device=self.device_)
        self.scale_ = torch.as_tensor(std, dtype=self.dtype_, device=self.device_)
        A = as_tensor(X, dtype=torch.float64, device=self.device_)
        if self.standardize:
            A = (A - self.mean_.double()) / self.scale_.double()
        self._fit_prepared(A)
        self._check_overflow(A)
        if getattr(self, "center", False):
            self._fit_center(A)
        return self

    def _check_overflow(self, A) -> None:
        """``ValueError`` when the kernel of the fitting data overflows the working dtype.

        Squared norms and the kernel's diagonal bound every kernel value (Cauchy-Schwarz), so
        checking them in the working dtype is enough; it costs O(n d).
        """
        W = A.to(self.dtype_)
        if bool(torch.isfinite((W * W).sum(1)).all()) and bool(torch.isfinite(self._diag_raw(W)).all()):
            return
        big = float(A.abs().max())
        dtype = str(self.dtype_).replace("torch.", "")
        raise ValueError(
            f"X: the {self.kernel_name} kernel overflows {dtype} on the fitting data (largest |x| = {big:.3g}"
            f"{' after standardisation' if self.standardize else ''}); rescale the features or use dtype='float64'"
        )

    def kernel(self, X, Y=None):
        """Exact Gram matrix :math:`[\\kappa(x_i, y_j)]` of shape (n_X, n_Y) (``Y=None``: ``Y=X``).

        A NumPy array, or a torch tensor with ``output="torch"``.
        """
        A = self._prepare(X, "X")
        B = A if Y is None else self._prepare(Y, "Y")
        return self._output(self._kernel_prepared(A, B, same=Y is None))

    def kernel_diag(self, X):
        """:math:`[\\kappa(x_i, x_i)]_i`, without forming the Gram matrix."""
        A = self._prepare(X, "X")
        d = self._diag_prepared(A)
        if self.normalize:
            return self._output((d > _EPS).to(d.dtype))
        return self._output(d)

    def transform(self, X):
        """The (exact or approximate) map :math:`\\hat\\phi(X)` of shape (n_samples, n_output_features_).

        A NumPy array, or a torch tensor with ``output="torch"``.
        """
        A = self._prepare(X, "X")
        return self._output(self._map_prepared(A))

    # ---------------------------------------------------------------- centring
    def _fit_center(self, A):
        """Store what the mean kernel :math:`m` and the mean map need (``A``: prepared, float64)."""
        self._fit_center_stats(A)
        m = torch.cat([self._kernel_mean(A[i : i + 1024]) for i in range(0, A.shape[0], 1024)])
        self.kernel_mean_total_ = float(m.double().mean())
        self.map_mean_ = self._map_mean(A).to(self.dtype_)

    def _map_mean(self, A):
        """Mean of the raw map over the fitting set, in row chunks (the map may be wide)."""
        out = None
        step = max(1, CHUNK_ELEMS // max(1, int(self.n_output_features_)))
        for i in range(0, A.shape[0], step):
            part = self._map_raw(A[i : i + step]).double().sum(0)
            out = part if out is None else out + part
        return out / A.shape[0]

    def _diag_prepared(self, A, mean_a=None):
        """:math:`\\kappa(x,x)` of prepared rows, centred when ``center`` (before normalisation)."""
        d = self._diag_raw(A)
        if getattr(self, "center", False):
            ma = self._kernel_mean(A) if mean_a is None else mean_a
            d = (d - 2.0 * ma + self.kernel_mean_total_).clamp_min(0.0)
        return d

    # used by the networks, which prepare a modality once and reuse it for several kernels
    def _kernel_prepared(self, A, B, *, same=False, diag_a=None, diag_b=None):
        K = self._kernel_raw(A, B)
        ma = mb = None
        if getattr(self, "center", False):
            ma = self._kernel_mean(A)
            mb = ma if same else self._kernel_mean(B)
            K = K - ma[:, None] - mb[None, :] + self.kernel_mean_total_
        if self.normalize:
            da = self._diag_prepared(A, ma) if diag_a is None else diag_a
            db = da if same else (self._diag_prepared(B, mb) if diag_b is None else diag_b)
            inv_a = torch.where(da > _EPS, da.clamp_min(_EPS).rsqrt(), torch.zeros_like(da))
            inv_b = torch.where(db > _EPS, db.clamp_min(_EPS).rsqrt(), torch.zeros_like(db))
            K = K * inv_a[:, None] * inv_b[None, :]
        return K

    def _map_prepared(self, A):
        Z = self._map_raw(A)
        if getattr(self, "center", False):
            Z = Z - self.map_mean_
        if self.normalize:
            n = Z.norm(dim=1, keepdim=True)
            Z = torch.where(n > _EPS, Z / n.clamp_min(_EPS), torch.zeros_like(Z))
        return Z

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        try:  # the output is in the working dtype, whatever the input's
            tags.transformer_tags.preserves_dtype = [str(resolve_dtype(self.dtype)).replace("torch.", "")]
        except ValueError:
            tags.transformer_tags.preserves_dtype = []
        return tags


class LinearMap(KernelMap):
    """Linear kernel :math:`\\kappa(x,x')=\\langle x,x'\\rangle`, exact map :math:`\\phi(x)=x` (App. A.1).

    Parameters
    ----------
    standardize : bool, default False
        Standardise features with the fitting set's mean and standard deviation first.
    normalize : bool, default False
        Cosine-normalise the kernel (unit-norm map).
    center : bool, default False
        Centre the kernel in feature space on the fitting set before normalising (module
        docstring); a no-op after ``standardize`` (the standardised mean is zero).
    dtype : {"float32", "float64"}
    device : str or torch.device, optional
        ``None``: CUDA when available, else CPU.
    output : {"numpy", "torch"}, default "numpy"
        What :meth:`transform`, :meth:`kernel` and :meth:`kernel_diag` return: NumPy arrays, or
        torch tensors on ``device``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(5, 3))
    >>> m = LinearMap(dtype="float64").fit(X)
    >>> bool(np.allclose(m.transform(X) @ m.transform(X).T, m.kernel(X)))
    True
    """

    kernel_name = "linear"
    exact = True

    def __init__(self, *, standardize=False, normalize=False, center=False, dtype="float32", device=None,
                 output="numpy"):
        self.standardize = standardize
        self.normalize = normalize
        self.center = center
        self.dtype = dtype
        self.device = device
        self.output = output

    def _fit_prepared(self, A):
        self.n_output_features_ = A.shape[1]

    def _fit_center_stats(self, A):
        self.center_mean_ = A.mean(0).to(self.dtype_)

    def _kernel_mean(self, A):
        return A @ self.center_mean_.to(A.dtype)

    def _kernel_raw(self, A, B):
        return A @ B.T

    def _diag_raw(self, A):
        return (A * A).sum(1)

    def _map_raw(self, A):
        return A


class PolynomialMap(KernelMap):
    """Homogeneous polynomial kernel :math:`\\kappa(x,x')=\\langle x,x'\\rangle^p` ("two orders": p=2).

    The exact map is the tensor power :math:`x^{\\otimes p}`. For ``degree=2`` it is stored in its
    symmetric form, :math:`[x_i^2]_i \\cup [\\sqrt2\\,x_ix_j]_{i<j}`, :math:`d(d+1)/2` dimensions,
    which has the same inner products as :math:`x\\otimes x` (App. A.1). Other degrees use the full
    :math:`d^p` tensor power. The map is wide (384-d text: 73,920 dims); the networks therefore use
    its Nystrom coordinates on their anchors when it is wider than the anchor set (METHOD.md 10).

    Parameters
    ----------
    degree : int, default 2
    standardize, normalize, center, dtype, device, output
        See :class:`LinearMap`.
    """

    kernel_name = "polynomial"
    exact = True
    _parameter_constraints = {**_MAP_CONSTRAINTS, "degree": [Int(1)]}

    def __init__(self, degree=2, *, standardize=False, normalize=False, center=False, dtype="float32",
                 device=None, output="numpy"):
        self.degree = degree
        self.standardize = standardize
        self.normalize = normalize
        self.center = center
        self.dtype = dtype
        self.device = device
        self.output = output

    def _fit_prepared(self, A):
        if not isinstance(self.degree, (int, np.integer)) or self.degree < 1:
            raise ValueError(f"degree must be a positive integer, got {self.degree!r}")
        d = A.shape[1]
        p = int(self.degree)
        self.n_output_features_ = d * (d + 1) // 2 if p == 2 else d**p

    def _fit_center_stats(self, A):
        if int(self.degree) == 2:  # m(x) = x^T Sigma x with the second-moment matrix Sigma
            self.center_moment_ = (A.T @ A / A.shape[0]).to(self.dtype_)
        else:  # m(x) = mean_i <x, x_i>^p against the fitting set
            self.center_reference_ = A.to(self.dtype_)

    def _kernel_mean(self, A):
        if int(self.degree) == 2:
            return ((A @ self.center_moment_.to(A.dtype)) * A).sum(1)
        R = self.center_reference_.to(A.dtype)
        return ((A @ R.T) ** int(self.degree)).mean(1)

    def _map_mean(self, A):
        if int(self.degree) == 2:  # the symmetric map's mean is read off the second moments
            S = self.center_moment_.double()
            d = S.shape[0]
            iu = torch.triu_indices(d, d, device=S.device)
            w = torch.where(iu[0] == iu[1], 1.0, math.sqrt(2.0)).to(S)
            return S[iu[0], iu[1]] * w
        return super()._map_mean(A)

    def _kernel_raw(self, A, B):
        return (A @ B.T) ** int(self.degree)

    def _diag_raw(self, A):
        return (A * A).sum(1) ** int(self.degree)

    def _map_raw(self, A):
        p = int(self.degree)
        if p == 1:
            return A
        if p == 2:
            d = A.shape[1]
            iu = torch.triu_indices(d, d, device=A.device)
            one = torch.ones((), dtype=A.dtype, device=A.device)
            w = torch.where(iu[0] == iu[1], one, one * math.sqrt(2.0))
            return A[:, iu[0]] * A[:, iu[1]] * w
        Z = A
        for _ in range(p - 1):
            Z = (Z[:, :, None] * A[:, None, :]).reshape(A.shape[0], -1)
        return Z


class RBFMap(KernelMap):
    """Gaussian kernel :math:`\\exp(-\\lVert x-x'\\rVert^2/2\\sigma^2)` and its kernel-PCA map (App. A.1).

    The map is the Nystrom / kernel-PCA map on the anchors :math:`S` (the fitting set, or a random
    subset of ``n_anchors`` of it): :math:`\\hat\\phi(x)=[\\kappa(x,s_1),\\dots,\\kappa(x,s_N)]\\,
    V_r\\Lambda_r^{-1/2}` (Eqs. 3-4 with :math:`g` the identity), keeping the leading eigenpairs
    that hold ``energy`` of the spectrum (Section 4.2: 99%). It reproduces the kernel on the
    anchors up to the dropped energy.

    Parameters
    ----------
    energy : float in (0, 1], default 0.99
    sigma : float or {"std", "median", "knn"}, optional
        Kernel width, or the rule that computes it from the fitting set (after standardisation
        when ``standardize=True``), reading the paper's "the standard deviation of the RBF is
        calculated for all the samples" (:data:`SIGMA_RULES`):

        * ``"std"``: the standard deviation taken over all features,
          :math:`\\sigma^2=\\sum_d\\mathrm{Var}(x_d)` (half the mean squared pairwise distance);
        * ``"median"``: the median pairwise Euclidean distance;
        * ``"knn"``: the mean distance of a sample to its 7th nearest neighbour (the local scale
          of Zelnik-Manor & Perona, 2004, averaged into one width).

        ``None`` (default): :data:`DEFAULT_SIGMA_RULE`.
    n_anchors : int, optional
        Use a random subset of this many fitting samples as anchors (landmarks).
    random_state : int, optional
        Seed for the landmark subset.
    standardize, normalize, center, dtype, device, output
        See :class:`LinearMap`. Without ``center``, ``normalize`` leaves the kernel unchanged
        (:math:`\\kappa(x,x)=1`) and does not renormalise the Nystrom map. With ``center`` the
        mean kernel is taken against the anchors (all fitting samples unless ``n_anchors``), the
        Nystrom map is centred by its mean over the anchors, then normalised.

    Attributes
    ----------
    sigma_ : float
    anchors_ : tensor (M, d), prepared anchor features
    components_ : tensor (M, r), :math:`V_r\\Lambda_r^{-1/2}`
    eigenvalues_ : tensor (r,)
    n_output_features_ : int, the rank r
    """

    kernel_name = "rbf"
    exact = False
    _parameter_constraints = {
        **_MAP_CONSTRAINTS,
        "energy": [Float(0, 1, closed="right")],
        "sigma": KERNEL_CONSTRAINTS["sigma"],
        "n_anchors": [None, Int(1)],
        "random_state": COMMON_CONSTRAINTS["random_state"],
    }

    def __init__(
        self,
        energy=0.99,
        sigma=None,
        *,
        n_anchors=None,
        random_state=None,
        standardize=False,
        normalize=False,
        center=False,
        dtype="float32",
        device=None,
        output="numpy",
    ):
        self.energy = energy
        self.sigma = sigma
        self.n_anchors = n_anchors
        self.random_state = random_state
        self.standardize = standardize
        self.normalize = normalize
        self.center = center
        self.dtype = dtype
        self.device = device
        self.output = output

    def _fit_prepared(self, A):
        self.sigma_ = rbf_width(A, self.sigma)
        n = A.shape[0]
        if self.n_anchors is not None and int(self.n_anchors) < n:
            if int(self.n_anchors) < 1:
                raise ValueError(f"n_anchors must be >= 1, got {self.n_anchors}")
            rng = np.random.default_rng(self.random_state)
            idx = np.sort(rng.choice(n, size=int(self.n_anchors), replace=False))
            S = A[torch.as_tensor(idx, device=A.device)]
        else:
            S = A
        K = self._kernel_raw(S, S)
        U, lam = nystroem_projection(K, self.energy)
        self.anchors_ = S.to(self.dtype_)
        self.components_ = U.to(self.dtype_)
        self.eigenvalues_ = lam.to(self.dtype_)
        self.n_output_features_ = int(U.shape[1])

    def _kernel_raw(self, A, B):
        a2 = (A * A).sum(1)[:, None]
        b2 = (B * B).sum(1)[None, :]
        d2 = (a2 + b2 - 2.0 * (A @ B.T)).clamp_min(0.0)
        return torch.exp(-d2 / (2.0 * self.sigma_**2))

    def _diag_raw(self, A):
        return torch.ones(A.shape[0], dtype=A.dtype, device=A.device)

    def _map_raw(self, A):
        return self._kernel_raw(A, self.anchors_) @ self.components_

    def _fit_center_stats(self, A):
        pass  # the mean kernel is taken against the anchors

    def _kernel_mean(self, A):
        S = self.anchors_.to(A.dtype)
        out = torch.empty(A.shape[0], dtype=A.dtype, device=A.device)
        step = max(1, CHUNK_ELEMS // max(1, S.shape[0]))
        for i in range(0, A.shape[0], step):
            out[i : i + step] = self._kernel_raw(A[i : i + step], S).mean(1)
        return out

    def _map_mean(self, A):
        return self._map_raw(self.anchors_).double().mean(0)

    def _fit_center(self, A):
        m = self._kernel_mean(self.anchors_)
        self.kernel_mean_total_ = float(m.double().mean())
        self.map_mean_ = self._map_mean(A).to(self.dtype_)

    def _map_prepared(self, A):
        if not self.center:  # normalisation is a no-op for the RBF kernel; keep the Nystrom map
            return self._map_raw(A)
        return super()._map_prepared(A)


class HistogramIntersectionMap(KernelMap):
    """Histogram intersection kernel and its quantised unary map (App. A.1, Eqs. 19-20).

    Per dimension :math:`d`, :math:`\\ell_d, u_d` are the fitting set's min and max and
    :math:`Q` = ``levels`` (paper: 10). With :math:`k(x_d)=\\lfloor Q(x_d-\\ell_d)/(u_d-\\ell_d)\\rfloor`
    clipped to :math:`[0,Q]`, :math:`\\psi(x_d)\\in\\{0,1\\}^Q` has its first :math:`k(x_d)` entries
    equal to one and :math:`\\hat\\phi(x)=[\\psi(x_d)\\sqrt{(u_d-\\ell_d)/Q}]_d` (:math:`Qd` dims).

    **Input rule (METHOD.md reading).** Features are shifted by :math:`\\ell_d` and clipped to the
    fitting range :math:`[\\ell_d,u_d]`, so any real features are accepted, negative ones included;
    the exact ``kernel`` is the same shifted, clipped kernel
    :math:`\\sum_d\\min(x_d-\\ell_d, x'_d-\\ell_d)`, which is positive semi-definite. Then
    :math:`0\\le\\kappa(x,x')-\\langle\\hat\\phi(x),\\hat\\phi(x')\\rangle<\\frac1Q\\sum_d(u_d-\\ell_d)`,
    and the error never grows when :math:`Q` is doubled. A constant dimension contributes nothing.

    Parameters
    ----------
    levels : int, default 10
    standardize, normalize, center, dtype, device, output
        See :class:`LinearMap`. With ``center`` the exact kernel is centred with the exact mean
        kernel, :math:`m(x)=\\sum_d\\frac1n\\sum_i\\min(t_d,v_{id})` (shifted, clipped values;
        :math:`O(d\\log n)` per sample from the sorted fitting values and their cumulative sums),
        and the quantised map by its mean over the fitting set.
    """

    kernel_name = "hi"
    exact = False
    _parameter_constraints = {**_MAP_CONSTRAINTS, "levels": [Int(1)]}

    def __init__(self, levels=10, *, standardize=False, normalize=False, center=False, dtype="float32",
                 device=None, output="numpy"):
        self.levels = levels
        self.standardize = standardize
        self.normalize = normalize
        self.center = center
        self.dtype = dtype
        self.device = device
        self.output = output

    def _fit_prepared(self, A):
        if not isinstance(self.levels, (int, np.integer)) or self.levels < 1:
            raise ValueError(f"levels must be a positive integer, got {self.levels!r}")
        lo = A.min(0).values
        hi = A.max(0).values
        self.lower_ = lo.to(self.dtype_)
        self.upper_ = hi.to(self.dtype_)
        self.range_ = (hi - lo).to(self.dtype_)
        self.n_output_features_ = int(self.levels) * A.shape[1]

    def error_bound(self) -> float:
        """:math:`\\frac1Q\\sum_d(u_d-\\ell_d)` (unnormalised kernel)."""
        check_is_fitted(self, "range_")
        return float(self.range_.double().sum()) / int(self.levels)

    def _shift(self, A):
        return torch.minimum((A - self.lower_).clamp_min(0.0), self.range_)

    def _kernel_raw(self, A, B):
        # sum_d min(a_d, b_d) = (|a|_1 + |b|_1 - |a - b|_1) / 2 for a, b >= 0: torch.cdist(p=1)
        # computes the L1 distances without materialising the (n, m, d) broadcast
        a, b = self._shift(A), self._shift(B)
        if a.shape[0] * b.shape[0] * a.shape[1] <= CHUNK_ELEMS:
            return torch.minimum(a[:, None, :], b[None, :, :]).sum(-1)
        K = 0.5 * (a.sum(1)[:, None] + b.sum(1)[None, :] - torch.cdist(a, b, p=1))
        return K.clamp_min(0.0)

    def _diag_raw(self, A):
        return self._shift(A).sum(1)

    def _fit_center_stats(self, A):
        V = self._shift(A.to(self.dtype_)).double().T.contiguous()  # (d, n)
        V, _ = torch.sort(V, dim=1)
        zero = torch.zeros(V.shape[0], 1, dtype=V.dtype, device=V.device)
        self.center_sorted_ = V.to(self.dtype_)
        self.center_cumsum_ = torch.cat([zero, torch.cumsum(V, 1)], 1).to(self.dtype_)

    def _kernel_mean(self, A):
        # mean_i min(t, v_i) = (sum_{v_i < t} v_i + t * #{v_i >= t}) / n, per dimension
        V = self.center_sorted_.to(A.dtype)
        cs = self.center_cumsum_.to(A.dtype)
        n = V.shape[1]
        T = self._shift(A).T.contiguous()  # (d, B)
        k = torch.searchsorted(V, T)  # number of fitting values below t
        below = torch.gather(cs, 1, k)
        return ((below + T * (n - k).to(A.dtype)) / n).sum(0)

    def levels_of(self, A) -> torch.Tensor:
        """Quantisation levels :math:`k(x_d)` of prepared features, shape (n, d)."""
        Q = int(self.levels)
        rng = self.range_
        safe = torch.where(rng > 0, rng, torch.ones_like(rng))
        k = torch.floor(Q * self._shift(A) / safe)
        k = torch.where(rng > 0, k, torch.zeros_like(k))
        return k.clamp(0, Q)

    def _map_raw(self, A):
        Q = int(self.levels)
        k = self.levels_of(A)
        steps = torch.arange(Q, dtype=A.dtype, device=A.device)
        psi = (steps[None, None, :] < k[:, :, None]).to(A.dtype)
        scale = torch.sqrt(self.range_ / Q)
        return (psi * scale[None, :, None]).reshape(A.shape[0], -1)


_CLASSES = {
    "linear": LinearMap,
    "polynomial": PolynomialMap,
    "rbf": RBFMap,
    "hi": HistogramIntersectionMap,
}


def make_map(name: str, **params) -> KernelMap:
    """Build an elementary map by kernel name (``"linear"``, ``"polynomial"``, ``"rbf"``, ``"hi"``).

    Keyword arguments that the chosen map does not take (e.g. ``levels`` for a linear map) are
    ignored, so one set of options can configure all four maps.
    """
    cls = _CLASSES[canonical_kernel_name(name)]
    accepted = cls._get_param_names()
    return cls(**{k: v for k, v in params.items() if k in accepted})
