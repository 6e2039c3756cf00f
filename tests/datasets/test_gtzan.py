"""GTZAN: the feature table, the two protocols, and the audio layout loader."""

import warnings

import numpy as np
import pandas as pd
import pytest

from kmnet.datasets import gtzan
from kmnet.datasets.paths import data_root
from kmnet.datasets.splits import random_splits

rng = np.random.default_rng()


def _root():
    try:
        root = data_root()
    except FileNotFoundError:
        pytest.skip("no data root")
    if not (root / "gtzan" / "features_30_sec.csv").is_file():
        pytest.skip("staged GTZAN table absent")
    return root


def test_table_groups_and_labels():
    t = gtzan.load_gtzan_table(_root())
    assert t.X.shape == (1000, 57)
    assert len(t.groups["mfcc"]) == 40 and len(t.groups["spectral"]) == 17
    assert "length" not in t.X.columns and "label" not in t.X.columns
    assert set(t.groups["mfcc"]) | set(t.groups["spectral"]) == set(t.X.columns)
    assert not set(t.groups["mfcc"]) & set(t.groups["spectral"])
    assert all(c.startswith("mfcc") for c in t.groups["mfcc"])
    counts = pd.Series(t.y).value_counts()
    assert set(counts.index) == set(gtzan.GENRES) and (counts == 100).all()
    assert t.view("mfcc").shape == (1000, 40) and np.isfinite(t.view("spectral")).all()
    assert gtzan.load_gtzan_table(_root(), groups=("spectral",)).X.shape == (1000, 17)
    with pytest.raises(ValueError, match="groups"):
        gtzan.load_gtzan_table(_root(), groups=("chroma",))


def test_table_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        gtzan.load_gtzan_table(path=tmp_path / "none.csv")
    src = pd.read_csv(_root() / "gtzan" / "features_30_sec.csv").sample(20, random_state=int(rng.integers(1e6)))
    src.drop(columns=["tempo"]).to_csv(tmp_path / "a.csv", index=False)
    with pytest.raises(ValueError, match="tempo"):
        gtzan.load_gtzan_table(path=tmp_path / "a.csv")
    bad = src.copy()
    bad.iloc[3, bad.columns.get_loc("rms_mean")] = np.nan
    bad.to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(ValueError, match="non-finite"):
        gtzan.load_gtzan_table(path=tmp_path / "b.csv")


def test_random_split_is_stratified_70_30():
    y = gtzan.load_gtzan_table(_root()).y
    seed = int(rng.integers(1e6))
    s = random_splits(y, seeds=(seed,), test_size=0.3)[0]
    tr, te = s.train, s.test
    assert len(tr) == 700 and len(te) == 300 and not set(tr) & set(te)
    assert (pd.Series(y[te]).value_counts() == 30).all()
    assert np.array_equal(tr, random_splits(y, seeds=(seed,), test_size=0.3)[0].train)
    assert not np.array_equal(tr, random_splits(y, seeds=(seed + 1,), test_size=0.3)[0].train)


def test_artist_filtered_split():
    t = gtzan.load_gtzan_table(_root())
    s = gtzan.artist_filtered_split(t.filenames, root=_root())
    assert {k: len(v) for k, v in s.items()} == {"train": 443, "valid": 197, "test": 290}
    all_idx = np.concatenate(list(s.values()))
    assert len(set(all_idx)) == 930
    assert len(set(range(1000)) - set(all_idx)) == 70  # clips in no split
    assert "jazz.00054.wav" in set(t.filenames[s["train"]])
    # joins on the clip id: the .au variant and paths give the same indices
    au = [f.replace(".wav", ".au") for f in t.filenames]
    assert all(np.array_equal(a, b) for a, b in zip(s.values(), gtzan.artist_filtered_split(au, root=_root()).values()))
    ids = gtzan.artist_filtered_split(root=_root())
    assert ids["valid"][0].count(".") == 1 and len(ids["test"]) == 290
    assert {"blues.00000", "classical.00000"} <= set(ids["valid"])


def _write(path, seconds, sr=22050, fmt=None):
    import soundfile as sf

    t = np.arange(int(seconds * sr)) / sr
    y = 0.3 * np.sin(2 * np.pi * rng.uniform(100, 2000) * t) + 0.05 * rng.standard_normal(t.size)
    sf.write(path, y.astype(np.float32), sr, format=fmt)


