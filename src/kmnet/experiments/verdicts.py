"""Verdicts on the paper's claims, decided by stated rules rather than by prose.

Notebooks: 00_findings (the findings page) and the closing findings of chapters 02-07.

Every claim of the paper that the compendium checks is one of a few kinds, and each kind has one
rule here, so that the words "reproduced", "not reproduced" and "opposite" always mean the same:

* **A beats B** (:func:`verdict_better`): on repeated splits, the paired difference A - B has a
  95 % confidence interval. Entirely above zero: *reproduced*; entirely below zero: *opposite*;
  containing zero: *not reproduced* (the splits cannot tell the two apart).
* **A reaches a level** (:func:`verdict_level`): our interval, widened by a stated tolerance,
  contains the paper's value (or meets its range): *reproduced*; otherwise *not reproduced*,
  with the gap in points.
* **A is k times faster** (:func:`verdict_ratio`): our speed-up interval above 1 and reaching the
  paper's factor within a tolerance: *reproduced*; above 1 but short of it: *not reproduced*
  (faster, but less); below 1: *opposite*.
* **A share is about p** (:func:`verdict_share`), e.g. relative importance: within a tolerance of
  the paper's share: *reproduced*, otherwise *not reproduced*.
* **Setting s is best** (:func:`verdict_best`): s has the highest mean and no other setting is
  significantly better: *reproduced* when s is also significantly better than the runner-up,
  *not reproduced* (a tie) when the top settings cannot be told apart, *opposite* when another
  setting is significantly better.
* **An error is at most about e** (:func:`verdict_at_most`), e.g. the initial DM2KMN's relative
  error: our interval reaches down to e (plus a tolerance): *reproduced*; otherwise *not
  reproduced*, with the excess.
* **A beats each of B1, B2, ...** (:func:`verdict_all`): *reproduced* when every comparison is,
  *opposite* when any is, otherwise *not reproduced*.
* **Setting s is best** from summaries only (mean, std, runs per setting; :func:`verdict_best_summary`):
  as :func:`verdict_best`, on unpaired intervals of the differences (Welch's, or binomial ones
  from the test-set size when there is one run per setting).
* A claim the data here cannot test: :func:`not_testable`, with the reason.

Intervals are Student-t intervals over runs (splits or seeds); with one run the interval is the
point itself and the rules fall back to the point values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
from scipy import stats

__all__ = [
    "REPRODUCED",
    "NOT_REPRODUCED",
    "OPPOSITE",
    "NOT_TESTABLE",
    "Interval",
    "Verdict",
    "mean_interval",
    "paired_interval",
    "verdict_better",
    "verdict_level",
    "verdict_ratio",
    "verdict_share",
    "verdict_best",
    "verdict_at_most",
    "verdict_all",
    "summary_interval",
    "difference_interval",
    "verdict_best_summary",
    "not_testable",
]

REPRODUCED = "reproduced"
NOT_REPRODUCED = "not reproduced"
OPPOSITE = "opposite"
NOT_TESTABLE = "not testable here"


@dataclass(frozen=True)
class Interval:
    """A mean with a confidence interval over ``n`` runs."""

    mean: float
    low: float
    high: float
    n: int
    confidence: float = 0.95

    def format(self, digits: int = 2, unit: str = "") -> str:
        """``"1.23 [0.10, 2.36]"`` (just the mean when there is one run)."""
        if self.n < 2 or not np.isfinite(self.low):
            return f"{self.mean:.{digits}f}{unit}"
        return f"{self.mean:.{digits}f}{unit} [{self.low:.{digits}f}, {self.high:.{digits}f}]"

    def __str__(self) -> str:
        return self.format()

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


@dataclass(frozen=True)
class Verdict:
    """The verdict on one claim and the reason, in words."""

    verdict: str
    reason: str

    def __str__(self) -> str:
        return f"{self.verdict}: {self.reason}"


def _values(x, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=float).ravel()
    if a.size == 0:
        raise ValueError(f"{name}: no values")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name}: values must be finite, got {a.tolist()}")
    return a


def _confidence(confidence: float) -> float:
    c = float(confidence)
    if not 0.0 < c < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence!r}")
    return c


def mean_interval(values: Sequence[float], confidence: float = 0.95) -> Interval:
    """Mean of ``values`` with a Student-t confidence interval (the point itself for one value)."""
    a = _values(values, "values")
    c = _confidence(confidence)
    m = float(a.mean())
    if a.size < 2:
        return Interval(m, m, m, 1, c)
    half = float(stats.t.ppf(0.5 + c / 2, a.size - 1) * a.std(ddof=1) / np.sqrt(a.size))
    return Interval(m, m - half, m + half, int(a.size), c)


def paired_interval(a: Sequence[float], b: Sequence[float], confidence: float = 0.95) -> Interval:
    """Interval of the paired difference ``a - b`` (the same splits, run by run)."""
    x, y = _values(a, "a"), _values(b, "b")
    if x.shape != y.shape:
        raise ValueError(f"a and b must be paired run by run: {x.size} vs {y.size} values")
    return mean_interval(x - y, confidence)


def verdict_better(diff: Interval, *, paper_diff: float | None = None, unit: str = " points") -> Verdict:
    """Claim "A beats B", judged on the interval of our paired difference A - B."""
    paper = "" if paper_diff is None else f"; the paper: {paper_diff:+.2f}{unit}"
    if diff.n < 2:
        raise ValueError("verdict_better needs a difference over at least two runs")
    ours = f"ours {diff.mean:+.2f}{unit}, 95 % interval [{diff.low:+.2f}, {diff.high:+.2f}] over {diff.n} runs"
    if diff.low > 0:
        return Verdict(REPRODUCED, f"{ours}{paper}")
    if diff.high < 0:
        return Verdict(OPPOSITE, f"{ours}: B is ahead{paper}")
    return Verdict(NOT_REPRODUCED, f"{ours}: no difference the runs can resolve{paper}")


def verdict_level(ours: Interval, paper: float | tuple[float, float], *, tolerance: float = 1.0,
                  unit: str = " %") -> Verdict:
    """Claim "the method reaches ``paper``" (a value, or a range ``(low, high)``)."""
    lo, hi = (float(paper), float(paper)) if np.isscalar(paper) else (float(paper[0]), float(paper[1]))
    if lo > hi:
        raise ValueError(f"paper range must be (low, high), got {paper!r}")
    tol = float(tolerance)
    if tol < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance!r}")
    p = f"{lo:.1f}{unit}" if lo == hi else f"{lo:.1f}-{hi:.1f}{unit}"
    if ours.high + tol >= lo and ours.low - tol <= hi:
        return Verdict(REPRODUCED, f"ours {ours.format(1)}{unit} meets the paper's {p} (tolerance {tol:g})")
    gap = (lo - ours.mean) if ours.mean < lo else (ours.mean - hi)
    side = "below" if ours.mean < lo else "above"
    return Verdict(NOT_REPRODUCED, f"ours {ours.format(1)}{unit} is {gap:.1f}{unit.strip() and ' ' + unit.strip()} {side} the paper's {p}")


def verdict_ratio(ours: Interval, paper: float, *, tolerance: float = 0.1) -> Verdict:
    """Claim "A is ``paper`` times faster than B", judged on our speed-up (B's time / A's time)."""
    if not paper > 0:
        raise ValueError(f"paper ratio must be positive, got {paper!r}")
    txt = f"ours {ours.format(2)}x, the paper's {paper:.2f}x"
    if ours.high < 1.0:
        return Verdict(OPPOSITE, f"{txt}: slower, not faster")
    if ours.high >= paper * (1 - float(tolerance)) and ours.low > 1.0 - 1e-12:
        return Verdict(REPRODUCED, txt)
    if ours.low > 1.0:
        return Verdict(NOT_REPRODUCED, f"{txt}: faster, but by less")
    return Verdict(NOT_REPRODUCED, f"{txt}: no clear speed-up")


def verdict_share(ours: Interval, paper: float, *, tolerance: float = 10.0, unit: str = " %") -> Verdict:
    """Claim "the share is about ``paper``" (e.g. a modality's relative importance)."""
    tol = float(tolerance)
    txt = f"ours {ours.format(1)}{unit}, the paper's {paper:.1f}{unit}"
    if ours.low - tol <= paper <= ours.high + tol:
        return Verdict(REPRODUCED, f"{txt} (tolerance {tol:g})")
    return Verdict(NOT_REPRODUCED, f"{txt}: {abs(ours.mean - paper):.1f} points apart")


def verdict_best(runs: Mapping[object, Sequence[float]], claimed, *, confidence: float = 0.95) -> Verdict:
    """Claim "setting ``claimed`` is best", from per-run scores of every setting (paired by run)."""
    if claimed not in runs:
        raise ValueError(f"claimed setting {claimed!r} is not among {list(runs)}")
    if len(runs) < 2:
        raise ValueError("verdict_best needs at least two settings")
    if min(len(_values(v, str(k))) for k, v in runs.items()) < 2:
        raise ValueError("verdict_best needs at least two runs of every setting")
    means = {k: float(np.mean(_values(v, str(k)))) for k, v in runs.items()}
    order = sorted(means, key=means.get, reverse=True)
    others = [k for k in order if k != claimed]
    diffs = {k: paired_interval(runs[claimed], runs[k], confidence) for k in others}
    worse_sig = [k for k, d in diffs.items() if d.high < 0]
    if worse_sig:
        k = max(worse_sig, key=means.get)
        return Verdict(OPPOSITE, f"{k} is better than {claimed} ({means[k]:.2f} vs {means[claimed]:.2f}; "
                                 f"difference {(-diffs[k].mean):+.2f} [{-diffs[k].high:+.2f}, {-diffs[k].low:+.2f}])")
    if order[0] == claimed and all(d.low > 0 for d in diffs.values()):
        return Verdict(REPRODUCED, f"{claimed} is best ({means[claimed]:.2f}; next {others[0]} {means[others[0]]:.2f})")
    tied = [k for k, d in diffs.items() if d.low <= 0]
    names = ", ".join(str(k) for k in tied)
    return Verdict(NOT_REPRODUCED, f"{claimed} ({means[claimed]:.2f}) cannot be told apart from {names} "
                                   f"(best mean: {order[0]}, {means[order[0]]:.2f})")


def verdict_at_most(ours: Interval, paper: float, *, tolerance: float = 0.0, unit: str = " %") -> Verdict:
    """Claim "the error is (at most) about ``paper``": reproduced when our interval reaches down to it."""
    tol = float(tolerance)
    if tol < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance!r}")
    if not np.isfinite(paper) or paper < 0:
        raise ValueError(f"paper value must be finite and >= 0, got {paper!r}")
    txt = f"ours {ours.format(3)}{unit}, the paper's {paper:.3f}{unit}"
    if ours.low <= paper + tol:
        return Verdict(REPRODUCED, f"{txt}: {'as small or smaller' if ours.mean <= paper + tol else 'within the interval'}")
    return Verdict(NOT_REPRODUCED, f"{txt}: larger by {ours.mean - paper:.3f}{unit}")


