"""Hostile and damaged source material: fetch tables, builds that fail, truncated or edited tables.

* ``kmnet data fetch``: a table field that would run a command or write outside ``--dest`` is
  refused before anything runs (exit status 2, nothing written); git gets ``--`` before its
  positional arguments; the data root the tables come from is not written without ``--in-place``.
* ``kmnet data build``: a build that makes nothing exits 1 and leaves the manifest as it was; an
  output folder that cannot be written is refused before the build.
* Loaders: tables cut short, missing or unknown labels, duplicate rows and empty files raise
  ``ValueError`` naming the file (and the lines).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from kmnet import cli
from kmnet.datasets import gtzan, piano
from kmnet.datasets import lyrics as L
from kmnet.datasets.paths import data_root
from kmnet.datasets.piano import fetch

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")

KERN_COLS = ["id", "period", "composer", "work", "repo", "commit", "path", "kern_spines", "bytes", "sha256", "flags"]
XML_COLS = ["id", "period", "composer", "work", "repo", "commit", "path", "stored_as", "route", "bytes", "sha256",
            "flags"]


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def _git(*args, cwd):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main",
                    *args], cwd=cwd, check=True, capture_output=True)


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) if folder.exists() else []


@pytest.fixture
def remote(tmp_path):
    """A local git repository ``remote/owner/scores`` holding ``kern/a.krn``."""
    repo = tmp_path / "remote" / "owner" / "scores"
    (repo / "kern").mkdir(parents=True)
    data = f"**kern\n*M4/4\n4c\n*-\n!! {np.random.default_rng().integers(1e9)}\n".encode()
    (repo / "kern" / "a.krn").write_bytes(data)
    _git("init", "-q", cwd=repo)
    _git("add", ".", cwd=repo)
    _git("commit", "-q", "-m", "scores", cwd=repo)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    return {"base": str(tmp_path / "remote"), "commit": commit, "data": data, "tmp": tmp_path}


def _kern_table(folder, remote, **override):
    row = {"id": "t-a", "period": "Baroque", "composer": "Bach", "work": "Piece A", "repo": "owner/scores",
           "commit": remote["commit"], "path": "kern/a.krn", "kern_spines": "1", "bytes": str(len(remote["data"])),
           "sha256": _sha(remote["data"]), "flags": ""}
    row.update(override)
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([row], columns=KERN_COLS).to_csv(folder / "sources-kern.tsv", sep="\t", index=False)
    return folder


def _xml_table(folder, remote, **override):
    row = {"id": "t-x", "period": "Modern", "composer": "Satie", "work": "Piece X", "repo": "owner/scores",
           "commit": remote["commit"], "path": "kern/a.krn", "stored_as": "repos/owner/scores/kern/x.mxl",
           "route": "mxl", "bytes": "1", "sha256": "", "flags": ""}
    row.update(override)
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([row], columns=XML_COLS).to_csv(folder / "sources-musicxml.tsv", sep="\t", index=False)
    return folder


# ======================================================================================
# kmnet data fetch
# ======================================================================================
@needs_git
def test_a_commit_that_is_an_option_runs_nothing(remote, capsys):
    marker = remote["tmp"] / "ran"
    payload = f"--upload-pack=touch {marker}"
    # the payload is live: passed to git fetch as the old code did, it runs
    control = remote["tmp"] / "control"
    scratch = remote["tmp"] / "scratch"
    scratch.mkdir()
    _git("init", "-q", cwd=scratch)
    _git("remote", "add", "origin", remote["base"] + "/owner/scores", cwd=scratch)
    subprocess.run(["git", "fetch", "-q", "--depth", "1", "origin", f"--upload-pack=touch {control}"], cwd=scratch,
                   capture_output=True)
    assert control.exists()
    # kmnet refuses the table before running git
    tables = _kern_table(remote["tmp"] / "tables", remote, commit=payload)
    dest = remote["tmp"] / "dest"
    rc = cli.main(["data", "fetch", "piano", "--dest", str(dest), "--tables", str(tables),
                   "--base-url", remote["base"], "-q"])
    err = capsys.readouterr().err
    assert rc == 2 and "is not a 40-digit hex commit id" in err and "sources-kern.tsv line 2" in err
    assert not marker.exists() and not dest.exists()


HOSTILE_FIELDS = [
    ("kern", {"path": "../../../outside.krn"}, "path '../../../outside.krn' has an empty, '.' or '..' component"),
    ("kern", {"path": "/tmp/outside.krn"}, "is absolute"),
    ("kern", {"path": ".git/config"}, "enters a .git folder"),
    ("kern", {"path": "kern/.GIT/hooks/post-checkout"}, "enters a .git folder"),
    ("kern", {"path": "-rf"}, "starts with '-'"),
    ("kern", {"path": "kern\\a.krn"}, "backslash"),
    ("kern", {"path": "kern//a.krn"}, "empty, '.' or '..' component"),
    ("kern", {"repo": "owner/../../outside"}, "is not owner/name"),
    ("kern", {"repo": "owner"}, "is not owner/name"),
    ("kern", {"repo": "-u/x"}, "is not owner/name"),
    ("kern", {"repo": "../owner"}, "is not owner/name"),
    ("kern", {"commit": "HEAD"}, "is not a 40-digit hex commit id"),
    ("kern", {"commit": "0" * 39}, "is not a 40-digit hex commit id"),
    ("kern", {"sha256": "x" * 64}, "is not 64 lower-case hex digits"),
    ("kern", {"id": ""}, "id '' is empty"),
    ("xml", {"stored_as": "../../../outside.mxl"}, "stored_as '../../../outside.mxl'"),
    ("xml", {"stored_as": "/abs/outside.mxl"}, "is absolute"),
    ("xml", {"stored_as": "~/outside.mxl"}, "is absolute"),
    ("xml", {"route": "sh -c 'touch x'"}, "route"),
]


@needs_git
@pytest.mark.parametrize("table, override, match", HOSTILE_FIELDS)
def test_hostile_table_fields_are_refused_before_anything_is_written(remote, table, override, match):
    tables = (_kern_table if table == "kern" else _xml_table)(remote["tmp"] / "tables", remote, **override)
    if table == "xml":
        _kern_table(tables, remote)
    dest = remote["tmp"] / "box" / "dest"
    before = _files(remote["tmp"])
    with pytest.raises(ValueError, match="nothing was fetched") as info:
        fetch.fetch_piano(dest, tables=tables, base_url=remote["base"], progress=False)
    assert match in str(info.value)
    assert _files(remote["tmp"]) == before  # nothing written anywhere
    assert not (remote["tmp"] / "outside.krn").exists() and not (remote["tmp"] / "outside.mxl").exists()


@needs_git
def test_a_link_inside_dest_cannot_lead_files_out(remote):
    outside = remote["tmp"] / "elsewhere"
    outside.mkdir()
    dest = remote["tmp"] / "dest"
    (dest / "piano" / "repos").mkdir(parents=True)
    (dest / "piano" / "repos" / "owner").symlink_to(outside, target_is_directory=True)
    tables = _kern_table(remote["tmp"] / "tables", remote)
    with pytest.raises(ValueError, match="leaves repos/"):
        fetch.fetch_piano(dest, tables=tables, base_url=remote["base"], progress=False)
    assert _files(outside) == []


@needs_git
def test_the_data_root_the_tables_come_from_is_not_written(remote, monkeypatch):
    root = remote["tmp"] / "root"
    _kern_table(root / "piano", remote)
    with pytest.raises(ValueError, match="refusing to write into"):
        fetch.fetch_piano(root, tables=root / "piano", base_url=remote["base"], progress=False)
    monkeypatch.setenv("KMNET_DATA", str(root))  # the default tables and the default dest
    with pytest.raises(ValueError, match="refusing to write into"):
        fetch.fetch_piano(None, base_url=remote["base"], progress=False)
    assert _files(root / "piano") == ["sources-kern.tsv"]
    # asked for explicitly, it fills the data root in place
    rep = fetch.fetch_piano(None, base_url=remote["base"], progress=False, in_place=True)
    assert list(rep["status"]) == ["ok"]
    assert (root / "piano" / "repos" / "owner" / "scores" / "kern" / "a.krn").read_bytes() == remote["data"]


@needs_git
def test_git_gets_double_dash_before_positionals(remote, monkeypatch):
    calls = []
    real = fetch._git

    def record(args, cwd, timeout=fetch.GIT_TIMEOUT_S):
        calls.append(list(args))
        return real(args, cwd, timeout)

    monkeypatch.setattr(fetch, "_git", record)
    tables = _kern_table(remote["tmp"] / "tables", remote)
    rep = fetch.fetch_piano(remote["tmp"] / "dest", tables=tables, base_url=remote["base"], progress=False)
    assert list(rep["status"]) == ["ok"]
    positional = {"remote": "origin", "fetch": "origin", "cat-file": remote["commit"]}
    seen = set()
    for args in calls:
        if args[0] not in positional:
            continue
        seen.add(args[0])
        first = next(i for i, a in enumerate(args) if a.startswith(positional[args[0]]))
        assert {"--", "--end-of-options"} & set(args[:first]), args
    assert seen == set(positional)


# ======================================================================================
# kmnet data build
# ======================================================================================
def _failing_root(tmp_path):
    """A data root whose two listed pieces cannot be read (missing and empty files)."""
    root = tmp_path / "root"
    repo = root / "piano" / "repos" / "o" / "r"
    repo.mkdir(parents=True)
    (repo / "empty.krn").write_bytes(b"")
    rows = [["b-missing", "Baroque", "Bach", "Missing", "o/r", "a" * 40, "missing.krn", "2", "0", "0" * 64, ""],
            ["b-empty", "Baroque", "Handel", "Empty", "o/r", "a" * 40, "empty.krn", "2", "0", _sha(b""), ""]]
    pd.DataFrame(rows, columns=KERN_COLS).to_csv(root / "piano" / "sources-kern.tsv", sep="\t", index=False)
    return root


@pytest.mark.skipif(shutil.which("fluidsynth") is None, reason="fluidsynth not installed")
@pytest.mark.filterwarnings("ignore:fewer usable pieces")
def test_a_build_that_makes_nothing_fails_and_keeps_the_manifest(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KMNET_CACHE", str(tmp_path / "cache"))
    root = _failing_root(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    old = {name: f"{name}: the previous build\n" for name in ("manifest.csv", "build_report.csv", "build_info.json")}
    for name, text in old.items():
        (out / name).write_text(text)
    with pytest.warns(UserWarning, match="nothing was written"):
        rc = cli.main(["data", "build", "piano", "--root", str(root), "--out-dir", str(out), "--workers", "1", "-q"])
    err = capsys.readouterr().err
    assert rc == 1 and "built 0 of the" in err and "missing file" in err
    assert {name: (out / name).read_text() for name in old} == old


def test_an_output_folder_that_cannot_be_written_is_refused_first(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    root = _failing_root(tmp_path)
    rc = cli.main(["data", "build", "piano", "--root", str(root), "--out-dir", str(blocker / "out"), "-q"])
    assert rc == 2 and "is not writable" in capsys.readouterr().err
    with pytest.raises(OSError, match="is not writable"):
        piano.build(root, out_dir=blocker / "out", progress=False)
    with pytest.raises(ValueError, match="min_fraction"):
        piano.build(root, out_dir=None, min_fraction=1.5, progress=False)


# ======================================================================================
# loaders
# ======================================================================================
def _staged(*parts):
    p = data_root(must_exist=False).joinpath(*parts)
    if not p.is_file():
        pytest.skip(f"staged file {'/'.join(parts)} absent")
    return p


def test_gtzan_table_cut_short_or_damaged(tmp_path, rng):
    src = _staged("gtzan", "features_30_sec.csv")
    df = pd.read_csv(src)
    root = tmp_path / "root"
    (root / "gtzan").mkdir(parents=True)
    csv = root / "gtzan" / "features_30_sec.csv"
    k = int(rng.integers(100, 900))
    df.iloc[:k].to_csv(csv, index=False)
    with pytest.raises(ValueError, match=rf"features_30_sec.csv: {k} rows, but the data root's gtzan/README.md states 1000"):
        gtzan.load_gtzan_table(root)
    # the same rows in another file order: a checksum warning, not an error
    df.sample(frac=1.0, random_state=int(rng.integers(1e6))).to_csv(csv, index=False)
    with pytest.warns(UserWarning, match="sha256 .* differs"):
        assert gtzan.load_gtzan_table(root).X.shape == (1000, 57)
    i = int(rng.integers(1000))
    for edit, match in [
        (lambda d: d.assign(label=d["label"].where(d.index != i)), rf"1 row\(s\) without a 'label' \(line {i + 2}\)"),
        (lambda d: d.assign(label=d["label"].where(d.index != i, "polka")), rf"unknown label\(s\) \['polka'\] \(line {i + 2}\)"),
        (lambda d: pd.concat([d.iloc[:-1], d.iloc[[i]]]), r"1 duplicate row\(s\) \(line 1001\)"),
    ]:
        edit(df).to_csv(tmp_path / "edited.csv", index=False)
        with pytest.raises(ValueError, match=match) as info:
            gtzan.load_gtzan_table(path=tmp_path / "edited.csv")
        assert "edited.csv" in str(info.value)
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty.csv: the file is empty"):
        gtzan.load_gtzan_table(path=tmp_path / "empty.csv")
    df.iloc[:0].to_csv(tmp_path / "header.csv", index=False)
    with pytest.raises(ValueError, match=r"header.csv: the table has no rows"):
        gtzan.load_gtzan_table(path=tmp_path / "header.csv")


def test_gtzan_split_with_a_repeated_clip(tmp_path):
    src = _staged("gtzan", "splits", "train_filtered.txt").parent
    d = tmp_path / "splits"
    shutil.copytree(src, d)
    lines = (d / "valid_filtered.txt").read_text().splitlines()
    (d / "valid_filtered.txt").write_text("\n".join(lines + lines[:1]) + "\n")
    with pytest.raises(ValueError, match=r"valid_filtered.txt: clip .* is twice in valid"):
        gtzan.artist_filtered_split(splits_dir=d)


def test_lyrics_table_cut_short_or_damaged(tmp_path, rng):
    src = _staged("lyrics", L.FILENAME)
    df = pd.read_csv(src)
    root = tmp_path / "root"
    (root / "lyrics").mkdir(parents=True)
    k = int(rng.integers(100, 900))
    df.iloc[:k].to_csv(root / "lyrics" / L.FILENAME, index=False)
    with pytest.raises(ValueError, match=rf"{L.FILENAME}: {k} rows, but the data root's lyrics/README.md states 1000"):
        L.load_lyrics(root)
    i = int(rng.integers(1000))
    id_col = df.columns[0]
    for edit, match in [
        (lambda d: d.assign(genre=d["genre"].where(d.index != i)), rf"1 row\(s\) without a 'genre' \(line {i + 2}\)"),
        (lambda d: d.assign(genre=d["genre"].where(d.index != i, "polka")), rf"unknown genre\(s\) \['polka'\] \(line {i + 2}\)"),
        (lambda d: pd.concat([d, d.iloc[[i]]]), r"1 duplicate row\(s\) \(line 1002\)"),
        (lambda d: pd.concat([d, d.iloc[[i]].assign(genre="pop" if d.at[i, "genre"] != "pop" else "rock")]),
         rf"{id_col} .* appears more than once \(line 1002\)"),
    ]:
        edit(df).to_csv(tmp_path / "edited.csv", index=False)
        with pytest.raises(ValueError, match=match) as info:
            L.load_lyrics(path=tmp_path / "edited.csv")
        assert "edited.csv" in str(info.value)
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty.csv: the file is empty"):
        L.load_lyrics(path=tmp_path / "empty.csv")


def test_piano_source_tables_cut_short_or_damaged(tmp_path, rng):
    staged = _staged("piano", "sources-kern.tsv").parent
    root = tmp_path / "root"
    (root / "piano").mkdir(parents=True)
    for name in ("sources-kern.tsv", "sources-musicxml.tsv", "README-kern.md", "README-musicxml.md"):
        shutil.copy(staged / name, root / "piano" / name)
    assert len(piano.load_sources(root)) == 1111
    lines = (staged / "sources-kern.tsv").read_text().splitlines(keepends=True)
    k = int(rng.integers(10, len(lines) - 1))
    (root / "piano" / "sources-kern.tsv").write_text("".join(lines[:k]))  # 806 of 1111 rows, say
    with pytest.raises(ValueError, match=rf"sources-kern.tsv: {k - 1} rows, but README-kern.md beside it states 618"):
        piano.load_sources(root)
    # a row cut in the middle (the last fields missing)
    cut = lines[k].rsplit("\t", 3)[0] + "\n"
    (root / "piano" / "sources-kern.tsv").write_text("".join(lines[:k] + [cut] + lines[k + 1:]))
    with pytest.raises(ValueError, match=rf"sources-kern.tsv: 1 row\(s\) without a 'sha256' \(line {k + 1}\)"):
        piano.load_sources(root)
    bad = lines[k].replace("\tBaroque\t", "\tRococo\t").replace("\tClassical\t", "\tRococo\t") \
        .replace("\tRomantic\t", "\tRococo\t").replace("\tModern\t", "\tRococo\t")
    (root / "piano" / "sources-kern.tsv").write_text("".join(lines[:k] + [bad] + lines[k + 1:]))
    with pytest.raises(ValueError, match=rf"sources-kern.tsv: unknown period\(s\) \['Rococo'\] \(line {k + 1}\)"):
        piano.load_sources(root)
    (root / "piano" / "sources-kern.tsv").write_bytes(b"")
    with pytest.raises(ValueError, match=r"sources-kern.tsv: the file is empty"):
        piano.load_sources(root)
