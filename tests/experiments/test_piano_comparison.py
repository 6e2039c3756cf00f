"""Table 5 methods (kmnet.experiments.piano_comparison) and the precomputed-counts BOW view (multimodal_comparison)."""

import copy

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfTransformer

from kmnet.experiments import method_names as M
from kmnet.experiments import multimodal_comparison as mmc
from kmnet.experiments import piano_comparison as pc
from kmnet.baselines import DCNClassifier
from kmnet.datasets.piano.features import PianoFeatures
from kmnet.datasets.splits import fixed_splits
from kmnet.experiments.paper import paper_table
from kmnet.experiments.protocols import run_protocol
from kmnet.experiments.views import piano_views
from kmnet.views import MultiView

PERIODS = ["Baroque", "Classical", "Modern", "Romantic"]


def _features(rng, n=96, vocab=30, shape=(16, 32)):
    y = rng.choice(PERIODS, n)
    codes = np.searchsorted(PERIODS, y)
    counts = rng.poisson(0.5, size=(n, vocab))
    counts[np.arange(n), codes] += rng.integers(2, 6, n)  # one telling token per period
    man = pd.DataFrame({"id": [f"p{i}" for i in range(n)], "period": y,
                        "split": np.where(rng.random(n) < 0.65, "train", "test")})
    man.loc[:7, "split"] = "train"
    man.loc[8:15, "split"] = "test"
    arrays = {
        "audio_mfcc": (rng.normal(size=(n, 6)) + 1.5 * np.eye(6)[codes]).astype(np.float32),
        "audio_cnn": rng.normal(size=(n, 10)).astype(np.float16),
        "text": (rng.normal(size=(n, 8)) + 0.8 * codes[:, None]).astype(np.float32),
        "kern_bow": counts.astype(np.uint16),
        "image": (rng.normal(size=(n, *shape)) + codes[:, None, None]).astype(np.float16),
    }
    return PianoFeatures(man, arrays, {})


def test_piano_views_shapes_and_split(rng):
    F = _features(rng)
    views, y, tr, te, shape = piano_views(F)
    n = len(F)
    assert sorted(views) == ["audio", "bow_counts", "image", "text"]
    assert views["image"].shape == (n, shape[0] * shape[1]) and shape == F.images().shape[1:]
    np.testing.assert_allclose(views["image"][3], F.images()[3].ravel())
    assert views["bow_counts"].shape == (n, F.arrays["kern_bow"].shape[1])
    assert len(np.intersect1d(tr, te)) == 0 and len(tr) + len(te) == n
    assert list(y[tr]) == list(F.labels("train"))
    bad = PianoFeatures(F.manifest.assign(split="valid"), F.arrays, {})
    with pytest.raises(ValueError, match="split"):
        piano_views(bad)


def test_counts_tfidf_view_fits_idf_on_training_rows_only(rng):
    F = _features(rng, 160)
    views, y, tr, te, _ = piano_views(F)
    X = MultiView({"audio": views["audio"], "bow_counts": views["bow_counts"]})
    clf = mmc.CountsTfidfView(DCNClassifier(text_view="bow", depth=1, width=16, max_epochs=60, random_state=1),
                              keep=["audio"])
    clf.fit(X[tr], y[tr])
    ref = TfidfTransformer(sublinear_tf=True).fit(views["bow_counts"][tr])
    np.testing.assert_allclose(clf.transformer_.idf_, ref.idf_)
    full = TfidfTransformer(sublinear_tf=True).fit(views["bow_counts"])
    assert not np.allclose(clf.transformer_.idf_, full.idf_)  # the test rows did not enter
    proba = clf.predict_proba(X[te])
    assert proba.shape == (len(te), len(clf.classes_)) and np.allclose(proba.sum(1), 1.0)
    # the telling tokens separate the periods: on held-out pieces (about 55 of them) the fused
    # model clears chance (1/4) by a wide margin (0.59-0.94 over twenty seeds)
    assert clf.score(X[te], y[te]) > 0.45
    c = clone(clf)
    assert c.get_params()["estimator__width"] == 16 and not hasattr(c, "estimator_")


