"""4MuLA (da Silva, Silva & Marcacini, WebMedia 2020): lyrics + Mel spectrograms, paper Section 4.4.

The paper uses five genres of 4MuLA (Rock 1578, Indie 1491, Pop 1449, Hip Hop 786, Heavy Metal
668; these sum to 5972, not the stated 5980), a random 8:1:1 split (``|S|`` = 4784 training
tracks; :func:`kmnet.datasets.splits.random_split_811`), audio features from the shipped Mel
spectrograms through a frozen ImageNet CNN and lyrics through a frozen RoBERTa.

Two distributed forms are read:

* **per-track files** (the authors' export, staged in ``<data_root>/4mula``): ``<music_id>.npy``
  (the Mel spectrogram) beside ``<music_id>.tsv`` (one header row and one data row, 12
  tab-separated columns) or ``<music_id>.json`` (the same 12 fields); the mirdata layout
  ``melspectrogram/<id>.npy`` + ``annotation/<id>.tsv`` also works;
* the **parquet** release on Zenodo (``4mula_small.parquet``, record 4636802, 11-13 GB; also
  ``4mula_tiny.parquet``): the same 12 columns plus ``melspectrogram``, a nested list of 128 Mel
  bands each holding T <= 1292 frames (a flat list of ``128 * T`` values is accepted too). Only
  the metadata columns are read up front; spectrograms are streamed row group by row group, so
  memory stays bounded.

Schema notes (``<data_root>/4mula/README.md``): the spectrogram is float64 linear **power** (librosa
defaults: 22050 Hz, ``n_fft`` 2048, hop 512, 128 bands); list-like fields (``related_genre``,
``related_art``, ``related_music``, ``musicnn_tags``) are strings of Python literals
(:func:`parse_list_field` reads them safely, without ``eval``); lyrics keep a literal ``\\n``
(backslash + n), decoded into real line breaks in the manifest's ``lyrics`` column.

Genre selection is an exact match on ``main_genre`` (the class label). Whether the paper merged
neighbouring Vagalume labels (``Rap``, ``Hard Rock``, ...) is unknown; run
``main_genre.value_counts()`` on the real parquet to check the counts above.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..features.audio import AudioError
from .paths import data_root

__all__ = [
    "COLUMNS",
    "METADATA_COLUMNS",
    "PAPER_GENRES",
    "PAPER_COUNTS",
    "N_MELS",
    "MAX_FRAMES",
    "load_fourmula",
    "iter_melspectrograms",
    "parse_list_field",
    "FourMuLAFeatures",
    "extract_fourmula_features",
]

COLUMNS: tuple[str, ...] = (
    "music_id",
    "music_name",
    "music_lang",
    "music_lyrics",
    "art_id",
    "art_name",
    "art_rank",
    "main_genre",
    "related_genre",
    "related_art",
    "related_music",
    "musicnn_tags",
    "melspectrogram",
)
"""The 13 columns of the 4MuLA parquet files, in order."""

METADATA_COLUMNS: tuple[str, ...] = COLUMNS[:-1]
"""The 12 columns of the per-track ``.tsv``/``.json`` files."""

PAPER_GENRES: tuple[str, ...] = ("Rock", "Indie", "Pop", "Hip Hop", "Heavy Metal")
PAPER_COUNTS: dict[str, int] = {"Rock": 1578, "Indie": 1491, "Pop": 1449, "Hip Hop": 786, "Heavy Metal": 668}
"""Tracks per genre in the paper's Section 4.4 (they sum to 5972; the paper states 5980)."""

N_MELS = 128
MAX_FRAMES = 1292
"""4MuLA's spectrograms: 128 Mel bands, at most 1292 frames (30 s at hop 512, 22050 Hz)."""

_MANIFEST_EXTRA = ("lyrics", "source", "source_path", "row")


