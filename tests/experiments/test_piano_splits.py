"""Repeated piano splits (kmnet.experiments.piano_splits): split properties, the per-split table, paired differences."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from kmnet.datasets.piano import PAPER_SPLIT, PERIODS
from kmnet.experiments import method_names as M
from kmnet.experiments import piano_splits as ps
from kmnet.experiments import verdicts as V
from kmnet.experiments.protocols import estimator_method


def _manifest(rng, counts=None, groups=((3, 5), (4, 3))):
    """A manifest with Table A1's period sizes (or ``counts``) and a few multi-file movements."""
    counts = counts or {"Baroque": 243, "Classical": 236, "Romantic": 258, "Modern": 238}
    rows = []
    for p, n in counts.items():
        for i in range(n):
            rows.append({"id": f"{p[:3].lower()}-{i:03d}", "period": p})
    m = pd.DataFrame(rows)
    m["movement"] = m["id"]
    # movements made of several files: `size` consecutive pieces of one period share a key
    for size, k in groups:
        for j in range(k):
            p = PERIODS[int(rng.integers(len(PERIODS)))]
            idx = m.index[(m["period"] == p) & (m["movement"] == m["id"])][: size]
            m.loc[idx, "movement"] = f"{p}-mvt-{size}-{j}"
    return m.sample(frac=1.0, random_state=int(rng.integers(2**31))).reset_index(drop=True)


def test_splits_have_table2_proportions_and_are_stratified(rng):
    m = _manifest(rng)
    splits = ps.piano_splits(m, n_splits=5, seed=int(rng.integers(2**31)))
    assert [s.run for s in splits] == list(range(5))
    for s in splits:
        s.check(len(m))
        assert len(s.train) + len(s.test) == len(m)
        for p in PERIODS:
            tr, te = PAPER_SPLIT[p]
            n = int((m["period"] == p).sum())
            assert int((m.loc[s.test, "period"] == p).sum()) == int(np.floor(n * te / (tr + te) + 0.5))
    # periods of the paper's size get exactly Table 2's numbers
    for p in ("Baroque", "Classical", "Romantic"):
        assert int((m.loc[splits[0].test, "period"] == p).sum()) == PAPER_SPLIT[p][1]
        assert int((m.loc[splits[0].train, "period"] == p).sum()) == PAPER_SPLIT[p][0]


def test_movements_stay_on_one_side(rng):
    m = _manifest(rng, groups=((6, 4), (3, 6), (2, 8)))
    for s in ps.piano_splits(m, n_splits=6, seed=int(rng.integers(2**31))):
        side = pd.Series("train", index=m.index)
        side.loc[s.test] = "test"
        assert (side.groupby(m["movement"]).nunique() == 1).all()


def test_splits_are_reproducible_and_differ(rng):
    m = _manifest(rng)
    seed = int(rng.integers(2**31))
    a = ps.piano_splits(m, n_splits=4, seed=seed)
    b = ps.piano_splits(m, n_splits=4, seed=seed)
    c = ps.piano_splits(m, n_splits=4, seed=seed + 1)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.test, y.test)
        assert x.seed == y.seed
    # the first splits of a longer series are those of a shorter one
    np.testing.assert_array_equal(ps.piano_splits(m, n_splits=2, seed=seed)[1].test, a[1].test)
    tests = [frozenset(s.test.tolist()) for s in a + c]
    assert len(set(tests)) == len(tests)
    assert len({s.seed for s in a}) == 4


def test_bad_input(rng):
    m = _manifest(rng)
    with pytest.raises(ValueError, match="n_splits"):
        ps.piano_splits(m, n_splits=0)
    with pytest.raises(ValueError, match="period"):
        ps.piano_splits(m.drop(columns="period"))


def _table(rng, n_splits=6, effects=None, fail=None):
    """A synthetic per-split table: split effects shared by all methods plus method effects."""
    effects = effects or {M.LEARNED_DM2KMN: 2.0, M.DKN: 0.0, M.INITIAL_DM2KMN: -1.0, M.TEXT_DKN: -1.5,
                          M.AUDIO_DKN: -30.0, M.TEXT_HI: -4.0, M.LATE: -3.0, M.HYBRID: 1.9}
    base = rng.normal(85, 3, n_splits)
    rows = []
    for s in range(n_splits):
        for m, e in effects.items():
            failed = fail is not None and (s, m) == fail
            rows.append({"split": s, "method": m, "status": "failed" if failed else "ok",
                         "accuracy": np.nan if failed else base[s] + e + rng.normal(0, 0.3), "fit_s": 1.0})
    return pd.DataFrame(rows)


