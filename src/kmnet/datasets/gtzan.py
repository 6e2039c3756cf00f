"""GTZAN (Tzanetakis & Cook 2002): the Kaggle feature table, its two protocols, and raw audio.

Paper Section 4.2: 1000 clips of 30 s, 10 genres, a random 70/30 split repeated 3 times.

* :func:`load_gtzan_table` reads ``<data_root>/gtzan/features_30_sec.csv`` (1000 clips x 57
  features + label; ``length`` is metadata, not a feature) with two feature groups:
  ``"mfcc"`` (the 40 MFCC mean/variance columns) and ``"spectral"`` (the 17 chroma, energy,
  spectral, zero-crossing, harmonic/percussive and tempo columns).
* the paper's stratified 70/30 protocol is :func:`kmnet.datasets.splits.random_splits`; random-split accuracies on
  GTZAN are inflated by repeated artists and near-duplicates (Sturm 2013), so
  :func:`artist_filtered_split` gives the honest one: the fault-filtered split of Kereliuk,
  Sturm & Larsen (2015), 443/197/290 clips, 70 clips in no split.
* :func:`load_gtzan_audio` scans the usual audio layout ``genres/<genre>/<genre>.000NN.au|wav``
  (the original distribution, torchaudio, mirdata, Kaggle's ``genres_original/``), and
  :func:`extract_gtzan_features` computes the same features as the other data sets
  (:func:`kmnet.features.extract_audio`: MFCC statistics, MFCC image -> frozen CNN, compact
  image) plus, optionally, the table's 57 features from the audio. Unreadable clips are skipped
  with a warning; the Kaggle copy's ``jazz.00054.wav`` is the known case.
* :func:`extract_gtzan_table` computes the clip table from audio with the same feature groups,
  and :func:`feature_views` turns any table into the views of Table 1 (:data:`FEATURE_SETS`:
  MFCC; MFCC + spectral), so the CSV and the audio give the same experiments.
* :func:`load_gtzan_windows` reads a table of 3-second windows (the staged
  ``derived/mini_segments_3s.csv``, 997 windows of 100 clips, or a full table) and
  :func:`extract_gtzan_windows` computes it from audio (Kaggle's ``features_3_sec.csv`` layout:
  at most 10 windows of 66,149 samples per clip; about 10,000 rows on the whole of GTZAN).
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..features.gtzan_table import MFCC_TABLE_COLUMNS, SPECTRAL_COLUMNS
from ._tables import check_labels_column, check_no_duplicates, check_staged, read_table
from .paths import data_root

__all__ = [
    "GENRES",
    "FEATURE_GROUPS",
    "GTZANTable",
    "GTZANAudioFeatures",
    "load_gtzan_table",
    "artist_filtered_split",
    "load_gtzan_audio",
    "extract_gtzan_features",
    "clip_id",
    "FEATURE_SETS",
    "WINDOW_TABLE",
    "GTZANWindowTable",
    "feature_views",
    "gtzan_table_from_frame",
    "load_gtzan_windows",
    "extract_gtzan_table",
    "extract_gtzan_windows",
]

GENRES = ("blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock")

FEATURE_GROUPS: dict[str, tuple[str, ...]] = {"mfcc": MFCC_TABLE_COLUMNS, "spectral": SPECTRAL_COLUMNS}
"""Feature groups of the table: 40 MFCC columns and 17 spectral/chroma/rhythm columns."""

_CLIP_RE = re.compile(r"^(?P<genre>[a-z]+)\.(?P<num>\d{5})$")
KNOWN_CORRUPT = ("jazz.00054",)
"""Clips known to be unreadable in the Kaggle copy (``jazz.00054.wav``: "does not start with RIFF id")."""

#: what ``<data_root>/gtzan/README.md`` states of the staged files: rows and sha256
STAGED = {
    "features_30_sec.csv": (1000, "e5fe20f4e2f61d1aa3e07b17ffdea6b565970b3a1811746bd31f182a401fc3bc"),
    "train_filtered.txt": (443, "2b04966cef1486f1a7767b74271533fa23e220388db804a1937835e1fc4fa3fa"),
    "valid_filtered.txt": (197, "f8fbee7c52397a0e0f3a91dc54fedecb2e27f5bdc9a9daeab8cb10d077e26956"),
    "test_filtered.txt": (290, "09cafa6a89ce0a27f30ed250d56ecb4d03c22fffb5a693f96c7ae655ee02ac72"),
}


def clip_id(name: str | os.PathLike) -> str:
    """``"blues.00012"`` from ``"blues/blues.00012.wav"``, ``"blues.00012.au"``, a path, ..."""
    base = Path(str(name)).name
    for ext in (".wav", ".au", ".WAV", ".AU", ".mp3", ".flac"):
        if base.endswith(ext):
            return base[: -len(ext)]
    return base


@dataclass
class GTZANTable:
    """The GTZAN feature table.

    Attributes
    ----------
    X : pandas.DataFrame of shape (n, d)
        Selected feature columns, in the table's column order; index = filenames.
    y : ndarray of str, shape (n,)
        Genre labels.
    filenames : ndarray of str, shape (n,)
        ``blues.00000.wav`` style names, as in the table.
    groups : dict of str to list of str
        Feature group -> its columns in ``X``.
    """

    X: pd.DataFrame
    y: np.ndarray
    filenames: np.ndarray
    groups: dict[str, list[str]] = field(default_factory=dict)

    def view(self, group: str) -> np.ndarray:
        """The float64 matrix of one feature group."""
        if group not in self.groups:
            raise ValueError(f"unknown feature group {group!r}; have {sorted(self.groups)}")
        return self.X[self.groups[group]].to_numpy(dtype=np.float64)


def load_gtzan_table(
    root: str | os.PathLike | None = None,
    *,
    groups: tuple[str, ...] = ("mfcc", "spectral"),
    path: str | os.PathLike | None = None,
) -> GTZANTable:
    """Read ``<data_root>/gtzan/features_30_sec.csv``.

    Parameters
    ----------
    root : path-like, optional
        Data root (:func:`kmnet.datasets.paths.data_root`).
    groups : tuple of {"mfcc", "spectral"}, default both
        Feature groups to keep (``X`` has their columns in the table's order).
    path : path-like, optional
        The CSV itself (overrides ``root``).

    Raises
    ------
    FileNotFoundError
        When the table is absent.
    ValueError
        When the file is empty, columns are missing, values are not finite, labels are missing or
        unknown, rows or filenames repeat, or (for the data root's copy) the row count is not the
        1000 that ``gtzan/README.md`` states. Every message names the file (and the lines).
    """
    bad = [g for g in groups if g not in FEATURE_GROUPS]
    if bad or not groups:
        raise ValueError(f"groups: unknown or empty {list(groups)}; choose from {list(FEATURE_GROUPS)}")
    csv = Path(path) if path is not None else data_root(root) / "gtzan" / "features_30_sec.csv"
    if not csv.is_file():
        raise FileNotFoundError(f"GTZAN feature table not found: {csv}")
    df = read_table(csv)
    needed = ["filename", "label", *SPECTRAL_COLUMNS, *MFCC_TABLE_COLUMNS]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ValueError(f"{csv}: missing column(s) {missing[:5]}{'...' if len(missing) > 5 else ''}")
    if path is None:
        check_staged(df, csv, rows=STAGED[csv.name][0], sha256=STAGED[csv.name][1], readme="gtzan/README.md")
    check_labels_column(df, "label", csv, known=GENRES)
    check_labels_column(df, "filename", csv)
    check_no_duplicates(df, csv, key="filename")
    cols = [c for c in df.columns if any(c in FEATURE_GROUPS[g] for g in groups)]
    try:
        X = df[cols].astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{csv}: feature values that are not numbers ({exc})") from exc
    finite = np.isfinite(X.to_numpy())
    if not finite.all():
        rows = np.flatnonzero(~finite.all(axis=1))
        raise ValueError(f"{csv}: non-finite feature values (line{'s' if len(rows) > 1 else ''} "
                         f"{', '.join(str(r + 2) for r in rows[:5])})")
    X.index = pd.Index(df["filename"].astype(str), name="filename")
    return GTZANTable(
        X=X,
        y=df["label"].astype(str).to_numpy(),
        filenames=df["filename"].astype(str).to_numpy(),
        groups={g: [c for c in cols if c in FEATURE_GROUPS[g]] for g in groups},
    )


def artist_filtered_split(
    filenames=None,
    *,
    root: str | os.PathLike | None = None,
    splits_dir: str | os.PathLike | None = None,
) -> dict[str, np.ndarray]:
    """The fault-filtered (artist-filtered) split of Kereliuk, Sturm & Larsen (2015).

    Reads ``<data_root>/gtzan/splits/{train,valid,test}_filtered.txt`` (443/197/290 clips) and
    joins on the clip id (``blues.00012``), so table filenames (``blues.00012.wav``), the
    ``.au`` variant and audio paths all match. 70 GTZAN clips are in no split.

    Parameters
    ----------
    filenames : sequence of str or path-like, optional
        Items to index. Default: the split files' own clip ids (then the result holds names).
    root, splits_dir : path-like, optional
        Data root, or the folder holding the three files.

    Returns
    -------
    dict with keys "train", "valid", "test"
        Indices into ``filenames`` (sorted int arrays), or, without ``filenames``, the clip ids.
    """
    d = Path(splits_dir) if splits_dir is not None else data_root(root) / "gtzan" / "splits"
    ids: dict[str, list[str]] = {}
    for part in ("train", "valid", "test"):
        f = d / f"{part}_filtered.txt"
        if not f.is_file():
            raise FileNotFoundError(f"GTZAN split file not found: {f}")
        ids[part] = [clip_id(line.strip()) for line in f.read_text().splitlines() if line.strip()]
        if not ids[part]:
            raise ValueError(f"{f}: the file is empty")
        if splits_dir is None:
            check_staged(pd.DataFrame({"clip": ids[part]}), f, rows=STAGED[f.name][0], sha256=STAGED[f.name][1],
                         readme="gtzan/README.md")
    seen: dict[str, str] = {}
    for part, lst in ids.items():
        for c in lst:
            if c in seen:
                where = "twice in " + part if seen[c] == part else f"in both {seen[c]} and {part}"
                raise ValueError(f"{d / (part + '_filtered.txt')}: clip {c} is {where}")
            seen[c] = part
    if filenames is None:
        return {k: np.asarray(v) for k, v in ids.items()}
    keys = [clip_id(f) for f in filenames]
    return {part: np.flatnonzero([seen.get(k) == part for k in keys]) for part in ids}


def _find_genres_dir(root: Path) -> Path:
    """The folder whose sub-folders are the genres."""
    for cand in (root / "genres", root / "genres_original", root / "Data" / "genres_original", root / "audio" / "genres", root):
        if cand.is_dir() and any((cand / g).is_dir() for g in GENRES):
            return cand
    raise FileNotFoundError(
        f"no GTZAN audio under {root}: expected genres/<genre>/<genre>.000NN.wav|au "
        "(or genres_original/, as in the Kaggle copy)"
    )


def load_gtzan_audio(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """Scan GTZAN audio in the ``genres/<genre>/<genre>.000NN.au|wav`` layout.

    Parameters
    ----------
    root : path-like, optional
        A folder holding ``genres/`` (or ``genres_original/``, ``Data/genres_original/``), or
        the genres folder itself. Default: ``<data_root>/gtzan/audio``.

    Returns
    -------
    pandas.DataFrame
        One row per clip, sorted by clip id: ``path``, ``filename`` (``blues.00000.wav`` style,
        the table's naming even for ``.au`` files), ``clip`` (``blues.00000``), ``label``.
        Files whose name does not follow ``<genre>.<5 digits>`` or whose prefix differs from
        their folder are ignored with a warning. If a clip exists as both ``.wav`` and ``.au``
        the ``.wav`` is used.
    """
    base = Path(root) if root is not None else data_root() / "gtzan" / "audio"
    gdir = _find_genres_dir(base)
    rows, odd = {}, []
    for sub in sorted(p for p in gdir.iterdir() if p.is_dir()):
        for f in sorted(sub.iterdir()):
            if not f.is_file() or f.suffix.lower() not in (".wav", ".au"):
                continue
            cid = f.name[: -len(f.suffix)]
            m = _CLIP_RE.match(cid)
            if m is None or m.group("genre") != sub.name or sub.name not in GENRES:
                odd.append(f"{sub.name}/{f.name}")
                continue
            if cid in rows and rows[cid]["path"].suffix.lower() == ".wav":
                continue
            rows[cid] = dict(path=f, filename=f"{cid}.wav", clip=cid, label=sub.name)
    if odd:
        warnings.warn(f"ignored {len(odd)} file(s) outside the GTZAN naming: {odd[:5]}", stacklevel=2)
    if not rows:
        raise FileNotFoundError(f"no GTZAN clips found under {gdir}")
    df = pd.DataFrame([rows[k] for k in sorted(rows)])
    return df


@dataclass
class GTZANAudioFeatures:
    """Features extracted from GTZAN audio (readable clips only).

    Attributes
    ----------
    features : dict of str to ndarray
        ``"mfcc_stats"``, ``"cnn"``, ``"image"`` (and ``"table"``) for the readable clips, in
        ``filenames`` order.
    y : ndarray of str
    filenames : ndarray of str
        ``blues.00000.wav`` style (join with the table and the splits).
    report : pandas.DataFrame
        Every scanned clip with ``ok``/``status``/``reason`` (skipped clips included).
    """

    features: dict[str, np.ndarray]
    y: np.ndarray
    filenames: np.ndarray
    report: pd.DataFrame

    def table_frame(self) -> pd.DataFrame:
        """The ``"table"`` feature as a DataFrame in the Kaggle table's layout."""
        from ..features.gtzan_table import TABLE_COLUMNS

        if "table" not in self.features:
            raise ValueError("table features were not extracted (pass features=(..., 'table'))")
        df = pd.DataFrame(self.features["table"], columns=list(TABLE_COLUMNS))
        df.insert(0, "filename", self.filenames)
        df["label"] = self.y
        return df


def extract_gtzan_features(
    root: str | os.PathLike | None = None,
    *,
    features: tuple[str, ...] = ("mfcc_stats", "cnn", "image"),
    **kwargs,
) -> GTZANAudioFeatures:
    """Scan GTZAN audio and extract features; unreadable clips are skipped with a warning.

    Parameters
    ----------
    root : path-like, optional
        As in :func:`load_gtzan_audio`.
    features : tuple of str, default ("mfcc_stats", "cnn", "image")
        As in :func:`kmnet.features.extract_audio`; add ``"table"`` for the 57 columns of
        ``features_30_sec.csv`` computed from the audio (about 2 s per clip), or
        ``"musicnn"`` for a music-trained encoder's embedding
        (:func:`kmnet.features.musicnn.extract_many`: MSD_musicnn's penultimate layer, mean and
        max over 3-s patches, 400 values; needs ``pip install --no-deps musicnn==0.1.0``).
    **kwargs
        Passed to :func:`kmnet.features.extract_audio` (``cnn=``, ``device=``, ``cache=``,
        ``progress=``, ...); ``musicnn_model=`` and ``musicnn_layer=`` choose the musicnn
        model and layer.

    Returns
    -------
    GTZANAudioFeatures
    """
    from ..features.pipeline import extract_audio

    man = load_gtzan_audio(root)
    mn = {k: kwargs.pop(k) for k in ("musicnn_model", "musicnn_layer") if k in kwargs}
    rest = tuple(f for f in features if f != "musicnn")
    paths = list(man["path"])
    arrays, rep = extract_audio(paths, features=rest, **kwargs) if rest else ({}, None)
    if "musicnn" in features:
        from ..features.musicnn import extract_many

        layer = mn.get("musicnn_layer", "penultimate")
        kw = {k: kwargs[k] for k in ("cache", "cache_dir", "progress", "device") if k in kwargs}
        emb, mrep = extract_many(paths, model=mn.get("musicnn_model", "MSD_musicnn"), layers=(layer,), **kw)
        arrays["musicnn"] = emb[layer]
        if rep is None:
            rep = mrep
        else:  # a clip is usable when every requested feature is
            bad = ~mrep["ok"].to_numpy() & rep["ok"].to_numpy()
            rep.loc[bad, ["ok", "status", "reason"]] = mrep.loc[bad, ["ok", "status", "reason"]].to_numpy()
    rep = pd.concat([man[["filename", "clip", "label"]].reset_index(drop=True), rep], axis=1)
    ok = rep["ok"].to_numpy(dtype=bool)
    if not ok.all():
        bad = rep.loc[~ok]
        lines = [f"{r.filename}: {r.reason}" for r in bad.itertuples()]
        known = [c for c in bad["clip"] if c in KNOWN_CORRUPT]
        note = f" ({', '.join(known)} is unreadable in the Kaggle copy of GTZAN)" if known else ""
        warnings.warn(f"skipped {len(lines)} unreadable GTZAN clip(s){note}: " + "; ".join(lines[:10]), stacklevel=2)
    return GTZANAudioFeatures(
        features={k: v[ok] for k, v in arrays.items()},
        y=rep.loc[ok, "label"].to_numpy(dtype=str),
        filenames=rep.loc[ok, "filename"].to_numpy(dtype=str),
        report=rep,
    )


# ---------------------------------------------------------------------------------------------
# Feature views from audio, and the 3-second window table
# ---------------------------------------------------------------------------------------------
FEATURE_SETS: dict[str, tuple[str, ...]] = {"MFCC": ("mfcc",), "MFCC + spectral": ("mfcc", "spectral")}
"""The two feature sets of the book's Table 1: the MFCC block alone, and the MFCC and spectral blocks
as two feature types (views)."""

WINDOW_TABLE = Path("derived") / "mini_segments_3s.csv"
"""The staged window table, relative to ``<data_root>/gtzan``: 997 windows of 3 s of 100 clips."""

_WINDOW_NAME_RE = re.compile(r"^(?P<clip>[a-z]+\.\d{5})\.(?P<window>\d+)\.(wav|au)$")


@dataclass
class GTZANWindowTable(GTZANTable):
    """A table of 3-second windows: :class:`GTZANTable` plus the clip of every row.

    Attributes
    ----------
    X, y, filenames, groups
        As in :class:`GTZANTable`; ``filenames`` are ``blues.00000.3.wav`` style (clip, window).
    clips : ndarray of str, shape (n,)
        Source clip of every window (``blues.00000``): all windows of a clip share their music,
        so protocols that keep clips apart group by it.
    report : pandas.DataFrame or None
        For a table computed from audio (:func:`extract_gtzan_windows`): one row per scanned
        clip with ``ok``, ``status``, ``reason``, ``n_windows``, ``cached``.
    """

    clips: np.ndarray = field(default_factory=lambda: np.array([], dtype=str))
    report: pd.DataFrame | None = None


def feature_views(table: GTZANTable) -> dict[str, np.ndarray]:
    """The feature groups of a table as the views of the book's Table 1.

    The same call serves the CSV (:func:`load_gtzan_table`), a table computed from audio
    (:func:`extract_gtzan_table`) and a window table (:func:`load_gtzan_windows`,
    :func:`extract_gtzan_windows`); pick a feature set with :data:`FEATURE_SETS`.

    Returns
    -------
    dict of str to ndarray
        Group name (``"mfcc"``, ``"spectral"``) -> float64 ``(n, d)`` matrix, in the table's rows.
    """
    return {g: table.view(g) for g in table.groups}


def gtzan_table_from_frame(
    df: pd.DataFrame,
    *,
    groups: tuple[str, ...] = ("mfcc", "spectral"),
    name: str = "table",
) -> GTZANTable:
    """A :class:`GTZANTable` (or :class:`GTZANWindowTable`) from a DataFrame in the table layout.

    Parameters
    ----------
    df : pandas.DataFrame
        ``filename``, ``label`` and the 57 feature columns (any order; others are ignored). With
        a ``clip`` column, or ``filename`` values of the form ``<clip>.<window>.wav`` (the Kaggle
        ``features_3_sec.csv``), the result is a :class:`GTZANWindowTable`.
    groups : tuple of {"mfcc", "spectral"}
    name : str
        Names the source in error messages.

    Raises
    ------
    ValueError
        Unknown groups, missing columns, repeated filenames, unknown labels, non-finite values,
        or a window's clip that disagrees with its label.
    """
    from ..features.gtzan_table import TABLE_COLUMNS

    bad = [g for g in groups if g not in FEATURE_GROUPS]
    if bad or not groups:
        raise ValueError(f"groups: unknown or empty {list(groups)}; choose from {list(FEATURE_GROUPS)}")
    missing = [c for c in ("filename", "label", *TABLE_COLUMNS) if c not in df.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {missing[:5]}{'...' if len(missing) > 5 else ''}")
    if len(df) == 0:
        raise ValueError(f"{name}: no rows")
    fn = df["filename"].astype(str)
    if fn.duplicated().any():
        raise ValueError(f"{name}: filename {fn[fn.duplicated()].iloc[0]!r} appears more than once")
    labels = df["label"].astype(str)
    unknown = sorted(set(labels) - set(GENRES))
    if unknown:
        raise ValueError(f"{name}: unknown label(s) {unknown}")
    cols = [c for c in TABLE_COLUMNS if any(c in FEATURE_GROUPS[g] for g in groups)]
    X = df[cols].astype(np.float64)
    if not np.all(np.isfinite(X.to_numpy())):
        bad_row = fn[~np.isfinite(X.to_numpy()).all(axis=1)].iloc[0]
        raise ValueError(f"{name}: non-finite feature values (first in {bad_row!r})")
    X.index = pd.Index(fn.to_numpy(), name="filename")
    kw = dict(X=X, y=labels.to_numpy(), filenames=fn.to_numpy(),
              groups={g: [c for c in cols if c in FEATURE_GROUPS[g]] for g in groups})
    if "clip" in df.columns:
        clips = df["clip"].astype(str).to_numpy()
    else:
        m = [_WINDOW_NAME_RE.match(f) for f in fn]
        if not all(m):
            return GTZANTable(**kw)
        clips = np.array([x.group("clip") for x in m])
    genre = np.array([c.split(".")[0] for c in clips])
    if not np.array_equal(genre, kw["y"]):
        i = int(np.flatnonzero(genre != kw["y"])[0])
        raise ValueError(f"{name}: window {fn.iloc[i]!r} of clip {clips[i]!r} is labelled {kw['y'][i]!r}")
    return GTZANWindowTable(**kw, clips=clips)


def load_gtzan_windows(
    root: str | os.PathLike | None = None,
    *,
    path: str | os.PathLike | None = None,
    groups: tuple[str, ...] = ("mfcc", "spectral"),
) -> GTZANWindowTable:
    """Read a table of 3-second windows: the staged ``mini_segments_3s.csv`` or a full one.

    Parameters
    ----------
    root : path-like, optional
        Data root; the default file is ``<data_root>/gtzan/derived/mini_segments_3s.csv``
        (997 windows of 100 clips, the 57 columns of ``features_30_sec.csv``; see its README).
    path : path-like, optional
        Another window table (overrides ``root``): one written by :func:`extract_gtzan_windows`
        (``out=``), e.g. the full table regenerated from the GTZAN audio, or the
        Kaggle ``features_3_sec.csv`` (its clips are read from the ``<clip>.<window>.wav``
        filenames).
    groups : tuple of {"mfcc", "spectral"}, default both

    Returns
    -------
    GTZANWindowTable

    Raises
    ------
    FileNotFoundError
        When the file is absent.
    ValueError
        As :func:`gtzan_table_from_frame`, or when the file's rows do not name their clips.
    """
    csv = Path(path) if path is not None else data_root(root) / "gtzan" / WINDOW_TABLE
    if not csv.is_file():
        raise FileNotFoundError(f"GTZAN window table not found: {csv}")
    table = gtzan_table_from_frame(pd.read_csv(csv), groups=groups, name=csv.name)
    if not isinstance(table, GTZANWindowTable):
        raise ValueError(f"{csv.name}: rows name no clip (need a 'clip' column or <clip>.<window>.wav filenames)")
    return table


def extract_gtzan_table(
    root: str | os.PathLike | None = None,
    *,
    groups: tuple[str, ...] = ("mfcc", "spectral"),
    **kwargs,
) -> GTZANTable:
    """The 30 s clip table computed from GTZAN audio, as :func:`load_gtzan_table` reads the CSV.

    The 57 columns of ``features_30_sec.csv`` (:func:`kmnet.features.gtzan_table.table_features`)
    of every readable clip, with the same feature groups, so that :func:`feature_views` and
    :data:`FEATURE_SETS` give the views of Table 1 (MFCC; MFCC + spectral) from audio.

    Parameters
    ----------
    root : path-like, optional
        As in :func:`load_gtzan_audio`.
    groups : tuple of {"mfcc", "spectral"}, default both
    **kwargs
        Passed to :func:`extract_gtzan_features` (``cache=``, ``progress=``, ...).

    Returns
    -------
    GTZANTable
        Rows in clip order; unreadable clips are left out with a warning naming each and its
        reason (as in :func:`extract_gtzan_features`).
    """
    if "features" in kwargs:
        raise ValueError("extract_gtzan_table computes the table's columns; do not pass features=")
    audio = extract_gtzan_features(root, features=("table",), **kwargs)
    if len(audio.y) == 0:
        raise ValueError("extract_gtzan_table: no clip could be read")
    return gtzan_table_from_frame(audio.table_frame(), groups=groups, name="audio table")


def _window_frame(clip: str, label: str, values: np.ndarray) -> pd.DataFrame:
    from ..features.gtzan_table import TABLE_COLUMNS

    df = pd.DataFrame(values, columns=list(TABLE_COLUMNS))
    df.insert(0, "label", label)
    df.insert(0, "clip", clip)
    df.insert(0, "filename", [f"{clip}.{i}.wav" for i in range(len(values))])
    return df


def extract_gtzan_windows(
    root: str | os.PathLike | None = None,
    *,
    window: int | None = None,
    n_windows: int | None = None,
    sr: int = 22050,
    groups: tuple[str, ...] = ("mfcc", "spectral"),
    out: str | os.PathLike | None = None,
    cache: bool = True,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
) -> GTZANWindowTable:
    """The 3-second window table computed from GTZAN audio (the Kaggle ``features_3_sec.csv`` layout).

    Every clip found by :func:`load_gtzan_audio` is cut into consecutive windows of ``window``
    samples, at most ``n_windows`` (:func:`kmnet.features.gtzan_table.window_features`), and the
    57 columns of ``features_30_sec.csv`` are computed on each. On the whole GTZAN audio this
    gives the full window table: by the ``length`` column of ``features_30_sec.csv`` nine clips
    are shorter than 10 windows, so all 1000 clips give 9,991 windows (Kaggle's
    ``features_3_sec.csv`` has 9,990 rows), and without the Kaggle copy's unreadable
    ``jazz.00054.wav`` 9,981. On the staged clips it reproduces their rows of
    ``mini_segments_3s.csv`` (``tests/test_gtzan_windows.py``).

    Parameters
    ----------
    root : path-like, optional
        As in :func:`load_gtzan_audio`.
    window : int, optional
        Samples per window; default 66,149 (Kaggle's ``length``; 3.0 s at 22050 Hz).
    n_windows : int, optional
        Most windows per clip; default 10 (Kaggle's).
    sr : int, default 22050
        Clips are resampled to this rate first (GTZAN's own).
    groups : tuple of {"mfcc", "spectral"}, default both
        Feature groups of the returned table (``out`` always holds all 57 columns).
    out : path-like, optional
        Also write the table there as CSV (``filename``, ``clip``, ``label``, the 57 columns:
        the layout of ``mini_segments_3s.csv``), atomically; :func:`load_gtzan_windows` reads it
        back with ``path=``.
    cache : bool, default True
        Keep each clip's windows under ``cache_root()/features/audio-table_windows/`` keyed by
        the file's sha256 and the settings (written atomically); a rerun only computes new clips.
    cache_dir : path-like, optional
        Default ``cache_root()/features``.
    progress : bool, default True
        A tqdm progress bar over the clips.

    Returns
    -------
    GTZANWindowTable
        Rows in clip order, then window order; ``report`` lists every scanned clip. A clip that
        fails (unreadable, silent, shorter than one window) is reported with its reason, named
        in a warning, and the others go on.

    Raises
    ------
    ValueError
        Bad ``window``/``n_windows``, or no clip gave a window.
    """
    from tqdm.auto import tqdm

    from ..features.audio import AudioError, load_audio
    from ..features.cache import FeatureCache, file_sha256
    from ..features.gtzan_table import KAGGLE_N_WINDOWS, KAGGLE_WINDOW, TABLE_COLUMNS, window_features

    window = KAGGLE_WINDOW if window is None else window
    n_windows = KAGGLE_N_WINDOWS if n_windows is None else n_windows
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or int(window) < 2048:
        raise ValueError(f"window: expected an integer number of samples >= 2048, got {window!r}")
    if isinstance(n_windows, bool) or not isinstance(n_windows, (int, np.integer)) or int(n_windows) < 1:
        raise ValueError(f"n_windows: expected a positive integer, got {n_windows!r}")
    man = load_gtzan_audio(root)
    store = FeatureCache("audio-table_windows", {"feature": "table_windows", "version": 1, "sr": int(sr),
                                                 "window": int(window), "n_windows": int(n_windows)},
                         root=cache_dir, enabled=cache)
    frames, report = [], []
    for r in tqdm(man.itertuples(index=False), total=len(man), desc="GTZAN windows", unit="clip",
                  disable=not progress):
        rep = dict(filename=r.filename, clip=r.clip, label=r.label, ok=True, status="ok", reason="",
                   n_windows=0, cached=False)
        try:
            h = file_sha256(r.path)
            hit = store.load(h)
            if hit is not None and "x" in hit and hit["x"].ndim == 2 and hit["x"].shape[1] == len(TABLE_COLUMNS):
                values, rep["cached"] = hit["x"], True
            else:
                y = load_audio(r.path, sr=sr, min_duration=int(window) / float(sr))  # one window at least
                values = window_features(y, sr, window=int(window), n_windows=int(n_windows))
                if not np.all(np.isfinite(values)):
                    raise ValueError("non-finite feature values")
                store.save(h, {"x": values})
            rep["n_windows"] = len(values)
            frames.append(_window_frame(r.clip, r.label, values))
        except (AudioError, ValueError, OSError) as exc:
            rep.update(ok=False, status="failed", reason=str(exc))
        except Exception as exc:  # noqa: BLE001 - reported per clip, the batch goes on
            rep.update(ok=False, status="failed", reason=f"{type(exc).__name__}: {exc}")
        report.append(rep)
    report = pd.DataFrame(report)
    bad = report.loc[~report["ok"]]
    if len(bad):
        known = [c for c in bad["clip"] if c in KNOWN_CORRUPT]
        note = f" ({', '.join(known)} is unreadable in the Kaggle copy of GTZAN)" if known else ""
        warnings.warn(f"skipped {len(bad)} GTZAN clip(s){note}: "
                      + "; ".join(f"{r.filename}: {r.reason}" for r in bad.head(10).itertuples()), stacklevel=2)
    if not frames:
        raise ValueError(f"extract_gtzan_windows: no clip gave a window ({len(report)} scanned)")
    df = pd.concat(frames, ignore_index=True)
    if out is not None:
        from .._atomic import atomic_write_text

        atomic_write_text(out, df.to_csv(index=False, lineterminator="\n"))
    table = gtzan_table_from_frame(df, groups=groups, name="audio windows")
    table.report = report
    return table
