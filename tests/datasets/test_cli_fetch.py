"""`kmnet data fetch piano` against a local git repository the test creates (no network)."""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import subprocess
import zipfile
import io

import numpy as np
import pandas as pd
import pytest

from kmnet import cli
from kmnet.datasets import piano
from kmnet.datasets.piano import fetch
from test_piano_scores import random_kern, random_musicxml

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")

KERN_COLS = ["id", "period", "composer", "work", "repo", "commit", "path", "kern_spines", "bytes", "sha256", "flags"]
XML_COLS = ["id", "period", "composer", "work", "repo", "commit", "path", "stored_as", "route", "bytes", "sha256",
            "flags"]


def _git(*args, cwd):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main",
                    *args], cwd=cwd, check=True, capture_output=True)


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


@pytest.fixture
def remote(tmp_path):
    """A git repository ``remote/owner/scores`` with a .krn, a .musicxml and a .mscx file."""
    rng = np.random.default_rng()
    repo = tmp_path / "remote" / "owner" / "scores"
    (repo / "kern").mkdir(parents=True)
    (repo / "xml").mkdir()
    kern, _n, _g = random_kern(rng, n_measures=int(rng.integers(1, 4)))
    xml, _ = random_musicxml(rng, n_measures=2)
    (repo / "kern" / "a.krn").write_text(kern)
    (repo / "xml" / "b.musicxml").write_text(xml)
    (repo / "xml" / "c.mscx").write_text("<museScore version=\"3.02\"></museScore>\n")
    _git("init", "-q", cwd=repo)
    _git("add", ".", cwd=repo)
    _git("commit", "-q", "-m", "scores", cwd=repo)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    # a later commit changes the kern file: the fetch must return the listed commit's bytes
    (repo / "kern" / "a.krn").write_text(kern.replace("!!!OTL: Random piece", "!!!OTL: Changed later"))
    _git("commit", "-q", "-am", "later", cwd=repo)
    mxl = fetch.zip_mxl("b.musicxml", xml.encode(), level=int(rng.choice([9, 6])))
    return {"base": str(tmp_path / "remote"), "commit": commit, "kern": kern.encode(), "xml": xml.encode(),
            "mxl": mxl, "tmp": tmp_path}


def _tables(where, remote, *, kern_sha=None, commit=None):
    where.mkdir(parents=True, exist_ok=True)
    c = commit or remote["commit"]
    kern_rows = [["t-a", "Baroque", "Bach", "Piece A", "owner/scores", c, "kern/a.krn", "2",
                  str(len(remote["kern"])), kern_sha or _sha(remote["kern"]), ""]]
    xml_rows = [
        ["t-b", "Modern", "Debussy", "Piece B", "owner/scores", c, "xml/b.musicxml", "repos/owner/scores/xml/b.mxl",
         "musicxml->mxl", str(len(remote["mxl"])), _sha(remote["mxl"]), ""],
        ["t-c", "Modern", "Ravel", "Piece C", "owner/scores", c, "xml/c.mscx", "repos/owner/scores/xml/c.mxl",
         "mscx->musicxml (MuseScore 3.2.3)->mxl", "10", "0" * 64, ""],
    ]
    pd.DataFrame(kern_rows, columns=KERN_COLS).to_csv(where / "sources-kern.tsv", sep="\t", index=False)
    pd.DataFrame(xml_rows, columns=XML_COLS).to_csv(where / "sources-musicxml.tsv", sep="\t", index=False)
    return where


