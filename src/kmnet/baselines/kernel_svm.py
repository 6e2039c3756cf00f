"""SVMs on one elementary kernel (paper Table 3, Table 5 "Histogram kernel + SVM")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import SVC
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .._validation import check_labels
from ..maps import canonical_kernel_name, make_map
from ..views import MultiView
from ._inputs import aligned_proba, check_vectors, encode_class_weight, pick_views, seed_from

__all__ = ["KernelSVC"]


class KernelSVC(ClassifierMixin, BaseEstimator):
    """SVM (scikit-learn ``SVC``, precomputed kernel) on one exact elementary kernel of one view.

    The Gram matrix comes from :func:`kmnet.maps.make_map` (linear, polynomial, RBF or histogram
    intersection, paper Appendix A.1); with several views the per-view kernels are summed. This is
    the elementary-kernel baseline of the paper's Table 3 and the "Histogram kernel + SVM" of Table 5.

    Parameters
    ----------
    kernel : {"hi", "linear", "polynomial", "rbf"}, default="hi"
        Aliases of :func:`kmnet.maps.canonical_kernel_name` are accepted.
    view : str, sequence of str or None, default=None
        View(s) to use; ``None``: every view of ``X`` (kernels summed), or the array itself when
        ``X`` is a bare 2-D array.
    C : float, default=1.0
        SVM penalty. Cosine-normalised kernels of high-dimensional features vary little between
        pairs, so ``C`` often needs to be 10-1000: tune it (``GridSearchCV``, 5-fold on the
        training data, as :func:`tuned_baselines` does).
    kernel_params : dict or None
        Extra options of the map (``degree``, ``sigma``, ``levels``, ...).
    standardize : bool or None, default=None
        Standardise features with training statistics before the kernel. ``None``: yes for the
        linear, polynomial and RBF kernels, no for HI (METHOD.md, "Normalisation").
    normalize : bool, default=True
        Cosine-normalise each kernel, :math:`\\kappa(x,x')/\\sqrt{\\kappa(x,x)\\kappa(x',x')}`, so
        that summed views weigh alike (METHOD.md default).
    class_weight : None, "balanced" or dict label -> weight
    probability : bool, default=True
        Calibrate probabilities so that ``predict_proba`` is available: a multinomial logistic
        regression on the SVM decision values, fitted on 5-fold out-of-fold decision values of
        the training data (Platt scaling; ``SVC(probability=True)`` is deprecated in
        scikit-learn 1.9). ``predict`` still follows the SVM's decision function.
    dtype : {"float64", "float32"}, default="float64"
    device : str, torch.device or None
        Where the Gram matrices are computed (``None``: CUDA when available).
    random_state : int, RandomState or None
        Seeds the calibration folds.

    Attributes
    ----------
    classes_ : ndarray
    views_ : list of str
    maps_ : dict view -> fitted :class:`kmnet.maps.KernelMap`
    X_fit_ : dict view -> ndarray, the training features (needed for test kernels)
    svc_ : sklearn.svm.SVC
    calibrator_ : sklearn.linear_model.LogisticRegression or None
        The probability calibration (``probability=True``).

    References
    ----------
    Q. Wang and M. Jiu, "Deep Multi-Modal Kernel Map Network for Music Genre Classification",
    Algorithms 19(6), 467 (2026), Section 4.3, Table 3.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 30)
    >>> X = {"audio": rng.random((60, 4)) + y[:, None]}
    >>> float(KernelSVC(kernel="hi", random_state=0).fit(X, y).score(X, y)) > 0.9
    True
    """

    def __init__(
        self,
        kernel: str = "hi",
        *,
        view: str | Sequence[str] | None = None,
        C: float = 1.0,
        kernel_params: dict | None = None,
        standardize: bool | None = None,
        normalize: bool = True,
        class_weight=None,
        probability: bool = True,
        dtype: str = "float64",
        device=None,
        random_state=None,
    ):
        self.kernel = kernel
        self.view = view
        self.C = C
        self.kernel_params = kernel_params
        self.standardize = standardize
        self.normalize = normalize
        self.class_weight = class_weight
        self.probability = probability
        self.dtype = dtype
        self.device = device
        self.random_state = random_state

    def _names(self, X) -> list[str]:
        if self.view is None:
            if isinstance(X, (Mapping, MultiView)):
                return [str(k) for k in X.keys()]
            return ["X"]
        if isinstance(self.view, str):
            return [self.view]
        return list(self.view)

    def _read(self, X, *, fitted: bool) -> dict[str, np.ndarray]:
        names = self.views_ if fitted else self._names(X)
        raw = pick_views(X, names, estimator=type(self).__name__)
        expected = {k: v.shape[1] for k, v in self.X_fit_.items()} if fitted else None
        return check_vectors(raw, expected)

    def _gram(self, views: dict[str, np.ndarray], *, train: bool) -> np.ndarray:
        K = None
        for k, A in views.items():
            G = self.maps_[k].kernel(A) if train else self.maps_[k].kernel(A, self.X_fit_[k])
            G = G.detach().double().cpu().numpy()
            K = G if K is None else K + G
        return K

    def fit(self, X, y):
        """Fit on the training views ``X`` and labels ``y``; returns ``self``."""
        name = canonical_kernel_name(self.kernel)
        views = self._read(X, fitted=False)
        n = next(iter(views.values())).shape[0]
        classes, y_idx = check_labels(y, n)
        if not self.C > 0:
            raise ValueError(f"C must be > 0, got {self.C}")
        std = (name != "hi") if self.standardize is None else bool(self.standardize)
        params = dict(self.kernel_params or {})
        params.update(standardize=std, normalize=bool(self.normalize), dtype=self.dtype, device=self.device,
                      output="torch")
        self.classes_ = classes
        self.views_ = list(views)
        self.kernel_name_ = name
        self.maps_ = {k: make_map(name, **params).fit(A) for k, A in views.items()}
        self.X_fit_ = views
        self.n_features_in_ = int(sum(A.shape[1] for A in views.values()))
        K = self._gram(views, train=True)
        svc = SVC(kernel="precomputed", C=float(self.C), class_weight=encode_class_weight(self.class_weight, classes))
        self.svc_ = clone(svc).fit(K, y_idx)
        self.calibrator_ = None
        if self.probability:
            self.calibrator_ = self._fit_calibrator(svc, K, y_idx, len(classes))
        return self

    def _fit_calibrator(self, svc, K, y_idx, n_classes) -> LogisticRegression:
        """Platt-style scaling on out-of-fold decision values of the training data."""
        n_folds = min(5, int(np.bincount(y_idx).min()))
        if n_folds >= 2:
            folds = StratifiedKFold(n_folds, shuffle=True, random_state=seed_from(self.random_state))
            scores = cross_val_predict(svc, K, y_idx, cv=folds, method="decision_function")
        else:  # a class with a single sample: no held-out scores possible
            scores = self.svc_.decision_function(K)
        return LogisticRegression(max_iter=5000).fit(_as_2d(scores), y_idx)

    def _test_gram(self, X) -> np.ndarray:
        check_is_fitted(self, "svc_")
        return self._gram(self._read(X, fitted=True), train=False)

    def decision_function(self, X) -> np.ndarray:
        """The SVM's decision values: ``(n,)`` for two classes, else ``(n, n_classes)`` (one-vs-rest)."""
        K = self._test_gram(X)
        return self.svc_.decision_function(K)

    def predict(self, X) -> np.ndarray:
        K = self._test_gram(X)
        return self.classes_[self.svc_.predict(K).astype(np.int64)]

    @available_if(lambda self: bool(self.probability))
    def predict_proba(self, X) -> np.ndarray:
        """Platt-scaled class probabilities (``probability=True``); columns follow ``classes_``."""
        K = self._test_gram(X)
        if self.calibrator_ is None:
            raise AttributeError("predict_proba needs probability=True")
        scores = _as_2d(self.svc_.decision_function(K))
        return aligned_proba(self.calibrator_, scores, len(self.classes_))


def _as_2d(scores: np.ndarray) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float64)
    return scores[:, None] if scores.ndim == 1 else scores
