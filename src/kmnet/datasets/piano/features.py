"""Features of the piano genre data set (paper Sections 4.1 and 4.3), committed with the set.

Three feature matrices and one small image per piece, in manifest order:

* ``audio_mfcc``: MFCC statistics of the rendered excerpt (means and standard deviations of 20
  MFCCs and their deltas on 0.03 s windows, 80 values; :func:`kmnet.features.audio.mfcc_stats`);
* ``audio_cnn``: the MFCC image through a frozen ImageNet CNN (1000 logits; EfficientNet-Lite0
  by default, the offline stand-in for the paper's ResNet-101; our row in place of the paper's
  VGGish row of Table 3);
* ``text``: the **kern text through a frozen transformer encoder, 512-token clips, first-token
  embeddings max-pooled (all-MiniLM-L6-v2 by default, in place of RoBERTa-large). The
  ``!!!`` reference records and ``!!`` global comments (composer, title, dates, editor) are
  dropped first: they name the composer, and the composer gives away the period;
* ``kern_bow``: token counts of the same **kern text (whitespace tokens, the 2000 most frequent
  in the training split's texts), the text branch of the CNN + bag-of-words baseline [91];
* ``image``: a compact log-Mel image (32 Mel bands x 64 time columns, float16) for the CNN
  baselines trained from scratch;
* ``audio_musicnn`` (optional, in its own file ``musicnn.npz``): the rendered excerpt through
  a CNN trained on music audio (musicnn's ``MSD_musicnn``, 400 values; made by
  :func:`kmnet.datasets.piano.musicnn.build_musicnn_features`).

:func:`build_features` extracts them (cached per file by :mod:`kmnet.features`) and writes
``data/piano/features.npz`` (the matrices; the 1000 CNN logits as float16 to keep the file
small), ``data/piano/images.npz`` and ``data/piano/features.json`` (configuration, encoders,
kmnet version, per-stage times, the bag-of-words vocabulary); :func:`load_features` reads them
back as a :class:`PianoFeatures`.

Examples
--------
>>> from kmnet.datasets.piano.features import load_features
>>> F = load_features()                                      # doctest: +SKIP
>>> views, y = F.views("train"), F.labels("train")            # doctest: +SKIP
>>> sorted(views)                                            # doctest: +SKIP
['audio', 'text']
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ..._atomic import atomic_save_npz, atomic_write_text
from ..paths import checkout_path
from .builder import audio_path, kern_text, load_manifest, manifest_rows

__all__ = [
    "FEATURE_NAMES",
    "PianoFeatures",
    "build_features",
    "default_features_path",
    "load_features",
]

#: the feature matrices of the set and what each is
FEATURE_NAMES = {
    "audio_mfcc": "MFCC statistics (means and std of 20 MFCCs and deltas, 80-d)",
    "audio_cnn": "MFCC image -> frozen ImageNet CNN (1000 logits)",
    "text": "**kern text -> frozen transformer, 512-token clips, max-pooled",
    "kern_bow": "**kern token counts (training-split vocabulary)",
    "audio_musicnn": "rendered audio -> MSD_musicnn penultimate layer, mean+max over 3-s patches (400-d; musicnn.npz)",
}

#: default extraction settings (recorded in features.json)
DEFAULTS = dict(n_mfcc=20, n_mels=40, win_s=0.03, hop_s=0.015, image_shape=(32, 64), max_clips=8,
                clip_tokens=512, pooling="cls", reference_records=False, bow_vocabulary=2000)

#: how each matrix is stored in ``features.npz`` (the CNN logits need no more than float16)
STORED_DTYPES = {"audio_mfcc": np.float32, "audio_cnn": np.float16, "text": np.float32, "kern_bow": np.uint16}


def default_features_path() -> Path:
    """``<checkout>/data/piano/features.npz``."""
    return checkout_path("data/piano") / "features.npz"


@dataclass
class PianoFeatures:
    """The piano set's features, aligned with its manifest.

    Attributes
    ----------
    manifest : DataFrame
        The manifest rows of the pieces, in the order of the arrays.
    arrays : dict of str to ndarray
        ``audio_mfcc`` (n, 80), ``audio_cnn`` (n, 1000), ``text`` (n, 384), ``kern_bow``
        (n, 2000) and ``image`` (n, 32, 64), as stored (see :data:`STORED_DTYPES`); and
        ``audio_musicnn`` (n, 400, float16) when ``musicnn.npz`` is present
        (:mod:`kmnet.datasets.piano.musicnn`).
    info : dict
        Configuration, encoders, versions and timings (``features.json``); under
        ``"audio_musicnn"`` the content of ``musicnn.json`` when that file is present.
    """

    manifest: pd.DataFrame
    arrays: dict[str, np.ndarray]
    info: dict = field(default_factory=dict)

    @property
    def ids(self) -> np.ndarray:
        return self.manifest["id"].to_numpy()

    def __len__(self) -> int:
        return len(self.manifest)

    def _rows(self, split: str | None) -> np.ndarray:
        if split is None:
            return np.arange(len(self.manifest))
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train', 'test' or None, got {split!r}")
        return np.flatnonzero(self.manifest["split"].to_numpy() == split)

    def views(self, split: str | None = None, *, audio: str = "audio_mfcc", text: str = "text",
              extra: Sequence[str] = ()) -> dict[str, np.ndarray]:
        """The modalities as ``{"audio": ..., "text": ...}`` (float64) for ``split``.

        Parameters
        ----------
        split : {"train", "test"} or None
            Rows of that split (None: all pieces).
        audio, text : str
            Which matrix plays each modality (``audio="audio_cnn"`` for the CNN features).
        extra : sequence of str
            Further matrices added under their own names (e.g. ``("audio_cnn",)``).
        """
        rows = self._rows(split)
        out = {}
        for name, key in [("audio", audio), ("text", text), *[(e, e) for e in extra]]:
            if key not in self.arrays:
                raise ValueError(f"unknown feature {key!r}; have {sorted(self.arrays)}")
            out[name] = np.asarray(self.arrays[key][rows], dtype=np.float64)
        return out

    def labels(self, split: str | None = None) -> np.ndarray:
        """Periods (the class labels) of ``split``."""
        return self.manifest["period"].to_numpy()[self._rows(split)]

    def images(self, split: str | None = None) -> np.ndarray:
        """Compact log-Mel images (n, 32, 64) as float32."""
        return self.arrays["image"][self._rows(split)].astype(np.float32)

    def bow(self, split: str | None = None) -> np.ndarray:
        """**kern token counts (n, vocabulary) as float64 (vocabulary: ``info["bow_vocabulary"]``)."""
        return self.arrays["kern_bow"][self._rows(split)].astype(np.float64)

    def texts(self, split: str | None = None, *, root=None) -> list[str]:
        """The **kern texts (reference records dropped as for the features).

        From the cache, or rebuilt from the data root (slow for MusicXML sources).
        """
        keep = bool(self.info.get("config", {}).get("reference_records", False))
        rows = self.manifest.iloc[self._rows(split)]
        return [kern_text(r, root, manifest=self.manifest, reference_records=keep) for _, r in rows.iterrows()]


def build_features(
    manifest: pd.DataFrame | None = None,
    *,
    ids: Sequence[str] | None = None,
    root: str | os.PathLike | None = None,
    out_dir: str | os.PathLike | None = "data/piano",
    cnn: str | None = None,
    text_encoder: str | None = None,
    cache: bool = True,
    progress: bool = True,
    device=None,
    **settings,
) -> PianoFeatures:
    """Extract the piano features of every piece (or of ``ids``) and write them.

    Audio comes from :func:`kmnet.datasets.piano.audio_path` (rendered first when missing),
    text from :func:`kmnet.datasets.piano.kern_text`. A piece whose audio or text fails is
    reported with its reason in ``info["failures"]`` and gets NaN rows; the others go on.

    Parameters
    ----------
    manifest : DataFrame, optional
        Default: the committed manifest.
    ids : sequence of str, optional
        Only these pieces (e.g. a random sample to check the committed rows); nothing is
        written then unless ``out_dir`` is given explicitly and ``ids`` is None.
    root : path-like, optional
        Data root (for pieces whose cached audio/text is missing).
    out_dir : path-like or None, default "data/piano"
        Where ``features.npz`` and ``features.json`` go (None: do not write).
    cnn, text_encoder : str, optional
        Image and text encoders (defaults :data:`kmnet.features.DEFAULT_CNN`,
        :data:`kmnet.features.DEFAULT_TEXT_ENCODER`).
    cache, progress, device :
        As in :func:`kmnet.features.extract_audio`.
    **settings :
        Overrides of :data:`DEFAULTS` (``max_clips``, ``image_shape``, ``reference_records``, ...).

    Returns
    -------
    PianoFeatures
    """
    from ... import __version__
    from ...features import DEFAULT_CNN, DEFAULT_TEXT_ENCODER, extract_audio, extract_text

    bad = set(settings) - set(DEFAULTS)
    if bad:
        raise ValueError(f"unknown setting(s) {sorted(bad)}; known: {sorted(DEFAULTS)}")
    cfg = {**DEFAULTS, **settings}
    cfg["image_shape"] = list(map(int, cfg["image_shape"]))
    cnn = cnn or DEFAULT_CNN
    text_encoder = text_encoder or DEFAULT_TEXT_ENCODER
    m = manifest_rows(manifest, ids)
    times: dict[str, float] = {}
    failures: dict[tuple[str, str], str] = {}  # (id, stage) -> first reason

    # -- inputs: audio paths and kern texts (made first when missing) --------------------------
    t0 = time.perf_counter()
    paths, texts = [], []
    for _, row in m.iterrows():
        try:
            paths.append(audio_path(row, root, manifest=m))
        except (OSError, ValueError) as e:
            failures[(row["id"], "audio")] = f"{type(e).__name__}: {e}"
            paths.append(Path(f"missing-audio-{row['id']}.wav"))
        try:
            texts.append(kern_text(row, root, manifest=m, reference_records=bool(cfg["reference_records"])))
        except (OSError, ValueError) as e:
            failures[(row["id"], "text")] = f"{type(e).__name__}: {e}"
            texts.append("")
    times["inputs"] = time.perf_counter() - t0

    # -- audio ---------------------------------------------------------------------------------
    t0 = time.perf_counter()
    feats, arep = extract_audio(paths, features=("mfcc_stats", "cnn", "image"), n_mfcc=cfg["n_mfcc"],
                                n_mels=cfg["n_mels"], win_s=cfg["win_s"], hop_s=cfg["hop_s"],
                                image_shape=tuple(cfg["image_shape"]), cnn=cnn, device=device, cache=cache,
                                progress=progress)
    times["audio"] = time.perf_counter() - t0
    # -- text ----------------------------------------------------------------------------------
    t0 = time.perf_counter()
    X_text, trep = extract_text(texts, names=list(m["id"]), encoder=text_encoder, pooling=cfg["pooling"],
                                clip_tokens=cfg["clip_tokens"], max_clips=cfg["max_clips"], cache=cache,
                                progress=progress, device=device)
    times["text"] = time.perf_counter() - t0
    for i, (a_ok, a_why, t_ok, t_why) in enumerate(zip(arep["ok"], arep["reason"], trep["ok"], trep["reason"])):
        pid = m.at[i, "id"]
        if not a_ok:
            failures.setdefault((pid, "audio"), str(a_why))
        if not t_ok:
            failures.setdefault((pid, "text"), str(t_why))

    # -- bag of words: vocabulary of the training split (or the committed one for a sample) ------
    t0 = time.perf_counter()
    vocab = None
    if ids is not None:
        jp = default_features_path().with_suffix(".json")
        if jp.is_file():
            vocab = json.loads(jp.read_text()).get("bow_vocabulary")
    counts, vocab = _bow_counts(texts, m["split"].to_numpy() == "train", vocab, int(cfg["bow_vocabulary"]))
    times["bow"] = time.perf_counter() - t0

    arrays = {
        "audio_mfcc": feats["mfcc_stats"],
        "audio_cnn": feats["cnn"],
        "text": np.asarray(X_text),
        "kern_bow": counts,
    }
    arrays = {k: _store(v, STORED_DTYPES[k]) for k, v in arrays.items()}
    arrays["image"] = feats["image"].astype(np.float16)
    info = {
        "kmnet_version": __version__,
        "built_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "n_pieces": int(len(m)),
        "config": {**cfg, "cnn": cnn, "cnn_output": "logits", "text_encoder": text_encoder},
        "features": {k: {"shape": list(v.shape), "dtype": str(v.dtype), "what": FEATURE_NAMES.get(k, "compact log-Mel image")}
                     for k, v in arrays.items()},
        "text_tokens": {"median": float(np.nanmedian(trep["n_tokens"])) if len(trep) else None,
                        "median_clips": float(np.nanmedian(trep["n_clips"])) if len(trep) else None},
        "failures": [{"id": i, "stage": st, "reason": why} for (i, st), why in failures.items()],
        "timings_s": {k: round(v, 2) for k, v in times.items()},
        "cached_audio": int(arep["cached"].sum()), "cached_text": int(trep["cached"].sum()),
        "bow_vocabulary": list(vocab),
    }
    out = PianoFeatures(manifest=m, arrays=arrays, info=info)
    if out_dir is not None and ids is None:
        od = checkout_path(out_dir)
        od.mkdir(parents=True, exist_ok=True)
        ids_arr = np.asarray(m["id"], dtype=str)
        atomic_save_npz(od / "features.npz", ids=ids_arr, **{k: v for k, v in arrays.items() if k != "image"})
        atomic_save_npz(od / "images.npz", ids=ids_arr, image=arrays["image"])
        atomic_write_text(od / "features.json", json.dumps(info, indent=2) + "\n")
    return out


def load_features(path: str | os.PathLike | None = None, manifest: pd.DataFrame | None = None) -> PianoFeatures:
    """Read the committed features (default ``data/piano/features.npz``) with their manifest.

    Raises
    ------
    FileNotFoundError
        No features file (run :func:`build_features`).
    ValueError
        The features do not match the manifest's pieces (rebuild one or the other).
    """
    p = Path(path) if path is not None else default_features_path()
    if not p.is_file():
        raise FileNotFoundError(f"no piano features at {p}; build them with kmnet.datasets.piano.features.build_features()")
    with np.load(p, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    ids = arrays.pop("ids").astype(str)
    ip = p.with_name("images.npz")
    if ip.is_file():
        with np.load(ip, allow_pickle=False) as z:
            if not np.array_equal(z["ids"].astype(str), ids):
                raise ValueError(f"{ip.name} and {p.name} list different pieces; rebuild the features")
            arrays["image"] = z["image"]
    musicnn = _load_extra(p.with_name("musicnn.npz"), "audio_musicnn", ids)
    if musicnn is not None:
        arrays["audio_musicnn"] = musicnn
    m = load_manifest(p.with_name("manifest.csv")) if manifest is None else manifest
    by_id = m.set_index("id", drop=False)
    missing = sorted(set(ids) - set(by_id.index))
    if missing or len(ids) != len(m):
        raise ValueError(f"features ({len(ids)} pieces) do not match the manifest ({len(m)} pieces; "
                         f"{len(missing)} feature ids not in it); rebuild the features")
    m = by_id.loc[list(ids)].reset_index(drop=True)
    jp = p.with_suffix(".json")
    info = json.loads(jp.read_text()) if jp.is_file() else {}
    if musicnn is not None and p.with_name("musicnn.json").is_file():
        info["audio_musicnn"] = json.loads(p.with_name("musicnn.json").read_text())
    return PianoFeatures(manifest=m, arrays=arrays, info=info)


def _load_extra(path: Path, key: str, ids: np.ndarray) -> np.ndarray | None:
    """A feature kept in its own file (``ids`` + ``key``), in the order of ``ids``; None if absent.

    Raises
    ------
    ValueError
        The file lacks ``ids`` or ``key``, or lists other pieces than ``ids``.
    """
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as z:
        missing = [k for k in ("ids", key) if k not in z.files]
        if missing:
            raise ValueError(f"{path.name} has no {missing}; rebuild it")
        own, X = z["ids"].astype(str), z[key]
    if len(own) != len(ids) or len(X) != len(own) or set(own) != set(ids):
        raise ValueError(f"{path.name} and features.npz list different pieces; rebuild {path.name}")
    pos = {pid: i for i, pid in enumerate(own)}
    return X[[pos[i] for i in ids]]


def _store(a: np.ndarray, dtype) -> np.ndarray:
    a = np.asarray(a)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return np.clip(np.nan_to_num(a), info.min, info.max).astype(dtype)
    return a.astype(dtype)


def _bow_counts(texts: Sequence[str], train: np.ndarray, vocab, size: int):
    """Token counts of ``texts`` over ``vocab`` (or the ``size`` most frequent training tokens)."""
    from sklearn.feature_extraction.text import CountVectorizer

    from ...features.text import HUMDRUM_TOKEN_PATTERN

    kw = dict(token_pattern=HUMDRUM_TOKEN_PATTERN, lowercase=False)
    if vocab is None:
        fit_docs = [t for t, tr in zip(texts, train) if tr and t]
        if not fit_docs:
            raise ValueError("no training texts to learn the bag-of-words vocabulary from")
        v = CountVectorizer(max_features=size, **kw).fit(fit_docs)
        vocab = list(v.get_feature_names_out())
    v = CountVectorizer(vocabulary=list(vocab), **kw)
    return v.transform(list(texts)).toarray(), vocab