def test_counts_tfidf_view_errors(rng):
    F = _features(rng, 40)
    views, y, tr, te, _ = piano_views(F)
    clf = mmc.CountsTfidfView(DCNClassifier(text_view="bow", max_epochs=2))
    with pytest.raises(ValueError, match="counts view 'bow_counts' is missing"):
        clf.fit({"audio": views["audio"]}, y)
    with pytest.raises(ValueError, match="exists already"):
        clf.fit({"audio": views["audio"], "bow_counts": views["bow_counts"], "bow": views["audio"]}, y)
    with pytest.raises(ValueError, match="non-negative"):
        clf.fit({"audio": views["audio"], "bow_counts": -views["bow_counts"] - 1}, y)
    with pytest.raises(ValueError, match="needs a classifier"):
        mmc.CountsTfidfView().fit(views, y)
    with pytest.raises(ValueError, match="weighting"):
        mmc.CountsTfidfView(DCNClassifier(), weighting="bm25").fit(views, y)


def test_multimodal_methods_bow_counts_option_is_backwards_compatible():
    old = mmc.multimodal_methods()
    assert next(m for m in old if "BOW" in m.name).views == ("audio", "lyrics")
    new = mmc.multimodal_methods(bow_counts="bow_counts", image="image", image_shape=(4, 4))
    bow = next(m for m in new if "BOW" in m.name)
    assert bow.name == "CNN + BOW [91]" and bow.views == ("image", "bow_counts")
    assert len(old) == len(new) and [m.name for m in old if "BOW" not in m.name] == [
        m.name for m in new if "BOW" not in m.name]


def test_piano_methods_order_and_table5_on_synthetic_data(rng):
    torch.set_num_threads(1)
    F = _features(rng, 160)
    views, y, tr, te, shape = piano_views(F)
    methods = pc.piano_methods(image_shape=shape, hi_C=(1.0, 10.0), cnn_epochs=5,
                               cnn_params={"input_pool": (1, 1), "channels": (4, 8)}, mlp_epochs=10,
                               dkn_C=(1.0, 10.0), dkn_hidden=4, dkn_max_iter=3, dm2kmn_anchors=30,
                               dm2kmn_max_epochs=2, dm2kmn_check_every=1, dm2kmn_patience=1,
                               dm2kmn_params={"fold_dkn": "reuse"})
    assert [m.name for m in methods] == list(pc.TABLE5_ORDER)
    with pytest.raises(ValueError, match="fixed by the piano views"):
        pc.piano_methods(image_shape=shape, bow_counts="x")
    seeds = [int(s) for s in rng.integers(0, 1000, 2)]
    res = run_protocol(methods, views, y, fixed_splits(tr, te, seeds=seeds), time_repeat=1, errors="raise")
    assert (res.runs["status"] == "ok").all() and len(res.runs) == 2 * len(methods)
    t = pc.table5(res)
    assert list(t["method"]) == list(pc.TABLE5_ORDER) and (t["runs"] == 2).all()
    ti = t.set_index("method")
    # the paper's values (METHOD.md Section 8, Table 5) sit beside ours, row by row
    paper = {M.AUDIO_HI: 71.60, M.TEXT_MLP: 83.12, M.DCN: 83.98, M.HYBRID: 86.93, M.DKN: 85.11,
             M.INITIAL_DM2KMN: 83.03, M.LEARNED_DM2KMN: 88.74}
    for name, value in paper.items():
        assert ti.loc[name, "paper_value"] == value, name
    assert ti.loc[M.INITIAL_DM2KMN, "paper_re"] == 0.820 and ti.loc[M.LEARNED_DM2KMN, "paper_re"] == 3.051
    assert ti.loc[M.TEXT_DKN, "modality"] == "Text" and ti.loc[M.DKN, "modality"] == "Both"
    assert np.isnan(ti.loc[M.DKN, "re"]) and np.isfinite(ti.loc[[M.INITIAL_DM2KMN, M.LEARNED_DM2KMN], "re"]).all()
    # reference: accuracies recomputed from the test predictions, mean and std over the runs
    p = res.predictions.assign(ok=lambda d: d["y_true"] == d["y_pred"])
    per_run = p.groupby(["method", "run"])["ok"].mean().unstack() * 100
    np.testing.assert_allclose(ti.loc[per_run.index, "mean"], per_run.mean(axis=1))
    np.testing.assert_allclose(ti.loc[per_run.index, "std"], per_run.std(axis=1, ddof=1))
    # the period-telling tokens, audio and text shifts separate the periods (chance 1/4)
    print(ti["mean"].round(1).to_dict())
    for name in (M.CNN_BOW, M.DKN, M.LEARNED_DM2KMN):
        assert ti.loc[name, "mean"] > 55.0, name


