"""Tuned single-view baselines (GTZAN, paper Table 1): small grids, 5-fold CV on training data."""

from __future__ import annotations

from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from ._inputs import check_vectors, pick_views
from .kernel_svm import KernelSVC

__all__ = ["SelectView", "tuned_baselines"]


class SelectView(TransformerMixin, BaseEstimator):
    """Pipeline step that takes one view out of a multi-modal ``X`` (a bare array passes through).

    Parameters
    ----------
    view : str
        The view to return, as a checked float64 ``(n, d)`` array.
    """

    def __init__(self, view: str):
        self.view = view

    def fit(self, X, y=None):
        A = self.transform(X)
        self.n_features_out_ = A.shape[1]
        return self

    def transform(self, X):
        raw = pick_views(X, [self.view], estimator="SelectView")
        return check_vectors(raw)[self.view]


def tuned_baselines(
    random_state=None,
    *,
    view: str | None = None,
    cv: int = 5,
    n_jobs: int | None = None,
) -> dict[str, GridSearchCV]:
    """Single-view baselines, each a :class:`~sklearn.model_selection.GridSearchCV` over a small grid.

    Calling ``fit(X_train, y_train)`` on one of them runs stratified ``cv``-fold cross-validation
    on the training data it is given (and nothing else), then refits the best setting on all
    of it; the test part is only ever passed to ``predict``/``score``.

    ===========  =====================================================  =================================
    name         pipeline                                               grid
    ===========  =====================================================  =================================
    ``svm_rbf``  ``StandardScaler -> SVC(kernel="rbf")``                 C {0.1, 1, 10, 100} x
                                                                        gamma {"scale", 1e-3, 1e-2, 1e-1}
    ``svm_hi``   :class:`KernelSVC` ``(kernel="hi")`` (exact HI kernel,  C {0.1, 1, 10, 100}
                 shifted by the training minima, cosine-normalised)
    ``logreg``   ``StandardScaler -> LogisticRegression``               C {0.01, 0.1, 1, 10}
    ``mlp``      ``StandardScaler -> sklearn MLPClassifier``            hidden {(128,), (256,)} x
                 (batches of 32, early stopping, patience 20)           alpha {1e-4, 1e-2}
    ===========  =====================================================  =================================

    The two SVMs are fitted without Platt scaling (``predict_proba`` is not available for them);
    the tables only need ``predict``.

    Parameters
    ----------
    random_state : int or None
        Seeds the CV folds and the randomised models.
    view : str or None
        When given, each pipeline starts with :class:`SelectView` so that it reads this view
        of a dict / :class:`kmnet.views.MultiView`; otherwise ``X`` is a plain ``(n, d)`` array.
    cv : int, default=5
        Number of stratified folds.
    n_jobs : int or None
        Passed to ``GridSearchCV``.

    Returns
    -------
    dict name -> GridSearchCV (unfitted)
    """
    if int(cv) < 2:
        raise ValueError(f"cv must be >= 2, got {cv}")
    folds = StratifiedKFold(n_splits=int(cv), shuffle=True, random_state=random_state)
    head = [("view", SelectView(view))] if view is not None else []

    def search(steps, grid):
        return GridSearchCV(Pipeline(head + steps), grid, cv=folds, n_jobs=n_jobs, refit=True)

    return {
        "svm_rbf": search(
            [("scale", StandardScaler()), ("clf", SVC(kernel="rbf"))],
            {"clf__C": [0.1, 1.0, 10.0, 100.0], "clf__gamma": ["scale", 1e-3, 1e-2, 1e-1]},
        ),
        "svm_hi": search(
            [("clf", KernelSVC(kernel="hi", probability=False, device="cpu"))],
            {"clf__C": [0.1, 1.0, 10.0, 100.0]},
        ),
        "logreg": search(
            [("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=5000))],
            {"clf__C": [0.01, 0.1, 1.0, 10.0]},
        ),
        "mlp": search(
            [
                ("scale", StandardScaler()),
                (
                    "clf",
                    SkMLPClassifier(
                        batch_size=32,
                        early_stopping=True,
                        n_iter_no_change=20,
                        max_iter=500,
                        random_state=random_state,
                    ),
                ),
            ],
            {"clf__hidden_layer_sizes": [(128,), (256,)], "clf__alpha": [1e-4, 1e-2]},
        ),
    }
