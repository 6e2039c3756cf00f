"""A raw-text view turned into a bag-of-words view inside ``fit`` (for CNN/MLP + BOW, ref. [91]).

:class:`CNNBOWClassifier` (and any multi-view classifier) reads a precomputed bag-of-words view
whose vocabulary must come from the training texts only. When a protocol hands the same views
to every split (:func:`kmnet.experiments.protocols.run_protocol`), the vocabulary has to be learned inside
the estimator: :class:`BagOfWordsView` does that, so that a raw-text view can travel through
``MultiView`` row indexing, cross-validation and the protocol runner like any other view.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted

from ..views import MultiView
from .bow import bag_of_words

__all__ = ["BagOfWordsView", "texts_view"]


def texts_view(texts) -> np.ndarray:
    """Texts as an ``(n, 1)`` object array: a view that ``MultiView`` and the protocols can carry."""
    if isinstance(texts, str):
        raise ValueError("texts: expected a sequence of documents, got a single string")
    docs = list(texts)
    bad = [i for i, t in enumerate(docs) if not isinstance(t, str)]
    if bad:
        raise ValueError(f"texts: document {bad[0]} is {type(docs[bad[0]]).__name__}, not str")
    out = np.empty((len(docs), 1), dtype=object)
    out[:, 0] = docs
    return out


def _docs(a, name: str) -> list[str]:
    arr = np.asarray(a, dtype=object)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"X[{name!r}]: expected texts of shape (n,) or (n, 1), got {arr.shape}")
    bad = [i for i, t in enumerate(arr) if not isinstance(t, str)]
    if bad:
        raise ValueError(f"X[{name!r}]: row {bad[0]} is {type(arr[bad[0]]).__name__}, not a text")
    return [str(t) for t in arr]


class BagOfWordsView(ClassifierMixin, BaseEstimator):
    """Replace a raw-text view by its bag-of-words, learned on the training texts, then classify.

    In :meth:`fit` the vocabulary (and idf) of :func:`kmnet.baselines.bag_of_words` is learned on
    the training rows' texts only; ``X[text_view]`` is replaced by ``X[bow_view]`` and the wrapped
    ``estimator`` is fitted on the resulting views. :meth:`predict` applies the same vocabulary.

    Parameters
    ----------
    estimator : classifier reading a mapping of views
        e.g. ``CNNBOWClassifier(image_view="image", bow_view="bow")`` or, with no audio image,
        ``DCNClassifier(audio_view="audio", text_view="bow", depth=1)`` (an MLP audio branch
        beside the dense BOW branch, fused before the softmax).
    text_view : str, default "lyrics"
        The view holding the raw texts (``(n, 1)`` object array, see :func:`texts_view`).
    bow_view : str, default "bow"
        The name of the bag-of-words view the estimator reads.
    keep : sequence of str or None, default None
        Other views passed on to the estimator (None: every view but ``text_view``).
    vocabulary_size, weighting, token_pattern, min_df :
        As in :func:`kmnet.baselines.bag_of_words`.

    Attributes
    ----------
    estimator_ : the fitted estimator
    vectorizer_ : the fitted scikit-learn vectorizer
    classes_ : ndarray
    n_terms_ : int
        Vocabulary size actually kept.

    Examples
    --------
    >>> import numpy as np
    >>> from kmnet.baselines import DCNClassifier
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat(["a", "b"], 30)
    >>> words = {"a": "love heart night", "b": "road fire city"}
    >>> X = {"audio": rng.normal(size=(60, 3)), "lyrics": texts_view([words[c] for c in y])}
    >>> clf = BagOfWordsView(DCNClassifier(text_view="bow", depth=1, max_epochs=40, random_state=0))
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    """

    def __init__(
        self,
        estimator=None,
        *,
        text_view: str = "lyrics",
        bow_view: str = "bow",
        keep=None,
        vocabulary_size: int = 2000,
        weighting: str = "tfidf",
        token_pattern: str = r"(?u)\b\w\w+\b",
        min_df: int = 1,
    ):
        self.estimator = estimator
        self.text_view = text_view
        self.bow_view = bow_view
        self.keep = keep
        self.vocabulary_size = vocabulary_size
        self.weighting = weighting
        self.token_pattern = token_pattern
        self.min_df = min_df

    def _split(self, X) -> tuple[list[str], dict]:
        if isinstance(X, MultiView):
            X = dict(X.items())
        if not isinstance(X, Mapping):
            raise ValueError(f"X: BagOfWordsView needs a mapping of views (dict or MultiView), got {type(X).__name__}")
        if self.text_view not in X:
            raise ValueError(f"X: the text view {self.text_view!r} is missing (have {sorted(map(str, X))})")
        if self.bow_view in X:
            raise ValueError(f"X: a view named {self.bow_view!r} exists already; choose another bow_view")
        names = [k for k in X if k != self.text_view] if self.keep is None else list(self.keep)
        missing = [k for k in names if k not in X]
        if missing:
            raise ValueError(f"X: view(s) {missing} are missing (have {sorted(map(str, X))})")
        return _docs(X[self.text_view], self.text_view), {k: X[k] for k in names}

    def fit(self, X, y):
        """Learn the vocabulary on ``X[text_view]``, then fit the estimator; returns ``self``."""
        if self.estimator is None:
            raise ValueError("estimator: BagOfWordsView needs a classifier to wrap")
        docs, views = self._split(X)
        (bow,), vec = bag_of_words(docs, vocabulary_size=self.vocabulary_size, weighting=self.weighting,
                                   token_pattern=self.token_pattern, min_df=self.min_df, return_vectorizer=True)
        self.vectorizer_ = vec
        self.n_terms_ = int(bow.shape[1])
        self.estimator_ = clone(self.estimator).fit(MultiView({**views, self.bow_view: bow}), y)
        self.classes_ = self.estimator_.classes_
        return self

    def _transform(self, X) -> MultiView:
        check_is_fitted(self, "estimator_")
        docs, views = self._split(X)
        bow = np.asarray(self.vectorizer_.transform(docs).toarray(), dtype=np.float64)
        return MultiView({**views, self.bow_view: bow})

    def predict(self, X):
        """Class labels of ``X``."""
        return self.estimator_.predict(self._transform(X))

    def predict_proba(self, X):
        """Class probabilities of ``X`` (columns in ``classes_`` order)."""
        return self.estimator_.predict_proba(self._transform(X))
