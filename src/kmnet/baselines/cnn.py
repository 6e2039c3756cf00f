"""A CNN trained from scratch on a time-frequency image (Ahmed et al. 2024, ref. [34] of the paper)."""

from __future__ import annotations

from collections.abc import Sequence

from ._training import TorchClassifier, fill_doc
from ._nets import CNNNet

__all__ = ["CNNClassifier"]


@fill_doc
class CNNClassifier(TorchClassifier):
    """CNN trained from scratch on a small MFCC or mel image: conv-pool blocks and a dense head.

    Input average pooling, ``[Conv3x3 -> BatchNorm -> ReLU -> MaxPool2] * len(channels)``, pooling to
    ``pooled_shape``, then ``Dropout -> Linear(hidden) -> ReLU -> Dropout -> softmax``, after
    the CNN of Ahmed et al. [34] (paper Tables 1 and 5), scaled down to the data at hand.

    Parameters
    ----------
    image_view : str, default="image"
        The view holding the images: ``(n, H, W)`` (``H`` frequency bins by ``W`` frames),
        ``(n, 1, H, W)``, or flattened row-major ``(n, H*W)`` together with ``image_shape``.
        A bare array ``X`` is taken as this view.
    image_shape : (int, int) or None
        ``(H, W)`` of flattened images; when given, 3-D images must have this shape.
    input_pool : (int, int), default=(2, 4)
        Average pooling of the input image before the conv blocks, for speed: a 64 x 128
        (frequency x frames) image becomes 32 x 32. ``(1, 1)`` keeps full resolution.
    channels : tuple of int, default=(8, 16, 32)
        Output channels of the conv blocks; each block halves both sides, so the image needs at
        least ``input_pool[i] * 2 ** len(channels)`` pixels along each side ``i``.
    pooled_shape : (int, int), default=(4, 1)
        Output of the adaptive average pooling: frequency bands x time steps.
    hidden : int, default=64
        Width of the dense layer.
    dropout : float, default=0.3
    %(training)s

    Attributes
    ----------
    %(attributes)s

    References
    ----------
    .. [34] M. Ahmed, U. Rozario, M. M. Kabir, Z. Aung, J. Shin and M. F. Mridha, "Musical Genre
       Classification Using Advanced Audio Analysis and Deep Learning Techniques",
       IEEE Open Journal of the Computer Society 5 (2024), 457-467.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 30)
    >>> img = rng.normal(size=(60, 16, 16)); img[y == 1, :4] += 2.0
    >>> clf = CNNClassifier(channels=(4, 8), max_epochs=30, random_state=0).fit({"image": img}, y)
    >>> clf.predict_proba({"image": img}).shape
    (60, 2)
    """

    def __init__(
        self,
        *,
        image_view: str = "image",
        image_shape: tuple[int, int] | None = None,
        input_pool: tuple[int, int] = (2, 4),
        channels: Sequence[int] = (8, 16, 32),
        pooled_shape: tuple[int, int] = (4, 1),
        hidden: int = 64,
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
        self.image_shape = image_shape
        self.input_pool = input_pool
        self.channels = channels
        self.pooled_shape = pooled_shape
        self.hidden = hidden
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
        return [(self.image_view, "image")]

    def _build(self, shapes, n_classes):
        return CNNNet(
            tuple(self.channels),
            tuple(self.pooled_shape),
            tuple(self.input_pool),
            int(self.hidden),
            n_classes,
            float(self.dropout),
        )