def parse_list_field(value: str) -> list:
    """A list-like 4MuLA field (``"['Rock', 'Pop']"``) as a Python list, via ``ast.literal_eval``.

    Raises ``ValueError`` if the string is not a Python list literal.
    """
    if isinstance(value, list):
        return value
    try:
        out = ast.literal_eval(value)
    except (ValueError, SyntaxError) as exc:
        raise ValueError(f"not a Python list literal: {str(value)[:60]!r}") from exc
    if not isinstance(out, list):
        raise ValueError(f"not a list: {str(value)[:60]!r}")
    return out


def _decode_lyrics(raw) -> str:
    if raw is None or (isinstance(raw, float) and np.isnan(raw)):
        return ""
    return str(raw).replace("\\n", "\n")


def _read_tsv(path: Path) -> dict:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    rows = [r for r in rows if r]
    if len(rows) != 2:
        raise ValueError(f"{path.name}: expected a header and one data row, got {len(rows)} rows")
    header, values = rows
    if len(header) != len(values):
        raise ValueError(f"{path.name}: {len(header)} header fields but {len(values)} values")
    return dict(zip(header, values))


def _read_json(path: Path) -> dict:
    rec = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(rec, dict):
        raise ValueError(f"{path.name}: expected a JSON object")
    return rec


def _normalise_record(rec: dict, where: str) -> dict:
    missing = [c for c in METADATA_COLUMNS if c not in rec]
    if missing:
        raise ValueError(f"{where}: missing field(s) {missing}")
    out = {c: rec[c] for c in METADATA_COLUMNS}
    for c in METADATA_COLUMNS:
        if c != "art_rank" and out[c] is not None and not isinstance(out[c], str):
            out[c] = str(out[c])
    try:
        out["art_rank"] = int(out["art_rank"])
    except (TypeError, ValueError):
        raise ValueError(f"{where}: art_rank {out['art_rank']!r} is not an integer") from None
    out["lyrics"] = _decode_lyrics(out["music_lyrics"])
    return out


def _scan_folder(folder: Path) -> list[dict]:
    recs, problems = [], []
    meta_dirs = [folder, folder / "annotation", folder / "metadata"]
    mel_dirs = [folder, folder / "melspectrogram"]
    seen: set[str] = set()
    for md in meta_dirs:
        if not md.is_dir():
            continue
        for f in sorted(list(md.glob("*.tsv")) + list(md.glob("*.json"))):
            mid = f.stem
            if mid in seen or f.name.startswith("."):
                continue
            if f.suffix == ".json" and (md / f"{mid}.tsv").is_file():
                continue  # the .tsv is the authors' own file; the .json a copy of it
            try:
                raw = _read_tsv(f) if f.suffix == ".tsv" else _read_json(f)
            except (ValueError, json.JSONDecodeError, UnicodeDecodeError) as exc:
                problems.append(f"{f.name}: {exc}")
                continue
            if "music_id" not in raw:
                continue  # not a track record (e.g. the authors' index file)
            try:
                rec = _normalise_record(raw, f.name)
            except ValueError as exc:
                problems.append(str(exc))
                continue
            if rec["music_id"] != mid:
                problems.append(f"{f.name}: music_id {rec['music_id']!r} differs from the file name")
                continue
            mel = next((d / f"{mid}.npy" for d in mel_dirs if (d / f"{mid}.npy").exists()), None)
            rec.update(source="npy", source_path=str(mel) if mel is not None else "", row=-1)
            recs.append(rec)
            seen.add(mid)
    if problems:
        warnings.warn(f"skipped {len(problems)} 4MuLA metadata file(s): " + "; ".join(problems[:10]), stacklevel=3)
    return recs


def _scan_parquet(path: Path) -> list[dict]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    names = pf.schema_arrow.names
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise ValueError(f"{path.name}: missing column(s) {missing}")
    meta = pf.read(columns=list(METADATA_COLUMNS)).to_pandas()
    recs = []
    for i, rec in enumerate(meta.to_dict("records")):
        rec = _normalise_record(rec, f"{path.name} row {i}")
        rec.update(source="parquet", source_path=str(path), row=i)
        recs.append(rec)
    return recs


