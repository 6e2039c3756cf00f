"""The verdict rules: each outcome is reached, and bad input raises ValueError."""

import numpy as np
import pytest

from kmnet.experiments import verdicts as V


@pytest.fixture
def rng():
    seed = int(np.random.SeedSequence().entropy % 2**32)
    print("seed", seed)
    return np.random.default_rng(seed)


def test_mean_interval_matches_the_t_formula(rng):
    x = rng.normal(5, 2, size=int(rng.integers(3, 12)))
    iv = V.mean_interval(x)
    from scipy import stats

    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    assert iv.mean == pytest.approx(x.mean()) and iv.high - iv.mean == pytest.approx(half)
    assert iv.low < iv.mean < iv.high and iv.n == len(x)
    one = V.mean_interval([3.0])
    assert one.low == one.high == 3.0 and one.format() == "3.00"


def test_paired_interval_uses_the_pairing(rng):
    base = rng.normal(80, 5, 6)  # large split-to-split spread
    a, b = base + 1.0 + rng.normal(0, 0.05, 6), base
    d = V.paired_interval(a, b)
    assert d.low > 0.5 and d.high < 1.5  # unpaired, the spread of `base` would hide it
    with pytest.raises(ValueError, match="paired"):
        V.paired_interval(a, b[:-1])


def test_verdict_better_three_outcomes(rng):
    base = rng.normal(80, 3, 5)
    up = V.paired_interval(base + 2 + rng.normal(0, 0.1, 5), base)
    down = V.paired_interval(base - 2 + rng.normal(0, 0.1, 5), base)
    tie = V.paired_interval(base + np.array([1.0, -1.0, 1.0, -1.0, 0.5]), base)
    assert V.verdict_better(up, paper_diff=1.0).verdict == V.REPRODUCED
    assert V.verdict_better(down).verdict == V.OPPOSITE
    assert tie.low < 0 < tie.high
    assert V.verdict_better(tie).verdict == V.NOT_REPRODUCED
    with pytest.raises(ValueError, match="two runs"):
        V.verdict_better(V.mean_interval([1.0]))


def test_verdict_level_value_and_range():
    iv = V.Interval(72.0, 70.0, 74.0, 3)
    assert V.verdict_level(iv, 73.0).verdict == V.REPRODUCED
    assert V.verdict_level(iv, (93.3, 96.0)).verdict == V.NOT_REPRODUCED
    assert "below" in V.verdict_level(iv, (93.3, 96.0)).reason
    assert V.verdict_level(iv, 75.5, tolerance=2).verdict == V.REPRODUCED
    assert "above" in V.verdict_level(iv, 60.0).reason
    with pytest.raises(ValueError):
        V.verdict_level(iv, (96.0, 93.3))


def test_verdict_ratio():
    assert V.verdict_ratio(V.Interval(2.6, 2.4, 2.8, 3), 2.5).verdict == V.REPRODUCED
    assert V.verdict_ratio(V.Interval(1.5, 1.4, 1.6, 3), 2.5).verdict == V.NOT_REPRODUCED
    assert V.verdict_ratio(V.Interval(0.7, 0.6, 0.8, 3), 2.5).verdict == V.OPPOSITE
    with pytest.raises(ValueError):
        V.verdict_ratio(V.Interval(1, 1, 1, 1), 0)


def test_verdict_share():
    assert V.verdict_share(V.Interval(48, 45, 51, 3), 52.6).verdict == V.REPRODUCED
    assert V.verdict_share(V.Interval(10.5, 9, 12, 3), 52.6).verdict == V.NOT_REPRODUCED


def test_verdict_best(rng):
    base = rng.normal(85, 2, 4)
    clear = {8: base, 16: base + 1.5 + rng.normal(0, 0.05, 4), 24: base + 0.2}
    assert V.verdict_best(clear, 16).verdict == V.REPRODUCED
    assert V.verdict_best(clear, 8).verdict == V.OPPOSITE
    tie = {8: base + np.array([0.5, -0.5, 0.5, -0.5]), 16: base}
    assert V.verdict_best(tie, 16).verdict == V.NOT_REPRODUCED
    with pytest.raises(ValueError, match="claimed"):
        V.verdict_best(clear, 32)
    with pytest.raises(ValueError, match="two runs"):
        V.verdict_best({8: [1.0], 16: [2.0]}, 16)


