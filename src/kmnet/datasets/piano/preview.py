"""A look at a score and a listen to its audio: the first system engraved as SVG, a short MP3 clip.

The piano set pairs a **kern score with audio rendered from it (Section 4.3). To show a reader
what the two modalities are, without shipping the files:

* :func:`score_svg` engraves the first system of a **kern score with verovio (the tool that
  also converts and plays the scores, see :mod:`~kmnet.datasets.piano.scores`), as SVG sized for
  a page column. verovio runs in its own process, as everywhere in this package, so that a
  crash cannot take the caller with it.
* :func:`audio_clip` cuts the first seconds of a rendered excerpt, fades its end out and encodes
  it as MP3 (mono, the excerpt's sample rate, variable bit rate; libsndfile's LAME encoder, so
  the same input gives the same bytes). Ten seconds at 22050 Hz take about 50 kB, against
  441 kB as 16-bit WAV.

Some **kern files number their staves bottom-up (``*staff1`` on the left-hand spine), which
verovio follows, drawing the bass staff above the treble. :func:`standard_staff_order`
renumbers such files top-down for the drawing; the text the features read is left as it is.

Nothing here imports torch.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import numpy as np

from . import scores as _scores

__all__ = ["CLIP_MIME", "score_svg", "audio_clip", "drawing_text", "standard_staff_order"]

#: the media type of :func:`audio_clip`'s bytes
CLIP_MIME = "audio/mpeg"

_STAFF = re.compile(r"^\*staff(\d+(?:/\d+)*)$")


def _spines(line: str) -> list[str]:
    return line.split("\t")


def standard_staff_order(text: str) -> str:
    """``text`` with its ``*staffN`` numbers running top-down, as Humdrum and verovio expect.

    In Humdrum the leftmost spine is the lowest staff, and ``*staff1`` is the top one. When the
    first ``*staff`` record gives the ``**kern`` spines increasing numbers from left to right
    (the bass spine ``*staff1``), every ``*staffN`` of the file becomes ``*staff{M + 1 - N}``
    (``M`` the largest number). Any other file is returned unchanged.

    Raises
    ------
    ValueError
        ``text`` holds no ``**kern`` spine.
    """
    if not isinstance(text, str) or "**kern" not in text:
        raise ValueError("standard_staff_order: the text holds no **kern spine")
    lines = text.splitlines()
    header = next((i for i, ln in enumerate(lines) if ln.startswith("**")), None)
    if header is None:
        raise ValueError("standard_staff_order: no exclusive interpretation line (**kern ...)")
    kinds = _spines(lines[header])
    numbers = None
    for ln in lines[header + 1:]:
        if not ln.startswith("*") or ln.startswith("**"):
            if ln and not ln.startswith("!"):
                break  # data before any *staff record
            continue
        toks = _spines(ln)
        if any(_STAFF.match(t) for t in toks):
            if len(toks) == len(kinds):
                numbers = [int(m.group(1)) if (m := _STAFF.match(t)) and "/" not in m.group(1) else None
                           for t in toks]
            break
    if numbers is None:
        return text
    kern = [n for k, n in zip(kinds, numbers) if k == "**kern" and n is not None]
    if len(set(kern)) < 2 or any(b <= a for a, b in zip(kern, kern[1:])):
        return text
    top = max(int(x) for ln in lines if ln.startswith("*") for t in _spines(ln)
              if (m := _STAFF.match(t)) for x in m.group(1).split("/"))

    def flip(tok: str) -> str:
        m = _STAFF.match(tok)
        if not m:
            return tok
        return "*staff" + "/".join(str(top + 1 - int(x)) for x in m.group(1).split("/"))

    out = [("\t".join(flip(t) for t in _spines(ln)) if ln.startswith("*") and "*staff" in ln else ln)
           for ln in lines]
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def drawing_text(text: str) -> str:
    """The **kern text as :func:`score_svg` draws it: staves numbered top-down
    (:func:`standard_staff_order`) and instrument records (``*I...``: names, abbreviations,
    classes, which verovio would print as a label beside the system) left out.

    Raises
    ------
    ValueError
        ``text`` holds no ``**kern`` spine.
    """
    text = standard_staff_order(text)
    out = []
    for ln in text.splitlines():
        if ln.startswith("*") and not ln.startswith("**") and "*I" in ln:
            ln = "\t".join("*" if t.startswith("*I") else t for t in _spines(ln))
        out.append(ln)
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def score_svg(text: str, *, width_px: int = 760, scale: int = 40, max_bars: int = 12,
              timeout: float = 120.0) -> str:
    """The first system of a **kern score, engraved by verovio, as SVG.

    The page is ``width_px`` pixels wide (to a pixel); verovio fills the first system with as many bars as
    fit (at most ``max_bars``, counted from the first, pickup included), justified to the width,
    without header, title, instrument label or footer, and the page is cut to that system
    (:func:`drawing_text` gives the text it draws). Repeats are not
    expanded. Element ids are seeded, so the same text gives the same SVG.

    Parameters
    ----------
    text : str
        The **kern (Humdrum) text, e.g. :func:`~kmnet.datasets.piano.kern_text`.
    width_px : int, default 760
        Width of the drawing in pixels (the book's column holds about 780).
    scale : int, default 40
        verovio's scale in percent (40: a five-line staff about 29 px high).
    max_bars : int, default 12
        At most this many bars are laid out (the first system usually holds fewer).
    timeout : float, default 120
        Seconds the verovio process may take.

    Raises
    ------
    ValueError
        ``text`` holds no **kern spine, or a size is not positive.
    RuntimeError
        verovio fails (crash, time-out or no output), with its reason.
    """
    if width_px <= 0 or scale <= 0 or max_bars <= 0:
        raise ValueError(f"score_svg: width_px, scale and max_bars must be positive "
                         f"(got {width_px}, {scale}, {max_bars})")
    text = drawing_text(text)
    options = {
        "pageWidth": int(round(width_px * 100 / scale)),
        "scale": int(scale),
        "adjustPageHeight": True,
        "breaks": "auto",
        "systemMaxPerPage": 1,
        "header": "none",
        "footer": "none",
        "pageMarginTop": 0,
        "pageMarginBottom": 0,
        "pageMarginLeft": 100,
        "pageMarginRight": 50,
        "expandNever": True,
        "svgRemoveXlink": True,
        "xmlIdSeed": 1,
        "select": {"measureRange": f"start-{int(max_bars)}"},
    }
    run = _scores.run_verovio("svg", text, timeout=timeout, options=options)
    if not run.ok:
        raise RuntimeError(f"score_svg: {run.reason}")
    return run.output


def audio_clip(audio: np.ndarray | str | os.PathLike, sr: int | None = None, *, seconds: float = 10.0,
               fade_s: float = 0.5, quality: float = 0.3) -> bytes:
    """The first ``seconds`` of ``audio`` as MP3 bytes (mono, same sample rate, end faded out).

    Parameters
    ----------
    audio : array or path
        Mono samples in [-1, 1] (``sr`` required), or the path of a sound file (stereo is
        averaged to mono).
    sr : int, optional
        Sample rate of an array (a file gives its own).
    seconds : float, default 10
        Length of the clip (a shorter input is kept whole).
    fade_s : float, default 0.5
        A linear fade-out over the clip's last seconds, so that it does not end with a click.
    quality : float, default 0.3
        libsndfile's ``compression_level`` for MP3 (0: best quality, largest; 1: smallest),
        variable bit rate. 0.3 gives about 5 kB per second at 22050 Hz.

    Returns
    -------
    bytes
        MP3 data (:data:`CLIP_MIME`); the same input gives the same bytes.

    Raises
    ------
    ValueError
        No samples, a missing sample rate, a non-positive length, a negative fade, a quality
        outside [0, 1] or a sample rate MP3 cannot hold.
    """
    import soundfile as sf

    if isinstance(audio, (str, os.PathLike)):
        path = Path(audio)
        if not path.is_file():
            raise ValueError(f"audio_clip: no file {path}")
        data, file_sr = sf.read(str(path), dtype="float32", always_2d=True)
        y, sr = data.mean(axis=1), int(file_sr)
    else:
        y = np.asarray(audio, dtype=np.float32)
        if y.ndim == 2:
            y = y.mean(axis=1)
        if y.ndim != 1:
            raise ValueError(f"audio_clip: expected mono samples (1-D), got shape {y.shape}")
        if sr is None:
            raise ValueError("audio_clip: sr is required with an array")
    sr = int(sr)
    if sr not in (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000):
        raise ValueError(f"audio_clip: MP3 cannot hold {sr} Hz")
    if not seconds > 0:
        raise ValueError(f"audio_clip: seconds must be positive, got {seconds}")
    if fade_s < 0:
        raise ValueError(f"audio_clip: fade_s must be >= 0, got {fade_s}")
    if not 0.0 <= quality <= 1.0:
        raise ValueError(f"audio_clip: quality must be in [0, 1], got {quality}")
    if y.size == 0 or not np.all(np.isfinite(y)):
        raise ValueError("audio_clip: no samples, or samples that are not finite")
    clip = np.clip(y[: int(round(seconds * sr))], -1.0, 1.0).astype(np.float32)
    n_fade = min(len(clip), int(round(fade_s * sr)))
    if n_fade > 1:
        clip[-n_fade:] *= np.linspace(1.0, 0.0, n_fade, dtype=np.float32)
    buf = io.BytesIO()
    sf.write(buf, clip, sr, format="MP3", subtype="MPEG_LAYER_III",
             bitrate_mode="VARIABLE", compression_level=float(quality))
    return buf.getvalue()
