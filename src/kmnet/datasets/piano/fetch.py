"""Fetch the piano sources from their public repositories: ``kmnet data fetch piano``.

The staged data root holds, under ``piano/repos/<owner>/<repo>/``, files copied from public
GitHub repositories at fixed commits (``sources-kern.tsv``, ``sources-musicxml.tsv``). A user
without that folder rebuilds it here: each listed repository is fetched at the listed commit
(``git init`` + ``git fetch --depth 1 origin <commit>``, a full fetch when the server refuses
a shallow fetch by commit), the listed files are checked out, MusicXML is zipped to ``.mxl``
exactly as staged, ``.mscx`` files are exported to MusicXML with MuseScore when one is
installed (``mscore3``/``mscore``/``musescore``, headless with ``QT_QPA_PLATFORM=offscreen``;
otherwise those pieces are skipped with a warning), and the sha256 of every file is compared
with the table. The source tables are written beside, so that the result is a data root
for :func:`kmnet.datasets.piano.build`.

The tables are data from elsewhere, so every field is checked before anything runs or is written
(:func:`check_fetch_table`): commits are 40 (or 64) hex digits, repositories ``owner/name``, paths
relative, without ``..``, ``.git`` or a leading ``-``, and every file lands inside ``dest/piano``
after resolving links; git gets ``--`` (or ``--end-of-options``) before its positional arguments.
``fetch_piano`` refuses to write into the folder its tables are read from (the read-only data
root) unless ``in_place=True``.

Without the data root's tables, the committed manifest (``data/piano/manifest.csv``) lists
the selected pieces with the same provenance, so the same set can be fetched from it.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import warnings
import zipfile
from pathlib import Path, PurePosixPath

import pandas as pd

from ..._atomic import atomic_write_bytes, atomic_write_text
from ...features.cache import bytes_sha256
from .._tables import read_table
from ..paths import data_root

__all__ = ["load_fetch_table", "check_fetch_table", "fetch_piano", "find_musescore", "zip_mxl", "FETCH_COLUMNS"]

DEFAULT_BASE_URL = "https://github.com"
FETCH_COLUMNS = ["id", "repo", "commit", "path", "stored_as", "route", "status", "reason",
                 "sha256_expected", "sha256_got"]
_MXL_CONTAINER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<container>\n  <rootfiles>\n'
    '    <rootfile full-path="{name}" media-type="application/vnd.recordare.musicxml+xml"/>\n'
    "  </rootfiles>\n</container>\n"
)
# the staging zipped with deflate level 9 (first pass) or 6 (second pass)
_MXL_LEVELS = (9, 6, 8, 7, 5, 4, 3, 2, 1)
GIT_TIMEOUT_S = 1800
_COMMIT_RE = re.compile(r"[0-9a-fA-F]{40}(?:[0-9a-fA-F]{24})?")
_REPO_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_ROUTES = ("", "krn", "mxl", "musicxml->mxl")


def zip_mxl(name: str, xml: bytes, *, level: int = 9) -> bytes:
    """Compressed MusicXML (``.mxl``) laid out as staged: ``mimetype`` (stored),
    ``META-INF/container.xml`` and the score ``name``, all dated 1980-01-01."""
    out = io.BytesIO()
    members = [
        ("mimetype", b"application/vnd.recordare.musicxml", zipfile.ZIP_STORED),
        ("META-INF/container.xml", _MXL_CONTAINER.format(name=name).encode(), zipfile.ZIP_DEFLATED),
        (name, xml, zipfile.ZIP_DEFLATED),
    ]
    with zipfile.ZipFile(out, "w") as zf:
        for fn, data, ct in members:
            zi = zipfile.ZipInfo(fn, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = ct
            zi.create_system = 3
            zi.external_attr = 0o600 << 16
            zf.writestr(zi, data, compresslevel=level if ct == zipfile.ZIP_DEFLATED else None)
    return out.getvalue()


def find_musescore() -> str | None:
    """The first MuseScore executable on PATH (``mscore3``, ``mscore``, ``musescore``, ...)."""
    for name in ("mscore3", "mscore", "musescore", "musescore3", "musescore4", "mscore4portable"):
        exe = shutil.which(name)
        if exe:
            return exe
    return None


def load_fetch_table(tables: str | os.PathLike | None = None) -> pd.DataFrame:
    """The files to fetch: from a folder with the source TSVs, or from a manifest CSV.

    ``tables=None`` uses the data root's ``piano/`` tables when they exist, else the
    committed manifest. Columns: id, repo, commit, path, stored_as (relative to ``piano/``),
    route (``krn``, ``mxl``, ``musicxml->mxl`` or ``mscx->...``), sha256 (of the stored file).

    Raises
    ------
    FileNotFoundError
        No tables found.
    ValueError
        A table lacks a required column.
    """
    if tables is None:
        root = data_root(must_exist=False) / "piano"
        if (root / "sources-kern.tsv").is_file() or (root / "sources-musicxml.tsv").is_file():
            tables = root
        else:
            from .builder import default_manifest_path

            tables = default_manifest_path()
    p = Path(tables)
    if p.is_dir():
        frames = []
        for name, fmt in (("sources-kern.tsv", "kern"), ("sources-musicxml.tsv", "musicxml")):
            f = p / name
            if not f.is_file():
                continue
            df = read_table(f, sep="\t", dtype=str, keep_default_na=False)
            need = {"id", "repo", "commit", "path", "sha256"}
            if need - set(df.columns):
                raise ValueError(f"{f.name}: missing column(s) {sorted(need - set(df.columns))}")
            if fmt == "kern":
                df["stored_as"] = "repos/" + df["repo"] + "/" + df["path"]
                df["route"] = "krn"
            else:
                if "stored_as" not in df.columns:
                    df["stored_as"] = "repos/" + df["repo"] + "/" + df["path"]
                if "route" not in df.columns:
                    df["route"] = "mxl"
            df["_table"] = name
            df["_line"] = range(2, len(df) + 2)
            frames.append(df)
        if not frames:
            raise FileNotFoundError(f"no sources-kern.tsv / sources-musicxml.tsv in {p}")
        return pd.concat(frames, ignore_index=True)
    if p.is_file():
        m = read_table(p, dtype=str, keep_default_na=False)
        need = {"id", "repo", "commit", "path", "file", "source_sha256"}
        if need - set(m.columns):
            raise ValueError(f"{p.name}: missing column(s) {sorted(need - set(m.columns))}")
        out = pd.DataFrame({
            "id": m["id"], "repo": m["repo"], "commit": m["commit"], "path": m["path"],
            "stored_as": m["file"], "route": m.get("source_route", pd.Series("krn", index=m.index)),
            "sha256": m["source_sha256"],
        })
        for c in ("period", "composer", "work", "format"):
            if c in m.columns:
                out[c] = m[c]
        out["flags"] = m["source_flags"] if "source_flags" in m.columns else ""
        out["_table"] = ["sources-kern.tsv" if f == "kern" else "sources-musicxml.tsv"
                         for f in m.get("format", pd.Series("kern", index=m.index))]
        out["_line"] = range(2, len(out) + 2)
        out.attrs["source"] = p.name
        return out
    raise FileNotFoundError(f"no source tables or manifest at {p}")


def _relpath_problem(p: str) -> str:
    """Why ``p`` is not a safe relative POSIX path ("" when it is)."""
    if not p:
        return "is empty"
    if any(ord(c) < 32 or ord(c) == 127 for c in p):
        return "holds control characters"
    if "\\" in p:
        return "holds a backslash"
    if PurePosixPath(p).is_absolute() or re.match(r"^[A-Za-z]:", p) or p.startswith("~"):
        return "is absolute"
    parts = p.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "has an empty, '.' or '..' component"
    if any(part.lower() == ".git" for part in parts):
        return "enters a .git folder"
    if p.startswith("-"):
        return "starts with '-'"
    return ""


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def check_fetch_table(table: pd.DataFrame, pdir: str | os.PathLike) -> None:
    """Check every field of the fetch table before anything runs; ``ValueError`` listing the bad rows.

    Parameters
    ----------
    table : DataFrame
        From :func:`load_fetch_table`.
    pdir : path-like
        The ``piano/`` folder the files go to: every file must land inside it after resolving.
    """
    pdir = Path(pdir)
    problems: list[str] = []
    src = table.attrs.get("source")
    for k, r in enumerate(table.to_dict("records")):
        where = f"{src or r.get('_table', 'table')} line {r.get('_line', k + 2)}"
        bad = []
        rid, repo, commit = str(r.get("id", "")), str(r.get("repo", "")), str(r.get("commit", ""))
        path, stored, route = str(r.get("path", "")), str(r.get("stored_as", "")), str(r.get("route", "") or "")
        sha = str(r.get("sha256", "") or "")
        if not rid.strip() or any(ord(c) < 32 for c in rid):
            bad.append(f"id {rid!r} is empty or holds control characters")
        if not _REPO_RE.fullmatch(repo):
            bad.append(f"repo {repo!r} is not owner/name")
        if not _COMMIT_RE.fullmatch(commit):
            bad.append(f"commit {commit!r} is not a 40-digit hex commit id")
        if sha and not _SHA256_RE.fullmatch(sha):
            bad.append(f"sha256 {sha!r} is not 64 lower-case hex digits")
        why = _relpath_problem(path)
        if why:
            bad.append(f"path {path!r} {why}")
        why = _relpath_problem(stored)
        if why:
            bad.append(f"stored_as {stored!r} {why}")
        if route not in _ROUTES and not route.startswith("mscx->"):
            bad.append(f"route {route!r} is unknown")
        if not bad:  # the fields are well-formed: do the files stay inside piano/ after resolving?
            repo_dir = pdir / "repos" / repo
            if not _inside(repo_dir, pdir / "repos") or not _inside(repo_dir / path, repo_dir):
                bad.append(f"path {path!r} leaves repos/{repo}/")
            if not _inside(pdir / stored, pdir):
                bad.append(f"stored_as {stored!r} leaves {pdir}")
        problems += [f"{where} (id {rid!r}): {b}" for b in bad]
    if problems:
        shown = "\n  ".join(problems[:10]) + (f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else "")
        raise ValueError(f"{len(problems)} invalid field(s) in the source tables; nothing was fetched:\n  {shown}")


def _git(args: list[str], cwd: Path, timeout: float = GIT_TIMEOUT_S) -> subprocess.CompletedProcess:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    return subprocess.run(["git", "-c", "protocol.ext.allow=never", *args], cwd=cwd, capture_output=True,
                          timeout=timeout, env=env)


def _has_commit(repo_dir: Path, commit: str) -> bool:
    return _git(["cat-file", "-e", "--end-of-options", f"{commit}^{{commit}}"], repo_dir).returncode == 0


def _ensure_commit(repo_dir: Path, url: str, commit: str) -> str:
    """Fetch ``commit`` into the repository at ``repo_dir``; return "" or the reason it failed."""
    repo_dir.mkdir(parents=True, exist_ok=True)
    if not (repo_dir / ".git").exists():
        r = _git(["init", "-q"], repo_dir)
        if r.returncode != 0:
            return f"git init failed: {r.stderr.decode(errors='replace').strip()[:200]}"
        _git(["remote", "add", "--", "origin", url], repo_dir)
    else:
        _git(["remote", "set-url", "--", "origin", url], repo_dir)
    if _has_commit(repo_dir, commit):
        return ""
    r = _git(["fetch", "-q", "--depth", "1", "--", "origin", commit], repo_dir)
    if r.returncode == 0 and _has_commit(repo_dir, commit):
        return ""
    r2 = _git(["fetch", "-q", "--", "origin"], repo_dir)  # servers that refuse fetching by commit
    if _has_commit(repo_dir, commit):
        return ""
    err = (r2.stderr or r.stderr).decode(errors="replace").strip().splitlines()
    return f"commit {commit[:12]} not found at {url}" + (f" ({err[-1][:160]})" if err else "")


def _export_mscx(mscore: str, src: Path, timeout: float = 600) -> bytes:
    with tempfile.TemporaryDirectory(prefix="kmnet-mscore-") as tmp:
        out = Path(tmp) / (src.stem + ".musicxml")
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        r = subprocess.run([mscore, "-f", "-o", str(out), str(src)], capture_output=True, timeout=timeout, env=env)
        if r.returncode != 0 or not out.is_file():
            err = r.stderr.decode(errors="replace").strip().splitlines()
            raise RuntimeError(f"MuseScore export failed (exit {r.returncode}): {err[-1][:160] if err else ''}")
        return out.read_bytes()


def fetch_piano(
    dest: str | os.PathLike | None = None,
    *,
    tables: str | os.PathLike | None = None,
    base_url: str = DEFAULT_BASE_URL,
    mscore: str | None = None,
    progress: bool = True,
    in_place: bool = False,
) -> pd.DataFrame:
    """Fetch the listed piano sources into ``dest/piano/`` and verify their sha256.

    Parameters
    ----------
    dest : path-like, optional
        Data root to fill (default: the data root location, ``KMNET_DATA`` or
        ``<checkout>/../shared/data``). Files go to ``dest/piano/repos/<owner>/<repo>/``.
    tables : path-like, optional
        Folder with ``sources-kern.tsv``/``sources-musicxml.tsv``, or a manifest CSV
        (default: see :func:`load_fetch_table`).
    base_url : str
        Where repositories live: ``{base_url}/{owner}/{repo}`` (default GitHub; a local
        folder works too).
    mscore : str, optional
        MuseScore executable for ``.mscx`` sources (default: :func:`find_musescore`).
    in_place : bool, default False
        Allow ``dest/piano`` to be the folder the tables are read from (by default that is
        refused: the data root is read-only for the project).

    Returns
    -------
    DataFrame
        One row per listed file (:data:`FETCH_COLUMNS`); ``status`` is ``ok``,
        ``mismatch`` (sha256 differs), ``missing-commit``, ``missing-file``,
        ``skipped`` (no MuseScore for a ``.mscx``) or ``failed``.

    Raises
    ------
    ValueError
        A table field is malformed or would write outside ``dest/piano`` (nothing is fetched),
        ``dest/piano`` is the folder the tables come from (without ``in_place``), or
        ``base_url`` starts with ``-``.
    """
    from tqdm.auto import tqdm

    if str(base_url).startswith("-"):
        raise ValueError(f"base_url {base_url!r} starts with '-'")
    source_dir = _tables_dir(tables)
    table = load_fetch_table(tables)
    dest_root = Path(dest) if dest is not None else data_root(must_exist=False)
    pdir = dest_root / "piano"
    if not in_place and source_dir is not None and pdir.resolve() == source_dir.resolve():
        raise ValueError(
            f"refusing to write into {pdir}: the source tables are read from there (the data root is "
            "read-only for the project); give another --dest, or --in-place to fill it in place"
        )
    check_fetch_table(table, pdir)
    pdir.mkdir(parents=True, exist_ok=True)
    mscore = mscore or find_musescore()
    rows: list[dict] = []
    groups = list(table.groupby(["repo", "commit"], sort=True))
    for (repo, commit), g in tqdm(groups, desc="fetch piano", unit="repo", disable=not progress):
        repo_dir = pdir / "repos" / repo
        url = f"{base_url.rstrip('/')}/{repo}"
        why = _ensure_commit(repo_dir, url, commit)
        if why:
            for r in g.itertuples(index=False):
                rows.append(_row(r, "missing-commit", why))
            continue
        for r in g.itertuples(index=False):
            rows.append(_fetch_one(r, repo_dir, commit, pdir, mscore))
    report = pd.DataFrame(rows, columns=FETCH_COLUMNS)
    _write_tables(table, pdir, tables)
    skipped = report[report["status"] == "skipped"]
    if len(skipped):
        warnings.warn(f"{len(skipped)} .mscx source(s) skipped: no MuseScore (mscore3/mscore/musescore) "
                      "on PATH to export them to MusicXML", stacklevel=2)
    return report


def _tables_dir(tables) -> Path | None:
    """The folder whose source tables :func:`load_fetch_table` reads (``None``: a manifest file)."""
    if tables is None:
        root = data_root(must_exist=False) / "piano"
        if (root / "sources-kern.tsv").is_file() or (root / "sources-musicxml.tsv").is_file():
            return root
        return None
    return Path(tables) if Path(tables).is_dir() else None


def _row(r, status: str, reason: str, got: str = "") -> dict:
    return {"id": r.id, "repo": r.repo, "commit": r.commit, "path": r.path, "stored_as": r.stored_as,
            "route": r.route, "status": status, "reason": reason, "sha256_expected": r.sha256,
            "sha256_got": got}


def _fetch_one(r, repo_dir: Path, commit: str, pdir: Path, mscore: str | None) -> dict:
    blob = _git(["cat-file", "blob", "--end-of-options", f"{commit}:{r.path}"], repo_dir)
    if blob.returncode != 0:
        return _row(r, "missing-file", f"{r.path} not in {r.repo} at {commit[:12]}")
    data = blob.stdout
    target = pdir / r.stored_as
    original = repo_dir / r.path
    atomic_write_bytes(original, data)  # the file as in a checkout of that commit
    route = str(r.route or "")
    try:
        if route.startswith("mscx"):
            if mscore is None:
                return _row(r, "skipped", "no MuseScore to export .mscx to MusicXML")
            xml = _export_mscx(mscore, original)
            name = Path(r.path).stem + ".musicxml"
            out = _best_mxl(name, xml, r.sha256)
        elif route == "musicxml->mxl":
            out = _best_mxl(Path(r.path).stem + ".musicxml", data, r.sha256)
        else:  # krn, mxl: byte for byte
            out = data
    except Exception as exc:
        return _row(r, "failed", f"{type(exc).__name__}: {exc}")
    if target != original:
        atomic_write_bytes(target, out)
    got = bytes_sha256(out)
    if r.sha256 and got != r.sha256:
        note = " (re-exported by a different MuseScore?)" if route.startswith("mscx") else ""
        return _row(r, "mismatch", f"sha256 differs from the table{note}", got)
    return _row(r, "ok", "", got)


def _best_mxl(name: str, xml: bytes, want: str) -> bytes:
    first = None
    for level in _MXL_LEVELS:
        b = zip_mxl(name, xml, level=level)
        first = first or b
        if bytes_sha256(b) == want:
            return b
    return first


def _write_tables(table: pd.DataFrame, pdir: Path, tables) -> None:
    """Write the source tables into ``pdir`` (unless they are already there)."""
    src = Path(tables) if tables is not None else None
    for name, g in table.groupby("_table"):
        target = pdir / name
        if src is not None and src.is_dir() and (src / name).resolve() == target.resolve():
            continue
        if src is not None and src.is_dir() and (src / name).is_file():
            atomic_write_bytes(target, (src / name).read_bytes())
            continue
        cols = ["id", "period", "composer", "work", "repo", "commit", "path"]
        if name == "sources-musicxml.tsv":
            cols += ["stored_as", "route"]
        cols += ["sha256", "flags"]
        atomic_write_text(target, g.reindex(columns=cols, fill_value="").to_csv(sep="\t", index=False,
                                                                                 lineterminator="\n"))