def load_fourmula(
    source: str | os.PathLike | None = None,
    *,
    root: str | os.PathLike | None = None,
    genres: Sequence[str] | None = PAPER_GENRES,
) -> pd.DataFrame:
    """The 4MuLA manifest: one row per track, metadata only (spectrograms are read lazily).

    Parameters
    ----------
    source : path-like, optional
        A folder of per-track files or a ``.parquet`` file. Default: ``<data_root>/4mula``.
    root : path-like, optional
        Data root, when ``source`` is not given.
    genres : sequence of str or None, default :data:`PAPER_GENRES`
        Keep tracks whose ``main_genre`` equals one of these exactly; ``None`` keeps all.
        (None of the three staged tracks is in the paper's five genres.)

    Returns
    -------
    pandas.DataFrame
        The 12 metadata columns (``art_rank`` int, list-like fields as strings), ``lyrics``
        (``music_lyrics`` with ``\\n`` decoded), ``source`` (``"npy"``/``"parquet"``),
        ``source_path`` (the ``.npy`` file, empty if missing, or the parquet file) and ``row``
        (parquet row, -1 for npy). Per-track files are sorted by ``music_id``, parquet rows
        keep the file order.
    """
    src = Path(source) if source is not None else data_root(root) / "4mula"
    if src.is_file() and src.suffix == ".parquet":
        recs = _scan_parquet(src)
    elif src.is_dir():
        recs = _scan_folder(src)
    else:
        raise FileNotFoundError(f"4MuLA source not found (a folder of .npy + .tsv/.json, or a .parquet): {src}")
    df = pd.DataFrame(recs, columns=list(METADATA_COLUMNS) + list(_MANIFEST_EXTRA))
    if df["music_id"].duplicated().any():
        n_dup = int(df["music_id"].duplicated().sum())
        warnings.warn(f"{n_dup} repeated music_id(s) in {src.name} (4MuLA Tiny repeats some ids)", stacklevel=2)
    if genres is not None:
        genres = list(genres)
        df = df[df["main_genre"].isin(genres)]
        if df.empty:
            warnings.warn(f"no 4MuLA track in {src} has main_genre in {genres}", stacklevel=2)
    df = df.reset_index(drop=True)
    df["art_rank"] = df["art_rank"].astype(np.int64)
    df["row"] = df["row"].astype(np.int64)
    return df


def _mel_from_arrow(cell, n_mels: int) -> np.ndarray:
    import pyarrow as pa

    if cell is None or not cell.is_valid:
        raise AudioError("melspectrogram is missing (null)")
    vals = cell.values
    t = vals.type
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        if vals.null_count:
            raise AudioError(f"melspectrogram has {vals.null_count} null band(s)")
        lens = np.asarray(vals.value_lengths().to_numpy(zero_copy_only=False))
        if lens.size == 0:
            raise AudioError("melspectrogram has no bands")
        if lens.min() != lens.max():
            raise AudioError(f"melspectrogram bands have different lengths ({lens.min()}..{lens.max()})")
        flat = vals.flatten()
        arr = flat.to_numpy(zero_copy_only=False)
        return np.asarray(arr).reshape(lens.size, int(lens[0]))
    if pa.types.is_floating(t) or pa.types.is_integer(t):
        arr = np.asarray(vals.to_numpy(zero_copy_only=False))
        if arr.size % n_mels:
            raise AudioError(f"flat melspectrogram of {arr.size} values is not a multiple of {n_mels} bands")
        return arr.reshape(n_mels, -1)
    raise AudioError(f"melspectrogram has unsupported parquet type {t}")


def _load_npy(path: str) -> np.ndarray:
    if not path:
        raise AudioError("mel spectrogram file (.npy) is missing")
    p = Path(path)
    if not p.is_file():
        raise AudioError(f"mel spectrogram file not found: {p.name}")
    try:
        return np.load(p, allow_pickle=False)
    except Exception as exc:
        raise AudioError(f"could not read {p.name} ({type(exc).__name__}: {exc})") from None