def test_order_differences_finds_exactly_the_reversed_pairs(rng):
    k = 6
    paper = rng.permutation(np.arange(k) * 5.0 + 50)
    ours = paper + rng.normal(0, 6, k)
    t = pd.DataFrame({"method": [f"m{i}" for i in range(k)], "mean": ours, "paper_value": paper})
    d = pc.order_differences(t)
    expected = {(f"m{i}", f"m{j}") for i in range(k) for j in range(k) if paper[i] > paper[j] and ours[i] < ours[j]}
    assert set(zip(d["paper_better"], d["paper_worse"])) == expected
    assert (d["paper_gap"] > 0).all() and (d["our_gap"] < 0).all()
    assert pc.order_differences(t.assign(mean=paper)).empty
    with pytest.raises(ValueError, match="needs columns"):
        pc.order_differences(t.drop(columns="paper_value"))


def test_re_during_learning_follows_one_continuous_run(rng):
    from kmnet import DeepKernelMapNetwork, DeepKernelNetwork
    from kmnet.metrics import relative_error

    torch.set_num_threads(1)
    F = _features(rng, 60)
    views, y, tr, te, _ = piano_views(F)
    X = MultiView({"audio": views["audio"][tr], "text": views["text"][tr]})
    dkn = DeepKernelNetwork(hidden=4, max_iter=3, random_state=int(rng.integers(100))).fit(X, y[tr])
    net = DeepKernelMapNetwork.from_dkn(dkn, X, random_state=0)
    Xe = MultiView({"audio": views["audio"][te], "text": views["text"][te]})
    curve = pc.re_during_learning(net, dkn, X, y[tr], epochs=4, check_every=2, X_eval=Xe, y_eval=y[te], seed=1)
    assert list(curve["epoch"]) == [0, 2, 4]
    assert curve.loc[0, "re"] == pytest.approx(relative_error(net.output_kernel(X), dkn.output_kernel(X)))
    # reference: the network fitted for 2 and 4 epochs in one fit each (the trace is one run)
    for e in (2, 4):
        ref = copy.deepcopy(net).set_params(epochs=e, random_state=1).fit(X, y[tr])
        row = curve.set_index("epoch").loc[e]
        assert row["re"] == pytest.approx(relative_error(ref.output_kernel(X), dkn.output_kernel(X)), rel=1e-5)
        assert row["eval_accuracy"] == pytest.approx(100 * np.mean(ref.predict(Xe) == y[te]))
        assert row["train_loss"] == pytest.approx(ref.loss_curve_[-1], rel=1e-5)
    assert curve["re"].iloc[-1] != curve["re"].iloc[0]  # learning moves the map network
    assert net.epochs == DeepKernelMapNetwork.from_dkn(dkn, X, random_state=0).epochs  # not modified
    with pytest.raises(ValueError, match="both X_eval and y_eval"):
        pc.re_during_learning(net, dkn, X, y[tr], X_eval=Xe)


def test_audio_feature_rows_rerun_the_audio_rows_with_another_feature(rng):
    """Each audio feature gives the rows a protocol run on views with that feature as audio gives."""
    torch.set_num_threads(1)
    F = _features(rng, 100)
    n = len(F)
    codes = np.searchsorted(PERIODS, F.labels())
    F.arrays["audio_musicnn"] = (rng.normal(size=(n, 12)) + 2.0 * np.eye(12)[codes]).astype(np.float16)
    seeds = [int(s) for s in rng.integers(0, 1000, 2)]
    kw = dict(hi_C=(1.0, 10.0), dkn_C=(1.0,), dkn_hidden=4, dkn_max_iter=2, device="cpu")
    t, runs = pc.audio_feature_rows(F, ["audio_musicnn", "audio_mfcc"], methods=[M.AUDIO_DKN, M.AUDIO_HI],
                                    seeds=seeds, return_runs=True, **kw)
    assert list(t["audio_feature"]) == ["audio_musicnn"] * 2 + ["audio_mfcc"] * 2
    assert list(t["method"]) == [M.AUDIO_HI, M.AUDIO_DKN] * 2  # the table's order
    assert (t["runs"] == 2).all() and set(runs["audio_feature"]) == {"audio_musicnn", "audio_mfcc"}
    paper = paper_table("table5").set_index(["modality", "method"])["paper_mean"]
    assert t.loc[0, "paper_value"] == paper[("Audio", "Histogram kernel + SVM")]
    # the same as a protocol run by hand on the views with the feature as audio
    views, y, tr, te, shape = piano_views(F, audio="audio_musicnn")
    hand = run_protocol([m for m in pc.piano_methods(image_shape=shape, **kw) if m.name == M.AUDIO_HI], views, y,
                        fixed_splits(tr, te, seeds=seeds, protocol="piano"), time_repeat=1)
    np.testing.assert_allclose(t.loc[0, "mean"], 100 * hand.runs["accuracy"].mean())
    assert t.loc[0, "mean"] > 100 / 3  # the period-telling feature is read
    with pytest.raises(ValueError, match="unknown feature matrices"):
        pc.audio_feature_rows(F, ["audio_vggish"], **kw)
    with pytest.raises(ValueError, match="methods: unknown"):
        pc.audio_feature_rows(F, ["audio_mfcc"], methods=["VGGish + SVM"], **kw)
    with pytest.raises(ValueError, match="DM2KMN rows are built from"):
        pc.audio_feature_rows(F, ["audio_mfcc"], methods=[M.LEARNED_DM2KMN], **kw)
    with pytest.raises(ValueError, match="at least one"):
        pc.audio_feature_rows(F, [], **kw)


