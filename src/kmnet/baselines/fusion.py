"""Feature concatenation, decision weighting and hybrid fusion (Li et al. 2023, ref. [21]).

All three read the same views as the kmnet networks. The per-modality and early-fusion models
are either the torch :class:`~kmnet.baselines.MLPClassifier` (``base="mlp"``), a logistic
regression (``base="logistic"``) or any scikit-learn classifier given as an instance.
Fusion weights are tuned on a validation split carved from the training data passed to ``fit``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone, is_classifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from ..views import MultiView
from ._inputs import (
    Standardizer,
    aligned_proba,
    check_vectors,
    encode_class_weight,
    pick_views,
    seed_from,
    validation_split,
)
from ._weights import search_fusion_weights, simplex_grid
from .._validation import check_labels
from .mlp import MLPClassifier

__all__ = ["EarlyFusionClassifier", "LateFusionClassifier", "HybridFusionClassifier"]

_REF21 = """.. [21] Y. Li, Z. Zhang, H. Ding and C. Liang, "Music genre classification based on fusing
       audio and lyric information", Multimedia Tools and Applications 82 (2023), 20157-20176."""

_BASE_PARAMS = """base : {"mlp", "logistic"} or scikit-learn classifier, default="mlp"
        ``"mlp"``: :class:`MLPClassifier` (torch, dropout, early stopping);
        ``"logistic"``: multinomial logistic regression; an estimator instance is cloned.
    hidden_layer_sizes, dropout, max_epochs, batch_size, lr, weight_decay, n_iter_no_change, device
        Passed to the :class:`MLPClassifier` models (``base="mlp"``).
    C : float, default=1.0
        Inverse L2 strength of the logistic regression (``base="logistic"``).
    class_weight : None, "balanced" or dict label -> weight
        Passed to every model.
    random_state : int, RandomState or None
        Seeds the splits and every model; fixed -> identical results on CPU."""