def iter_melspectrograms(
    manifest: pd.DataFrame, *, n_mels: int = N_MELS, batch_size: int = 16
) -> Iterator[Callable[[], np.ndarray]]:
    """One zero-argument callable per manifest row, in order, returning that track's spectrogram.

    Callables raise :class:`kmnet.features.AudioError` for a missing, unreadable or ragged
    spectrogram (shape, dtype and value checks happen in :func:`kmnet.features.extract_mel`).
    Parquet rows are streamed ``batch_size`` rows at a time; the manifest's ``row`` values must
    increase within each parquet file (as :func:`load_fourmula` returns them). Consume the
    iterator lazily (do not ``list()`` it for a large parquet file).
    """
    import pyarrow.parquet as pq

    streams: dict[str, Iterator] = {}
    state: dict[str, tuple[int, object]] = {}  # path -> (first row of current batch, batch)

    def parquet_getter(path: str, row: int):
        try:
            return _parquet_cell(path, row)
        except (AudioError, ValueError):
            raise
        except Exception as exc:  # an unreadable row group: report this track, go on
            msg = f"could not read {Path(path).name} row {row} ({type(exc).__name__}: {exc})"

            def fail(msg=msg):
                raise AudioError(msg)

            return fail

    def _parquet_cell(path: str, row: int):
        if path not in streams:
            streams[path] = pq.ParquetFile(path).iter_batches(batch_size=batch_size, columns=["melspectrogram"])
            state[path] = (0, None)
        start, batch = state[path]
        while batch is None or row >= start + batch.num_rows:
            if batch is not None:
                start += batch.num_rows
            try:
                batch = next(streams[path])
            except StopIteration:
                msg = f"row {row} is past the end of {Path(path).name}"

                def past_end(msg=msg):
                    raise AudioError(msg)

                return past_end
            state[path] = (start, batch)
        if row < start:
            raise ValueError("manifest rows of a parquet file must increase (use load_fourmula's order)")
        cell = batch.column("melspectrogram")[row - start]
        return lambda cell=cell: _mel_from_arrow(cell, n_mels)

    for rec in manifest[["source", "source_path", "row"]].itertuples(index=False):
        if rec.source == "parquet":
            yield parquet_getter(rec.source_path, int(rec.row))
        else:
            yield lambda p=rec.source_path: _load_npy(p)


@dataclass
class FourMuLAFeatures:
    """Section 4.4 features of the tracks that gave both modalities.

    Attributes
    ----------
    audio : dict of str to ndarray
        ``"cnn"`` (MFCC image -> frozen CNN), ``"mfcc_stats"``, ``"image"`` (compact log-Mel),
        rows aligned with ``music_ids``.
    text : ndarray of shape (n, d)
        Lyrics through the frozen text encoder.
    y : ndarray of str
        ``main_genre``.
    music_ids : ndarray of str
    report : pandas.DataFrame
        Every manifest track: ``music_id``, ``main_genre``, ``ok``, ``status``, ``reason``,
        ``audio_reason``, ``text_reason``.
    """

    audio: dict[str, np.ndarray]
    text: np.ndarray
    y: np.ndarray
    music_ids: np.ndarray
    report: pd.DataFrame

    def views(self, audio: str = "cnn") -> dict[str, np.ndarray]:
        """``{"audio": ..., "text": ...}`` for the kernel networks."""
        if audio not in self.audio:
            raise ValueError(f"audio feature {audio!r} was not extracted; have {sorted(self.audio)}")
        return {"audio": self.audio[audio], "text": self.text}


