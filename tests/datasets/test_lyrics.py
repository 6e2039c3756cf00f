"""Lyrics stand-in: text = lyrics, audio = exactly six descriptors (no lyric-derived column), 7 genres."""

import numpy as np
import pandas as pd
import pytest

from kmnet.datasets import lyrics as L
from kmnet.datasets.paths import data_root

rng = np.random.default_rng()


def _csv():
    try:
        p = data_root() / "lyrics" / L.FILENAME
    except FileNotFoundError:
        pytest.skip("no data root")
    if not p.is_file():
        pytest.skip("staged lyrics table absent")
    return p


def test_views_labels_and_no_leak():
    d = L.load_lyrics()
    df = pd.read_csv(_csv())
    assert d.audio.shape == (1000, 6) and len(d.texts) == 1000 and len(d) == 1000
    assert d.audio_columns == L.AUDIO_COLUMNS
    np.testing.assert_array_equal(d.audio, df[list(L.AUDIO_COLUMNS)].to_numpy())
    # no topic column, len, topic or age in the audio view: its columns are exactly the six,
    # and no audio column equals any lyric-derived column
    assert not set(L.AUDIO_COLUMNS) & set(L.DERIVED_COLUMNS)
    derived = [c for c in L.DERIVED_COLUMNS if c in df.columns and pd.api.types.is_numeric_dtype(df[c])]
    assert len(derived) == 18  # 16 topics + len + age
    for c in derived:
        col = df[c].to_numpy(dtype=float)
        assert not any(np.allclose(col, d.audio[:, j]) for j in range(6)), c
    assert set(L.TOPIC_COLUMNS) <= set(df.columns) and set(L.AUDIO_COLUMNS) <= set(df.columns)
    counts = pd.Series(d.y).value_counts()
    assert set(counts.index) == set(L.GENRES) and counts["pop"] == 248 and counts["hip hop"] == 31
    assert d.texts[0] == df["lyrics"].iloc[0] and all(t.strip() for t in d.texts)
    assert np.all((d.audio >= 0) & (d.audio <= 1))


def test_bad_tables(tmp_path):
    df = pd.read_csv(_csv()).sample(30, random_state=int(rng.integers(1e6)))
    df.drop(columns=["energy"]).to_csv(tmp_path / "a.csv", index=False)
    with pytest.raises(ValueError, match="energy"):
        L.load_lyrics(path=tmp_path / "a.csv")
    bad = df.copy()
    bad.iloc[2, bad.columns.get_loc("valence")] = 3.0
    bad.to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(ValueError, match=r"outside \[0, 1\]"):
        L.load_lyrics(path=tmp_path / "b.csv")
    bad = df.copy()
    bad.iloc[4, bad.columns.get_loc("lyrics")] = ""
    bad.to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(ValueError, match="empty lyrics"):
        L.load_lyrics(path=tmp_path / "c.csv")
    with pytest.raises(FileNotFoundError):
        L.load_lyrics(path=tmp_path / "none.csv")