# ---------------------------------------------------------------------- extra audio rows, verdicts
def test_extra_audio_rows_follow_the_audio_rows_and_get_the_papers_audio_values(rng):
    torch.set_num_threads(1)
    F = _features(rng, 120)
    views, y, tr, te, shape = piano_views(F, extra_audio=("audio_cnn",))
    np.testing.assert_allclose(views["audio_cnn"], F.arrays["audio_cnn"].astype(np.float64))
    with pytest.raises(ValueError, match="replace a view"):
        piano_views(F, extra_audio=("text",))
    methods = pc.piano_methods(image_shape=shape, hi_C=(1.0,), cnn_epochs=2,
                               cnn_params={"input_pool": (1, 1), "channels": (4, 8)}, mlp_epochs=3,
                               dkn_C=(1.0,), dkn_hidden=4, dkn_max_iter=2, dm2kmn_anchors=20,
                               dm2kmn_max_epochs=1, dm2kmn_check_every=1, dm2kmn_patience=1,
                               dm2kmn_params={"fold_dkn": "reuse"}, extra_audio=["audio_cnn"])
    hi, dk = pc.audio_variant(M.AUDIO_HI, "audio_cnn"), pc.audio_variant(M.AUDIO_DKN, "audio_cnn")
    got = [m.name for m in methods]
    at = got.index(M.AUDIO_DKN)
    assert got[at + 1:at + 3] == [hi, dk] and len(got) == len(pc.TABLE5_ORDER) + 2
    assert next(m for m in methods if m.name == dk).views == ("audio_cnn",)
    with pytest.raises(ValueError, match="extra_audio"):
        pc.piano_methods(image_shape=shape, extra_audio=["text"])
    with pytest.raises(ValueError, match="not one of"):
        pc.audio_variant(M.DKN, "x")
    res = run_protocol(methods, views, y, fixed_splits(tr, te, seeds=[int(rng.integers(1000))]), time_repeat=1,
                       errors="raise")
    t = pc.table5(res)
    assert list(t["method"])[at:at + 4] == [M.AUDIO_DKN, hi, dk, M.TEXT_HI]
    ti = t.set_index("method")
    assert ti.loc[hi, "paper_value"] == 71.60 and ti.loc[dk, "paper_value"] == 72.03
    assert ti.loc[hi, "modality"] == "Audio"
    # the extra DKN reads only its own view: its accuracy is that of a DKN on audio_cnn alone
    acc = res.runs.set_index("method").loc[dk, "accuracy"]
    assert 0.0 <= acc <= 1.0 and res.runs.set_index("method").loc[dk, "n_test"] == len(te)


