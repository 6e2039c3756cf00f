"""Every split of the book's protocols, one home each.

* :class:`Split`: one train/test split of a protocol (optionally with a validation part), the
  unit :func:`kmnet.experiments.protocols.run_protocol` runs on;
* :func:`random_splits`: stratified random splits, one per seed (GTZAN's 70/30 protocol, paper
  Section 4.2; with ``valid_size`` a stratified 8:1:1);
* :func:`fixed_splits`: a fixed split (GTZAN's artist-filtered split, the piano split) repeated
  once per model seed;
* :func:`random_split_811`: the random, unstratified 8:1:1 split of 4MuLA (Section 4.4) and of
  the lyrics stand-in;
* :func:`split_pieces`: the piano set's training/test split, stratified to Table 2 with the
  files of one movement kept on one side.

Published splits that are read from files (the artist-filtered GTZAN split of Kereliuk et al.)
are loaded by their data set's module (:func:`kmnet.datasets.gtzan.artist_filtered_split`).

Examples
--------
>>> import numpy as np
>>> from kmnet.datasets.splits import random_splits
>>> y = np.repeat(["a", "b"], 10)
>>> s = random_splits(y, seeds=(0,), test_size=0.3)[0]
>>> len(s.train), len(s.test)
(14, 6)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

__all__ = ["Split", "random_splits", "fixed_splits", "random_split_811", "split_pieces"]


@dataclass(frozen=True)
class Split:
    """One train/test split of a protocol, optionally with a validation part.

    Attributes
    ----------
    protocol : str
        Name of the protocol (a column of the results).
    run : int
        Run number inside the protocol (0, 1, ...).
    train, test : ndarray of int
        Row indices into the data set.
    valid : ndarray of int or None
        Validation rows (model selection; the final models are fitted on train + valid).
    seed : int or None
        Seed for the models and the selection folds of this run.
    """

    protocol: str
    run: int
    train: np.ndarray
    test: np.ndarray
    valid: np.ndarray | None = None
    seed: int | None = None

    @property
    def fit_index(self) -> np.ndarray:
        """The rows a method is fitted on: ``train`` followed by ``valid`` (if any)."""
        if self.valid is None:
            return np.asarray(self.train)
        return np.concatenate([np.asarray(self.train), np.asarray(self.valid)])

    def check(self, n: int) -> None:
        """Raise ``ValueError`` if the parts are empty, out of ``range(n)``, repeated or overlap."""
        parts = {"train": self.train, "test": self.test}
        if self.valid is not None:
            parts["valid"] = self.valid
        seen: dict[int, str] = {}
        for name, idx in parts.items():
            idx = np.asarray(idx)
            if idx.ndim != 1 or idx.size == 0:
                raise ValueError(f"split {self.protocol}/{self.run}: {name} part is empty or not 1-D")
            if idx.dtype.kind not in "iu":
                raise ValueError(f"split {self.protocol}/{self.run}: {name} indices must be integers")
            if idx.min() < 0 or idx.max() >= n:
                raise ValueError(f"split {self.protocol}/{self.run}: {name} indices outside [0, {n})")
            if len(np.unique(idx)) != idx.size:
                raise ValueError(f"split {self.protocol}/{self.run}: {name} repeats indices")
            for i in idx.tolist():
                if i in seen:
                    raise ValueError(f"split {self.protocol}/{self.run}: row {i} is in both {seen[i]} and {name}")
                seen[i] = name


def random_splits(
    y,
    *,
    seeds: Sequence[int] = (0, 1, 2),
    test_size: float = 0.3,
    valid_size: float | None = None,
    protocol: str = "random",
) -> list[Split]:
    """Stratified random splits, one per seed (the paper's 70/30 protocol, 3 runs).

    Parameters
    ----------
    y : array-like of shape (n,)
    seeds : sequence of int
        One split per seed; the seed also seeds the models of that run.
    test_size : float in (0, 1)
    valid_size : float in (0, 1), optional
        Also cut a stratified validation part of this fraction of *all* rows (e.g. 0.1 and
        ``test_size=0.1`` give the 4MuLA 8:1:1 split).
    protocol : str
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.size < 4:
        raise ValueError(f"y: expected a 1-D array of at least 4 labels, got shape {y.shape}")
    if not 0.0 < float(test_size) < 1.0:
        raise ValueError(f"test_size must be in (0, 1), got {test_size}")
    if valid_size is not None and not (0.0 < float(valid_size) < 1.0 - float(test_size)):
        raise ValueError(f"valid_size must be in (0, 1 - test_size), got {valid_size}")
    if len(seeds) == 0:
        raise ValueError("seeds: at least one seed is needed")
    idx = np.arange(y.size)
    out = []
    for run, seed in enumerate(seeds):
        tr, te = train_test_split(idx, test_size=float(test_size), random_state=int(seed), stratify=y)
        va = None
        if valid_size is not None:
            frac = float(valid_size) / (1.0 - float(test_size))
            tr, va = train_test_split(tr, test_size=frac, random_state=int(seed), stratify=y[tr])
            va = np.sort(va)
        out.append(Split(protocol, run, np.sort(tr), np.sort(te), va, int(seed)))
    return out


def fixed_splits(
    train,
    test,
    valid=None,
    *,
    seeds: Sequence[int] = (0,),
    protocol: str = "fixed",
) -> list[Split]:
    """A fixed split (e.g. the artist-filtered GTZAN split) repeated once per model seed.

    The parts do not change between runs; only the seeds of the models and folds do, so the
    spread over runs measures the methods' own randomness, not the split's.
    """
    if len(seeds) == 0:
        raise ValueError("seeds: at least one seed is needed")
    tr, te = np.asarray(train, dtype=np.int64), np.asarray(test, dtype=np.int64)
    va = None if valid is None else np.asarray(valid, dtype=np.int64)
    return [Split(protocol, run, tr, te, va, int(s)) for run, s in enumerate(seeds)]


def random_split_811(
    n_or_labels, *, seed: int = 0, stratify: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random 8:1:1 train/validation/test split (paper Section 4.4: 4MuLA; also the lyrics stand-in).

    Parameters
    ----------
    n_or_labels : int or array-like of labels
        Number of items, or their labels (needed for ``stratify=True``).
    seed : int, default 0
    stratify : bool, default False
        The paper says "random": by default the split ignores the labels. ``True`` keeps the
        class proportions in all three parts.

    Returns
    -------
    train, valid, test : ndarray of int
        Sorted, disjoint, covering ``range(n)``; sizes ``round(0.8 n)``, ``round(0.1 n)`` and
        the rest (5980 tracks: 4784 / 598 / 598).
    """
    if isinstance(n_or_labels, (int, np.integer)):
        n, labels = int(n_or_labels), None
    else:
        labels = np.asarray(n_or_labels)
        if labels.ndim != 1:
            raise ValueError(f"labels must be 1-D, got shape {labels.shape}")
        n = labels.size
    if n < 3:
        raise ValueError(f"need at least 3 items for an 8:1:1 split, got {n}")
    n_train = int(round(0.8 * n))
    n_valid = max(1, int(round(0.1 * n)))
    n_test = n - n_train - n_valid
    if n_test < 1:
        n_train -= 1
        n_test = 1
    idx = np.arange(n)
    if stratify:
        if labels is None:
            raise ValueError("stratify=True needs the labels, not a count")
        tr, rest = train_test_split(idx, train_size=n_train, random_state=seed, stratify=labels)
        va, te = train_test_split(rest, train_size=n_valid, random_state=seed, stratify=labels[rest])
    else:
        perm = np.random.default_rng(seed).permutation(n)
        tr, va, te = perm[:n_train], perm[n_train : n_train + n_valid], perm[n_train + n_valid :]
    return np.sort(tr), np.sort(va), np.sort(te)


def split_pieces(
    manifest: pd.DataFrame,
    split: Mapping[str, tuple[int, int]],
    seed: int = 0,
    *,
    periods: Sequence[str] | None = None,
) -> pd.Series:
    """Training/test labels stratified to per-period counts, files of one movement on one side.

    The piano set's split (Table 2, :data:`kmnet.datasets.piano.PAPER_SPLIT`). For each period
    with ``n`` pieces, ``round(n * test / (train + test))`` go to the test set, with (train,
    test) from ``split``: a period with exactly the paper's count gets exactly Table 2's
    numbers, a smaller period the same proportion. Files sharing a ``movement`` key (segments
    of one movement) are assigned together: each such group goes to the test set with
    probability test/(train + test), single files then fill the test set to its exact count.

    Parameters
    ----------
    manifest : DataFrame
        With ``period``, ``id`` and (optionally) ``movement`` columns.
    split : mapping period -> (train, test)
    seed : int, default 0
    periods : sequence of str, optional
        The periods to split, in the order they draw from the random generator (default: the
        keys of ``split``; the piano set passes :data:`kmnet.datasets.piano.PERIODS`). Pieces
        of other periods stay ``"train"``.

    Returns
    -------
    Series
        ``"train"`` / ``"test"`` indexed like ``manifest``.
    """
    if "period" not in manifest.columns:
        raise ValueError("manifest lacks a 'period' column")
    rng = np.random.default_rng(seed)
    groups_col = manifest["movement"] if "movement" in manifest.columns else manifest["id"]
    out = pd.Series("train", index=manifest.index, dtype=object)
    for period in (tuple(split) if periods is None else periods):
        idx = manifest.index[manifest["period"] == period]
        if len(idx) == 0:
            continue
        if period not in split:
            raise ValueError(f"no split counts for period {period}")
        tr, te = split[period]
        n_test = int(np.floor(len(idx) * te / (tr + te) + 0.5))
        groups: dict[str, list] = defaultdict(list)
        for i in sorted(idx, key=lambda i: manifest.at[i, "id"]):
            groups[groups_col.at[i]].append(i)
        keys = sorted(groups)
        keys = [keys[k] for k in rng.permutation(len(keys))]
        multi = [k for k in keys if len(groups[k]) > 1]
        single = [k for k in keys if len(groups[k]) == 1]
        left = n_test
        # a multi-file movement goes to the test set with the test set's share as probability,
        # then single files make the count exact
        for k in multi:
            if rng.random() < te / (tr + te) and len(groups[k]) <= left:
                out.loc[groups[k]] = "test"
                left -= len(groups[k])
        for k in single[:left]:
            out.loc[groups[k]] = "test"
    return out