class _FusionBase(ClassifierMixin, BaseEstimator):
    """View picking and member construction shared by the three fusion classifiers."""

    _min_views = 1

    def _pick(self, X, *, fitted: bool) -> dict[str, np.ndarray]:
        if fitted:
            names = self.views_
        elif self.views is None:
            if not isinstance(X, (Mapping, MultiView)):
                raise ValueError(
                    f"X: {type(self).__name__} needs a mapping of modality name -> array "
                    f"(a dict or a kmnet.MultiView), got {type(X).__name__}"
                )
            names = [str(k) for k in X.keys()]
        else:
            names = [self.views] if isinstance(self.views, str) else list(self.views)
        if len(names) < self._min_views:
            raise ValueError(f"{type(self).__name__} needs at least {self._min_views} views, got {names}")
        raw = pick_views(X, names, estimator=type(self).__name__)
        expected = {k: v for k, v in self.n_features_per_view_.items()} if fitted else None
        return check_vectors(raw, expected)

    def _make_member(self, *, standardized: bool, seed: int, validation_fraction):
        """A fresh model of kind ``base`` for one array input."""
        cw = self._member_class_weight
        if isinstance(self.base, str):
            if self.base == "mlp":
                return MLPClassifier(
                    hidden_layer_sizes=self.hidden_layer_sizes,
                    dropout=self.dropout,
                    standardize=not standardized,
                    max_epochs=self.max_epochs,
                    batch_size=self.batch_size,
                    lr=self.lr,
                    weight_decay=self.weight_decay,
                    validation_fraction=validation_fraction,
                    n_iter_no_change=self.n_iter_no_change,
                    class_weight=cw,
                    device=self.device,
                    random_state=seed,
                )
            if self.base == "logistic":
                lr = LogisticRegression(C=self.C, class_weight=cw, max_iter=5000, random_state=seed)
                return lr if standardized else make_pipeline(StandardScaler(), lr)
            raise ValueError(f"base must be 'mlp', 'logistic' or a scikit-learn classifier, got {self.base!r}")
        if not is_classifier(self.base):
            raise ValueError(f"base must be 'mlp', 'logistic' or a scikit-learn classifier, got {self.base!r}")
        return clone(self.base)

    def _start_fit(self, X, y):
        views = self._pick(X, fitted=False)
        n = next(iter(views.values())).shape[0]
        classes, y_idx = check_labels(y, n)
        self.classes_ = classes
        self.views_ = list(views)
        self.n_features_per_view_ = {k: int(v.shape[1]) for k, v in views.items()}
        self.n_features_in_ = int(sum(self.n_features_per_view_.values()))
        self._member_class_weight = encode_class_weight(self.class_weight, classes)
        return views, y_idx

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row (labels as given to ``fit``)."""
        idx = np.argmax(self.predict_proba(X), axis=1)
        return self.classes_[idx]


class EarlyFusionClassifier(_FusionBase):
    """Feature concatenation: standardised modality features concatenated, then one classifier.

    Each view is standardised with training statistics and (``balance_modalities``) scaled so that
    every modality carries the same total variance, then an MLP or a logistic regression is
    trained on the concatenation: the "feature concatenation" of Li et al. [21] (paper Table 5;
    Table 6 cites it as [90]).

    Parameters
    ----------
    views : str, sequence of str or None, default=None
        Views to concatenate; ``None``: every view of ``X``.
    balance_modalities : bool, default=True
        Scale view ``m`` (``d_m`` features) by ``sqrt(D / (M d_m))`` after standardising, so that a
        1000-d view does not outweigh an 80-d one (``D`` total features, ``M`` views).
    %(base)s
    validation_fraction : float or None, default=0.1
        Early-stopping fraction of the MLP (carved from the training data).

    Attributes
    ----------
    classes_ : ndarray
    views_ : list of str
    estimator_ : the fitted classifier on the concatenated features (integer-coded labels)
    scalers_ : dict view -> Standardizer
    block_scales_ : dict view -> float

    References
    ----------
    %(ref)s
    """

    def __init__(
        self,
        *,
        views: str | Sequence[str] | None = None,
        balance_modalities: bool = True,
        base="mlp",
        hidden_layer_sizes: Sequence[int] = (256,),
        dropout: float = 0.3,
        C: float = 1.0,
        max_epochs: int = 200,
        batch_size: int = 32,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        validation_fraction: float | None = 0.1,
        n_iter_no_change: int = 10,
        class_weight=None,
        device=None,
        random_state=None,
    ):
        self.views = views
        self.balance_modalities = balance_modalities
        self.base = base
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.C = C
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.device = device
        self.random_state = random_state

    def _concat(self, views: dict[str, np.ndarray]) -> np.ndarray:
        return np.concatenate([self.scalers_[k].transform(v) * self.block_scales_[k] for k, v in views.items()], axis=1)

    def fit(self, X, y):
        """Fit on the training views ``X`` and labels ``y``; returns ``self``."""
        views, y_idx = self._start_fit(X, y)
        self.scalers_ = {k: Standardizer().fit(v) for k, v in views.items()}
        d = {k: v.shape[1] for k, v in views.items()}
        total, m = sum(d.values()), len(d)
        self.block_scales_ = {
            k: (float(np.sqrt(total / (m * dk))) if self.balance_modalities else 1.0) for k, dk in d.items()
        }
        self.estimator_ = self._make_member(
            standardized=True, seed=seed_from(self.random_state), validation_fraction=self.validation_fraction
        )
        self.estimator_.fit(self._concat(views), y_idx)
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities; columns follow ``classes_``."""
        check_is_fitted(self, "estimator_")
        return aligned_proba(self.estimator_, self._concat(self._pick(X, fitted=True)), len(self.classes_))