def _fake_result(rng, accuracy, n_runs=3, n_pieces=200):
    """A ProtocolResult-like object: every method right on a random share ``accuracy[m]`` of the pieces."""
    from kmnet.experiments.protocols import ProtocolResult

    truth = rng.choice(PERIODS, n_pieces)
    preds, rows = [], []
    for run in range(n_runs):
        for m in pc.TABLE5_ORDER:
            ok = rng.random(n_pieces) < accuracy.get(m, 0.7)
            wrong = np.array([PERIODS[(PERIODS.index(t) + 1) % 4] for t in truth])
            y_pred = np.where(ok, truth, wrong)
            preds.append(pd.DataFrame({"protocol": "piano", "run": run, "method": m, "index": np.arange(n_pieces),
                                       "y_true": truth, "y_pred": y_pred}))
            rows.append({"protocol": "piano", "run": run, "method": m, "status": "ok", "accuracy": ok.mean(),
                         "forward_s": {M.DKN: 0.2, M.LEARNED_DM2KMN: 0.1}.get(m, 0.05) * (1 + 0.05 * rng.random()),
                         "re": {M.INITIAL_DM2KMN: 0.1 + 0.05 * rng.random(),
                                M.LEARNED_DM2KMN: 2.0}.get(m, np.nan)})
    return ProtocolResult(pd.DataFrame(rows), pd.concat(preds, ignore_index=True), {}, {})


def test_piece_differences_against_a_direct_count(rng):
    res = _fake_result(rng, {M.LEARNED_DM2KMN: 0.8, M.DKN: 0.6}, n_runs=2, n_pieces=50)
    d = pc.piece_differences(res.predictions, M.LEARNED_DM2KMN, M.DKN)
    p = res.predictions
    ok = {m: np.stack([(g["y_true"] == g["y_pred"]).to_numpy() for _, g in p[p["method"] == m].groupby("run")])
          for m in (M.LEARNED_DM2KMN, M.DKN)}
    ref = 100 * (ok[M.LEARNED_DM2KMN].mean(0) - ok[M.DKN].mean(0))
    np.testing.assert_allclose(d.to_numpy(), ref)
    # the mean over pieces is the difference of the mean accuracies
    acc = res.runs.pivot(index="run", columns="method", values="accuracy") * 100
    assert d.mean() == pytest.approx(acc[M.LEARNED_DM2KMN].mean() - acc[M.DKN].mean())
    with pytest.raises(ValueError, match="no rows"):
        pc.piece_differences(p, "nope", M.DKN)
    with pytest.raises(ValueError, match="same runs"):
        pc.piece_differences(p[~((p["method"] == M.DKN) & (p["index"] == 3))], M.LEARNED_DM2KMN, M.DKN)


def test_table5_claims_verdicts_follow_the_intervals(rng):
    from kmnet.experiments.verdicts import NOT_REPRODUCED, OPPOSITE, REPRODUCED, mean_interval

    acc = {M.LEARNED_DM2KMN: 0.9, M.DKN: 0.6, M.INITIAL_DM2KMN: 0.9, M.HYBRID: 0.97, M.TEXT_DKN: 0.8,
           M.AUDIO_DKN: 0.4}
    res = _fake_result(rng, acc)
    c = pc.table5_claims(res, pc.table5(res)).set_index("key")
    assert c.loc["learned_vs_dkn", "verdict"] == REPRODUCED  # 30 points on 200 pieces
    assert c.loc["learned_vs_hybrid_fusion", "verdict"] == OPPOSITE
    assert c.loc["text_vs_audio", "verdict"] == REPRODUCED
    assert c.loc["learned_vs_initial", "paper"] == pytest.approx(88.74 - 83.03)
    # the interval is the t interval of the per-piece differences
    ref = mean_interval(pc.piece_differences(res.predictions, M.LEARNED_DM2KMN, M.INITIAL_DM2KMN).to_numpy())
    assert (c.loc["learned_vs_initial", "low"], c.loc["learned_vs_initial", "high"]) == pytest.approx((ref.low, ref.high))
    assert c.loc["learned_vs_initial", "verdict"] == (REPRODUCED if ref.low > 0 else OPPOSITE if ref.high < 0
                                                      else NOT_REPRODUCED)
    assert c.loc["learned_vs_initial", "n"] == 200 and "test pieces" in c.loc["learned_vs_initial", "reason"]
    # the best single-modality method is chosen on our means: the text DKN here
    assert c.loc["multimodal_vs_single", "b"] == M.TEXT_DKN
    # the DM2KMN is about twice as fast (paper 31.18 / 12.27); RE about 0.12 % <= 0.820 %
    assert 1.7 < c.loc["speed", "ours"] < 2.2 and c.loc["speed", "paper"] == pytest.approx(31.18 / 12.27)
    assert c.loc["speed", "verdict"] == NOT_REPRODUCED
    assert c.loc["initial_re", "verdict"] == REPRODUCED and c.loc["initial_re", "ours"] < 0.2
    assert {"learned_vs_cnn_bow", "learned_vs_dcn", "learned_vs_feature_concatenation",
            "learned_vs_decision_weighting"} <= set(c.index)
    with pytest.raises(ValueError, match="missing"):
        pc.table5_claims(res, pc.table5(res).iloc[1:])


