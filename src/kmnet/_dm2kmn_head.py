"""The softmax layer of :class:`kmnet.DeepKernelMapNetwork`: taken over from SVMs, and calibrated.

The initial DM2KMN's softmax layer (Eq. 5) starts as the DKN's one-vs-rest SVMs
(:meth:`~kmnet.DeepKernelMapNetwork.from_dkn`): :math:`W^{LR}_c=\\sum_i\\beta^c_i\\hat\\phi^{(L)}_1(x_i)`
with :math:`\\beta^c_i=\\alpha^c_iy^c_i` and the SVM intercepts. SVM scores are margins, not
log-odds: on new samples their softmax is far from calibrated (on the piano set it is
under-confident by a factor of about 3-4), so that any learning which merely sharpens the outputs
lowers a held-out cross-entropy. :func:`fit_temperature` fits one positive scale :math:`s` of the
logits (:math:`1/s` is the classical temperature; accuracy is unchanged) on **out-of-fold** SVM
scores of the training samples (:func:`oof_svm_logits`), with Platt's recipe: the SVMs fit their
own training samples almost perfectly, so a scale fitted on in-sample scores would grow without
bound, and the targets are smoothed (true class :math:`(n_c+1)/(n_c+2)` for a class of
:math:`n_c` samples, the rest shared by the other classes), so that the scale stays finite when
even the out-of-fold scores separate the classes.

Functions of plain arrays, used by :meth:`~kmnet.DeepKernelMapNetwork.from_dkn` and
:meth:`~kmnet.DeepKernelMapNetwork.calibrate`.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import SVC
from sklearn.utils.validation import check_is_fitted

from ._dm2kmn_train import generator, label_indices, train

__all__ = ["HeadCalibration", "solve_ovr_svms", "svm_logits", "oof_svm_logits", "weighted_cross_entropy", "platt_targets",
           "fit_temperature"]


def solve_ovr_svms(K: np.ndarray, y_idx: np.ndarray, n_classes: int, C: float, sample_weight=None):
    """One-vs-rest SVMs on a precomputed kernel, as the DKN trains them (Section 3.1).

    One SVM for two classes (positive: class 1), one per class otherwise.

    Returns
    -------
    betas : ndarray (n_svms, n)
        :math:`\\alpha^c_iy^c_i` (zero off the support).
    intercepts : ndarray (n_svms,)
    """
    y_idx = np.asarray(y_idx)
    cls = [1] if n_classes == 2 else list(range(n_classes))
    betas, b0 = np.zeros((len(cls), K.shape[0])), np.zeros(len(cls))
    for j, c in enumerate(cls):
        t = np.where(y_idx == c, 1, -1)
        if np.unique(t).size < 2:
            raise ValueError(f"SVM for class {c}: the samples hold only one side of the one-vs-rest split")
        svm = SVC(C=float(C), kernel="precomputed", tol=1e-4, cache_size=500)
        svm.fit(K, t, sample_weight=sample_weight)
        betas[j, svm.support_] = svm.dual_coef_[0]
        b0[j] = float(svm.intercept_[0])
    return betas, b0


def svm_logits(scores: np.ndarray, n_classes: int) -> np.ndarray:
    """Softmax logits of one-vs-rest SVM scores, as the map network's softmax layer holds them:
    the scores themselves for several classes, :math:`(-f/2, f/2)` for two (so that the logit
    difference is the SVM score)."""
    scores = np.asarray(scores, dtype=np.float64)
    if n_classes == 2:
        f = scores.reshape(len(scores), -1)[:, 0]
        return np.stack([-0.5 * f, 0.5 * f], axis=1)
    return scores


def oof_svm_logits(K: np.ndarray, y_idx: np.ndarray, n_classes: int, C: float, *, class_weights=None,
                   cv: int = 5, random_state=None) -> np.ndarray:
    """Out-of-fold logits of one-vs-rest SVMs on a precomputed training kernel ``K``.

    Every sample is scored by SVMs trained on the other folds (stratified ``cv`` folds).

    Parameters
    ----------
    K : ndarray (n, n)
        Kernel of the training samples (e.g. the map network's output kernel).
    y_idx : ndarray of int
    n_classes : int
    C : float
        The SVMs' regularisation (the DKN's).
    class_weights : ndarray (n_classes,), optional
        Per-class sample weights of the SVMs.
    cv : int
    random_state : int, optional
        Seeds the folds.
    """
    y_idx = np.asarray(y_idx)
    counts = np.bincount(y_idx, minlength=n_classes)
    if int(cv) < 2 or counts.min() < int(cv):
        raise ValueError(f"oof_svm_logits: need cv >= 2 and at least cv samples per class; "
                         f"got cv={cv}, class counts {counts.tolist()}")
    out = np.zeros((len(y_idx), n_classes))
    folds = StratifiedKFold(int(cv), shuffle=True, random_state=random_state)
    for tr, va in folds.split(np.zeros(len(y_idx)), y_idx):
        sw = None if class_weights is None else np.asarray(class_weights)[y_idx[tr]]
        betas, b0 = solve_ovr_svms(K[np.ix_(tr, tr)], y_idx[tr], n_classes, C, sw)
        out[va] = svm_logits(K[np.ix_(va, tr)] @ betas.T + b0[None, :], n_classes)
    return out


def weighted_cross_entropy(logits: np.ndarray, y_idx: np.ndarray, class_weights=None, targets=None) -> float:
    """Class-weighted mean cross-entropy of softmax ``logits`` (weights normalised to sum to one).

    ``targets``: soft target distributions (n, n_classes) instead of the one-hot labels.
    """
    lp = log_softmax(np.asarray(logits, dtype=np.float64), axis=1)
    y_idx = np.asarray(y_idx)
    nll = -lp[np.arange(len(y_idx)), y_idx] if targets is None else -(np.asarray(targets) * lp).sum(1)
    w = np.ones(len(y_idx)) if class_weights is None else np.asarray(class_weights, dtype=np.float64)[y_idx]
    return float((w * nll).sum() / w.sum())


def platt_targets(y_idx: np.ndarray, n_classes: int) -> np.ndarray:
    """Platt's smoothed targets: :math:`(n_c+1)/(n_c+2)` on the true class :math:`c` (of
    :math:`n_c` samples), the remaining :math:`1/(n_c+2)` spread evenly over the other classes."""
    y_idx = np.asarray(y_idx)
    counts = np.bincount(y_idx, minlength=n_classes).astype(float)
    eps = 1.0 / (counts[y_idx] + 2.0)
    t = np.repeat((eps / max(n_classes - 1, 1))[:, None], n_classes, axis=1)
    t[np.arange(len(y_idx)), y_idx] = 1.0 - eps
    return t


def fit_temperature(logits: np.ndarray, y_idx: np.ndarray, class_weights=None, *, smoothing: bool = True,
                    bounds: tuple[float, float] = (1e-3, 1e3)) -> tuple[float, float, float]:
    """The scale :math:`s>0` of the logits that minimises the (class-weighted) cross-entropy.

    The cross-entropy of :math:`s\\,z` is convex in :math:`s`; it is minimised over
    :math:`\\log s` within ``bounds``, against Platt's smoothed targets (:func:`platt_targets`)
    unless ``smoothing=False`` (then separable logits drive :math:`s` to the upper bound).

    Returns
    -------
    scale : float
    ce_before, ce_after : float
        Cross-entropy (one-hot labels) at :math:`s=1` and at the fitted scale.
    """
    logits = np.asarray(logits, dtype=np.float64)
    y_idx = np.asarray(y_idx)
    if logits.ndim != 2 or len(logits) != len(y_idx) or not np.all(np.isfinite(logits)):
        raise ValueError("fit_temperature: logits must be a finite (n, n_classes) array with one row per label")
    targets = platt_targets(y_idx, logits.shape[1]) if smoothing else None

    def objective(s):
        return weighted_cross_entropy(s * logits, y_idx, class_weights, targets)

    lo, hi = (np.log(b) for b in bounds)
    res = minimize_scalar(lambda t: objective(np.exp(t)), bounds=(lo, hi), method="bounded", options={"xatol": 1e-6})
    s = float(np.exp(res.x))
    if objective(s) > objective(1.0):  # the bounded search never does worse than no scaling
        s = 1.0
    return s, weighted_cross_entropy(logits, y_idx, class_weights), weighted_cross_entropy(s * logits, y_idx,
                                                                                          class_weights)


class HeadCalibration:
    """:meth:`calibrate` of :class:`~kmnet.DeepKernelMapNetwork` (mixin)."""

    def calibrate(self, views, y, method="temperature", *, cv=5, epochs=10):
        """Calibrate the softmax layer on training data before any end-to-end learning; returns ``self``.

        Parameters
        ----------
        views : mapping of str to array-like (n, d_m) or MultiView
            Training views (those the network was built on; never held-out data).
        y : array-like of shape (n,)
        method : {"temperature", "head", "none"}, default "temperature"
            ``"temperature"``: multiply :math:`W^{LR}` and the bias by one scale :math:`s>0`
            (``temperature_`` is :math:`1/s`), fitted by minimising the class-weighted
            cross-entropy of **out-of-fold** scores: one-vs-rest SVMs (the DKN's ``C`` and class
            weights, kept by :meth:`from_dkn`) on the network's own output kernel of ``views``,
            trained on ``cv - 1`` folds and scoring the remaining one, with Platt's smoothed
            targets (in-sample scores of SVMs that fit their training samples, or separable
            out-of-fold scores with one-hot targets, would make :math:`s` grow without bound;
            :func:`kmnet._dm2kmn_head.fit_temperature`). Predictions do not change.
            ``"head"``: learn the softmax layer alone for ``epochs`` epochs (the network's
            optimiser settings and Eq. 6), everything else fixed. Predictions may change.
            ``"none"``: nothing (records ``temperature_ = 1``).
        cv : int, default 5
            Folds of the out-of-fold scores (``"temperature"``).
        epochs : int, default 10
            Epochs of ``"head"``.

        Notes
        -----
        Sets ``calibration_`` (the method), ``temperature_`` (the logits were divided by it;
        1 unless ``"temperature"``) and ``calibration_loss_``: for ``"temperature"`` the
        out-of-fold cross-entropy before and after scaling, for ``"head"`` the training loss
        (Eq. 6) of its first and last epoch. On the piano set the SVM head is under-confident
        by a factor of about 3 (``temperature_`` near 0.35).
        """
        check_is_fitted(self, "module_")
        if method not in ("temperature", "head", "none"):
            raise ValueError(f"calibrate: method must be 'temperature', 'head' or 'none', got {method!r}")
        views = self._validate_predict(views)
        n = next(iter(views.values())).shape[0]
        y_idx = label_indices(self, y, n, min_classes=2,
                               what="y: class {!r} was not seen when the network was built")
        self.temperature_ = 1.0
        self.calibration_loss_ = (float("nan"), float("nan"))
        if method == "temperature":
            if getattr(self, "svm_C_", None) is None:
                raise ValueError("calibrate: 'temperature' needs the SVM C of the DKN the network was built from "
                                 "(from_dkn with head='svm'); use method='head' otherwise")
            Phi = self.output_map(views).double().cpu().numpy()
            K = Phi @ Phi.T
            swc = None if self.svm_class_weight_ is None else self._class_weights(y_idx, self.svm_class_weight_)
            seed = None if self.random_state is None else int(np.random.default_rng(self.random_state).integers(2**31 - 1))
            logits = oof_svm_logits(K, y_idx, len(self.classes_), self.svm_C_, class_weights=swc, cv=int(cv),
                                    random_state=seed)
            scale, before, after = fit_temperature(logits, y_idx, self._class_weights(y_idx, self.class_weight))
            with torch.no_grad():
                self.module_.W.mul_(scale)
                self.module_.b.mul_(scale)
            self.temperature_ = 1.0 / scale
            self.calibration_loss_ = (before, after)
        elif method == "head":
            if int(epochs) < 1:
                raise ValueError(f"calibrate: epochs must be >= 1 for method='head', got {epochs!r}")
            keep = {k: getattr(self, k) for k in ("trainable", "epochs", "early_stopping", "callback", "warm_start")}
            curve = list(getattr(self, "loss_curve_", []))
            try:
                self.set_params(trainable=("classifier",), epochs=int(epochs), early_stopping=False, callback=None,
                                warm_start=True)
                self.loss_curve_ = []
                train(self, views, y_idx, generator(self.random_state))
                head_curve = list(self.loss_curve_)
            finally:
                self.set_params(**keep)
                self.loss_curve_ = curve
                self.n_epochs_ = len(curve)
            self.calibration_loss_ = (head_curve[0], head_curve[-1])
        self.calibration_ = method
        return self