class _WeightedFusion(_FusionBase):
    """Members fitted on a part of the training data; weights searched on the held-out part."""

    _min_views = 2

    def _members(self) -> list[tuple[str, object]]:  # (name, input key: view name or None for all)
        raise NotImplementedError

    def _member_estimator(self, key, seed: int):
        if key is None:  # the early-fusion model of the hybrid
            return EarlyFusionClassifier(
                views=list(self.views_),
                balance_modalities=self.balance_modalities,
                base=self.base,
                hidden_layer_sizes=self.hidden_layer_sizes,
                dropout=self.dropout,
                C=self.C,
                max_epochs=self.max_epochs,
                batch_size=self.batch_size,
                lr=self.lr,
                weight_decay=self.weight_decay,
                validation_fraction=self.early_stopping_fraction,
                n_iter_no_change=self.n_iter_no_change,
                class_weight=self._member_class_weight,
                device=self.device,
                random_state=seed,
            )
        return self._make_member(standardized=False, seed=seed, validation_fraction=self.early_stopping_fraction)

    @staticmethod
    def _take(views: dict[str, np.ndarray], key, idx=None):
        if key is None:
            return views if idx is None else {k: v[idx] for k, v in views.items()}
        return views[key] if idx is None else views[key][idx]

    def fit(self, X, y):
        """Fit on the training views ``X`` and labels ``y``; returns ``self``.

        The fusion weights are chosen on ``validation_fraction`` of these training rows, with
        the members fitted on the rest; with ``refit=True`` the members are then refitted on all
        the training rows. No other data is used.
        """
        views, y_idx = self._start_fit(X, y)
        k = len(self.classes_)
        seed = seed_from(self.random_state)
        members = self._members()
        rng = np.random.RandomState(seed)
        seeds = [int(s) for s in rng.randint(0, 2**31 - 1, size=len(members))]
        fit_idx, val_idx = validation_split(y_idx, self.validation_fraction, seed)
        grid = simplex_grid(len(members), self.weight_step)

        fitted, probas = [], []
        for (_, key), s in zip(members, seeds):
            est = self._member_estimator(key, s).fit(self._take(views, key, fit_idx), y_idx[fit_idx])
            fitted.append(est)
            probas.append(aligned_proba(est, self._take(views, key, val_idx), k))
        y_val = y_idx[val_idx]
        self.weights_, self.weight_grid_scores_ = search_fusion_weights(probas, y_val, grid)
        self.weight_grid_ = grid
        self.member_names_ = [name for name, _ in members]
        self.validation_indices_ = val_idx
        self.validation_member_accuracy_ = {
            name: float((p.argmax(1) == y_val).mean()) for (name, _), p in zip(members, probas)
        }
        mix = sum(w * p for w, p in zip(self.weights_, probas))
        self.validation_accuracy_ = float((mix.argmax(1) == y_val).mean())
        if self.refit:
            fitted = [
                self._member_estimator(key, s).fit(self._take(views, key), y_idx) for (_, key), s in zip(members, seeds)
            ]
        self.estimators_ = fitted
        self._member_keys = [key for _, key in members]
        return self

    def member_proba(self, X) -> dict[str, np.ndarray]:
        """Each member's class probabilities (columns follow ``classes_``)."""
        check_is_fitted(self, "estimators_")
        views = self._pick(X, fitted=True)
        k = len(self.classes_)
        return {
            name: aligned_proba(est, self._take(views, key), k)
            for name, key, est in zip(self.member_names_, self._member_keys, self.estimators_)
        }

    def predict_proba(self, X) -> np.ndarray:
        """Weighted sum of the members' probabilities; columns follow ``classes_``."""
        probas = self.member_proba(X)
        return sum(w * p for w, p in zip(self.weights_, probas.values()))


_WEIGHTED_PARAMS = """weight_step : float, default=0.05
        Resolution of the weight grid on the simplex (weights in [0, 1], summing to 1).
    validation_fraction : float, default=0.2
        Fraction of the TRAINING rows (stratified) on which the weights are chosen; members are
        fitted on the remaining rows for that choice.
    refit : bool, default=True
        Refit the members on all the training rows once the weights are chosen.
    early_stopping_fraction : float or None, default=0.1
        Early-stopping fraction inside each MLP member."""