def test_audio_layout_with_corrupt_jazz_00054(tmp_path):
    pytest.importorskip("soundfile")
    pytest.importorskip("efficientnet_lite_pytorch")
    g = tmp_path / "genres_original"
    for genre in ("blues", "jazz", "rock"):
        (g / genre).mkdir(parents=True)
    _write(g / "blues" / "blues.00003.au", rng.uniform(1.5, 2.5), fmt="AU")
    _write(g / "blues" / "blues.00007.wav", rng.uniform(1.5, 2.5))
    _write(g / "jazz" / "jazz.00001.wav", rng.uniform(1.5, 2.5))
    (g / "jazz" / "jazz.00054.wav").write_bytes(b"not a RIFF file" + rng.bytes(2000))
    _write(g / "rock" / "rock.00099.au", rng.uniform(1.5, 2.5), fmt="AU")
    (g / "rock" / "notes.txt").write_text("ignored")
    man = gtzan.load_gtzan_audio(tmp_path)
    assert man["clip"].tolist() == ["blues.00003", "blues.00007", "jazz.00001", "jazz.00054", "rock.00099"]
    assert man["filename"].tolist()[0] == "blues.00003.wav"  # the table's naming
    with pytest.warns(UserWarning, match=r"jazz\.00054"):
        res = gtzan.extract_gtzan_features(tmp_path, cache_dir=tmp_path / "cache", progress=False, device="cpu")
    assert list(res.filenames) == ["blues.00003.wav", "blues.00007.wav", "jazz.00001.wav", "rock.00099.wav"]
    assert list(res.y) == ["blues", "blues", "jazz", "rock"]
    assert res.features["cnn"].shape == (4, 1000) and np.isfinite(res.features["mfcc_stats"]).all()
    bad = res.report.set_index("clip").loc["jazz.00054"]
    assert not bad["ok"] and "decode" in bad["reason"]


def test_audio_layout_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="genres"):
        gtzan.load_gtzan_audio(tmp_path)
    (tmp_path / "genres" / "blues").mkdir(parents=True)
    (tmp_path / "genres" / "blues" / "jazz.00001.wav").write_bytes(b"")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(FileNotFoundError, match="no GTZAN clips"):
            gtzan.load_gtzan_audio(tmp_path)


@pytest.mark.slow
def test_real_staged_clips_with_table_features(tmp_path):
    root = _root()
    audio = root / "gtzan" / "audio"
    if not (audio / "genres").is_dir():
        pytest.skip("staged GTZAN audio absent")
    pytest.importorskip("efficientnet_lite_pytorch")
    res = gtzan.extract_gtzan_features(audio, features=("mfcc_stats", "cnn", "table"),
                                       cache_dir=tmp_path / "cache", progress=False, device="cpu")
    assert list(res.filenames) == ["blues.00000.wav", "classical.00000.wav"]
    assert res.report["ok"].all()
    tf = res.table_frame()
    table = gtzan.load_gtzan_table(root)
    ref = table.X.loc[tf["filename"], list(tf.columns[1:-1])].to_numpy()
    ours = tf[list(tf.columns[1:-1])].to_numpy()
    var_cols = np.char.endswith(np.array(tf.columns[1:-1], dtype=str), "_var")
    assert np.all(np.abs(ours - ref)[:, var_cols] / ref[:, var_cols] < 0.01)
    # the two clips (blues, classical) are far apart in CNN space compared with themselves
    assert not np.allclose(res.features["cnn"][0], res.features["cnn"][1], atol=1e-2)


# -- the music-trained encoder as a GTZAN feature ------------------------------------------------

def _musicnn_clip(genre: str):
    import importlib.util

    if importlib.util.find_spec("musicnn") is None:
        pytest.skip("musicnn weights not installed (pip install --no-deps musicnn==0.1.0)")
    p = _root() / "gtzan" / "audio" / "genres" / genre / f"{genre}.00000.wav"
    if not p.is_file():
        pytest.skip(f"staged GTZAN clip {p.name} not in the data root")
    return p


def test_gtzan_extraction_can_use_musicnn(tmp_path, rng):
    import shutil

    import soundfile as sf

    from kmnet.features import musicnn

    g = tmp_path / "genres"
    for genre in ("blues", "classical"):
        (g / genre).mkdir(parents=True)
        shutil.copy(_musicnn_clip(genre), g / genre)
    short = float(rng.uniform(1.5, 2.5))  # enough for MFCCs, too short for one 3-s patch
    sf.write(g / "blues" / "blues.00001.wav", (0.1 * rng.standard_normal(int(22050 * short))).astype(np.float32), 22050)
    with pytest.warns(UserWarning, match=r"blues\.00001"):
        res = gtzan.extract_gtzan_features(tmp_path, features=("mfcc_stats", "musicnn"), cache_dir=tmp_path / "c",
                                           progress=False, device="cpu")
    assert list(res.filenames) == ["blues.00000.wav", "classical.00000.wav"]
    assert res.features["musicnn"].shape == (2, 400) and res.features["mfcc_stats"].shape == (2, 80)
    bad = res.report.set_index("clip").loc["blues.00001"]
    assert not bad["ok"] and "too short" in bad["reason"]
    with pytest.warns(UserWarning, match=r"blues\.00001"):
        only = gtzan.extract_gtzan_features(tmp_path, features=("musicnn",), musicnn_model="MTT_musicnn",
                                            musicnn_layer="taggram", cache_dir=tmp_path / "c", progress=False,
                                            device="cpu")
    T = only.features["musicnn"]
    assert T.shape == (2, 100) and set(only.features) == {"musicnn"}
    k = musicnn.tag_names("MTT_musicnn").index("classical")
    assert T[1, k] > T[0, k]  # mean "classical" probability: the classical clip's is higher
