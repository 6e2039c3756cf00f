"""CNN on the audio image + bag-of-words on the text, early fusion (Kamtue et al. 2019, ref. [91])."""

from __future__ import annotations

from collections.abc import Sequence

from ._training import TorchClassifier, fill_doc
from ._nets import CNNBOWNet

__all__ = ["CNNBOWClassifier"]


@fill_doc
class CNNBOWClassifier(TorchClassifier):
    """CNN branch on the audio image and dense bag-of-words branch on the text, fused early.

    The two branches' features (``width`` each) are concatenated before the softmax layer, as
    in the CNN + BOW model of Kamtue et al. [91] (paper Tables 5 and 6).

    Input contract: ``X`` is a mapping (dict or :class:`kmnet.views.MultiView`) with

    - ``X[image_view]``: time-frequency images ``(n, H, W)``, or flattened ``(n, H*W)`` with
      ``image_shape=(H, W)``;
    - ``X[bow_view]``: precomputed bag-of-words rows ``(n, vocabulary)`` (counts, binary or
      tf-idf), built with :func:`kmnet.baselines.bag_of_words` from the raw texts with the
      vocabulary fitted on the training texts only. Raw strings are not accepted here.

    Parameters
    ----------
    image_view : str, default="image"
    bow_view : str, default="bow"
    image_shape : (int, int) or None
    input_pool : (int, int), default=(2, 4)
    channels : tuple of int, default=(8, 16, 32)
        Image branch: input pooling and conv block widths (see :class:`CNNClassifier`).
    pooled_shape : (int, int), default=(4, 1)
    width : int, default=64
        Feature width of each branch before the concatenation.
    dropout : float, default=0.3
        Applied to the bag-of-words input and to the fused features.
    %(training)s

    Attributes
    ----------
    %(attributes)s

    References
    ----------
    .. [91] K. Kamtue, K. Euchukanonchai, D. Wanvarie and N. Pratanwanich, "Lukthung
       classification using neural networks on lyrics and audios", ICSEC 2019, pp. 269-274.
    """

    def __init__(
        self,
        *,
        image_view: str = "image",
        bow_view: str = "bow",
        image_shape: tuple[int, int] | None = None,
        input_pool: tuple[int, int] = (2, 4),
        channels: Sequence[int] = (8, 16, 32),
        pooled_shape: tuple[int, int] = (4, 1),
        width: int = 64,
        dropout: float = 0.3,
        standardize: bool = True,
        max_epochs: int = 60,
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
        self.image_view = image_view
        self.bow_view = bow_view
        self.image_shape = image_shape
        self.input_pool = input_pool
        self.channels = channels
        self.pooled_shape = pooled_shape
        self.width = width
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

    @property
    def _min_image_side(self) -> tuple[int, int]:
        k = 2 ** len(tuple(self.channels))
        return (int(self.input_pool[0]) * k, int(self.input_pool[1]) * k)

    def _inputs(self):
        return [(self.image_view, "image"), (self.bow_view, "vector")]

    def _build(self, shapes, n_classes):
        return CNNBOWNet(
            tuple(self.channels),
            tuple(self.pooled_shape),
            tuple(self.input_pool),
            shapes[self.bow_view][0],
            int(self.width),
            n_classes,
            float(self.dropout),
        )
