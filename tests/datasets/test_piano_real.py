"""The real piano set: staged sources and the committed manifest (skipped without the data root)."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from kmnet.datasets import piano
from kmnet.datasets.paths import data_root


def _root_or_skip():
    try:
        root = data_root()
    except FileNotFoundError:
        pytest.skip("no data root")
    if not (root / "piano" / "sources-kern.tsv").is_file():
        pytest.skip("no piano sources in the data root")
    return root


@pytest.fixture(scope="module")
def sources():
    return piano.load_sources(_root_or_skip())


@pytest.fixture(scope="module")
def manifest():
    path = piano.default_manifest_path()
    if not path.is_file():
        pytest.skip("no committed manifest (data/piano/manifest.csv)")
    return piano.load_manifest(path)


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def test_sources_are_as_staged(sources):
    root = _root_or_skip()
    assert set(sources["period"]) == set(piano.PERIODS)
    assert set(sources["format"]) == {"kern", "musicxml"}
    rng = np.random.default_rng()
    for r in sources.iloc[rng.choice(len(sources), size=15, replace=False)].itertuples():
        assert _sha((root / "piano" / r.file).read_bytes()) == r.sha256


def test_real_selection_respects_the_limits(sources):
    sel = piano.select_pieces(sources)
    chosen = sel[sel["selected"]]
    assert not chosen["work_key"].duplicated().any()
    for period, n in piano.PAPER_COUNTS.items():
        assert (chosen["period"] == period).sum() <= n
    caps = {f"{c}: {label} (Table A1)": k for _p, c, label, _pat, k in piano.TABLE_A1_SETS}
    units = chosen.groupby("collection")["movement"].nunique()
    for coll, k in units.items():
        period = chosen.loc[chosen["collection"] == coll, "period"].iloc[0]
        target = piano.PAPER_COUNTS[period]
        cap = caps[coll] if coll in caps else max(1, int(np.floor(piano.DEFAULT_PER_COLLECTION_CAP * target)))
        if k > cap:  # a cap gives way only to fill a period that would stay short
            assert (chosen["period"] == period).sum() <= target
            left = sel[(sel["period"] == period) & ~sel["selected"]]
            assert ((chosen["period"] == period).sum() == target
                    or left["excluded"].str.startswith("another edition").all()), coll
    again = piano.select_pieces(sources)
    assert list(again["id"]) == list(sel["id"])


def test_manifest_matches_the_sources(manifest, sources):
    assert manifest["id"].is_unique
    src = sources.set_index("id")
    assert set(manifest["id"]) <= set(src.index)
    m = manifest.set_index("id")
    assert (m["source_sha256"] == src.loc[m.index, "sha256"]).all()
    assert (m["period"] == src.loc[m.index, "period"]).all()
    for period, n in piano.PAPER_COUNTS.items():
        assert 0 < (manifest["period"] == period).sum() <= n


def test_split_counts_match_table_2(manifest):
    for period, (tr, te) in piano.PAPER_SPLIT.items():
        g = manifest[manifest["period"] == period]
        n_test = (g["split"] == "test").sum()
        if len(g) == tr + te:
            assert ((g["split"] == "train").sum(), n_test) == (tr, te)
        else:  # fewer pieces than the paper: the same proportion
            assert n_test == int(np.floor(len(g) * te / (tr + te) + 0.5))
    assert manifest.groupby("movement")["split"].nunique().max() == 1


def test_build_info_agrees_with_the_manifest(manifest):
    info = json.loads(piano.default_manifest_path().with_name("build_info.json").read_text())
    assert info["total"]["selected"] == len(manifest)
    for period, d in info["periods"].items():
        assert d["selected"] == (manifest["period"] == period).sum()
        assert d["paper"] == piano.PAPER_COUNTS[period]
    report = pd.read_csv(piano.default_manifest_path().with_name("build_report.csv"))
    assert set(manifest["id"]) <= set(report["id"])


def test_text_modality_of_a_kern_piece(manifest):
    root = _root_or_skip()
    kern = manifest[manifest["format"] == "kern"]
    row = kern.iloc[int(np.random.default_rng().integers(len(kern)))]
    text = piano.kern_text(row["id"], root, manifest=manifest)
    assert text.encode() == (root / "piano" / row["file"]).read_bytes()
    assert _sha(text.encode()) == row["kern_sha256"]