def verdict_all(verdicts: Mapping[str, Verdict]) -> Verdict:
    """Claim "A beats every B": the verdicts of the single comparisons (by B's name) combined."""
    if not verdicts:
        raise ValueError("verdict_all needs at least one comparison")
    bad = {k: v for k, v in verdicts.items() if v.verdict not in (REPRODUCED, NOT_REPRODUCED, OPPOSITE)}
    if bad:
        raise ValueError(f"verdict_all: comparisons without a verdict: {sorted(bad)}")
    opp = [k for k, v in verdicts.items() if v.verdict == OPPOSITE]
    tie = [k for k, v in verdicts.items() if v.verdict == NOT_REPRODUCED]
    if opp:
        return Verdict(OPPOSITE, f"behind {', '.join(opp)}" + (f"; level with {', '.join(tie)}" if tie else ""))
    if tie:
        won = len(verdicts) - len(tie)
        return Verdict(NOT_REPRODUCED, f"ahead of {won} of {len(verdicts)}; cannot be told apart from {', '.join(tie)}")
    return Verdict(REPRODUCED, f"ahead of all {len(verdicts)}")


def summary_interval(mean: float, std: float | None, n: int, confidence: float = 0.95) -> Interval:
    """The Student-t interval of a mean from a summary (mean, std with ddof=1, number of runs)."""
    c = _confidence(confidence)
    m = float(mean)
    if not np.isfinite(m):
        raise ValueError(f"mean must be finite, got {mean!r}")
    n = int(n)
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if n < 2 or std is None or not np.isfinite(float(std)):
        return Interval(m, m, m, 1, c)
    half = float(stats.t.ppf(0.5 + c / 2, n - 1) * float(std) / np.sqrt(n))
    return Interval(m, m - half, m + half, n, c)


