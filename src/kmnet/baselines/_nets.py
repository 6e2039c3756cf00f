"""The small torch networks behind the baselines (building blocks + one module per method)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["dense_stack", "ConvBranch", "MLPNet", "CNNNet", "CNNBOWNet", "DCNNet"]


def dense_stack(d_in: int, sizes: Sequence[int], dropout: float) -> tuple[nn.Sequential, int]:
    """``[Linear -> ReLU -> Dropout] * len(sizes)``; returns the stack and its output width."""
    layers: list[nn.Module] = []
    for h in sizes:
        layers += [nn.Linear(d_in, int(h)), nn.ReLU(), nn.Dropout(dropout)]
        d_in = int(h)
    return nn.Sequential(*layers), d_in


class ConvBranch(nn.Module):
    """Conv-pool blocks on a one-channel time-frequency image, then adaptive average pooling.

    The image is first average-pooled by ``input_pool`` (a cheap downsampling; ``(1, 1)`` keeps it),
    then each block is ``Conv2d(3x3, same) -> BatchNorm -> ReLU -> MaxPool(2)``. The final pooling to
    ``pooled_shape`` (default 4 frequency bands x 1) keeps coarse frequency position and averages
    over time, so clips of any length give the same feature width ``out_dim``.
    """

    def __init__(
        self,
        channels: Sequence[int],
        pooled_shape: tuple[int, int],
        input_pool: tuple[int, int] = (1, 1),
        kernel_size: int = 3,
    ):
        super().__init__()
        layers: list[nn.Module] = []
        if tuple(input_pool) != (1, 1):
            layers.append(nn.AvgPool2d(tuple(int(s) for s in input_pool)))
        c_in = 1
        for c in channels:
            layers += [
                nn.Conv2d(c_in, int(c), kernel_size, padding=kernel_size // 2, bias=False),
                nn.BatchNorm2d(int(c)),
                nn.ReLU(),
                nn.MaxPool2d(2),
            ]
            c_in = int(c)
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(tuple(int(s) for s in pooled_shape))
        self.out_dim = c_in * int(pooled_shape[0]) * int(pooled_shape[1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (n, H, W) -> (n, out_dim)
        return self.pool(self.features(x.unsqueeze(1))).flatten(1)


class MLPNet(nn.Module):
    """Concatenate the inputs, ``dense_stack``, linear softmax layer."""

    def __init__(self, d_in: int, hidden: Sequence[int], n_classes: int, dropout: float):
        super().__init__()
        self.body, d = dense_stack(d_in, hidden, dropout)
        self.out = nn.Linear(d, n_classes)

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        x = xs[0] if len(xs) == 1 else torch.cat(xs, 1)
        return self.out(self.body(x))


class CNNNet(nn.Module):
    """``ConvBranch -> Dropout -> Linear(hidden) -> ReLU -> Dropout -> Linear(n_classes)``."""

    def __init__(self, channels, pooled_shape, input_pool, hidden: int, n_classes: int, dropout: float):
        super().__init__()
        self.branch = ConvBranch(channels, pooled_shape, input_pool)
        self.head = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(self.branch.out_dim, int(hidden)),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(int(hidden), n_classes),
        )

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        return self.head(self.branch(img))


class CNNBOWNet(nn.Module):
    """Image CNN branch and bag-of-words dense branch, concatenated before the softmax layer."""

    def __init__(self, channels, pooled_shape, input_pool, d_bow: int, width: int, n_classes: int, dropout: float):
        super().__init__()
        self.cnn = ConvBranch(channels, pooled_shape, input_pool)
        self.cnn_proj = nn.Sequential(nn.Linear(self.cnn.out_dim, int(width)), nn.ReLU())
        self.bow = nn.Sequential(nn.Dropout(dropout), nn.Linear(d_bow, int(width)), nn.ReLU())
        self.out = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * int(width), n_classes))

    def forward(self, img: torch.Tensor, bow: torch.Tensor) -> torch.Tensor:
        return self.out(torch.cat([self.cnn_proj(self.cnn(img)), self.bow(bow)], 1))


class DCNNet(nn.Module):
    """Two symmetric dense branches (same depth and width), concatenated before the softmax layer."""

    def __init__(self, d_audio: int, d_text: int, width: int, depth: int, n_classes: int, dropout: float):
        super().__init__()
        sizes = [int(width)] * int(depth)
        self.audio, da = dense_stack(d_audio, sizes, dropout)
        self.text, dt = dense_stack(d_text, sizes, dropout)
        self.out = nn.Linear(da + dt, n_classes)

    def forward(self, audio: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        return self.out(torch.cat([self.audio(audio), self.text(text)], 1))
