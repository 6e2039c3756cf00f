"""DCN: a symmetric two-branch deep network (Wadhwa & Mukherjee 2021, ref. [44] of the paper)."""

from __future__ import annotations

from ._training import TorchClassifier, fill_doc
from ._nets import DCNNet

__all__ = ["DCNClassifier"]


@fill_doc
class DCNClassifier(TorchClassifier):
    """Symmetric two-branch network: an audio and a text branch of equal depth and width.

    Each branch is ``depth`` x ``Linear(width) -> ReLU -> Dropout`` on its view; the two outputs
    are concatenated before the softmax layer, the "DCN" fusion of Wadhwa & Mukherjee [44]
    (paper Tables 5 and 6).

    Parameters
    ----------
    audio_view : str, default="audio"
    text_view : str, default="text"
    width : int, default=128
    depth : int, default=2
    dropout : float, default=0.3
    %(training)s

    Attributes
    ----------
    %(attributes)s

    References
    ----------
    .. [44] L. Wadhwa and P. Mukherjee, "Music genre classification using multi-modal deep
       learning based fusion", Grace Hopper Celebration India (GHCI) 2021, pp. 1-5.
    """

    def __init__(
        self,
        *,
        audio_view: str = "audio",
        text_view: str = "text",
        width: int = 128,
        depth: int = 2,
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
        self.audio_view = audio_view
        self.text_view = text_view
        self.width = width
        self.depth = depth
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

    def _inputs(self):
        return [(self.audio_view, "vector"), (self.text_view, "vector")]

    def _build(self, shapes, n_classes):
        if int(self.depth) < 1 or int(self.width) < 1:
            raise ValueError(f"depth and width must be >= 1, got depth={self.depth}, width={self.width}")
        return DCNNet(
            shapes[self.audio_view][0],
            shapes[self.text_view][0],
            int(self.width),
            int(self.depth),
            n_classes,
            float(self.dropout),
        )