def test_paired_differences_on_synthetic_runs(rng):
    t = _table(rng)
    # the hybrid fusion level with the learned network: +-1 point around it, the mean difference 0
    learned = t[t["method"] == M.LEARNED_DM2KMN].set_index("split")["accuracy"]
    hyb = t["method"] == M.HYBRID
    t.loc[hyb, "accuracy"] = learned.loc[t.loc[hyb, "split"]].to_numpy() + np.array([1.0, -1.0, 1.0, -1.0, 0.5, -0.5])
    out = ps.paired_differences(t).set_index("a", append=True)
    by = ps.paired_differences(t).set_index("comparison")
    d = by.loc["learned DM2KMN - multi-modal DKN"]
    wide = t.pivot(index="split", columns="method", values="accuracy")
    iv = V.paired_interval(wide[M.LEARNED_DM2KMN], wide[M.DKN])
    assert d["mean"] == pytest.approx(iv.mean) and d["ci_low"] == pytest.approx(iv.low)
    assert d["verdict"] == V.REPRODUCED and d["splits"] == 6 and d["a_ahead"] == 6
    assert d["paper_diff"] == pytest.approx(88.74 - 85.11)
    assert by.loc["learned DM2KMN - Decision weighting [21]", "verdict"] == V.REPRODUCED
    # learned and hybrid cannot be told apart
    assert by.loc["learned DM2KMN - Hybrid fusion [21]", "verdict"] == V.NOT_REPRODUCED
    assert by.loc["text DKN - audio DKN", "verdict"] == V.REPRODUCED
    # the best single modality is the text DKN (highest mean), and the multi-modal DKN beats it
    best = [c for c in by.index if c.startswith("multi-modal DKN - best single modality")]
    assert best == [f"multi-modal DKN - best single modality ({M.TEXT_DKN})"]
    assert by.loc[best[0], "verdict"] == V.REPRODUCED
    # fusion baselines that did not run are left out
    assert not any("CNN + BOW" in c for c in by.index)
    assert len(out) == len(by)


def test_paired_differences_pair_by_split_and_skip_failures(rng):
    t = _table(rng, fail=(2, M.DKN), effects={M.LEARNED_DM2KMN: -2.0, M.DKN: 0.0, M.TEXT_DKN: 0.0})
    by = ps.paired_differences(t).set_index("comparison")
    d = by.loc["learned DM2KMN - multi-modal DKN"]
    assert d["splits"] == 5 and d["verdict"] == V.OPPOSITE and d["ci_high"] < 0
    # one split: a mean without an interval and no verdict
    one = ps.paired_differences(t[t["split"] == 0]).set_index("comparison")
    assert np.isnan(one.loc["learned DM2KMN - multi-modal DKN", "ci_low"])
    assert one.loc["learned DM2KMN - multi-modal DKN", "verdict"] == ""


def test_split_table_and_run_piano_splits_with_cache(rng, tmp_path):
    n = 120
    y = rng.choice(["a", "b", "c"], n)
    codes = np.searchsorted(["a", "b", "c"], y)
    views = {"audio": rng.normal(size=(n, 4)) + 2.0 * np.eye(4)[codes]}
    man = pd.DataFrame({"id": [f"p{i}" for i in range(n)], "period": y, "movement": [f"p{i}" for i in range(n)]})
    splits = ps.piano_splits(man, n_splits=2, seed=int(rng.integers(2**31)), split={"a": (2, 1), "b": (2, 1), "c": (2, 1)},
                             periods=("a", "b", "c"))
    methods = [estimator_method("LR", LogisticRegression(max_iter=200), concat=True)]
    runs = ps.run_piano_splits(methods, views, y, splits, cache_dir=tmp_path, params={"x": 1}, progress=False)
    assert len(list(tmp_path.glob("split-*.csv"))) == 2
    again = ps.run_piano_splits(methods, views, y, splits, cache_dir=tmp_path, params={"x": 1}, progress=False)
    pd.testing.assert_series_equal(runs["accuracy"], again["accuracy"])
    t = ps.split_table(runs)
    assert list(t["split"]) == [0, 1] and (t["status"] == "ok").all()
    assert t["accuracy"].between(0, 100).all() and (t["accuracy"] > 60).all()
    assert (t["n_train"] + t["n_test"] == n).all() and (t["forward_s"] >= 0).all()
    with pytest.raises(ValueError, match="columns"):
        ps.split_table(runs.drop(columns="accuracy"))
    with pytest.raises(ValueError, match="nothing"):
        ps.run_piano_splits(methods, views, y, [], progress=False)