def difference_interval(a: tuple[float, float, int], b: tuple[float, float, int], *, n_test: int | None = None,
                        confidence: float = 0.95) -> Interval:
    """Unpaired interval of ``mean_a - mean_b`` from two summaries ``(mean, std, runs)`` (in %).

    With at least two runs on each side: Welch's interval. With one run on either side the run
    spread is unknown; with ``n_test`` the binomial standard error of each accuracy on that many
    test items is used instead (a normal interval), else the interval is the point.
    """
    c = _confidence(confidence)
    (ma, sa, na), (mb, sb, nb) = a, b
    ma, mb, na, nb = float(ma), float(mb), int(na), int(nb)
    d = ma - mb
    if na >= 2 and nb >= 2 and np.isfinite(float(sa)) and np.isfinite(float(sb)):
        va, vb = float(sa) ** 2 / na, float(sb) ** 2 / nb
        se = np.sqrt(va + vb)
        if se == 0:
            return Interval(d, d, d, min(na, nb), c)
        df = (va + vb) ** 2 / ((va**2 / (na - 1) if va else 0.0) + (vb**2 / (nb - 1) if vb else 0.0))
        half = float(stats.t.ppf(0.5 + c / 2, df) * se)
        return Interval(d, d - half, d + half, min(na, nb), c)
    if n_test is None:
        return Interval(d, d, d, 1, c)
    if int(n_test) < 1:
        raise ValueError(f"n_test must be >= 1, got {n_test}")
    pa, pb = np.clip([ma / 100.0, mb / 100.0], 0.0, 1.0)
    se = 100.0 * np.sqrt((pa * (1 - pa) + pb * (1 - pb)) / int(n_test))
    half = float(stats.norm.ppf(0.5 + c / 2) * se)
    return Interval(d, d - half, d + half, 2, c)