def test_fetch_rebuilds_the_layout_and_verifies_checksums(remote, capsys):
    tables = _tables(remote["tmp"] / "tables", remote)
    dest = remote["tmp"] / "dest"
    report_csv = remote["tmp"] / "fetch.csv"
    no_mscore = fetch.find_musescore() is None
    ctx = pytest.warns(UserWarning, match="MuseScore") if no_mscore else contextlib.nullcontext()
    with ctx:
        rc = cli.main(["data", "fetch", "piano", "--dest", str(dest), "--tables", str(tables),
                       "--base-url", remote["base"], "--report", str(report_csv), "-q"])
    rep = pd.read_csv(report_csv).set_index("id")
    assert rep.at["t-a", "status"] == "ok" and rep.at["t-b", "status"] == "ok"
    krn = dest / "piano" / "repos" / "owner" / "scores" / "kern" / "a.krn"
    assert krn.read_bytes() == remote["kern"]  # the listed commit, not the later one
    mxl = dest / "piano" / "repos" / "owner" / "scores" / "xml" / "b.mxl"
    assert _sha(mxl.read_bytes()) == _sha(remote["mxl"])
    with zipfile.ZipFile(io.BytesIO(mxl.read_bytes())) as z:
        assert z.namelist()[0] == "mimetype" and z.read("b.musicxml") == remote["xml"]
    if no_mscore:
        assert rep.at["t-c", "status"] == "skipped" and rc == 0
        assert "MuseScore" in capsys.readouterr().err
    # the result is a data root the builder reads
    src = piano.load_sources(dest)
    assert set(src["id"]) == {"t-a", "t-b", "t-c"}


@pytest.mark.filterwarnings("ignore:.*mscx source")
def test_fetch_reports_missing_commit_and_bad_checksum(remote, capsys):
    bad_sha = _sha(b"something else")
    tables = _tables(remote["tmp"] / "bad", remote, kern_sha=bad_sha)
    rep = fetch.fetch_piano(remote["tmp"] / "d1", tables=tables, base_url=remote["base"], progress=False)
    r = rep.set_index("id")
    assert r.at["t-a", "status"] == "mismatch" and r.at["t-a", "sha256_got"] == _sha(remote["kern"])
    rc = cli.main(["data", "fetch", "piano", "--dest", str(remote["tmp"] / "d2"), "--tables", str(tables),
                   "--base-url", remote["base"], "-q"])
    assert rc == 1 and "mismatch" in capsys.readouterr().err

    ghost = "".join(np.random.default_rng().choice(list("0123456789abcdef"), size=40))
    tables = _tables(remote["tmp"] / "ghost", remote, commit=ghost)
    rep = fetch.fetch_piano(remote["tmp"] / "d3", tables=tables, base_url=remote["base"], progress=False)
    assert (rep["status"] == "missing-commit").all()
    assert rep["reason"].str.contains(ghost[:12]).all()


def test_fetch_from_a_manifest(remote):
    """Without the source tables, the committed manifest's provenance is enough."""
    man = pd.DataFrame({
        "id": ["t-a"], "period": ["Baroque"], "composer": ["Bach"], "work": ["Piece A"], "format": ["kern"],
        "repo": ["owner/scores"], "commit": [remote["commit"]], "path": ["kern/a.krn"],
        "file": ["repos/owner/scores/kern/a.krn"], "source_route": ["krn"], "source_sha256": [_sha(remote["kern"])],
        "source_flags": [""],
    })
    mpath = remote["tmp"] / "manifest.csv"
    man.to_csv(mpath, index=False)
    dest = remote["tmp"] / "from-manifest"
    rep = fetch.fetch_piano(dest, tables=mpath, base_url=remote["base"], progress=False)
    assert list(rep["status"]) == ["ok"]
    assert (dest / "piano" / "sources-kern.tsv").is_file()
    assert list(piano.load_sources(dest)["id"]) == ["t-a"]


def test_zip_mxl_matches_the_staged_layout():
    xml = random_musicxml(np.random.default_rng(), n_measures=1)[0].encode()
    a = fetch.zip_mxl("s.musicxml", xml)
    assert a == fetch.zip_mxl("s.musicxml", xml)  # deterministic (fixed dates)
    with zipfile.ZipFile(io.BytesIO(a)) as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == ["mimetype", "META-INF/container.xml", "s.musicxml"]
        assert infos[0].compress_type == zipfile.ZIP_STORED
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)


def test_cli_parser_shape(capsys, tmp_path):
    with pytest.raises(SystemExit):
        cli.main(["data", "fetch", "nosuchset"])
    with pytest.raises(SystemExit):
        cli.main([])
    assert cli.main(["data", "fetch", "piano", "--dest", str(tmp_path), "--tables", str(tmp_path / "none"),
                     "-q"]) == 2
    assert "error" in capsys.readouterr().err