_WEIGHTED_ATTRS = """classes_ : ndarray
    views_ : list of str
    member_names_ : list of str
    weights_ : ndarray of shape (n_members,)
        Fusion weights, in [0, 1], summing to 1, in the order of ``member_names_``.
    estimators_ : list
        The fitted members (integer-coded labels).
    validation_indices_ : ndarray
        Training rows used to choose the weights.
    validation_accuracy_ : float
    validation_member_accuracy_ : dict name -> float
    weight_grid_, weight_grid_scores_ : ndarray
        Every weight vector tried and its validation accuracy (ties: lower log-loss, then the
        most even weights)."""


class LateFusionClassifier(_WeightedFusion):
    """Decision weighting: one classifier per modality, class probabilities summed with weights.

    The weights (one per view, on the simplex) maximise accuracy on a validation split carved
    from the training data: the late "decision weighting" fusion of Li et al. [21] (Tables 5, 6).

    Parameters
    ----------
    views : sequence of str or None, default=None
        At least two views; ``None``: every view of ``X``.
    %(weighted)s
    %(base)s

    Attributes
    ----------
    %(wattrs)s

    References
    ----------
    %(ref)s
    """

    def __init__(
        self,
        *,
        views: Sequence[str] | None = None,
        weight_step: float = 0.05,
        validation_fraction: float = 0.2,
        refit: bool = True,
        base="mlp",
        hidden_layer_sizes: Sequence[int] = (256,),
        dropout: float = 0.3,
        C: float = 1.0,
        max_epochs: int = 200,
        batch_size: int = 32,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        early_stopping_fraction: float | None = 0.1,
        n_iter_no_change: int = 10,
        class_weight=None,
        device=None,
        random_state=None,
    ):
        self.views = views
        self.weight_step = weight_step
        self.validation_fraction = validation_fraction
        self.refit = refit
        self.base = base
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.C = C
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.early_stopping_fraction = early_stopping_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.device = device
        self.random_state = random_state

    def _members(self):
        return [(v, v) for v in self.views_]


class HybridFusionClassifier(_WeightedFusion):
    """Hybrid fusion: the early-fusion model's probabilities weighted with the per-modality ones.

    Members are an :class:`EarlyFusionClassifier` (named ``"early"``) and one classifier per view;
    their weights (on the simplex) are tuned on a validation split of the training data, as in
    Li et al. [21].

    Parameters
    ----------
    views : sequence of str or None, default=None
        At least two views; ``None``: every view of ``X``.
    balance_modalities : bool, default=True
        See :class:`EarlyFusionClassifier`.
    %(weighted)s
    %(base)s

    Attributes
    ----------
    %(wattrs)s

    References
    ----------
    %(ref)s
    """

    def __init__(
        self,
        *,
        views: Sequence[str] | None = None,
        balance_modalities: bool = True,
        weight_step: float = 0.05,
        validation_fraction: float = 0.2,
        refit: bool = True,
        base="mlp",
        hidden_layer_sizes: Sequence[int] = (256,),
        dropout: float = 0.3,
        C: float = 1.0,
        max_epochs: int = 200,
        batch_size: int = 32,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        early_stopping_fraction: float | None = 0.1,
        n_iter_no_change: int = 10,
        class_weight=None,
        device=None,
        random_state=None,
    ):
        self.views = views
        self.balance_modalities = balance_modalities
        self.weight_step = weight_step
        self.validation_fraction = validation_fraction
        self.refit = refit
        self.base = base
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.C = C
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.early_stopping_fraction = early_stopping_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.device = device
        self.random_state = random_state

    def _members(self):
        return [("early", None)] + [(v, v) for v in self.views_]


_DOCS = {"base": _BASE_PARAMS, "ref": _REF21, "weighted": _WEIGHTED_PARAMS, "wattrs": _WEIGHTED_ATTRS}
for _cls in (EarlyFusionClassifier, LateFusionClassifier, HybridFusionClassifier):
    _cls.__doc__ = _cls.__doc__ % _DOCS
del _cls