def verdict_best_summary(summary: Mapping[object, tuple[float, float, int]], claimed, *, n_test: int | None = None,
                         confidence: float = 0.95) -> Verdict:
    """Claim "setting ``claimed`` is best", from ``setting -> (mean, std, runs)`` summaries.

    The rules of :func:`verdict_best`, on :func:`difference_interval` (unpaired, so cautious).
    """
    if claimed not in summary:
        raise ValueError(f"claimed setting {claimed!r} is not among {list(summary)}")
    if len(summary) < 2:
        raise ValueError("verdict_best_summary needs at least two settings")
    means = {k: float(v[0]) for k, v in summary.items()}
    order = sorted(means, key=means.get, reverse=True)
    others = [k for k in order if k != claimed]
    diffs = {k: difference_interval(summary[claimed], summary[k], n_test=n_test, confidence=confidence)
             for k in others}
    how = "one run each; binomial intervals" if all(int(v[2]) < 2 for v in summary.values()) else "Welch intervals"
    worse_sig = [k for k, d in diffs.items() if d.high < 0]
    if worse_sig:
        k = max(worse_sig, key=means.get)
        return Verdict(OPPOSITE, f"{k} is better than {claimed} ({means[k]:.2f} vs {means[claimed]:.2f}; {how})")
    if order[0] == claimed and all(d.low > 0 for d in diffs.values()):
        return Verdict(REPRODUCED, f"{claimed} is best ({means[claimed]:.2f}; next {others[0]} {means[others[0]]:.2f}; {how})")
    tied = [str(k) for k, d in diffs.items() if d.low <= 0]
    return Verdict(NOT_REPRODUCED, f"{claimed} ({means[claimed]:.2f}) cannot be told apart from {', '.join(tied)} "
                                   f"(best mean: {order[0]}, {means[order[0]]:.2f}; {how})")


def not_testable(reason: str) -> Verdict:
    """A claim the data or encoders available here cannot test, with the reason."""
    if not str(reason).strip():
        raise ValueError("not_testable needs a reason")
    return Verdict(NOT_TESTABLE, str(reason))
