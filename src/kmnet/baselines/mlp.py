"""Frozen pretrained encoder features + MLP (Jandoubi & Akhloufi 2025, ref. [90] of the paper)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..views import MultiView
from ._training import TorchClassifier, fill_doc
from ._nets import MLPNet

__all__ = ["MLPClassifier"]


@fill_doc
class MLPClassifier(TorchClassifier):
    """MLP with dropout on frozen pretrained-encoder features of one view (or several, concatenated).

    Dense ``Linear -> ReLU -> Dropout`` layers and a softmax layer on the encoder output, as in
    "ResNet + MLP" / "RoBERTa + MLP" of Jandoubi & Akhloufi [90] (paper Tables 5 and 6).

    Parameters
    ----------
    view : str, sequence of str or None, default=None
        The view(s) to read. ``None``: every view of ``X`` in its order (concatenated), or the
        array itself when ``X`` is a bare 2-D array.
    hidden_layer_sizes : tuple of int, default=(256,)
    dropout : float, default=0.3
    %(training)s

    Attributes
    ----------
    views_ : list of str
        The views read, in order.
    %(attributes)s

    References
    ----------
    .. [90] B. Jandoubi and M. A. Akhloufi, "Deep Multimodal Classification of Musical Genres",
       SoutheastCon 2025, pp. 384-389.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat(["a", "b"], 40)
    >>> X = {"text": rng.normal(size=(80, 5)) + (y == "a")[:, None] * 3.0}
    >>> clf = MLPClassifier(view="text", max_epochs=50, random_state=0).fit(X, y)
    >>> float(clf.score(X, y)) > 0.9
    True
    """

    def __init__(
        self,
        *,
        view: str | Sequence[str] | None = None,
        hidden_layer_sizes: Sequence[int] = (256,),
        dropout: float = 0.3,
        standardize: bool = True,
        max_epochs: int = 200,
        batch_size: int = 32,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        validation_fraction: float | None = 0.1,
        n_iter_no_change: int = 10,
        class_weight=None,
        device=None,
        random_state=None,
        verbose: bool = False,
    ):
        self.view = view
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.standardize = standardize
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _resolve_views(self, X) -> list[str]:
        if self.view is None:
            if isinstance(X, (Mapping, MultiView)):
                return [str(k) for k in X.keys()]
            return ["X"]
        if isinstance(self.view, str):
            return [self.view]
        views = list(self.view)
        if not views or not all(isinstance(v, str) for v in views):
            raise ValueError(f"view must be a view name, a non-empty sequence of names or None, got {self.view!r}")
        return views

    def _inputs(self):
        return [(v, "vector") for v in self.views_]

    def _build(self, shapes, n_classes):
        d_in = sum(s[0] for s in shapes.values())
        return MLPNet(d_in, tuple(self.hidden_layer_sizes), n_classes, float(self.dropout))

    def fit(self, X, y):
        """Fit on the training views ``X`` and labels ``y``; returns ``self``."""
        self.views_ = self._resolve_views(X)
        return super().fit(X, y)