def extract_fourmula_features(
    manifest: pd.DataFrame | str | os.PathLike | None = None,
    *,
    genres: Sequence[str] | None = PAPER_GENRES,
    audio_features: tuple[str, ...] = ("mfcc_stats", "cnn", "image"),
    n_mfcc: int = 20,
    cnn: str = "efficientnet-lite0",
    cnn_output: str = "logits",
    text_encoder: str = "all-MiniLM-L6-v2",
    pooling: str = "cls",
    max_clips: int | None = 8,
    cache: bool = True,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
    device=None,
    batch_size: int = 32,
) -> FourMuLAFeatures:
    """Section 4.4 features: MFCCs from the Mel spectrogram -> MFCC image -> frozen CNN; lyrics -> text encoder.

    MFCCs are ``librosa.feature.mfcc(S=power_to_db(mel), n_mfcc=20)`` over the track's own frames
    (:func:`kmnet.features.extract_mel`). A track with a malformed spectrogram (missing or
    unreadable file, wrong dtype or shape, NaN/inf, negative, all zero, more than 1292 frames) or
    with missing/empty lyrics is reported with its reason and skipped; the rest go on.

    Parameters
    ----------
    manifest : DataFrame, path-like or None
        From :func:`load_fourmula`, or a source for it (folder or parquet; default
        ``<data_root>/4mula``), then filtered by ``genres``.
    genres : sequence of str or None
        Used only when ``manifest`` is not a DataFrame.
    audio_features, n_mfcc, cnn, cnn_output :
        As in :func:`kmnet.features.extract_mel`.
    text_encoder, pooling, max_clips :
        As in :func:`kmnet.features.extract_text`.
    cache, cache_dir, progress, device, batch_size :
        As in :func:`kmnet.features.extract_audio`.
    """
    from ..features.pipeline import extract_mel, extract_text

    if not isinstance(manifest, pd.DataFrame):
        manifest = load_fourmula(manifest, genres=genres)
    man = manifest.reset_index(drop=True)
    n = len(man)
    audio, arep = extract_mel(
        iter_melspectrograms(man),
        names=list(man["music_id"]),
        n_items=n,
        features=audio_features,
        n_mfcc=n_mfcc,
        n_mels=N_MELS,
        max_frames=MAX_FRAMES,
        cnn=cnn,
        cnn_output=cnn_output,
        batch_size=batch_size,
        cache=cache,
        cache_dir=cache_dir,
        progress=progress,
        device=device,
    )
    lyrics = man["lyrics"].fillna("").astype(str)
    has_lyrics = lyrics.str.strip().str.len().to_numpy() > 0
    text_reason = np.where(has_lyrics, "", "missing or empty lyrics").astype(object)
    sel = np.flatnonzero(has_lyrics)
    X_text = None
    if sel.size:
        X_sel, trep = extract_text(
            list(lyrics.iloc[sel]),
            names=list(man["music_id"].iloc[sel]),
            encoder=text_encoder,
            pooling=pooling,
            max_clips=max_clips,
            cache=cache,
            cache_dir=cache_dir,
            progress=progress,
            device=device,
        )
        X_text = np.full((n, X_sel.shape[1]), np.nan, dtype=np.float32)
        X_text[sel] = X_sel
        bad = ~trep["ok"].to_numpy()
        text_reason[sel[bad]] = trep["reason"].to_numpy()[bad]
    audio_ok = arep["ok"].to_numpy(dtype=bool)
    ok = audio_ok & (text_reason == "")
    reasons = []
    for a, t in zip(arep["reason"].to_numpy(), text_reason):
        parts = [f"audio: {a}" if a else "", f"text: {t}" if t else ""]
        reasons.append("; ".join(p for p in parts if p))
    report = pd.DataFrame(
        {
            "music_id": man["music_id"].to_numpy(),
            "main_genre": man["main_genre"].to_numpy(),
            "ok": ok,
            "status": np.where(ok, "ok", "failed"),
            "reason": reasons,
            "audio_reason": arep["reason"].to_numpy(),
            "text_reason": text_reason,
        }
    )
    if not ok.all():
        warnings.warn(f"skipped {int((~ok).sum())} of {n} 4MuLA track(s); see the report's 'reason'", stacklevel=2)
    if X_text is None:
        X_text = np.zeros((n, 0), dtype=np.float32)
    return FourMuLAFeatures(
        audio={k: v[ok] for k, v in audio.items()},
        text=X_text[ok],
        y=man["main_genre"].to_numpy(dtype=str)[ok],
        music_ids=man["music_id"].to_numpy(dtype=str)[ok],
        report=report,
    )