def test_bad_values_and_reasons():
    with pytest.raises(ValueError, match="finite"):
        V.mean_interval([1.0, float("nan")])
    with pytest.raises(ValueError, match="confidence"):
        V.mean_interval([1.0, 2.0], confidence=1.5)
    with pytest.raises(ValueError, match="reason"):
        V.not_testable("  ")
    assert V.not_testable("no GTZAN audio here").verdict == V.NOT_TESTABLE


def test_verdict_at_most():
    assert V.verdict_at_most(V.Interval(0.08, 0.07, 0.09, 5), 0.82).verdict == V.REPRODUCED
    assert V.verdict_at_most(V.Interval(1.0, 0.7, 1.3, 5), 0.82).verdict == V.REPRODUCED  # interval reaches it
    far = V.verdict_at_most(V.Interval(12.0, 9.0, 15.0, 3), 3.05)
    assert far.verdict == V.NOT_REPRODUCED and "larger" in far.reason
    assert V.verdict_at_most(V.Interval(3.5, 3.5, 3.5, 1), 3.0, tolerance=0.6).verdict == V.REPRODUCED
    with pytest.raises(ValueError):
        V.verdict_at_most(V.Interval(1, 1, 1, 1), -1.0)


def test_verdict_all_combines():
    r, n, o = V.Verdict(V.REPRODUCED, ""), V.Verdict(V.NOT_REPRODUCED, ""), V.Verdict(V.OPPOSITE, "")
    assert V.verdict_all({"a": r, "b": r}).verdict == V.REPRODUCED
    tie = V.verdict_all({"a": r, "b": n})
    assert tie.verdict == V.NOT_REPRODUCED and "b" in tie.reason and "1 of 2" in tie.reason
    opp = V.verdict_all({"a": r, "b": n, "c": o})
    assert opp.verdict == V.OPPOSITE and "c" in opp.reason
    with pytest.raises(ValueError):
        V.verdict_all({})
    with pytest.raises(ValueError):
        V.verdict_all({"a": V.not_testable("no data")})


def test_summary_interval_matches_mean_interval(rng):
    x = rng.normal(70, 4, size=int(rng.integers(2, 9)))
    a, b = V.summary_interval(x.mean(), x.std(ddof=1), len(x)), V.mean_interval(x)
    assert (a.mean, a.low, a.high, a.n) == pytest.approx((b.mean, b.low, b.high, b.n))
    one = V.summary_interval(80.0, float("nan"), 1)
    assert one.low == one.high == 80.0 and one.n == 1


def test_difference_interval_welch_and_binomial(rng):
    a, b = rng.normal(80, 2, 6), rng.normal(75, 2, 5)
    iv = V.difference_interval((a.mean(), a.std(ddof=1), 6), (b.mean(), b.std(ddof=1), 5))
    from scipy import stats

    ref = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert iv.low == pytest.approx(ref.low) and iv.high == pytest.approx(ref.high)
    one = V.difference_interval((90.0, float("nan"), 1), (85.0, float("nan"), 1), n_test=400)
    se = 100 * np.sqrt((0.9 * 0.1 + 0.85 * 0.15) / 400)
    assert one.high - one.mean == pytest.approx(1.959964 * se, rel=1e-5)
    assert V.difference_interval((90.0, float("nan"), 1), (85.0, float("nan"), 1)).low == 5.0


def test_verdict_best_summary_outcomes():
    s = {8: (89.76, float("nan"), 1), 16: (89.76, float("nan"), 1), 24: (89.5, float("nan"), 1)}
    tie = V.verdict_best_summary(s, 16, n_test=381)
    assert tie.verdict == V.NOT_REPRODUCED and "binomial" in tie.reason
    clear = {8: (70.0, 0.3, 3), 16: (80.0, 0.3, 3), 32: (75.0, 0.4, 3)}
    assert V.verdict_best_summary(clear, 16).verdict == V.REPRODUCED
    assert V.verdict_best_summary(clear, 8).verdict == V.OPPOSITE
    with pytest.raises(ValueError):
        V.verdict_best_summary(clear, 64)
