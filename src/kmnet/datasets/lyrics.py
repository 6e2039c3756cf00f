"""Lyrics + audio-descriptor stand-in for 4MuLA: Moura et al. (2020), 1000 real songs, 7 genres.

"Music Dataset: Lyrics and Metadata from 1950 to 2019" (Mendeley Data, doi:10.17632/3t9vbwxgr5.3,
CC BY 4.0); the staged file ``<data_root>/lyrics/tcc_ceds_music_sample1000.csv`` is a public random
1000-row subset (pop 248, country 200, blues 171, jazz 134, rock 131, reggae 85, hip hop 31).

Modalities (``<data_root>/lyrics/README.md``):

* **text** = ``lyrics`` (lemmatised, stop words removed, lower case);
* **audio** = exactly the six descriptors :data:`AUDIO_COLUMNS` (each scaled to 0..1);
* **label** = ``genre``.

The 16 topic-weight columns, ``topic`` and ``len`` are computed **from the lyrics** and ``age``
from the release year: none of them may enter the audio view (text would leak into "audio"), so
:func:`load_lyrics` refuses to build an audio view from anything but the six descriptors. The
book splits the songs 8:1:1 at random, as for 4MuLA (:func:`kmnet.datasets.splits.random_split_811`).

Features
--------
Encoding the 1000 lyrics through the frozen text encoder (paper Section 4.1: a frozen RoBERTa,
here the packaged all-MiniLM-L6-v2 unless another model is given) takes a few CPU-minutes, so
the matrix is committed as

* ``data/lyrics/features.npz``: ``text`` (n, d) float32, ``ids`` (the table's row ids) and
  ``text_sha256`` (sha256 of each lyric, so that a changed table is detected);
* ``data/lyrics/features.json``: the extractor configuration (encoder identity, pooling, clip
  length, clip cap), the versions of kmnet, torch and transformers that wrote it, the shape,
  the sha256 of the source CSV and of the matrix.

:func:`extract_lyrics_features` makes a :class:`LyricsFeatures`, :func:`save_lyrics_features`
writes it; :func:`load_lyrics_features` refuses a file whose rows do not match the table;
:func:`verify_lyrics_features` re-extracts a random sample of rows, bypassing every cache, and
compares them with the committed rows (used by ``notebooks/07_4mula`` and the tests).
``python -m kmnet.datasets.lyrics`` rewrites the committed file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._atomic import atomic_save_npz, atomic_write_text
from ..features.cache import repo_root
from ._tables import check_labels_column, check_no_duplicates, check_staged, read_table
from .paths import data_root

__all__ = [
    "AUDIO_COLUMNS",
    "TOPIC_COLUMNS",
    "DERIVED_COLUMNS",
    "GENRES",
    "LyricsData",
    "load_lyrics",
    "FEATURES_RELPATH",
    "LyricsFeatures",
    "default_features_path",
    "extract_lyrics_features",
    "save_lyrics_features",
    "load_lyrics_features",
    "verify_lyrics_features",
]

AUDIO_COLUMNS: tuple[str, ...] = ("danceability", "loudness", "acousticness", "instrumentalness", "valence", "energy")
"""The audio modality: six audio descriptors, each in 0..1."""

TOPIC_COLUMNS: tuple[str, ...] = (
    "dating",
    "violence",
    "world/life",
    "night/time",
    "shake the audience",
    "family/gospel",
    "romantic",
    "communication",
    "obscene",
    "music",
    "movement/places",
    "light/visual perceptions",
    "family/spiritual",
    "like/girls",
    "sadness",
    "feelings",
)
"""The 16 topic weights, derived from the lyrics: never audio features."""

DERIVED_COLUMNS: tuple[str, ...] = TOPIC_COLUMNS + ("topic", "len", "age")
"""Every column derived from the lyrics (topics, ``topic``, ``len``) or the year (``age``)."""

GENRES: tuple[str, ...] = ("blues", "country", "hip hop", "jazz", "pop", "reggae", "rock")

FILENAME = "tcc_ceds_music_sample1000.csv"
#: what ``<data_root>/lyrics/README.md`` states of the staged file: rows and sha256
STAGED_ROWS, STAGED_SHA256 = 1000, "5182766f22b8b01cecceea1ddf7ddad05ecafbe352f304d1be2439d266de27e3"


@dataclass
class LyricsData:
    """The stand-in data set.

    Attributes
    ----------
    audio : ndarray of shape (n, 6)
        :data:`AUDIO_COLUMNS`, in that order.
    texts : list of str
        Lyrics.
    y : ndarray of str
        Genres.
    ids : ndarray of int
        The original row index of the full file (first, unnamed column).
    frame : pandas.DataFrame
        The whole table (metadata included), for inspection.
    audio_columns : tuple of str
    """

    audio: np.ndarray
    texts: list[str]
    y: np.ndarray
    ids: np.ndarray
    frame: pd.DataFrame
    audio_columns: tuple[str, ...] = AUDIO_COLUMNS

    def __len__(self) -> int:
        return len(self.texts)


def load_lyrics(root: str | os.PathLike | None = None, *, path: str | os.PathLike | None = None) -> LyricsData:
    """Read the stand-in table and split it into the text and audio views.

    Parameters
    ----------
    root : path-like, optional
        Data root; the file is ``<root>/lyrics/tcc_ceds_music_sample1000.csv``.
    path : path-like, optional
        The CSV itself (e.g. the full ``tcc_ceds_music.csv``, same columns).

    Raises
    ------
    FileNotFoundError
        When the file is absent.
    ValueError
        When the file is empty, a needed column is missing, a genre is missing or not one of
        :data:`GENRES`, a row or a row id repeats, an audio descriptor is not finite or outside
        [0, 1], lyrics are empty, or (for the data root's copy) the row count is not the 1000
        that ``lyrics/README.md`` states. Every message names the file (and the lines).
    """
    csv = Path(path) if path is not None else data_root(root) / "lyrics" / FILENAME
    if not csv.is_file():
        raise FileNotFoundError(f"lyrics table not found: {csv}")
    df = read_table(csv)
    id_col = df.columns[0]
    needed = ["genre", "lyrics", *AUDIO_COLUMNS]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ValueError(f"{csv}: missing column(s) {missing}")
    if path is None:
        check_staged(df, csv, rows=STAGED_ROWS, sha256=STAGED_SHA256, readme="lyrics/README.md")
    check_labels_column(df, "genre", csv, known=GENRES)
    check_no_duplicates(df, csv, key=id_col)
    leak = set(AUDIO_COLUMNS) & set(DERIVED_COLUMNS)
    if leak:  # pragma: no cover - a guard on the constants themselves
        raise ValueError(f"audio columns overlap lyrics-derived columns: {sorted(leak)}")
    A = df[list(AUDIO_COLUMNS)].to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(A)):
        raise ValueError(f"{csv}: non-finite audio descriptor values")
    if A.min() < -1e-9 or A.max() > 1 + 1e-9:
        raise ValueError(f"{csv}: audio descriptors outside [0, 1] (min {A.min():.3g}, max {A.max():.3g})")
    texts = df["lyrics"].fillna("").astype(str).tolist()
    empty = [i for i, t in enumerate(texts) if not t.strip()]
    if empty:
        raise ValueError(f"{csv}: {len(empty)} row(s) with empty lyrics (first at line {empty[0] + 2})")
    return LyricsData(
        audio=A,
        texts=texts,
        y=df["genre"].astype(str).to_numpy(),
        ids=df[id_col].to_numpy(),
        frame=df,
    )


FEATURES_RELPATH = Path("data") / "lyrics" / "features.npz"
"""Where the committed matrix lives, relative to the checkout."""


@dataclass
class LyricsFeatures:
    """Text features of the lyrics stand-in, one row per song.

    Attributes
    ----------
    text : ndarray of shape (n, d), float32
        Lyrics through the frozen text encoder.
    ids : ndarray of int
        The table's row ids (:attr:`kmnet.datasets.lyrics.LyricsData.ids`), in table order.
    text_sha256 : ndarray of str
        sha256 of each lyric's UTF-8 bytes.
    config : dict
        Extractor configuration and provenance (see the module docstring).
    """

    text: np.ndarray
    ids: np.ndarray
    text_sha256: np.ndarray
    config: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.text.shape[0])


def default_features_path() -> Path:
    """``<checkout>/data/lyrics/features.npz`` (raises ``FileNotFoundError`` outside a checkout)."""
    top = repo_root()
    if top is None:
        raise FileNotFoundError(
            "no kmnet checkout found (the committed lyric features live in <checkout>/"
            f"{FEATURES_RELPATH.as_posix()}); pass path=..."
        )
    return top / FEATURES_RELPATH


def _sidecar(path: Path) -> Path:
    return path.with_suffix(".json")


def _rows(rows, n: int) -> np.ndarray:
    if rows is None:
        return np.arange(n)
    r = np.asarray(rows)
    if r.ndim != 1 or r.dtype.kind not in "iu":
        raise ValueError(f"rows: expected a 1-D array of row numbers, got {r.dtype} of shape {r.shape}")
    if r.size and (r.min() < 0 or r.max() >= n):
        raise ValueError(f"rows: row numbers must be in [0, {n}), got {r.min()}..{r.max()}")
    return r.astype(np.int64)


def extract_lyrics_features(
    data: LyricsData | None = None,
    *,
    rows=None,
    root: str | os.PathLike | None = None,
    encoder: str = "all-MiniLM-L6-v2",
    pooling: str = "cls",
    clip_tokens: int = 512,
    max_clips: int | None = 8,
    batch_size: int = 16,
    cache: bool = True,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
    device=None,
) -> LyricsFeatures:
    """Encode the lyrics (or the rows ``rows`` of them) with a frozen text encoder.

    Each lyric is cut into clips of ``clip_tokens`` tokens, each clip gives its first-token
    (``pooling="cls"``, the paper's [CLS] embedding) or mean embedding, and the clips are
    max-pooled (:func:`kmnet.features.extract_text`); the stand-in's lyrics are all shorter than
    one clip.

    Parameters
    ----------
    data : LyricsData, optional
        From :func:`kmnet.datasets.lyrics.load_lyrics` (default: loaded from ``root``).
    rows : array of int, optional
        Encode only these rows (table order); default all.
    encoder, pooling, clip_tokens, max_clips, batch_size, device :
        As in :class:`kmnet.features.TextEncoder`.
    cache, cache_dir, progress :
        As in :func:`kmnet.features.extract_text`; ``cache=False`` recomputes every row.

    Raises
    ------
    ValueError
        When a lyric cannot be encoded (its reason is in the message).
    """
    from ..features import TextEncoder, extract_text, text_sha256
    from ..features.cache import file_sha256, stable_hash

    loaded_here = data is None
    if loaded_here:
        data = load_lyrics(root)
    idx = _rows(rows, len(data))
    texts = [data.texts[i] for i in idx]
    X, rep = extract_text(texts, names=[str(data.ids[i]) for i in idx], encoder=encoder, pooling=pooling,
                          clip_tokens=clip_tokens, max_clips=max_clips, batch_size=batch_size, cache=cache,
                          cache_dir=cache_dir, progress=progress, device=device)
    bad = rep.loc[~rep["ok"]]
    if len(bad):
        first = bad.iloc[0]
        raise ValueError(f"{len(bad)} lyric(s) could not be encoded (first: id {first['name']}: {first['reason']})")
    enc = TextEncoder(encoder, pooling=pooling, clip_tokens=clip_tokens, max_clips=max_clips, device=device)
    shas = np.array([text_sha256(t) for t in texts])
    digest = stable_hash({"ids": [str(i) for i in np.asarray(data.ids)[idx]], "sha": [str(h) for h in shas]}, length=64)
    config = {"extractor": "kmnet.features.extract_text", "encoder_name": str(encoder), **enc.config(),
              "dim": int(X.shape[1]), "n_rows": int(len(idx)),
              "n_tokens_max": int(rep["n_tokens"].max()) if len(rep) else 0,
              "n_clips_max": int(rep["n_clips"].max()) if len(rep) else 0,
              "lyrics_digest": digest}
    if loaded_here:
        config["source"] = f"lyrics/{FILENAME}"
        config["source_sha256"] = file_sha256(data_root(root) / "lyrics" / FILENAME)
    return LyricsFeatures(
        text=np.asarray(X, dtype=np.float32),
        ids=np.asarray(data.ids)[idx],
        text_sha256=shas,
        config=config,
    )


def save_lyrics_features(feats: LyricsFeatures, path: str | os.PathLike | None = None) -> Path:
    """Write ``features.npz`` and its ``features.json`` sidecar atomically; return the npz path."""
    import torch
    import transformers

    from .. import __version__
    from ..features.cache import array_sha256

    path = Path(path) if path is not None else default_features_path()
    X = np.asarray(feats.text, dtype=np.float32)
    if X.ndim != 2 or X.shape[0] != len(feats.ids) or len(feats.ids) != len(feats.text_sha256):
        raise ValueError(f"features: text {X.shape}, {len(feats.ids)} ids and {len(feats.text_sha256)} hashes disagree")
    if not np.isfinite(X).all():
        raise ValueError("features: the text matrix has non-finite values")
    atomic_save_npz(path, text=X, ids=np.asarray(feats.ids), text_sha256=np.asarray(feats.text_sha256, dtype="U64"))
    meta = {
        **feats.config,
        "shape": list(X.shape),
        "dtype": str(X.dtype),
        "text_matrix_sha256": array_sha256(X),
        "kmnet_version": __version__,
        "torch_version": torch.__version__,
        "transformers_version": transformers.__version__,
        "written_by": "kmnet.datasets.lyrics.save_lyrics_features",
    }
    atomic_write_text(_sidecar(path), json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return path


def load_lyrics_features(
    data: LyricsData | None = None,
    *,
    path: str | os.PathLike | None = None,
    root: str | os.PathLike | None = None,
) -> LyricsFeatures:
    """Read the committed lyric features and check that they belong to ``data``.

    Parameters
    ----------
    data : LyricsData, optional
        The table the rows must match (default: loaded from ``root``); ``ids`` and each lyric's
        sha256 must agree row by row.
    path : path-like, optional
        The ``.npz`` (default :func:`default_features_path`); its ``.json`` sidecar must exist.

    Raises
    ------
    FileNotFoundError
        When the file or its sidecar is missing.
    ValueError
        When the file is malformed or its rows do not match the table.
    """
    from ..features import text_sha256

    path = Path(path) if path is not None else default_features_path()
    side = _sidecar(path)
    if not path.is_file():
        raise FileNotFoundError(f"lyric features not found: {path.name} (run python -m kmnet.datasets.lyrics)")
    if not side.is_file():
        raise FileNotFoundError(f"lyric features sidecar not found: {side.name}")
    with np.load(path, allow_pickle=False) as z:
        missing = [k for k in ("text", "ids", "text_sha256") if k not in z.files]
        if missing:
            raise ValueError(f"{path.name}: missing array(s) {missing}")
        X, ids, shas = z["text"], z["ids"], z["text_sha256"]
    config = json.loads(side.read_text(encoding="utf-8"))
    if X.ndim != 2 or X.shape[0] != ids.shape[0] or ids.shape[0] != shas.shape[0]:
        raise ValueError(f"{path.name}: text {X.shape}, ids {ids.shape} and text_sha256 {shas.shape} disagree")
    if list(X.shape) != list(config.get("shape", X.shape)):
        raise ValueError(f"{path.name}: shape {X.shape} differs from the sidecar's {config.get('shape')}")
    if data is None:
        data = load_lyrics(root)
    if len(ids) != len(data) or not np.array_equal(ids, np.asarray(data.ids)):
        raise ValueError(f"{path.name}: its {len(ids)} row ids do not match the table's {len(data)} rows")
    now = np.array([text_sha256(t) for t in data.texts])
    differ = np.flatnonzero(now != shas)
    if differ.size:
        raise ValueError(f"{path.name}: {differ.size} lyric(s) changed since extraction (first: row {differ[0]})")
    return LyricsFeatures(text=X.astype(np.float32, copy=False), ids=ids, text_sha256=shas, config=config)


def verify_lyrics_features(
    stored: LyricsFeatures,
    data: LyricsData | None = None,
    *,
    n: int = 5,
    rows=None,
    seed=None,
    atol: float = 1e-3,
    min_cosine: float = 0.9999,
    device=None,
    root: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Re-extract ``n`` random rows (or ``rows``) with the stored configuration and no cache.

    Parameters
    ----------
    stored : LyricsFeatures
        From :func:`load_lyrics_features`.
    n : int, default 5
        Random rows to check (ignored when ``rows`` is given).
    seed : int or None
        Seeds the choice of rows (None: fresh rows every call).
    atol, min_cosine : float
        A row matches when its largest absolute difference is at most ``atol`` and the cosine
        similarity to the stored row at least ``min_cosine`` (float32 encoders give slightly
        different values on other CPUs, GPUs, batch compositions).

    Returns
    -------
    DataFrame
        One row per checked song: ``row``, ``id``, ``max_abs_diff``, ``cosine``, ``match``.
    """
    if data is None:
        data = load_lyrics(root)
    if rows is None:
        if int(n) < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        rows = np.sort(np.random.default_rng(seed).choice(len(stored), size=min(int(n), len(stored)), replace=False))
    idx = _rows(rows, len(stored))
    cfg = stored.config
    encoder = cfg.get("encoder_name") or "all-MiniLM-L6-v2"
    fresh = extract_lyrics_features(data, rows=idx, encoder=encoder, pooling=cfg.get("pooling", "cls"),
                                    clip_tokens=int(cfg.get("clip_tokens", 512)), max_clips=cfg.get("max_clips", 8),
                                    cache=False, progress=False, device=device)
    if fresh.config.get("encoder") != cfg.get("encoder"):
        raise ValueError(f"encoder {fresh.config.get('encoder')!r} differs from the stored {cfg.get('encoder')!r}")
    A = fresh.text.astype(np.float64)
    B = stored.text[idx].astype(np.float64)
    diff = np.abs(A - B).max(axis=1)
    cos = (A * B).sum(1) / (np.linalg.norm(A, axis=1) * np.linalg.norm(B, axis=1))
    return pd.DataFrame({"row": idx, "id": stored.ids[idx], "max_abs_diff": diff, "cosine": cos,
                         "match": (diff <= atol) & (cos >= min_cosine)})


def _main(argv=None) -> int:  # pragma: no cover - a maintenance command
    import argparse

    ap = argparse.ArgumentParser(description="Re-extract and rewrite the committed lyric features.")
    ap.add_argument("--root", default=None, help="data root (default: KMNET_DATA or ../shared/data)")
    ap.add_argument("--out", default=None, help=f"output .npz (default: <checkout>/{FEATURES_RELPATH.as_posix()})")
    ap.add_argument("--encoder", default="all-MiniLM-L6-v2")
    ap.add_argument("--pooling", default="cls", choices=("cls", "mean"))
    ap.add_argument("--device", default=None)
    ap.add_argument("--no-cache", action="store_true", help="ignore the feature cache (recompute every row)")
    args = ap.parse_args(argv)
    feats = extract_lyrics_features(root=args.root, encoder=args.encoder, pooling=args.pooling,
                                    cache=not args.no_cache, device=args.device)
    print(save_lyrics_features(feats, args.out))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main())
