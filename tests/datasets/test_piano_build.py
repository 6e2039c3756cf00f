"""End-to-end build of a tiny piano set written by the test (kmnet.datasets.piano.build).

Checks that bad inputs (empty file, non-Humdrum text, missing file, a converter that aborts
its process, silent audio) are reported with a clear reason while the build goes on, that
the outputs are written, that a rebuild comes from the cache and that a sampled rebuild
reproduces the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil

import numpy as np
import pandas as pd
import pytest

from kmnet.datasets import piano
from kmnet.datasets.piano.fetch import zip_mxl
from test_piano_scores import random_kern, random_musicxml

pytestmark = [
    pytest.mark.skipif(shutil.which("fluidsynth") is None, reason="fluidsynth not installed"),
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:fewer usable pieces"),
]

KERN_COLS = ["id", "period", "composer", "work", "repo", "commit", "path", "kern_spines", "bytes", "sha256", "flags"]
XML_COLS = ["id", "period", "composer", "work", "repo", "commit", "path", "stored_as", "route", "bytes", "sha256",
            "flags"]


def crashing_convert(row, **kwargs):
    """A converter whose process dies (like verovio does) for pieces whose id ends in 'crash'."""
    if str(row["id"]).endswith("crash"):
        os.abort()
    return piano.convert_to_kern(row, **kwargs)


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory):
    rng = np.random.default_rng()
    root = tmp_path_factory.mktemp("data")
    repo = root / "piano" / "repos" / "test" / "scores"
    repo.mkdir(parents=True)
    kern_rows, xml_rows, texts = [], [], {}

    def add_kern(pid, period, composer, data: bytes | None, work=None):
        path = f"kern/{pid}.krn"
        if data is not None:
            (repo / path).parent.mkdir(parents=True, exist_ok=True)
            (repo / path).write_bytes(data)
        sha = _sha(data) if data is not None else "0" * 64
        kern_rows.append([pid, period, composer, work or f"Piece {pid}", "test/scores", "f" * 40, path, "2",
                          str(len(data or b"")), sha, ""])

    for pid, period, comp in [("b-good1", "Baroque", "Bach"), ("b-good2", "Baroque", "Scarlatti"),
                              ("c-good3", "Classical", "Haydn"), ("r-good4", "Romantic", "Chopin"),
                              ("r-crash", "Romantic", "Liszt")]:
        text, _n, _g = random_kern(rng, n_measures=int(rng.integers(2, 4)))
        texts[pid] = text
        add_kern(pid, period, comp, text.encode())
    add_kern("b-empty", "Baroque", "Handel", b"")
    add_kern("c-prose", "Classical", "Mozart", b"This is not a score.\nJust prose.\n")
    add_kern("r-missing", "Romantic", "Schumann", None)
    xml, n_xml = random_musicxml(rng, n_measures=3, harmony=1)
    mxl = zip_mxl("m-xml.musicxml", xml.encode())
    (repo / "xml").mkdir()
    (repo / "xml" / "m-xml.mxl").write_bytes(mxl)
    xml_rows.append(["m-xml", "Modern", "Debussy", "Piece m-xml", "test/scores", "f" * 40, "xml/m-xml.musicxml",
                     "repos/test/scores/xml/m-xml.mxl", "musicxml->mxl", str(len(mxl)), _sha(mxl), ""])
    pdir = root / "piano"
    pd.DataFrame(kern_rows, columns=KERN_COLS).to_csv(pdir / "sources-kern.tsv", sep="\t", index=False)
    pd.DataFrame(xml_rows, columns=XML_COLS).to_csv(pdir / "sources-musicxml.tsv", sep="\t", index=False)
    return root, texts, n_xml


COUNTS = {"Baroque": 3, "Classical": 2, "Romantic": 2, "Modern": 1}


@pytest.fixture(scope="module")
def built(tiny_root, tmp_path_factory):
    root, texts, n_xml = tiny_root
    cache = tmp_path_factory.mktemp("cache")
    out = tmp_path_factory.mktemp("out")
    old = os.environ.get("KMNET_CACHE")
    os.environ["KMNET_CACHE"] = str(cache)
    try:
        with pytest.warns(UserWarning, match="fewer usable pieces .*Baroque 2 of 3"):
            res = piano.build(root, out_dir=out, counts=COUNTS, excerpt_s=3.0, workers=2, progress=False,
                              convert=crashing_convert, min_fraction=0.5)
        yield res, root, texts, n_xml, out, cache
    finally:
        if old is None:
            os.environ.pop("KMNET_CACHE", None)
        else:
            os.environ["KMNET_CACHE"] = old


def test_bad_inputs_are_reported_and_the_build_goes_on(built):
    res, *_ = built
    rep = res.report
    failed = rep[rep["status"] == "failed"].set_index("id")
    assert set(failed.index) == {"b-empty", "c-prose", "r-missing", "r-crash"}
    assert "empty file" in failed.at["b-empty", "reason"]
    assert "not Humdrum" in failed.at["c-prose", "reason"]
    assert "missing file" in failed.at["r-missing", "reason"]
    assert failed.at["r-crash", "stage"] == "worker" and "SIGABRT" in failed.at["r-crash", "reason"]
    assert set(res.manifest["id"]) == {"b-good1", "b-good2", "c-good3", "r-good4", "m-xml"}


def test_manifest_records_provenance_route_and_checks(built):
    res, root, texts, n_xml, out, cache = built
    m = res.manifest.set_index("id")
    for pid, text in texts.items():
        if pid in m.index:
            assert m.at[pid, "route"] == "kern"
            assert m.at[pid, "kern_sha256"] == _sha(text.encode())
            assert m.at[pid, "source_sha256"] == _sha((root / "piano" / m.at[pid, "file"]).read_bytes())
            assert m.at[pid, "midi_notes"] == m.at[pid, "kern_notes"]
            assert m.at[pid, "kern_spines"] == 2
    assert m.at["m-xml", "route"] in ("verovio musicxml-hum", "converter21")
    assert m.at["m-xml", "m21_source_notes"] == n_xml == m.at["m-xml", "midi_notes"]
    assert set(m["split"]) <= {"train", "test"}
    assert (m["audio_s"] <= 3.0 + 1e-6).all() and (m["duration_s"] > 0).all()
    on_disk = pd.read_csv(out / "manifest.csv")
    assert list(on_disk["id"]) == list(res.manifest["id"])
    rep = pd.read_csv(out / "build_report.csv")
    assert {"id", "stage", "status", "reason", "seconds"} <= set(rep.columns)
    info = json.loads((out / "build_info.json").read_text())
    assert info["config"]["excerpt_s"] == 3.0 and info["kmnet_version"]
    assert info["periods"]["Baroque"]["shortfall"] == 1 and "stage:midi" in info["timings_s"]
    wavs = list((cache / "piano" / "wav").rglob("*.wav"))
    assert len(wavs) == len(m)


def test_rebuild_comes_from_the_cache(built):
    res, root, texts, n_xml, out, cache = built
    os.environ["KMNET_CACHE"] = str(cache)
    again = piano.build(root, out_dir=None, counts=COUNTS, excerpt_s=3.0, workers=1, progress=False)
    rep = again.report
    old = set(res.manifest["id"])
    # MIDI and audio are keyed by the **kern text: reused (the test's converter bypassed the
    # conversion cache, so conversion runs once more here)
    stages = rep[rep["id"].isin(old) & rep["stage"].isin(["midi", "render"])]
    assert (stages["status"] == "cached").all()
    # without the crashing converter, the crashing piece now builds; the others still fail
    assert "r-crash" in set(again.manifest["id"])
    cols = ["id", "kern_sha256", "audio_sha256", "split"]
    merged = res.manifest[cols].merge(again.manifest[cols], on="id", suffixes=("", "_2"))
    assert len(merged) == len(old)
    assert (merged["kern_sha256"] == merged["kern_sha256_2"]).all()
    assert (merged["audio_sha256"] == merged["audio_sha256_2"]).all()
    third = piano.build(root, out_dir=None, counts=COUNTS, excerpt_s=3.0, workers=1, progress=False)
    rep3 = third.report
    done = rep3[rep3["id"].isin(third.manifest["id"]) & rep3["stage"].isin(["convert", "midi", "render"])]
    # every stage of every built piece comes from the cache (the workers' CPU time is not
    # asserted: reading and hashing the cached files costs a few milliseconds on a loaded machine)
    assert len(done) > 0 and (done["status"] == "cached").all()
    # a deterministic failure is remembered too, with its reason
    assert "not Humdrum" in rep3[(rep3["id"] == "c-prose") & (rep3["status"] == "failed")]["reason"].iloc[0]
    assert third.manifest.equals(again.manifest)


def test_sampled_rebuild_reproduces_the_bytes(built):
    res, root, texts, n_xml, out, cache = built
    os.environ["KMNET_CACHE"] = str(cache)
    k = int(np.random.default_rng().integers(1, 3))
    s = piano.build(root, out_dir=out, sample=k, excerpt_s=3.0, workers=1, progress=False)
    assert len(s.manifest) == k and not s.written
    assert s.manifest["kern_matches"].all() and s.manifest["audio_matches"].all()
    assert all(st != "cached" for st in s.report["status"])



def test_sampled_rebuild_of_listed_ids_into_another_cache(built, tmp_path):
    res, root, texts, n_xml, out, cache = built
    os.environ["KMNET_CACHE"] = str(cache)
    m = res.manifest
    rng = np.random.default_rng()
    ids = list(rng.choice(m["id"].to_numpy(), size=int(rng.integers(1, min(3, len(m)) + 1)), replace=False))
    other = tmp_path / "other-cache"
    before = sorted(p for p in cache.rglob("*") if p.is_file())
    s = piano.build(root, out_dir=out, sample=ids, excerpt_s=3.0, workers=1, progress=False, cache_dir=other)
    assert sorted(s.manifest["id"]) == sorted(ids) and not s.written
    assert s.manifest["kern_matches"].all() and s.manifest["audio_matches"].all()
    assert any(p.suffix == ".wav" for p in other.rglob("*"))  # the fresh outputs went to cache_dir ...
    assert sorted(p for p in cache.rglob("*") if p.is_file()) == before  # ... and not to the cache
    with pytest.raises(ValueError, match="not in the manifest"):
        piano.build(root, out_dir=out, sample=["no-such-piece"], workers=1, progress=False)
    with pytest.raises(ValueError, match="sample"):
        piano.build(root, out_dir=out, sample=0, workers=1, progress=False)


def test_modalities_from_the_manifest(built):
    res, root, texts, n_xml, out, cache = built
    os.environ["KMNET_CACHE"] = str(cache)
    m = res.manifest
    pid = next(i for i in m["id"] if i in texts)
    assert piano.kern_text(pid, root, manifest=m) == texts[pid]
    assert "!!!COM" not in piano.kern_text(pid, root, manifest=m, reference_records=False)
    xml_text = piano.kern_text("m-xml", root, manifest=m)
    assert _sha(xml_text.encode()) == m.set_index("id").at["m-xml", "kern_sha256"]
    p = piano.audio_path(pid, root, manifest=m, excerpt_s=3.0, sr=22050)
    want = m.set_index("id").at[pid, "audio_sha256"]
    assert _sha(p.read_bytes()) == want
    p.unlink()  # rendered again on demand, same bytes
    assert _sha(piano.audio_path(pid, root, manifest=m, excerpt_s=3.0, sr=22050).read_bytes()) == want
    with pytest.raises(ValueError, match="unknown piano piece"):
        piano.kern_text("no-such-piece", root, manifest=m)


def test_a_build_short_of_min_fraction_writes_nothing(built, tmp_path, monkeypatch):
    """5 of the 8 pieces asked for is less than the default 90 %: the old outputs stay."""
    res, root, texts, n_xml, out, cache = built
    monkeypatch.setenv("KMNET_CACHE", str(cache))
    od = tmp_path / "out"
    od.mkdir()
    (od / "manifest.csv").write_text("id\nfrom-an-earlier-build\n")
    with pytest.warns(UserWarning, match=r"built 5 of the 8 pieces asked for \(less than 90%\); nothing was written"):
        again = piano.build(root, out_dir=od, counts=COUNTS, excerpt_s=3.0, workers=2, progress=False,
                            convert=crashing_convert)
    assert not again.written and len(again.manifest) == 5 and "built 5 of the 8" in again.refused
    assert sorted(p.name for p in od.iterdir()) == ["manifest.csv"]
    assert (od / "manifest.csv").read_text() == "id\nfrom-an-earlier-build\n"


def test_silent_audio_is_reported(tiny_root, tmp_path, monkeypatch):
    root, *_ = tiny_root
    monkeypatch.setenv("KMNET_CACHE", str(tmp_path / "cache"))
    res = piano.build(root, out_dir=None, counts={"Modern": 1}, excerpt_s=2.0, workers=1, progress=False,
                      checks=False, silence_dbfs=0.0)
    assert res.manifest.empty
    f = res.failures.set_index("id")
    assert f.at["m-xml", "stage"] == "render" and "silent audio" in f.at["m-xml", "reason"]


def test_build_rejects_bad_options(tiny_root):
    root, *_ = tiny_root
    with pytest.raises(ValueError, match="workers"):
        piano.build(root, out_dir=None, workers=0)
    with pytest.raises(ValueError, match="excerpt_s"):
        piano.build(root, out_dir=None, excerpt_s=-1)


def test_trailing_rests_do_not_reject_the_midi(tmp_path, monkeypatch):
    """A score ending in rests gives a MIDI that ends with its last note: still usable."""
    monkeypatch.setenv("KMNET_CACHE", str(tmp_path / "cache"))
    rng = np.random.default_rng()
    text, n_notes, _g = random_kern(rng, n_measures=2)
    body = text.rstrip("\n").split("\n")
    end = body.index("==\t==")
    rest_bar = ["=9\t=9", "1r\t1r"]  # a whole bar of rests before the final barline
    text = "\n".join(body[:end] + rest_bar + body[end:]) + "\n"
    from kmnet.datasets.piano import pipeline, scores

    score, _w = scores.music21_parse(text, fmt="humdrum")
    assert scores.rest_tail(score) == pytest.approx(4.0)
    midi, info = pipeline._make_midi(text, ref_notes=n_notes, ref_quarters=float(score.highestTime),
                                     ref_tail=scores.rest_tail(score))
    assert info["midi_route"] == "verovio" and not info["midi_rejected"]
    with pytest.raises(ValueError, match="quarter notes long"):
        pipeline._make_midi(text, ref_notes=n_notes, ref_quarters=float(score.highestTime) + 8)
