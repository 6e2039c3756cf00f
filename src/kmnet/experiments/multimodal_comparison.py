"""The paper's audio + text comparison (Section 4.4, Table 6; the same methods as Table 5).

Notebook: 07_4mula (Table 6); its methods are also Table 5's (05_piano_comparison, through
:mod:`kmnet.experiments.piano_comparison`).

:func:`multimodal_methods` lists the compared methods as
:class:`~kmnet.experiments.protocols.Method` objects for
:func:`~kmnet.experiments.protocols.run_protocol`, under the names of
:mod:`kmnet.experiments.method_names`:

=====================================  ===============================================  ==========
method (ours)                          what it is                                       paper row
=====================================  ===============================================  ==========
``Audio + MLP [90]``                   MLP on the audio features                        ResNet + MLP [90]
``Lyrics encoder + MLP [90]``          MLP on the frozen text-encoder embeddings        RoBERTa + MLP [90]
``CNN + BOW [91]`` / ``MLP + BOW [91]`` audio branch + dense bag-of-words branch, fused CNN + BOW [91]
``DCN [44]``                           symmetric audio / text branches                  DCN [44]
``Feature concatenation [21]``         standardised views concatenated -> MLP           Feature concatenation [90]
``Decision weighting [21]``            per-modality MLPs, validated weights             Decision weighting [21]
``Hybrid fusion [21]``                 concatenation + per-modality, validated weights  Hybrid fusion [21]
``Audio DKN`` / ``Lyrics DKN``         single-modality DKNs (analysis rows)             -
``Multi-modal DKN``                    DKN on both modalities (Section 3.1)             -
``Initial DM2KMN``                     map network built from the DKN (Eqs. 2-4)        -
``Learned DM2KMN``                     the same, learned end to end (Section 3.4)       The proposed DM2KMN
=====================================  ===============================================  ==========

The CNN + BOW of Kamtue et al. [91] needs an audio image: with one (4MuLA's log-Mel image) it is
:class:`~kmnet.baselines.CNNBOWClassifier`; without one (the lyrics stand-in has six audio
descriptors and no spectrogram) the CNN branch becomes a one-layer MLP branch on the audio
features (a :class:`~kmnet.baselines.DCNClassifier` of depth 1 reading the audio and the BOW
views), fused early before the softmax exactly as the CNN branch would be. In both cases the
vocabulary is learned on the training lyrics only (:class:`~kmnet.baselines.bow_view.BagOfWordsView`).
When the data set ships precomputed token counts instead of raw texts (the piano set's ``**kern``
counts, :meth:`kmnet.datasets.piano.features.PianoFeatures.bow`), ``multimodal_methods(bow_counts=...)`` reads them through
:class:`CountsTfidfView`, which fits the tf-idf weights on the training rows only.

Model selection uses the non-test rows only: the kernel networks choose the SVM ``C`` on the
split's validation part and the DM2KMN's epoch count by its validation cross-entropy
(:func:`kmnet.experiments.protocols.dm2kmn_methods`); the neural baselines early-stop on a part
of their training data and the weighted fusions validate their weights on one.

:func:`table6` joins a protocol summary with the paper's Table 6
(:func:`kmnet.experiments.paper.paper_table`). The views these methods read are built by
:mod:`kmnet.experiments.views`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted

from . import method_names as names
from .protocols import Method, dkn_method, dm2kmn_methods, estimator_method

__all__ = ["CountsTfidfView", "multimodal_methods", "method_modality", "table6"]

#: our method -> the paper's Table 6 method (rows of ``paper_table("table6")``)
_PAPER_ROW = {
    names.AUDIO_MLP: "ResNet + MLP [90]",
    names.LYRICS_MLP: "RoBERTa + MLP [90]",
    names.CNN_BOW: "CNN + BOW [91]",
    names.MLP_BOW: "CNN + BOW [91]",
    names.DCN: "DCN [44]",
    names.CONCAT: "Feature concatenation [90]",
    names.LATE: "Decision weighting [21]",
    names.HYBRID: "Hybrid fusion [21]",
    names.LEARNED_DM2KMN: "The proposed DM2KMN",
}


class CountsTfidfView(ClassifierMixin, BaseEstimator):
    """Replace a view of token counts by its tf-idf, fitted on the training rows, then classify.

    The counterpart of :class:`~kmnet.baselines.bow_view.BagOfWordsView` for data sets that ship
    precomputed bag-of-words counts (e.g. the piano set's ``**kern`` token counts over the
    training split's vocabulary, :meth:`kmnet.datasets.piano.features.PianoFeatures.bow`): in
    :meth:`fit` the idf weights (sublinear tf, l2-normalised rows, as
    :func:`kmnet.baselines.bag_of_words` with ``weighting="tfidf"``) are learned on the rows
    passed to ``fit`` only; ``X[counts_view]`` is replaced by ``X[bow_view]`` and the wrapped
    ``estimator`` (e.g. :class:`~kmnet.baselines.CNNBOWClassifier`, ref. [91]) is fitted.

    Parameters
    ----------
    estimator : classifier reading a mapping of views
    counts_view : str, default "bow_counts"
        The view holding non-negative token counts ``(n, vocabulary)``.
    bow_view : str, default "bow"
        The name of the tf-idf view the estimator reads.
    keep : sequence of str or None
        Other views passed on (None: every view but ``counts_view``).
    weighting : {"tfidf", "count", "binary"}, default "tfidf"

    Attributes
    ----------
    estimator_, classes_, transformer_ (the fitted ``TfidfTransformer``, or None), n_terms_
    """

    def __init__(self, estimator=None, *, counts_view: str = "bow_counts", bow_view: str = "bow", keep=None,
                 weighting: str = "tfidf"):
        self.estimator = estimator
        self.counts_view = counts_view
        self.bow_view = bow_view
        self.keep = keep
        self.weighting = weighting

    def _split(self, X):
        from ..views import MultiView

        if isinstance(X, MultiView):
            X = dict(X.items())
        if not hasattr(X, "keys"):
            raise ValueError(f"X: CountsTfidfView needs a mapping of views (dict or MultiView), got {type(X).__name__}")
        if self.counts_view not in X:
            raise ValueError(f"X: the counts view {self.counts_view!r} is missing (have {sorted(map(str, X))})")
        if self.bow_view in X:
            raise ValueError(f"X: a view named {self.bow_view!r} exists already; choose another bow_view")
        names = [k for k in X if k != self.counts_view] if self.keep is None else list(self.keep)
        missing = [k for k in names if k not in X]
        if missing:
            raise ValueError(f"X: view(s) {missing} are missing (have {sorted(map(str, X))})")
        C = np.asarray(X[self.counts_view], dtype=np.float64)
        if C.ndim != 2:
            raise ValueError(f"X[{self.counts_view!r}]: expected (n, vocabulary) counts, got shape {C.shape}")
        if not np.isfinite(C).all() or (C < 0).any():
            raise ValueError(f"X[{self.counts_view!r}]: counts must be finite and non-negative")
        return C, {k: X[k] for k in names}

    def _weigh(self, C):
        if self.weighting == "binary":
            return (C > 0).astype(np.float64)
        if self.weighting == "count":
            return C
        return np.asarray(self.transformer_.transform(C).toarray(), dtype=np.float64)

    def fit(self, X, y):
        """Learn the idf on the rows of ``X[counts_view]``, then fit the estimator; returns ``self``."""
        from sklearn.feature_extraction.text import TfidfTransformer

        from ..views import MultiView

        if self.estimator is None:
            raise ValueError("estimator: CountsTfidfView needs a classifier to wrap")
        if self.weighting not in ("tfidf", "count", "binary"):
            raise ValueError(f"weighting must be 'tfidf', 'count' or 'binary', got {self.weighting!r}")
        C, views = self._split(X)
        self.transformer_ = TfidfTransformer(sublinear_tf=True).fit(C) if self.weighting == "tfidf" else None
        self.n_terms_ = int(C.shape[1])
        self.estimator_ = clone(self.estimator).fit(MultiView({**views, self.bow_view: self._weigh(C)}), y)
        self.classes_ = self.estimator_.classes_
        return self

    def _transform(self, X):
        from ..views import MultiView

        check_is_fitted(self, "estimator_")
        C, views = self._split(X)
        if C.shape[1] != self.n_terms_:
            raise ValueError(f"X[{self.counts_view!r}]: {C.shape[1]} terms, fitted on {self.n_terms_}")
        return MultiView({**views, self.bow_view: self._weigh(C)})

    def predict(self, X):
        """Class labels of ``X``."""
        return self.estimator_.predict(self._transform(X))

    def predict_proba(self, X):
        """Class probabilities of ``X`` (columns in ``classes_`` order)."""
        return self.estimator_.predict_proba(self._transform(X))


def method_modality(method: str, *, audio_label: str = "Audio", text_label: str = "Lyrics") -> str:
    """The modality column of a method: audio only, text only, or both (``"<audio> + <text>"``)."""
    if method in (names.AUDIO_MLP, names.AUDIO_DKN):
        return audio_label
    if method in (names.LYRICS_MLP, names.LYRICS_DKN):
        return text_label
    return f"{audio_label} + {text_label}"


def multimodal_methods(
    *,
    audio: str = "audio",
    text: str = "text",
    raw_text: str = "lyrics",
    bow_counts: str | None = None,
    image: str | None = None,
    image_shape: tuple[int, int] | None = None,
    device=None,
    mlp_epochs: int = 200,
    dkn_C: float | Sequence[float] = (0.1, 1.0, 10.0, 100.0),
    dkn_hidden: int = 16,
    dkn_max_iter: int = 50,
    class_weight="balanced",
    single_modality_dkns: bool = True,
    dm2kmn_anchors=None,
    dm2kmn_max_epochs: int = 60,
    dm2kmn_check_every: int = 5,
    dm2kmn_patience: int = 3,
    dm2kmn_params: dict | None = None,
) -> list[Method]:
    """Table 6's methods (plus the DKN rows) for :func:`kmnet.experiments.protocols.run_protocol`.

    Parameters
    ----------
    audio, text : str
        Names of the audio feature view and the text-embedding view.
    raw_text : str
        The view with the raw lyrics (``(n, 1)`` object array,
        :func:`kmnet.baselines.bow_view.texts_view`), read only by the BOW method.
    bow_counts : str or None
        A view of precomputed token counts to use instead of ``raw_text`` (tf-idf fitted on the
        training rows, :class:`CountsTfidfView`); ``None``: learn the vocabulary from ``raw_text``.
    image : str or None
        An audio image view (flattened ``(n, H*W)``, with ``image_shape``): the BOW method then
        uses the CNN branch of [91]; ``None``: an MLP branch on ``audio`` (module docstring).
    device : str, optional
        For every torch model (None: CUDA when available).
    mlp_epochs : int
        Epoch cap of the neural baselines (they early-stop before).
    dkn_C : float or sequence of float
        SVM ``C`` of the DKNs, or a grid chosen on the validation part.
    dkn_hidden : int, default 16
        Hidden units of the multi-modal DKN (the paper's 3-layer network, Table 4);
        single-modality DKNs use twice their input units.
    dkn_max_iter : int
    class_weight : None or "balanced", default "balanced"
        Of the DKNs and the DM2KMN (the paper's piano setting, reused for 4MuLA).
    single_modality_dkns : bool, default True
        Add the audio-only and text-only DKNs (analysis rows, no paper value).
    dm2kmn_anchors : None, int or array of int
        The anchor set :math:`S` of the map network: ``None`` all fit rows (the paper's
        :math:`|S|` = number of training samples), an int ``M`` that many random landmarks
        (the cost of an epoch grows with :math:`|S|`, see ``notebooks/07_4mula``).
    dm2kmn_max_epochs, dm2kmn_check_every, dm2kmn_patience : int
        End-to-end learning of the DM2KMN, epochs chosen on the split's selection folds (the
        validation part when the split has one) after calibration
        (:func:`kmnet.experiments.protocols.dm2kmn_methods`).
    dm2kmn_params : dict, optional
        Other :class:`~kmnet.DeepKernelMapNetwork` parameters (``lr``, ``batch_size``, ...).
    """
    from ..baselines import CNNBOWClassifier, DCNClassifier, EarlyFusionClassifier, HybridFusionClassifier
    from ..baselines import LateFusionClassifier, MLPClassifier
    from ..baselines.bow_view import BagOfWordsView

    both = (audio, text)
    torch_kw = dict(device=device, max_epochs=int(mlp_epochs))
    if image:
        branch = CNNBOWClassifier(image_view=image, bow_view="bow", image_shape=image_shape, device=device)
        keep = [image]
    else:
        branch = DCNClassifier(audio_view=audio, text_view="bow", width=64, depth=1, **torch_kw)
        keep = [audio]
    if bow_counts:
        bow = CountsTfidfView(branch, counts_view=bow_counts, bow_view="bow", keep=keep)
        bow_input = bow_counts
    else:
        bow = BagOfWordsView(branch, text_view=raw_text, bow_view="bow", keep=keep)
        bow_input = raw_text
    methods = [
        estimator_method(names.AUDIO_MLP, MLPClassifier(view=audio, **torch_kw), views=(audio,)),
        estimator_method(names.LYRICS_MLP, MLPClassifier(view=text, **torch_kw), views=(text,)),
        estimator_method(names.bow_method_name(image), bow, views=(*keep, bow_input)),
        estimator_method(names.DCN, DCNClassifier(audio_view=audio, text_view=text, **torch_kw), views=both),
        estimator_method(names.CONCAT, EarlyFusionClassifier(views=list(both), **torch_kw), views=both),
        estimator_method(names.LATE, LateFusionClassifier(views=list(both), **torch_kw), views=both),
        estimator_method(names.HYBRID, HybridFusionClassifier(views=list(both), **torch_kw), views=both),
    ]
    dkn_kw = dict(C=dkn_C, max_iter=int(dkn_max_iter), class_weight=class_weight, device=device)
    if single_modality_dkns:
        methods.append(dkn_method(names.AUDIO_DKN, views=(audio,), hidden="twice", time_forward=False, **dkn_kw))
        methods.append(dkn_method(names.LYRICS_DKN, views=(text,), hidden="twice", time_forward=False, **dkn_kw))
    methods.append(dkn_method(names.DKN, views=both, hidden=int(dkn_hidden), **dkn_kw))
    for m in dm2kmn_methods(dkn=names.DKN, initial=names.INITIAL_DM2KMN, learned=names.LEARNED_DM2KMN, anchors=dm2kmn_anchors,
                            max_epochs=int(dm2kmn_max_epochs), check_every=int(dm2kmn_check_every),
                            patience=int(dm2kmn_patience), class_weight=class_weight, device=device,
                            **(dm2kmn_params or {})):
        m.views = both
        methods.append(m)
    return methods


def table6(
    summary: pd.DataFrame,
    *,
    dataset: str,
    audio_label: str = "Audio",
    text_label: str = "Lyrics",
    paper_dataset: str = "4MuLA (5 genres, 5980 tracks)",
) -> pd.DataFrame:
    """Our Table 6 beside the paper's.

    Parameters
    ----------
    summary : DataFrame
        ``method``, ``mean``, ``std``, ``runs`` (in %), e.g. ``ProtocolResult.summary(by=("method",))``.
    dataset : str
        What we ran on.
    audio_label, text_label : str
        Modality names for our rows (:func:`method_modality`).
    paper_dataset : str
        What the paper ran on.

    Returns
    -------
    DataFrame
        ``dataset``, ``modality``, ``method``, ``mean``, ``std``, ``runs``, ``paper_method``,
        ``paper_value``, ``paper_std``, ``paper_dataset`` (paper columns empty for our extra rows).
    """
    from .paper import paper_table

    need = {"method", "mean", "std", "runs"}
    if not need <= set(summary.columns):
        raise ValueError(f"summary: needs columns {sorted(need)}, got {list(summary.columns)}")
    paper = paper_table("table6").set_index("method")
    rows = []
    for rec in summary.to_dict("records"):
        pm = _PAPER_ROW.get(rec["method"])
        rows.append({
            "dataset": dataset,
            "modality": method_modality(rec["method"], audio_label=audio_label, text_label=text_label),
            "method": rec["method"],
            "mean": float(rec["mean"]),
            "std": float(rec["std"]),
            "runs": int(rec["runs"]),
            "paper_method": pm if pm is not None else "",
            "paper_value": float(paper.loc[pm, "paper_mean"]) if pm is not None else np.nan,
            "paper_std": float(paper.loc[pm, "paper_std"]) if pm is not None else np.nan,
            "paper_dataset": paper_dataset if pm is not None else "",
        })
    return pd.DataFrame(rows)
