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
:func:`load_lyrics` refuses to build an audio view from anything but the six descriptors.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .fourmula import random_split_811 as _split_811
from .paths import data_root

__all__ = [
    "AUDIO_COLUMNS",
    "TOPIC_COLUMNS",
    "DERIVED_COLUMNS",
    "GENRES",
    "LyricsData",
    "load_lyrics",
    "random_split_811",
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
        When a needed column is missing, an audio descriptor is not finite or outside [0, 1],
        or lyrics are empty.
    """
    csv = Path(path) if path is not None else data_root(root) / "lyrics" / FILENAME
    if not csv.is_file():
        raise FileNotFoundError(f"lyrics table not found: {csv}")
    df = pd.read_csv(csv)
    id_col = df.columns[0]
    needed = ["genre", "lyrics", *AUDIO_COLUMNS]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ValueError(f"{csv.name}: missing column(s) {missing}")
    leak = set(AUDIO_COLUMNS) & set(DERIVED_COLUMNS)
    if leak:  # pragma: no cover - a guard on the constants themselves
        raise ValueError(f"audio columns overlap lyrics-derived columns: {sorted(leak)}")
    A = df[list(AUDIO_COLUMNS)].to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(A)):
        raise ValueError(f"{csv.name}: non-finite audio descriptor values")
    if A.min() < -1e-9 or A.max() > 1 + 1e-9:
        raise ValueError(f"{csv.name}: audio descriptors outside [0, 1] (min {A.min():.3g}, max {A.max():.3g})")
    texts = df["lyrics"].fillna("").astype(str).tolist()
    empty = [i for i, t in enumerate(texts) if not t.strip()]
    if empty:
        raise ValueError(f"{csv.name}: {len(empty)} row(s) with empty lyrics (first at row {empty[0]})")
    return LyricsData(
        audio=A,
        texts=texts,
        y=df["genre"].astype(str).to_numpy(),
        ids=df[id_col].to_numpy(),
        frame=df,
    )


def random_split_811(n: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random 8:1:1 train/validation/test split of ``n`` items (as for 4MuLA, Section 4.4).

    Returns sorted, disjoint index arrays covering ``range(n)`` (1000 songs: 800/100/100); not
    stratified (see :func:`kmnet.datasets.fourmula.random_split_811` for ``stratify=True``).
    """
    return _split_811(int(n), seed=seed)
