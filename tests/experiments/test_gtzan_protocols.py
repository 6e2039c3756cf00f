"""Protocols of 3-second-window GTZAN accuracies: splits, grouped selection, votes, intervals."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.neighbors import KNeighborsClassifier

from kmnet.experiments import gtzan_protocols as gp
from kmnet.datasets import gtzan
from kmnet.features.gtzan_table import TABLE_COLUMNS
from kmnet.experiments.protocols import Method, estimator_method


def _clips(rng, per_genre: int):
    ids = np.array([f"{g}.{i:05d}" for g in gtzan.GENRES for i in rng.choice(100, per_genre, replace=False)])
    return ids, np.array([c.split(".")[0] for c in ids])


def _windows(rng, ids, lo=8, hi=11):
    n = rng.integers(lo, hi, size=len(ids))
    return np.repeat(ids, n), np.repeat([c.split(".")[0] for c in ids], n)


def test_protocol_splits_keep_clips_apart_and_share_the_partition(rng):
    ids, y = _clips(rng, int(rng.integers(6, 12)))
    perm = rng.permutation(len(ids))  # clip order of the clip table need not be sorted
    ids, y = ids[perm], y[perm]
    wc, wy = _windows(rng, ids)
    seeds = tuple(int(s) for s in rng.choice(1000, 3, replace=False))
    sp = gp.protocol_splits(wy, wc, ids, y, seeds=seeds)
    assert [len(v) for v in sp.values()] == [3, 3, 3]
    for a, b, c in zip(sp["windows"], sp["windows_by_clip"], sp["clips"]):
        assert a.seed == b.seed == c.seed
        assert a.protocol == gp.PROTOCOLS["windows"] and b.protocol == gp.PROTOCOLS["windows_by_clip"]
        # (b): every window goes with its clip, and its test clips are those of (c)
        assert not set(wc[b.train]) & set(wc[b.test])
        assert set(wc[b.test]) == set(ids[c.test]) and set(wc[b.train]) == set(ids[c.train])
        assert len(b.train) + len(b.test) == len(wc)
        # (c) is stratified 70/30 by genre
        counts = pd.Series(y[c.test]).value_counts()
        assert counts.max() - counts.min() <= 1 and abs(len(c.test) - 0.3 * len(ids)) <= 1
        # (a) splits the windows themselves: clips end up on both sides
        assert len(set(wc[a.train]) & set(wc[a.test])) > len(ids) // 2
    assert not np.array_equal(sp["clips"][0].test, sp["clips"][1].test)
    with pytest.raises(ValueError, match="not among"):
        gp.protocol_splits(wy, wc, ids[1:], y[1:])
    bad = wy.copy()
    bad[0] = next(g for g in gtzan.GENRES if g != bad[0])
    with pytest.raises(ValueError, match="genre"):
        gp.protocol_splits(bad, wc, ids, y)


def test_group_selection_folds_and_hold_out_keep_groups_apart(rng):
    ids, y = _clips(rng, int(rng.integers(6, 10)))
    wc, wy = _windows(rng, ids)
    seen = {}

    def fit(ctx):
        seen["cv"], seen["validation"], seen["n"] = list(ctx.cv), ctx.validation, len(ctx.y)
        return KNeighborsClassifier(1).fit(ctx.X, ctx.y)

    split = gp.protocol_splits(wy, wc, ids, y, seeds=(int(rng.integers(1000)),))["windows_by_clip"][0]
    from kmnet.experiments.protocols import run_protocol

    X = {"x": rng.normal(size=(len(wy), 3))}
    res = run_protocol(gp.group_selection([Method("probe", fit, concat=True)], wc), X, wy, [split])
    assert (res.runs["status"] == "ok").all()
    g = wc[split.fit_index]
    assert len(seen["cv"]) == 5 and seen["n"] == len(g)
    covered = np.concatenate([te for _, te in seen["cv"]])
    assert np.array_equal(np.sort(covered), np.arange(len(g)))
    for tr, te in seen["cv"]:
        assert not set(g[tr]) & set(g[te])
    tr, va = seen["validation"]
    assert not set(g[tr]) & set(g[va]) and len(set(g[va])) >= 2
    assert 0.08 < len(va) / len(g) < 0.25
    assert res.info[(gp.PROTOCOLS["windows_by_clip"], 0, "probe")]["selection"] == "grouped"
    with pytest.raises(ValueError, match="cv"):
        gp.group_selection([], wc, cv=1)


def test_majority_vote_against_a_direct_count(rng):
    ids, _ = _clips(rng, 3)
    wc, wy = _windows(rng, ids, 3, 8)
    labels = np.array(gtzan.GENRES[:3])
    pred = pd.DataFrame({"protocol": "p", "run": 0, "method": "m", "index": np.arange(len(wc)),
                         "y_true": wy, "y_pred": rng.choice(labels, len(wc))})
    pred = pred.sample(frac=1.0, random_state=int(rng.integers(1e6)))  # order must not matter
    votes = gp.majority_vote(pred, wc).set_index("clip")
    assert set(votes.index) == set(ids)
    for c in ids:
        p = pred[wc[pred["index"]] == c].sort_values("index")["y_pred"].tolist()
        counts = {v: p.count(v) for v in p}
        best = max(counts.values())
        assert votes.loc[c, "votes"] == best and votes.loc[c, "windows"] == len(p)
        assert votes.loc[c, "y_pred"] == next(v for v in p if counts[v] == best)  # tie: earliest window
    with pytest.raises(ValueError, match="genres"):
        gp.majority_vote(pred.assign(y_true=rng.permutation(pred["y_true"].to_numpy())), wc)


def test_interval_summary_is_a_t_interval(rng):
    n = int(rng.integers(2, 7))
    acc = rng.uniform(0.4, 0.9, size=n)
    runs = pd.DataFrame({"method": ["a"] * n + ["b"], "accuracy": np.r_[acc, 0.5]})
    s = gp.interval_summary(runs, ["method"]).set_index("method")
    half = stats.t.ppf(0.975, n - 1) * acc.std(ddof=1) / np.sqrt(n)
    assert s.loc["a", "mean"] == pytest.approx(100 * acc.mean())
    assert s.loc["a", "ci_high"] == pytest.approx(100 * min(1.0, acc.mean() + half))
    assert s.loc["a", "ci_low"] == pytest.approx(100 * max(0.0, acc.mean() - half))
    assert s.loc["a", "min"] <= s.loc["a", "mean"] <= s.loc["a", "max"]
    assert s.loc["b", "runs"] == 1 and np.isnan(s.loc["b", "ci_low"])


def test_cluster_bootstrap_width_follows_the_number_of_clusters(rng):
    p = rng.uniform(0.5, 0.8)
    widths = []
    for k in (30, 300):
        n = rng.integers(8, 11, size=k)
        correct = rng.binomial(n, p)
        lo, hi = gp.cluster_bootstrap(correct, n, seed=int(rng.integers(1e6)))
        assert lo <= correct.sum() / n.sum() <= hi
        widths.append(hi - lo)
    assert widths[1] < widths[0] / 2  # ~sqrt(10) narrower with ten times the clips
    # 30 clips scored 0/1 at 70 %: the interval is about as wide as the binomial one (+-16 points)
    lo, hi = gp.cluster_bootstrap(np.r_[np.ones(21), np.zeros(9)], np.ones(30), seed=0)
    assert 0.25 < hi - lo < 0.40
    assert gp.cluster_bootstrap(np.full(5, 3), np.full(5, 3)) == (1.0, 1.0)
    with pytest.raises(ValueError, match="correct"):
        gp.cluster_bootstrap([3, 1], [2, 2])


def _tables(rng, per_genre: int, signal: float, windows=(9, 11)):
    """Windows whose features are a clip fingerprint plus ``signal`` x a genre direction."""
    ids, y = _clips(rng, per_genre)
    wc, wy = _windows(rng, ids, *windows)
    genre_dir = rng.normal(size=(len(gtzan.GENRES), 57))
    finger = {c: rng.normal(size=57) for c in ids}
    gi = {g: i for i, g in enumerate(gtzan.GENRES)}
    Xw = np.stack([finger[c] + signal * genre_dir[gi[g]] + 0.05 * rng.normal(size=57) for c, g in zip(wc, wy)])
    win = pd.concat([pd.DataFrame({"filename": [f"{c}.{k}.wav" for c, k in zip(wc, range(len(wc)))],
                                   "clip": wc, "label": wy}),
                     pd.DataFrame(Xw, columns=list(TABLE_COLUMNS))], axis=1)
    Xc = np.stack([finger[c] + signal * genre_dir[gi[g]] for c, g in zip(ids, y)])
    extra = [f"{g}.{900 + i:05d}" for i, g in enumerate(gtzan.GENRES)]  # clips without windows are ignored
    clip = pd.concat([pd.DataFrame({"filename": [f"{c}.wav" for c in [*ids, *extra]],
                                    "label": [*y, *gtzan.GENRES]}),
                      pd.DataFrame(np.r_[Xc, rng.normal(size=(len(extra), 57))], columns=list(TABLE_COLUMNS))],
                     axis=1)
    return gtzan.gtzan_table_from_frame(win), gtzan.gtzan_table_from_frame(clip)


def test_random_window_splits_reward_recognising_the_clip(rng):
    """No genre signal at all, only a fingerprint per clip: 1-NN on windows split at random finds a
    window of the same clip and scores far above chance; split by clip it is at chance."""
    windows, clips = _tables(rng, per_genre=10, signal=0.0)
    nn = lambda cols: [estimator_method("1-NN", KNeighborsClassifier(1), views=cols, concat=True)]  # noqa: E731
    res = gp.run_gtzan_protocols(windows, clips, seeds=(0, 1, 2), methods=nn,
                                 feature_sets={"all": ("mfcc", "spectral")})
    s = res.summary().set_index(["protocol", "scoring"])["mean"]
    assert s[(gp.PROTOCOLS["windows"], "window")] > 90
    for key in ((gp.PROTOCOLS["windows_by_clip"], "window"), (gp.PROTOCOLS["windows_by_clip"], "clip vote"),
                (gp.PROTOCOLS["clips"], "clip")):
        assert s[key] < 35, key
    runs = res.runs
    assert set(runs["scoring"]) == {"window", "clip vote", "clip"}
    assert (runs.loc[runs["scoring"] == "clip vote", "n_test"] == 30).all()
    assert (runs.loc[runs["protocol"] == gp.PROTOCOLS["clips"], "n_test"] == 30).all()
    noise = res.test_noise(n_boot=500)
    assert len(noise) == len(runs)
    assert ((noise["boot_low"] <= noise["accuracy"]) & (noise["accuracy"] <= noise["boot_high"])).all()
    assert (noise.loc[noise["scoring"] != "window", "test_clips"] == 30).all()


def test_a_genre_signal_is_found_under_every_protocol(rng):
    windows, clips = _tables(rng, per_genre=10, signal=3.0)
    nn = lambda cols: [estimator_method("1-NN", KNeighborsClassifier(1), views=cols, concat=True)]  # noqa: E731
    res = gp.run_gtzan_protocols(windows, clips, seeds=(int(rng.integers(1000)),), methods=nn,
                                 feature_sets={"MFCC": ("mfcc",)})
    assert (res.summary()["mean"] > 80).all()
    with pytest.raises(ValueError, match="protocols"):
        gp.run_gtzan_protocols(windows, clips, protocols=("artists",), methods=nn)
    with pytest.raises(ValueError, match="clip table"):
        gp.run_gtzan_protocols(windows, gtzan.gtzan_table_from_frame(
            pd.DataFrame({"filename": ["blues.00001.wav"], "label": ["blues"],
                          **{c: [0.0] for c in TABLE_COLUMNS}})), methods=nn)


def test_table1_methods_and_paper_values():
    ms = gp.table1_methods(("mfcc", "spectral"), baselines=("svm_rbf", "logreg"))
    assert [m.name for m in ms] == ["SVM (RBF)", "logistic regression", "3-layer DKN", "initial DM2KMN",
                                    "learned DM2KMN"]
    assert all(m.views == ("mfcc", "spectral") for m in ms)
    with pytest.raises(ValueError, match="baselines"):
        gp.table1_methods(("mfcc",), baselines=("svm_poly",))
    pv = gp.paper_values(list(gtzan.FEATURE_SETS))
    assert pv[("MFCC", "learned DM2KMN")] == 94.0 and pv[("MFCC + spectral", "3-layer DKN")] == 95.6


@pytest.mark.slow
def test_table1_methods_run_under_every_protocol(rng):
    """The kernel networks with grouped selection (hold-out and folds by clip) on a small data set
    with a clear genre signal: every fit succeeds and every method is far above chance."""
    windows, clips = _tables(rng, per_genre=10, signal=3.0, windows=(3, 5))
    res = gp.run_gtzan_protocols(windows, clips, seeds=(int(rng.integers(1000)),), dkn_iterations=2,
                                 max_epochs=4, feature_sets={"MFCC + spectral": ("mfcc", "spectral")})
    assert (res.runs["status"] == "ok").all(), res.runs.loc[res.runs["status"] != "ok", "error"].tolist()
    assert set(res.runs["method"]) == {"SVM (RBF)", "3-layer DKN", "initial DM2KMN", "learned DM2KMN"}
    s = res.summary()
    assert len(s) == 4 * 4 and (s["mean"] > 50).all(), s
    grouped = [v for k, v in res.result.info.items() if k[1] == gp.PROTOCOLS["windows_by_clip"]]
    assert grouped and all(v.get("selection") == "grouped" for v in grouped)
