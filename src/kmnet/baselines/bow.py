"""Bag-of-words matrices for the text branch of CNN + BOW (Kamtue et al. 2019, ref. [91])."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

__all__ = ["bag_of_words"]


def _check_texts(texts, name: str) -> list[str]:
    if isinstance(texts, str):
        raise ValueError(f"{name}: expected a sequence of documents, got a single string")
    try:
        docs = list(texts)
    except TypeError as exc:
        raise ValueError(f"{name}: expected a sequence of strings, got {type(texts).__name__}") from exc
    if not docs:
        raise ValueError(f"{name}: no documents")
    for i, d in enumerate(docs):
        if not isinstance(d, str):
            raise ValueError(f"{name}: document {i} is {type(d).__name__}, not str")
    return docs


def bag_of_words(
    train_texts: Sequence[str],
    *other_texts: Sequence[str],
    vocabulary_size: int = 2000,
    weighting: str = "tfidf",
    token_pattern: str = r"(?u)\b\w\w+\b",
    lowercase: bool = True,
    ngram_range: tuple[int, int] = (1, 1),
    min_df: int = 1,
    return_vectorizer: bool = False,
):
    """Bag-of-words matrices with a vocabulary learned on the training texts only.

    The vocabulary (the ``vocabulary_size`` most frequent terms of ``train_texts``) and, for
    ``weighting="tfidf"``, the idf weights are fitted on ``train_texts`` alone; ``other_texts``
    (validation, test) are only transformed, so words seen only outside training are dropped.
    The result is the ``bow`` view that :class:`CNNBOWClassifier` reads.

    Parameters
    ----------
    train_texts : sequence of str
        One document per training item (lyrics, or the text of a **kern file).
    *other_texts : sequence of str
        Further collections to transform with the training vocabulary.
    vocabulary_size : int, default=2000
        Maximum number of terms kept.
    weighting : {"tfidf", "count", "binary"}, default="tfidf"
        ``"tfidf"`` is sublinear tf x idf, l2-normalised rows; ``"count"`` raw term counts;
        ``"binary"`` presence (0/1).
    token_pattern : str
        Regular expression of a token. The default is scikit-learn's word pattern (lyrics);
        for **kern text use :data:`kmnet.features.text.HUMDRUM_TOKEN_PATTERN` (whitespace-separated tokens).
    lowercase : bool, default=True
    ngram_range : (int, int), default=(1, 1)
    min_df : int, default=1
        Terms in fewer training documents are ignored.
    return_vectorizer : bool, default=False
        Also return the fitted scikit-learn vectorizer (its ``get_feature_names_out()`` lists
        the vocabulary).

    Returns
    -------
    matrices : tuple of ndarray of shape (n_docs, n_terms), float64
        The training matrix first, then one per ``other_texts`` collection.
    vectorizer : CountVectorizer or TfidfVectorizer
        Only when ``return_vectorizer=True``: ``(matrices, vectorizer)``.

    Raises
    ------
    ValueError
        A collection is not a sequence of strings, ``vocabulary_size < 1``, an unknown
        ``weighting``, or no term survives in the training texts.

    Examples
    --------
    >>> tr, te = bag_of_words(["la la love", "rock and roll"], ["love rock unseen"], weighting="count")
    >>> tr.shape[1] == te.shape[1], float(te.sum())
    (True, 2.0)
    """
    train = _check_texts(train_texts, "train_texts")
    others = [_check_texts(t, f"other_texts[{i}]") for i, t in enumerate(other_texts)]
    if int(vocabulary_size) < 1:
        raise ValueError(f"vocabulary_size must be >= 1, got {vocabulary_size}")
    common = dict(
        max_features=int(vocabulary_size),
        token_pattern=token_pattern,
        lowercase=lowercase,
        ngram_range=tuple(ngram_range),
        min_df=min_df,
    )
    if weighting == "tfidf":
        vec = TfidfVectorizer(sublinear_tf=True, **common)
    elif weighting == "count":
        vec = CountVectorizer(**common)
    elif weighting == "binary":
        vec = CountVectorizer(binary=True, **common)
    else:
        raise ValueError(f"weighting must be 'tfidf', 'count' or 'binary', got {weighting!r}")
    try:
        first = vec.fit_transform(train)
    except ValueError as exc:  # e.g. "empty vocabulary"
        raise ValueError(f"train_texts: {exc}") from exc
    mats = (first, *(vec.transform(t) for t in others))
    mats = tuple(np.asarray(m.toarray(), dtype=np.float64) for m in mats)
    return (mats, vec) if return_vectorizer else mats
