"""Table 6 methods (kmnet.experiments.multimodal_comparison) and the bag-of-words view wrapper."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone

from kmnet.experiments import method_names as M
from kmnet.experiments import multimodal_comparison as mmc
from kmnet.baselines import DCNClassifier
from kmnet.baselines.bow_view import BagOfWordsView, texts_view
from kmnet.datasets.fourmula import FourMuLAFeatures
from kmnet.datasets.splits import random_splits
from kmnet.experiments.paper import paper_table
from kmnet.experiments.protocols import run_protocol
from kmnet.experiments.views import fourmula_views, lyrics_views
from kmnet.views import MultiView

WORDS = {"a": ["love", "heart", "kiss", "baby"], "b": ["road", "truck", "whiskey", "dust"],
         "c": ["money", "street", "crew", "flow"]}


def _data(rng, n=90, classes=("a", "b", "c")):
    y = rng.choice(list(classes), n)
    noise = ["yeah", "know", "time", "come", "go"]
    texts = [" ".join(rng.choice(WORDS[c] + noise, size=int(rng.integers(5, 15)))) for c in y]
    codes = np.searchsorted(sorted(classes), y)
    audio = rng.normal(size=(n, 4)) + 1.5 * np.eye(4)[codes % 4]
    text = rng.normal(size=(n, 10)) + 0.8 * codes[:, None]
    return lyrics_views(audio, text, texts), y


def test_texts_view_and_bad_input():
    v = texts_view(["x y", "z"])
    assert v.shape == (2, 1) and v.dtype == object
    with pytest.raises(ValueError, match="single string"):
        texts_view("abc")
    with pytest.raises(ValueError, match="not str"):
        texts_view(["a", 3])


def test_bow_view_learns_vocabulary_on_training_rows_only(rng):
    views, y = _data(rng)
    tr = np.arange(60)
    unseen = "zzzunseenword"
    views["lyrics"][60:, 0] = [t + " " + unseen for t in views["lyrics"][60:, 0]]
    X = MultiView({"audio": views["audio"], "lyrics": views["lyrics"]})
    clf = BagOfWordsView(DCNClassifier(text_view="bow", depth=1, width=16, max_epochs=60, random_state=1),
                         keep=["audio"])
    clf.fit(X[tr], y[tr])
    vocab = set(clf.vectorizer_.get_feature_names_out())
    assert unseen not in vocab and clf.n_terms_ == len(vocab)
    assert set(clf.classes_) == set(y[tr])
    te = np.arange(60, 90)
    proba = clf.predict_proba(X[te])
    assert proba.shape == (30, len(clf.classes_)) and np.allclose(proba.sum(1), 1.0)
    # the class words separate the classes (chance 1/3): held-out rows, whose unseen word is ignored
    assert clf.score(X[te], y[te]) > 0.7
    c = clone(clf)
    assert c.get_params()["estimator__width"] == 16 and not hasattr(c, "estimator_")


def test_bow_view_errors(rng):
    views, y = _data(rng, 30)
    clf = BagOfWordsView(DCNClassifier(text_view="bow", max_epochs=2))
    with pytest.raises(ValueError, match="text view 'lyrics' is missing"):
        clf.fit({"audio": views["audio"]}, y)
    with pytest.raises(ValueError, match="exists already"):
        clf.fit({**views, "bow": views["audio"]}, y)
    with pytest.raises(ValueError, match="needs a classifier"):
        BagOfWordsView().fit(views, y)
    bad = dict(views)
    bad["lyrics"] = np.arange(30, dtype=object)[:, None]
    with pytest.raises(ValueError, match="not a text"):
        clf.fit(bad, y)


def test_method_names_and_image_branch():
    names = [m.name for m in mmc.multimodal_methods()]
    assert names == [M.AUDIO_MLP, M.LYRICS_MLP, "MLP + BOW [91]", M.DCN, M.CONCAT, M.LATE, M.HYBRID,
                     M.AUDIO_DKN, M.LYRICS_DKN, M.DKN, M.INITIAL_DM2KMN, M.LEARNED_DM2KMN]
    with_image = mmc.multimodal_methods(image="image", image_shape=(16, 32), single_modality_dkns=False)
    bow = next(m for m in with_image if "BOW" in m.name)
    assert bow.name == "CNN + BOW [91]" and set(bow.views) == {"image", "lyrics"}
    assert M.AUDIO_DKN not in [m.name for m in with_image]
    assert all(m.views == ("audio", "text") for m in with_image if "DM2KMN" in m.name)


def test_every_method_runs_in_the_protocol(rng):
    torch.set_num_threads(1)
    views, y = _data(rng, 150)
    splits = random_splits(y, seeds=(int(rng.integers(1000)),), test_size=0.2, valid_size=0.1)
    methods = mmc.multimodal_methods(mlp_epochs=10, dkn_C=(1.0, 10.0), dkn_hidden=4, dkn_max_iter=3,
                                     dm2kmn_anchors=40, dm2kmn_max_epochs=4, dm2kmn_check_every=2,
                                     dm2kmn_patience=1)
    res = run_protocol(methods, views, y, splits, time_repeat=1, errors="raise", keep_models=True)
    assert (res.runs["status"] == "ok").all() and len(res.runs) == len(methods)
    table = mmc.table6(res.summary(by=("method",)), dataset="synthetic").set_index("method")
    assert len(table) == len(methods)
    # reference: each accuracy recomputed from the kept model on the test rows
    test = splits[0].test
    X_test = MultiView({k: views[k][test] for k in ("audio", "text")})
    for name in (M.DKN, M.LEARNED_DM2KMN):
        model = res.models[("random", 0, name)]
        assert table.loc[name, "mean"] == pytest.approx(100 * np.mean(model.predict(X_test) == y[test]))
    # the DM2KMN's validation part is its selection fold (the split has one): a single fold
    per_fold = res.info[("random", 0, M.LEARNED_DM2KMN)]["per_fold"]
    assert per_fold["fold"].unique().tolist() == [0]
    # the class words and the audio / text shifts separate the classes (chance 1/3): the fusion
    # methods must classify held-out rows well above chance
    print(table["mean"].round(1).to_dict())
    for name in ("MLP + BOW [91]", M.DKN, M.INITIAL_DM2KMN, M.LEARNED_DM2KMN):
        assert table.loc[name, "mean"] > 60.0, name


def test_table6_joins_the_paper(rng):
    methods = [M.AUDIO_MLP, M.LYRICS_MLP, "MLP + BOW [91]", M.CONCAT, M.DKN, M.LEARNED_DM2KMN]
    means = rng.uniform(20, 90, len(methods))
    summary = pd.DataFrame({"method": methods, "mean": means, "std": rng.uniform(0, 3, len(methods)), "runs": 3})
    t = mmc.table6(summary, dataset="x", audio_label="A", text_label="T").set_index("method")
    paper = paper_table("table6").set_index("method")
    assert t.loc[M.LEARNED_DM2KMN, "paper_value"] == paper.loc["The proposed DM2KMN", "paper_mean"] == 90.4
    assert t.loc["MLP + BOW [91]", "paper_value"] == paper.loc["CNN + BOW [91]", "paper_mean"] == 86.7
    assert t.loc[M.CONCAT, "paper_method"] == "Feature concatenation [90]"
    assert np.isnan(t.loc[M.DKN, "paper_value"]) and t.loc[M.DKN, "paper_dataset"] == ""
    assert list(t["modality"]) == ["A", "T", "A + T", "A + T", "A + T", "A + T"]
    np.testing.assert_allclose(t["mean"], means)
    with pytest.raises(ValueError, match="needs columns"):
        mmc.table6(summary.drop(columns="runs"), dataset="x")


def test_lyrics_views_checks_rows():
    with pytest.raises(ValueError, match="differ in rows"):
        lyrics_views(np.zeros((3, 2)), np.zeros((3, 4)), ["a", "b"])


def test_fourmula_views_aligns_lyrics_and_flattens_image(rng):
    n = int(rng.integers(4, 9))
    man = pd.DataFrame({"music_id": [f"id{i}" for i in range(n)], "lyrics": [f"song {i} words" for i in range(n)],
                        "main_genre": rng.choice(["Rock", "Pop"], n)})
    ok = rng.random(n) < 0.7
    ok[0] = True
    m = int(ok.sum())
    feats = FourMuLAFeatures(
        audio={"cnn": rng.normal(size=(m, 5)), "image": rng.random((m, 3, 4)).astype(np.float16)},
        text=rng.normal(size=(m, 6)),
        y=man["main_genre"].to_numpy()[ok],
        music_ids=man["music_id"].to_numpy()[ok],
        report=pd.DataFrame({"music_id": man["music_id"], "ok": ok}),
    )
    views, y = fourmula_views(feats, man)
    assert views["image"].shape == (m, 12) and views["audio"].shape == (m, 5)
    assert list(views["lyrics"][:, 0]) == list(man["lyrics"][ok]) and list(y) == list(feats.y)
    np.testing.assert_allclose(views["image"][0], feats.audio["image"][0].astype(np.float32).ravel())
    with pytest.raises(ValueError, match="cnn2"):
        fourmula_views(feats, man, audio="cnn2")
    man2 = man.copy()
    man2.loc[0, "music_id"] = "other"
    with pytest.raises(ValueError, match="different tracks"):
        fourmula_views(feats, man2)
