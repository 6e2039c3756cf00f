"""kmnet.datasets.splits: the protocols' splits (random, fixed, 8:1:1) and the Split checks."""

import numpy as np
import pandas as pd
import pytest

from kmnet.datasets.splits import Split, fixed_splits, random_split_811, random_splits


def test_random_splits_stratified_disjoint_and_seeded(rng):
    y = np.repeat(np.arange(4), int(rng.integers(20, 40)))
    seeds = tuple(int(s) for s in rng.integers(0, 10**6, 3))
    splits = random_splits(y, seeds=seeds, test_size=0.25)
    assert [s.run for s in splits] == [0, 1, 2] and [s.seed for s in splits] == list(seeds)
    for s in splits:
        s.check(len(y))
        assert not set(s.train) & set(s.test) and len(s.train) + len(s.test) == len(y)
        counts = np.bincount(y[s.test], minlength=4)
        assert counts.max() - counts.min() <= 1
    again = random_splits(y, seeds=seeds, test_size=0.25)
    assert all(np.array_equal(a.test, b.test) for a, b in zip(splits, again))
    with_valid = random_splits(y, seeds=seeds[:1], test_size=0.1, valid_size=0.1)[0]
    with_valid.check(len(y))
    assert with_valid.valid is not None and abs(len(with_valid.valid) - 0.1 * len(y)) <= 4


def test_split_check_and_bad_arguments(rng):
    n = int(rng.integers(20, 50))
    with pytest.raises(ValueError, match="both train and test"):
        Split("p", 0, np.arange(0, 10), np.arange(5, 15)).check(n)
    with pytest.raises(ValueError, match="outside"):
        Split("p", 0, np.arange(5), np.array([n])).check(n)
    with pytest.raises(ValueError, match="empty"):
        Split("p", 0, np.arange(5), np.array([], dtype=int)).check(n)
    with pytest.raises(ValueError, match="test_size"):
        random_splits(np.repeat([0, 1], 10), test_size=1.5)
    with pytest.raises(ValueError, match="seed"):
        fixed_splits(np.arange(5), np.arange(5, 9), seeds=())


def test_random_split_811(rng):
    n = int(rng.integers(50, 7000))
    seed = int(rng.integers(1e6))
    tr, va, te = random_split_811(n, seed=seed)
    assert len(tr) == round(0.8 * n) and len(va) == round(0.1 * n) and len(tr) + len(va) + len(te) == n
    assert len(np.unique(np.concatenate([tr, va, te]))) == n
    assert all(np.array_equal(x, y) for x, y in zip((tr, va, te), random_split_811(n, seed=seed)))
    assert [len(x) for x in random_split_811(5980)] == [4784, 598, 598]  # the paper's |S| = 4784
    assert [len(x) for x in random_split_811(1000, seed=seed)] == [800, 100, 100]  # the lyrics stand-in
    assert not np.array_equal(tr, random_split_811(n, seed=seed + 1)[0])
    y = rng.choice(["Rock", "Indie", "Pop", "Hip Hop", "Heavy Metal"], size=n, p=[0.3, 0.25, 0.25, 0.1, 0.1])
    trs, vas, tes = random_split_811(y, seed=seed, stratify=True)
    for part in (trs, tes):
        share = pd.Series(y[part]).value_counts(normalize=True)
        full = pd.Series(y).value_counts(normalize=True)
        assert (share - full).abs().max() < 0.05 + 5 / len(part)
    with pytest.raises(ValueError, match="labels"):
        random_split_811(n, stratify=True)
    with pytest.raises(ValueError, match="at least 3"):
        random_split_811(2)
