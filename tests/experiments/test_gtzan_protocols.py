"""Protocols of 3-second-window GTZAN accuracies: splits, grouped selection, votes, intervals."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.ensemble import RandomForestClassifier
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
    other = gp.protocol_splits(wy, wc, ids, y, seeds=seeds, window_seeds=seeds[:1])
    assert [s.seed for s in other["windows"]] == [seeds[0]] and len(other["windows_by_clip"]) == 3
    assert np.array_equal(other["windows"][0].test, sp["windows"][0].test)
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


# ---------------------------------------------------------------------- Table 1, (a)-(d) together
def _nn(cols):
    return [estimator_method("1-NN", KNeighborsClassifier(1), views=cols, concat=True),
            estimator_method("forest", RandomForestClassifier(n_estimators=5, random_state=None), views=cols,
                             concat=True)]


def test_table1_splits_random_and_artist(rng):
    y = np.repeat(np.array(gtzan.GENRES), int(rng.integers(10, 20)))
    perm = rng.permutation(len(y))
    artist = {"train": np.sort(perm[:40]), "valid": np.sort(perm[40:60]), "test": np.sort(perm[60:90])}
    seeds = tuple(int(s) for s in rng.choice(1000, 2, replace=False))
    sp = gp.table1_splits(y, seeds=seeds, artist=artist, artist_seeds=(7, 8, 9))
    assert [s.protocol for s in sp] == [gp.TABLE1_PROTOCOLS["random"]] * 2 + [gp.TABLE1_PROTOCOLS["artist"]] * 3
    assert [s.seed for s in sp] == [*seeds, 7, 8, 9]
    for s in sp[:2]:
        assert len(s.test) == round(0.3 * len(y)) and not set(s.train) & set(s.test)
    for s in sp[2:]:
        assert np.array_equal(s.train, artist["train"]) and np.array_equal(s.valid, artist["valid"])
        assert np.array_equal(s.test, artist["test"])
    assert gp.PROTOCOL_LETTERS[sp[0].protocol] == gp.PROTOCOL_LETTERS[sp[-1].protocol] == "d"
    assert len(gp.table1_splits(y, seeds=seeds)) == 2
    with pytest.raises(ValueError, match="no split"):
        gp.table1_splits(y, seeds=())


def test_bootstrap_runs_resamples_clips_not_windows(rng):
    ids, _ = _clips(rng, 3)
    wc, wy = _windows(rng, ids, 3, 8)
    wrong = rng.random(len(wc)) < 0.3
    y_pred = np.where(wrong, "jazz", wy)
    pred = pd.DataFrame({"protocol": "p", "run": np.repeat([0, 1], len(wc)), "method": "m",
                         "index": np.tile(np.arange(len(wc)), 2), "y_true": np.tile(wy, 2),
                         "y_pred": np.r_[y_pred, wy]})
    seed = int(rng.integers(1000))
    out = gp.bootstrap_runs(pred, wc, ["protocol", "method", "run"], n_boot=500, seed=seed)
    assert len(out) == 2 and (out["test_clips"] == len(ids)).all() and (out["n_test"] == len(wc)).all()
    first = pred[pred["run"] == 0].assign(clip=wc, hit=(wy == y_pred))
    per_clip = first.groupby("clip", sort=False)["hit"].agg(["sum", "size"])
    lo, hi = gp.cluster_bootstrap(per_clip["sum"], per_clip["size"], n_boot=500, seed=seed)
    row = out.iloc[0]
    assert row["accuracy"] == pytest.approx(100 * np.mean(wy == y_pred))
    assert (row["boot_low"], row["boot_high"]) == pytest.approx((100 * lo, 100 * hi))
    assert tuple(out.iloc[1][["accuracy", "boot_low", "boot_high"]]) == (100.0, 100.0, 100.0)
    same = gp.bootstrap_runs(pred, lambda p: wc[p["index"].to_numpy()], ["protocol", "method", "run"], n_boot=500,
                             seed=seed)
    pd.testing.assert_frame_equal(out, same)
    with pytest.raises(ValueError, match="index"):
        gp.bootstrap_runs(pred, wc[:3], ["protocol", "method", "run"])
    with pytest.raises(ValueError, match="missing"):
        gp.bootstrap_runs(pred.drop(columns="y_pred"), wc, ["run"])


def test_worker_processes_give_the_same_numbers(rng):
    windows, clips = _tables(rng, per_genre=10, signal=1.0, windows=(3, 5))
    seeds = (int(rng.integers(1000)),)
    one = gp.run_gtzan_protocols(windows, clips, seeds=seeds, methods=_nn, feature_sets={"MFCC": ("mfcc",)})
    two = gp.run_gtzan_protocols(windows, clips, seeds=seeds, methods=_nn, feature_sets={"MFCC": ("mfcc",)},
                                 n_jobs=2)
    cols = ["protocol", "scoring", "features", "method", "run", "seed", "accuracy", "n_test"]
    pd.testing.assert_frame_equal(one.runs[cols], two.runs[cols])
    pd.testing.assert_frame_equal(one.result.predictions, two.result.predictions)
    with pytest.raises(ValueError, match="n_jobs"):
        gp.run_gtzan_protocols(windows, clips, seeds=seeds, methods=_nn, n_jobs=0)


def test_protocol_table_puts_a_to_d_together(rng):
    windows, clips = _tables(rng, per_genre=10, signal=1.5, windows=(3, 5))
    seeds = tuple(int(s) for s in rng.choice(1000, 3, replace=False))
    perm = rng.permutation(len(clips.y))
    artist = {"train": np.sort(perm[:80]), "valid": np.sort(perm[80:100]), "test": np.sort(perm[100:])}
    t1_splits = gp.table1_splits(clips.y, seeds=seeds, artist=artist, artist_seeds=(seeds[0],))
    t1, pr = gp.run_table1_and_protocols(clips, windows, t1_splits, seeds=seeds, methods=_nn,
                                         feature_sets={"MFCC": ("mfcc",)})
    alone = gp.run_table1(gtzan.feature_views(clips), clips.y, t1_splits, methods=_nn,
                          feature_sets={"MFCC": ("mfcc",)})
    assert np.array_equal(t1.runs["accuracy"], alone.runs["accuracy"])
    clip_of = np.array([gtzan.clip_id(f) for f in clips.filenames])
    runs, summ = gp.protocol_table(pr, t1, clip_of, n_boot=300)
    assert list(dict.fromkeys(runs["letter"])) == ["a", "b", "c", "d"]
    # (a), (b) per window, (b) by vote, (c), (d) random, (d) artist: 6 rows per method
    assert len(summ) == 6 * 2 and (summ.groupby("method").size() == 6).all()
    assert set(summ.loc[summ["letter"] == "b", "scoring"]) == {"window", "clip vote"}
    vote = runs[runs["scoring"] == "clip vote"]
    assert (vote["n_test"] == vote["test_clips"]).all() and (vote["test_clips"] == 30).all()
    d_random = runs[runs["protocol"] == gp.TABLE1_PROTOCOLS["random"]]
    assert (d_random["test_clips"] == round(0.3 * len(clips.y))).all() and len(d_random) == 3 * 2
    assert ((runs["boot_low"] <= runs["accuracy"]) & (runs["accuracy"] <= runs["boot_high"])).all()
    # the summary is the t interval of the per-run table; one artist run has its bootstrap instead
    s = summ.set_index(["protocol", "scoring", "method"])
    g = runs[(runs["letter"] == "a") & (runs["method"] == "1-NN")]["accuracy"]
    half = stats.t.ppf(0.975, 2) * g.std(ddof=1) / np.sqrt(3)
    a = s.loc[(gp.PROTOCOLS["windows"], "window", "1-NN")]
    assert a["mean"] == pytest.approx(g.mean()) and a["ci_high"] == pytest.approx(min(100, g.mean() + half))
    art = s.loc[(gp.TABLE1_PROTOCOLS["artist"], "clip", "1-NN")]
    assert art["runs"] == 1 and np.isnan(art["ci_low"]) and art["boot_low"] <= art["mean"] <= art["boot_high"]
    assert summ["paper_value"].isna().all()  # no method of the paper here


def test_protocol_levels_pool_the_paper_rows_run_by_run(rng):
    rows = []
    paper = {("MFCC", "3-layer DKN"): 93.3, ("MFCC", "learned DM2KMN"): 94.0,
             ("MFCC + spectral", "3-layer DKN"): 95.6, ("MFCC + spectral", "learned DM2KMN"): 96.0}
    level_of = {"a": 0.0, "b": -20.0, "c": 3.0}  # (a) at the paper's values, (b) far below, (c) above
    for letter, shift in level_of.items():
        for run in range(3):
            for (f, m), pv in paper.items():
                rows.append((letter, f"p{letter}", "window", f, m, run, pv + shift + rng.normal(0, 0.3), pv))
            rows.append((letter, f"p{letter}", "window", "MFCC", "SVM (RBF)", run, 50.0, np.nan))  # no paper value
    for (f, m), pv in paper.items():  # a fixed split run once: its bootstrap interval decides
        rows.append(("d", "artist-filtered", "clip", f, m, 0, pv - 2.5, pv))
    runs = pd.DataFrame(rows, columns=["letter", "protocol", "scoring", "features", "method", "run", "accuracy",
                                       "paper_value"])
    runs["boot_low"], runs["boot_high"] = runs["accuracy"] - 1.0, runs["accuracy"] + 1.0
    lv = gp.protocol_levels(runs).set_index("letter")
    assert lv["level"].to_dict() == {"a": "reaches", "b": "is below", "c": "is above", "d": "is below"}
    assert (lv["rows"] == 4).all() and lv.loc[["a", "b", "c"], "runs"].tolist() == [3, 3, 3]
    for letter, shift in level_of.items():  # the gap is the mean of (ours - paper) over rows and runs
        g = runs[(runs["letter"] == letter) & runs["paper_value"].notna()]
        assert lv.loc[letter, "gap"] == pytest.approx((g["accuracy"] - g["paper_value"]).mean())
        assert lv.loc[letter, "gap_low"] < lv.loc[letter, "gap"] < lv.loc[letter, "gap_high"]
    assert lv.loc["d", "interval"] == "bootstrap of the test set"
    assert (lv.loc["d", "gap_low"], lv.loc["d", "gap_high"]) == pytest.approx((-3.5, -1.5))
    assert lv.loc["d", "verdict"] == "not reproduced"  # -1.5 + 1 point of tolerance stays below 0
    wider = runs.assign(boot_high=np.where(runs["letter"] == "d", runs["accuracy"] + 2.0, runs["boot_high"]))
    assert gp.protocol_levels(wider).set_index("letter").loc["d", "level"] == "reaches"
    with pytest.raises(ValueError, match="missing"):
        gp.protocol_levels(runs.drop(columns="run"))
    with pytest.raises(ValueError, match="paper value"):
        gp.protocol_levels(runs.assign(paper_value=np.nan))


def test_gtzan_data_from_the_staged_tables():
    try:
        data = gp.gtzan_data()
    except FileNotFoundError:
        pytest.skip("no staged GTZAN tables")
    assert len(data.table.y) == 1000 and len(data.windows.y) == 997 and len(set(data.windows.clips)) == 100
    assert {len(v) for v in data.artist.values()} == {443, 197, 290}
    assert data.feature_sets == gtzan.FEATURE_SETS
    assert {k: v.shape[1] for k, v in data.views.items()} == {"mfcc": 40, "spectral": 17}
    assert len(gp.matching_clips(data.windows, data.table)) == 100
    with pytest.raises(ValueError, match="audio_root"):
        gp.gtzan_data(audio_features=("cnn",))


@pytest.mark.slow
def test_audio_path_runs_table1_and_every_protocol(rng, tmp_path):
    """GTZAN-named synthetic audio: the clip table and the windows are computed from it, with the
    views of Table 1, and Table 1 and (a)-(d) run on them (1-s windows keep this fast)."""
    sf = pytest.importorskip("soundfile")
    pytest.importorskip("librosa")
    try:
        gp.gtzan_data()
    except FileNotFoundError:
        pytest.skip("no data root (the artist split is read from it)")
    sr, genres, per = 22050, gtzan.GENRES[:3], 12
    freq = {g: f for g, f in zip(genres, (220.0, 440.0, 880.0))}
    for g in genres:
        (tmp_path / "genres" / g).mkdir(parents=True)
        for i in range(per):
            t = np.arange(int(2.2 * sr)) / sr
            x = np.sin(2 * np.pi * freq[g] * (1 + 0.05 * rng.random()) * t) + 0.05 * rng.normal(size=t.size)
            sf.write(tmp_path / "genres" / g / f"{g}.{i:05d}.wav", (0.3 * x).astype(np.float32), sr)
    data = gp.gtzan_data(audio_root=tmp_path, window=sr, cache_dir=tmp_path / "cache")
    assert len(data.table.y) == 3 * per and len(data.windows.y) == 2 * 3 * per
    assert data.table.groups["mfcc"] == gtzan.load_gtzan_table().groups["mfcc"]
    assert {k: v.shape for k, v in data.views.items()} == {"mfcc": (3 * per, 40), "spectral": (3 * per, 17)}
    assert "audio" in data.source and "computed from" in data.window_source
    seeds = (int(rng.integers(1000)),)
    t1_splits = gp.table1_splits(data.table.y, seeds=seeds)
    t1, pr = gp.run_table1_and_protocols(data.table, data.windows, t1_splits, seeds=seeds, methods=_nn)
    assert (t1.runs["status"] == "ok").all() and (pr.runs["status"] == "ok").all()
    clip_of = np.array([gtzan.clip_id(f) for f in data.table.filenames])
    runs, summ = gp.protocol_table(pr, t1, clip_of, n_boot=200)
    assert list(dict.fromkeys(summ["letter"])) == ["a", "b", "c", "d"]
    assert set(summ["features"]) == set(gtzan.FEATURE_SETS)
    # pure tones a octave apart: every protocol separates the three genres on the MFCCs
    assert (summ.loc[(summ["features"] == "MFCC") & (summ["method"] == "1-NN"), "mean"] > 80).all()