def test_compare_audio_view_matches_the_main_protocol_on_the_same_view(rng):
    """Another audio view reruns the audio-reading rows on the same runs and compares each claim.

    With the main protocol's own audio matrix under another name, the reruns reproduce the main
    runs exactly: every accuracy difference is 0 and every claim has the same verdict.
    """
    from kmnet.experiments.audio_view import COMPARISONS, compare_audio_view

    torch.set_num_threads(1)
    F = _features(rng, 90)
    F.arrays["audio_copy"] = F.arrays["audio_mfcc"].copy()
    views, y, tr, te, shape = piano_views(F)
    kw = dict(device="cpu", hi_C=(1.0,), dkn_C=(1.0,), dkn_hidden=4, dkn_max_iter=2, dm2kmn_max_epochs=1,
              mlp_epochs=2)
    wanted = {M.AUDIO_HI, M.AUDIO_DKN, M.TEXT_DKN, M.DKN, M.INITIAL_DM2KMN, M.LEARNED_DM2KMN}
    methods = [m for m in pc.piano_methods(image_shape=shape, **kw) if m.name in wanted]
    seeds = [int(s) for s in rng.integers(0, 1000, 2)]
    splits = fixed_splits(tr, te, seeds=seeds, protocol="piano")
    result = run_protocol(methods, views, y, splits, keep_models=True, time_repeat=1)
    cmp = compare_audio_view(result, F, "audio_copy", splits, multimodal_seeds=seeds[:1], **kw)
    assert cmp.multimodal_runs == [0]
    acc = cmp.accuracy.set_index("method")
    assert list(acc["runs"]) == [2, 2, 1, 1, 1]
    np.testing.assert_allclose(acc["difference"], 0.0, atol=1e-9)
    d = cmp.differences
    assert set(d["comparison"]) == set(COMPARISONS) and len(d) == 2 * len(COMPARISONS)
    for _, g in d.groupby("comparison"):
        assert g["ours"].nunique() == 1 and g["verdict"].nunique() == 1
        assert (g["low"] <= g["ours"]).all() and (g["ours"] <= g["high"]).all()
    assert cmp.changed() == []
    ri = cmp.ri_share.pivot_table(index="run", columns="audio_view", values="ri")
    np.testing.assert_allclose(ri["audio_copy"], ri["audio_mfcc"], rtol=1e-6)
    assert ((ri >= 0) & (ri <= 100)).all().all()
    out = cmp.results_table(paper_audio_share=52.56)
    assert list(out["kind"].unique()) == ["accuracy", "difference", "audio_ri_share"]
    assert out.loc[out["kind"] == "audio_ri_share", "paper_value"].item() == 52.56
    # the paper's row beside each method, from its Table 5
    paper = paper_table("table5").set_index("method")["paper_mean"]
    assert acc.loc[M.DKN, "paper_value"] == paper["Multi-modal DKNs"]


def test_compare_audio_view_refuses_bad_requests(rng):
    from kmnet.experiments.audio_view import compare_audio_view

    F = _features(rng, 60)
    views, y, tr, te, shape = piano_views(F)
    splits = fixed_splits(tr, te, seeds=[0], protocol="piano")
    methods = [m for m in pc.piano_methods(image_shape=shape, device="cpu", hi_C=(1.0,))
               if m.name == M.AUDIO_HI]
    result = run_protocol(methods, views, y, splits)
    with pytest.raises(ValueError, match="main protocol's audio view"):
        compare_audio_view(result, F, "audio_mfcc", splits)
    with pytest.raises(ValueError, match="unknown feature matrix"):
        compare_audio_view(result, F, "audio_nope", splits)
    with pytest.raises(ValueError, match="none of"):
        compare_audio_view(result, F, "audio_cnn", splits, multimodal_seeds=[5])
    with pytest.raises(ValueError, match="no successful runs"):
        compare_audio_view(result, F, "audio_cnn", splits)
