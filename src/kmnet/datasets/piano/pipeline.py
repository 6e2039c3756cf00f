"""How each piano piece is made: conversion, checks, MIDI, audio, caches (one worker task).

:func:`process_piece` runs in a worker process of :func:`kmnet.datasets.piano.build`; every
verovio call inside it runs in its own subprocess (:func:`kmnet.datasets.piano.scores.run_verovio`).
Results are cached under ``cache_root()/piano/`` (``kern/``, ``midi/``, ``wav/``, ``failed/``),
keyed by the source sha256 (or the **kern sha256) and the tool versions and settings.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as _im
import json
import os
import time
import warnings
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..._atomic import atomic_write_bytes, atomic_write_text
from . import render as _render
from . import scores as _scores
from ...features.cache import bytes_sha256
from ..paths import data_root

__all__ = ["convert_to_kern", "render_audio", "process_piece", "quality_flags"]

_CONVERT_VERSION = 1  # bump when the conversion or its fixes change
_MIDI_VERSION = 3  # 2: notes may exceed the score's count by 50 %; 3: music21 MIDI at 480 ticks/quarter
_VEROVIO_MIDI_VERSION = 1  # raw verovio MIDI (expandNever)
_SOURCE_FIX_VERSION = 1  # fixes applied to MusicXML before music21 reads it (fix_for_music21)
_RENDER_VERSION = 1
VEROVIO_TIMEOUT_S = _scores.VEROVIO_TIMEOUT_S
NOTE_COUNT_TOLERANCE = 0.01  # relative difference above which a note-count flag is raised
MIDI_LENGTH_TOLERANCE = 0.10  # relative difference of a MIDI's length from the score's
MIDI_FEWER_NOTES = 0.10  # a MIDI may miss this fraction of the score's notes ...
MIDI_MORE_NOTES = 0.50  # ... or play this fraction more (tremolos, ornaments and arpeggios realised)


# ========================================================================================
# conversion (text modality)
# ========================================================================================
def _versions() -> dict[str, str]:
    out = {}
    for pkg in ("verovio", "music21", "converter21", "pretty_midi"):
        try:
            out[pkg] = _im.version(pkg.replace("_", "-"))
        except _im.PackageNotFoundError:
            out[pkg] = "absent"
    return out


def _key(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:12]


def _convert_key() -> str:
    v = _versions()
    return _key({"v": _CONVERT_VERSION, "verovio": v["verovio"], "converter21": v["converter21"],
                 "music21": v["music21"]})


def _resolve_file(row: Mapping, root) -> Path:
    f = row.get("file") or f"repos/{row['repo']}/{row['path']}"
    p = Path(f)
    return p if p.is_absolute() else data_root(root) / "piano" / p


def convert_to_kern(
    row: Mapping,
    *,
    root: str | os.PathLike | None = None,
    data: bytes | None = None,
    timeout: float = VEROVIO_TIMEOUT_S,
) -> tuple[str, str, dict]:
    """The **kern text of one source row: ``(text, route, info)``.

    **kern sources are used as they are (route ``"kern"``). MusicXML sources: ``<harmony>``
    elements are stripped, then verovio's ``musicxml-hum`` converts in a subprocess
    (route ``"verovio musicxml-hum"``); if it crashes, times out or gives no **kern,
    converter21 converts (route ``"converter21"``). Two one-staff parts (Mikrokosmos) are
    merged into one piano part.

    Parameters
    ----------
    row : mapping
        A row of :func:`load_sources` (``format``, ``file`` or ``repo``/``path``, ``id``).
    root : path-like, optional
        Data root (default :func:`~kmnet.datasets.paths.data_root`).
    data : bytes, optional
        The source bytes, if already read.

    Returns
    -------
    text : str
    route : str
    info : dict
        ``rhythm_messages`` (converter messages about rhythm), ``harmony_removed``,
        ``merged_parts``, ``verovio_failure`` (why converter21 was used, if it was).

    Raises
    ------
    ValueError
        Empty, missing or unreadable source; not Humdrum; not MusicXML; both converters
        failed (the message gives both reasons).
    """
    name = str(row.get("id", "source"))
    if data is None:
        p = _resolve_file(row, root)
        if not p.is_file():
            raise ValueError(f"{name}: missing file {row.get('file', p.name)}")
        data = p.read_bytes()
    if not data or not data.strip():
        raise ValueError(f"{name}: empty file")
    info: dict[str, Any] = {"rhythm_messages": 0, "harmony_removed": 0, "merged_parts": False,
                            "verovio_failure": ""}
    fmt = row.get("format") or ("musicxml" if str(row.get("file", "")).endswith((".mxl", ".xml", ".musicxml")) else "kern")
    if fmt == "kern":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValueError(f"{name}: not UTF-8 text ({exc})") from exc
        _scores.check_humdrum(text, name=name)
        return text, "kern", info
    xml = _scores.read_musicxml(data, name=name)
    xml, n_h = _scores.strip_harmony(xml)
    info["harmony_removed"] = n_h
    run = _scores.musicxml_to_kern_verovio(xml, timeout=timeout)
    rhythm_v = _scores.rhythm_messages(run.messages) if run.ok else 0
    if run.ok and rhythm_v == 0:
        text, route = run.output, "verovio musicxml-hum"
        info["verovio_midi"] = run.midi
        info["verovio_messages"] = [m for m in run.messages if "rhythm" in m.lower()][:5]
    else:
        # verovio crashed, or its Humdrum has inconsistent rhythm: try converter21, whose
        # output is checked by loading it in verovio (which reports rhythm errors)
        run2 = _scores.musicxml_to_kern_converter21(xml)
        rhythm_c = None
        if run2.ok:
            chk = _scores.run_verovio("midi", run2.output, timeout=timeout)
            rhythm_c = _scores.rhythm_messages(chk.messages)
        if not run.ok:
            if not run2.ok:
                raise ValueError(f"{name}: {run.reason}; {run2.reason}")
            info["verovio_failure"] = run.reason
            text, route, info["rhythm_messages"] = run2.output, "converter21", rhythm_c
        elif run2.ok and rhythm_c == 0:
            info["verovio_failure"] = f"verovio musicxml-hum output has {rhythm_v} rhythm error message(s)"
            text, route = run2.output, "converter21"
        else:
            text, route, info["rhythm_messages"] = run.output, "verovio musicxml-hum", rhythm_v
            info["verovio_midi"] = run.midi
        info["verovio_messages"] = [m for m in run.messages if "rhythm" in m.lower()][:5]
    text, merged = _scores.merge_one_staff_parts(text)
    info["merged_parts"] = merged
    return text, route, info


# ========================================================================================
# audio
# ========================================================================================
def _render_config(excerpt_s, sr, soundfont=None) -> dict:
    sf2 = _render.find_soundfont(soundfont)
    return {"v": _RENDER_VERSION, "excerpt_s": excerpt_s, "sr": int(sr), "gain": _render.DEFAULT_GAIN,
            "soundfont": sf2.name, "soundfont_bytes": sf2.stat().st_size,
            "fluidsynth": _render.fluidsynth_version(), "pretty_midi": _versions()["pretty_midi"]}


def _verovio_midi_key() -> str:
    return _key({"v": _VEROVIO_MIDI_VERSION, "verovio": _versions()["verovio"], "expandNever": True})


def _midi_key() -> str:
    v = _versions()
    return _key({"v": _MIDI_VERSION, "verovio": v["verovio"], "music21": v["music21"],
                 "converter21": v["converter21"]})


def _midi_problem(midi: bytes, ref_notes: int | None, ref_quarters: float | None,
                  ref_tail: float = 0.0) -> tuple[str, tuple]:
    """Why a MIDI file cannot be used ("" if it can), and its (notes, seconds, quarters).

    A MIDI file may be shorter than the score by the score's trailing rests (``ref_tail``
    quarter notes): it ends with its last note.
    """
    try:
        stats = _scores.midi_stats(midi)
    except ValueError as exc:
        return str(exc), (0, 0.0, 0.0)
    n, _secs, q = stats
    if n == 0:
        return "no notes", stats
    try:  # the renderer reads MIDI with pretty_midi, which rejects absurd tick values
        import pretty_midi
        import io

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pretty_midi.PrettyMIDI(io.BytesIO(midi))
    except Exception as exc:
        return f"unreadable by pretty_midi ({str(exc)[:80]})", stats
    if ref_notes and not (1 - MIDI_FEWER_NOTES) * ref_notes <= n <= (1 + MIDI_MORE_NOTES) * ref_notes:
        return f"{n} notes, the score has {ref_notes}", stats
    tol = MIDI_LENGTH_TOLERANCE * ref_quarters if ref_quarters else 0.0
    if ref_quarters and not ref_quarters - (ref_tail or 0.0) - tol <= q <= ref_quarters + tol:
        return f"{q:.0f} quarter notes long, the score {ref_quarters:.0f}", stats
    return "", stats


def _make_midi(
    text: str,
    *,
    timeout: float = VEROVIO_TIMEOUT_S,
    source: "_SourceScore | None" = None,
    ref_notes: int | None = None,
    ref_quarters: float | None = None,
    ref_tail: float = 0.0,
    verovio_run: "_scores.ToolRun | None" = None,
    vcache: Path | None = None,
) -> tuple[bytes, dict]:
    """**kern → MIDI, checked: verovio first, music21 when verovio's MIDI is not usable.

    Candidates, in order: verovio's ``renderToMIDI`` of the **kern text; for MusicXML
    sources, music21's MIDI of the MusicXML source (what a MuseScore user would have
    downloaded, as the paper did for its MuseScore pieces); music21's MIDI of the **kern
    text (converter21's reader). A candidate is rejected when the tool fails, when verovio
    reports a rhythm error ("Inconsistent rhythm analysis": its note times are wrong from
    there on), when it has more than 10 % fewer or 50 % more notes than the score
    (``ref_notes``; MIDI writers realise tremolos, ornaments and arpeggios), when its length
    in quarter notes differs by more than 10 % from the score's (``ref_quarters``; it may
    also be shorter by the score's trailing rests, ``ref_tail``), or when the MIDI cannot
    be read. The first acceptable one is used.

    ``verovio_run`` is verovio's MIDI of this text if already made (the ``musicxml-hum``
    conversion makes it on the way); ``vcache`` is a path stem under which verovio's raw
    MIDI of this text is cached (``.mid`` and ``.json`` with its rhythm messages).

    Returns ``(midi, info)``; ``info`` has ``midi_route``, ``midi_rejected`` (why earlier
    candidates were not used), ``midi_rhythm_messages``, ``midi_notes``, ``duration_s``,
    ``midi_quarters``.

    Raises
    ------
    ValueError
        No candidate is acceptable; the message lists each one's reason.
    """
    rejected: list[str] = []
    info: dict[str, Any] = {"midi_rhythm_messages": 0}
    run = verovio_run
    if run is None and vcache is not None:
        mid, js = vcache.with_suffix(".mid"), vcache.with_suffix(".json")
        if mid.is_file() and js.is_file():
            run = _scores.ToolRun(True, mid.read_bytes(), messages=json.loads(js.read_text())["messages"])
    if run is None:
        run = _scores.kern_to_midi(text, timeout=timeout)
    if run.ok and vcache is not None and not vcache.with_suffix(".mid").is_file():
        atomic_write_bytes(vcache.with_suffix(".mid"), run.output)
        atomic_write_text(vcache.with_suffix(".json"), json.dumps(
            {"messages": [m for m in run.messages if "rhythm" in m.lower()][:5]}))
    info["midi_rhythm_messages"] = _scores.rhythm_messages(run.messages)
    if not run.ok:
        rejected.append(run.reason)
    else:
        why, stats = _midi_problem(run.output, ref_notes, ref_quarters, ref_tail)
        if not why and info["midi_rhythm_messages"]:
            first = next(m for m in run.messages if "rhythm" in m.lower())
            why = f"rhythm error ({first[:100]})"
        if not why:
            return run.output, _midi_info(info, "verovio", rejected, stats)
        rejected.append(f"verovio MIDI: {why}")
    cands = []
    if source is not None:
        cands.append(("music21 (MusicXML)", source.midi))
    cands.append(("music21 (kern)", lambda: _scores.kern_to_midi_music21(text)))
    for route, fn in cands:
        r = fn()
        if not r.ok:
            rejected.append(r.reason)
            continue
        why, stats = _midi_problem(r.output, ref_notes, ref_quarters, ref_tail)
        if not why:
            return r.output, _midi_info(info, route, rejected, stats)
        rejected.append(f"{route} MIDI: {why}")
    raise ValueError("no usable MIDI: " + "; ".join(rejected))


def _midi_info(info: dict, route: str, rejected: list[str], stats: tuple) -> dict:
    info.update({"midi_route": route, "midi_rejected": "; ".join(rejected), "midi_notes": int(stats[0]),
                 "duration_s": round(float(stats[1]), 3), "midi_quarters": round(float(stats[2]), 3)})
    return info


def render_audio(
    kern_text: str,
    *,
    excerpt_s: float | None = _render.DEFAULT_EXCERPT_S,
    sr: int = _render.DEFAULT_SR,
    path: str | os.PathLike | None = None,
    soundfont: str | os.PathLike | None = None,
    timeout: float = VEROVIO_TIMEOUT_S,
) -> np.ndarray | Path:
    """**kern text → mono audio: verovio MIDI (music21 as fallback) → FluidSynth.

    Returns the float32 samples, or writes a 16-bit WAV to ``path`` and returns the path.
    See :mod:`kmnet.datasets.piano.render` for the excerpt and trim policy (default: the first
    30 s, shorter pieces keep their length).

    Raises
    ------
    ValueError
        Not Humdrum, no MIDI from either route, or silent audio.
    """
    _scores.check_humdrum(kern_text)
    n, g = _scores.count_kern_notes(kern_text)
    midi, _info = _make_midi(kern_text, timeout=timeout, ref_notes=(n + g) or None)
    res = _render.render_midi(midi, excerpt_s=excerpt_s, sr=sr, soundfont=soundfont)
    if path is not None:
        return atomic_write_bytes(path, res.wav)
    import soundfile as sf
    import io

    audio, _ = sf.read(io.BytesIO(res.wav), dtype="float32")
    return audio


# ========================================================================================
# one piece (runs in a worker process)
# ========================================================================================
class _Fail(Exception):
    def __init__(self, stage: str, reason: str):
        super().__init__(reason)
        self.stage = stage
        self.reason = reason


def _failure_path(cache: Path, src_sha: str, task: Mapping) -> Path:
    fkey = _key([task["convert_key"], task["midi_key"], task["render_key"], task.get("checks", True),
                 task.get("silence_dbfs", _render.SILENCE_DBFS)])
    return cache / "failed" / src_sha[:2] / f"{src_sha}-{fkey}.json"


def remember_timeout(task: Mapping, reason: str) -> None:
    """Record that a piece ran past the time limit, so that a rebuild does not wait again.

    Delete ``cache_root()/piano/failed/`` (or the piece's file there) to try again.
    """
    if task.get("convert") is not None:
        return
    p = _resolve_file(task["row"], task.get("root"))
    if not p.is_file():
        return
    path = _failure_path(Path(task["cache"]), bytes_sha256(p.read_bytes()), task)
    atomic_write_text(path, json.dumps({"stage": "worker", "reason": f"{reason} (remembered from an earlier build)"}))


def wav_cache_path(cache: Path, midi_sha: str, render_key: str) -> Path:
    """Where the WAV excerpt of a MIDI file (by its sha256) is cached for a render configuration."""
    return cache / "wav" / midi_sha[:2] / f"{midi_sha}-{render_key}.wav"


def _cache_paths(cache: Path, src_sha: str, conv_key: str) -> dict[str, Path]:
    base = f"{src_sha}-{conv_key}"
    return {"kern": cache / "kern" / src_sha[:2] / f"{base}.krn",
            "kmeta": cache / "kern" / src_sha[:2] / f"{base}.json"}


def process_piece(task: dict) -> dict:
    """Source → **kern → checks → MIDI → WAV for one piece (used by :func:`build`).

    ``task`` holds the source row (``row``), the data root, the cache folder, the render
    settings and switches. Never raises for a bad piece: the returned record has
    ``ok=False`` and the failing stage and reason; ``stages`` lists
    ``(stage, status, reason, seconds)`` for the build report. The converters' and renderers'
    warnings are silenced inside this call only (it also runs in the caller's process, for
    pieces complete in the cache).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _process_piece(task)


def _process_piece(task: dict) -> dict:
    cpu0 = _cpu_seconds()
    row = task["row"]
    pid = row["id"]
    cache = Path(task["cache"])
    use_cache = task.get("use_cache", True)
    cache_only = task.get("cache_only", False)  # return None instead of computing anything
    rec: dict[str, Any] = {"id": pid, "ok": False, "stages": [], "fail_stage": "", "reason": ""}
    fail_path = None

    def stage(name, status, reason, secs):
        rec["stages"].append((name, status, reason, round(float(secs), 4)))

    try:
        # -- source -------------------------------------------------------------------
        t0 = time.perf_counter()
        p = _resolve_file(row, task.get("root"))
        if not p.is_file():
            raise _Fail("source", f"missing file {row.get('file')}")
        data = p.read_bytes()
        if not data.strip():
            raise _Fail("source", "empty file")
        src_sha = bytes_sha256(data)
        want = str(row.get("sha256") or "")
        if want and want != src_sha:
            raise _Fail("source", f"sha256 mismatch (table {want[:12]}…, file {src_sha[:12]}…)")
        rec["source_sha256"] = src_sha
        stage("source", "ok", "", time.perf_counter() - t0)
        if task.get("convert") is None:
            fail_path = _failure_path(cache, src_sha, task)
            if use_cache and fail_path.is_file():
                f = json.loads(fail_path.read_text())
                rec["cached_failure"] = True
                raise _Fail(f["stage"], f["reason"])
        src = None
        if row.get("format") == "musicxml":
            try:
                src = _SourceScore(_scores.strip_harmony(_scores.read_musicxml(data, name=pid))[0])
            except ValueError:
                src = None  # the conversion reports the reason

        # -- conversion -------------------------------------------------------------------
        t0 = time.perf_counter()
        conv_key = task["convert_key"]
        cp = _cache_paths(cache, src_sha, conv_key)
        meta = None
        vrun = None
        if use_cache and task.get("convert") is None and cp["kern"].is_file() and cp["kmeta"].is_file():
            meta = json.loads(cp["kmeta"].read_text())
            text = cp["kern"].read_text(encoding="utf-8")
            if meta.get("kern_sha256") != bytes_sha256(text.encode("utf-8")):
                meta = None
        if meta is None:
            if cache_only:
                return None
            conv = task.get("convert") or convert_to_kern
            try:
                text, route, info = conv(row, root=task.get("root"), data=data)
            except ValueError as exc:
                raise _Fail("convert", str(exc).removeprefix(f"{pid}: ")) from None
            if info.get("verovio_failure"):
                stage("convert", "fallback", info["verovio_failure"], 0.0)
            if info.get("verovio_midi"):
                vrun = _scores.ToolRun(True, info["verovio_midi"], messages=info.get("verovio_messages", []))
            try:
                _scores.check_humdrum(text, name="converted text")
            except ValueError as exc:
                raise _Fail("convert", str(exc)) from None
            meta = {"route": route, "kern_sha256": bytes_sha256(text.encode("utf-8")),
                    "rhythm_messages": int(info.get("rhythm_messages", 0)),
                    "harmony_removed": int(info.get("harmony_removed", 0)),
                    "merged_parts": bool(info.get("merged_parts", False)),
                    "verovio_failure": info.get("verovio_failure", "")}
            if task.get("checks", True):
                meta.update(_checks(text, src))
            if task.get("convert") is None:
                atomic_write_text(cp["kern"], text)
                atomic_write_text(cp["kmeta"], json.dumps(meta, sort_keys=True))
            stage("convert", "ok", meta["route"], time.perf_counter() - t0 - meta.get("checks_s", 0.0))
            if "checks_s" in meta:
                stage("checks", "ok", "", meta["checks_s"])
        else:
            stage("convert", "cached", meta["route"], time.perf_counter() - t0)
            stale = (src is not None and meta.get("source_fix_v") != _SOURCE_FIX_VERSION
                     and meta.get("m21_source_error"))  # the fixes may let music21 read it now
            if task.get("checks", True) and ("kern_spines" not in meta or stale):
                if cache_only:
                    return None
                meta.update(_checks(text, src))
                stage("checks", "ok", "", meta["checks_s"])
                if task.get("convert") is None:
                    atomic_write_text(cp["kmeta"], json.dumps(meta, sort_keys=True))
        kern_sha = meta["kern_sha256"]
        rec.update({k: v for k, v in meta.items() if k != "checks_s"})

        # -- MIDI ---------------------------------------------------------------------
        t0 = time.perf_counter()
        midi_key = task["midi_key"]
        mpath = cache / "midi" / kern_sha[:2] / f"{kern_sha}-{midi_key}.mid"
        mmeta = mpath.with_suffix(".json")
        if use_cache and mpath.is_file() and mmeta.is_file():
            midi = mpath.read_bytes()
            minfo = json.loads(mmeta.read_text())
            stage("midi", "cached", minfo["midi_route"], time.perf_counter() - t0)
        else:
            if cache_only:
                return None
            ref_notes, ref_q, ref_tail = _references(meta)
            vcache = cache / "vmidi" / kern_sha[:2] / f"{kern_sha}-{_verovio_midi_key()}"
            try:
                midi, minfo = _make_midi(text, timeout=task.get("timeout", VEROVIO_TIMEOUT_S),
                                         source=src, ref_notes=ref_notes, ref_quarters=ref_q, ref_tail=ref_tail,
                                         verovio_run=vrun, vcache=vcache)
            except ValueError as exc:
                raise _Fail("midi", str(exc)) from None
            if minfo["midi_rejected"]:
                stage("midi", "fallback", minfo["midi_rejected"], 0.0)
            atomic_write_bytes(mpath, midi)
            atomic_write_text(mmeta, json.dumps(minfo, sort_keys=True))
            stage("midi", "ok", minfo["midi_route"], time.perf_counter() - t0)
        rec.update(minfo)
        midi_sha = bytes_sha256(midi)
        rec["midi_sha256"] = midi_sha

        # -- audio --------------------------------------------------------------------
        t0 = time.perf_counter()
        wpath = wav_cache_path(cache, midi_sha, task["render_key"])
        wmeta = wpath.with_suffix(".json")
        if use_cache and wpath.is_file() and wmeta.is_file():
            winfo = json.loads(wmeta.read_text())
            stage("render", "cached", "", time.perf_counter() - t0)
        else:
            if cache_only:
                return None
            try:
                res = _render.render_midi(midi, excerpt_s=task["excerpt_s"], sr=task["sr"],
                                          silence_dbfs=task.get("silence_dbfs", _render.SILENCE_DBFS))
            except (ValueError, RuntimeError) as exc:
                raise _Fail("render", str(exc)) from None
            winfo = {"audio_sha256": res.sha256, "audio_s": round(res.audio_s, 4),
                     "rms_dbfs": round(res.rms_dbfs, 2), "peak": round(res.peak, 4)}
            atomic_write_bytes(wpath, res.wav)
            atomic_write_text(wmeta, json.dumps(winfo, sort_keys=True))
            stage("render", "ok", "", time.perf_counter() - t0)
        rec.update(winfo)
        rec["wav_cache"] = str(wpath.relative_to(cache))
        rec["ok"] = True
    except _Fail as f:
        rec["fail_stage"], rec["reason"] = f.stage, f.reason
        stage(f.stage, "failed", f.reason, time.perf_counter() - t0)
        # conversion, MIDI and render failures are deterministic: remember them
        if fail_path is not None and f.stage in ("convert", "midi", "render") and not rec.get("cached_failure"):
            atomic_write_text(fail_path, json.dumps({"stage": f.stage, "reason": f.reason}))
    rec["cpu_s"] = round(_cpu_seconds() - cpu0, 3)
    return rec


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its finished children (verovio, fluidsynth)."""
    import resource

    a = resource.getrusage(resource.RUSAGE_SELF)
    b = resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


class _SourceScore:
    """The MusicXML source of a piece, parsed by music21 once (or the parse error, once)."""

    def __init__(self, xml: str | None):
        self.xml = xml
        self._score = None
        self._error: Exception | None = None

    def get(self):
        if self.xml is None:
            raise ValueError("no MusicXML source")
        if self._score is None and self._error is None:
            try:
                self._score = _scores.music21_parse(self.xml, fmt="musicxml")[0]
            except Exception as exc:  # music21 raises many types
                self._error = exc
        if self._error is not None:
            raise self._error
        return self._score

    def midi(self) -> "_scores.ToolRun":
        try:
            score = self.get()
        except Exception as exc:
            return _scores.ToolRun(False, None, f"music21 cannot read the MusicXML ({type(exc).__name__}: "
                                   f"{str(exc)[:100]})")
        self._score = None  # the MIDI writer changes the score: parse again if needed
        return _scores.musicxml_to_midi_music21(score)


def _checks(text: str, src: _SourceScore | None) -> dict:
    """Quality checks of one **kern text (and its MusicXML source, if any)."""
    t0 = time.perf_counter()
    out: dict[str, Any] = {}
    out["kern_spines"] = _scores.kern_spine_count(text)
    n, g = _scores.count_kern_notes(text)
    out["kern_notes"] = n + g
    out["kern_grace"] = g
    try:
        score, out["m21_rhythm_warnings"] = _scores.music21_parse(text, fmt="humdrum")
        out["m21_kern_notes"], out["m21_quarters"] = _scores.score_stats(score)
        out["m21_rest_tail"] = _scores.rest_tail(score)
        out["m21_reads"] = True
        out["m21_error"] = ""
    except Exception as exc:  # music21 raises many types
        out["m21_kern_notes"] = out["m21_quarters"] = out["m21_rest_tail"] = None
        out["m21_reads"] = False
        out["m21_error"] = f"{type(exc).__name__}: {str(exc)[:120]}"
    out["m21_source_notes"] = None
    out["m21_source_error"] = ""
    out["source_fix_v"] = _SOURCE_FIX_VERSION
    if src is not None:
        try:
            out["m21_source_notes"], out["m21_source_quarters"] = _scores.score_stats(src.get())
        except Exception as exc:
            out["m21_source_error"] = f"{type(exc).__name__}: {str(exc)[:120]}"
    out["checks_s"] = time.perf_counter() - t0
    return out


def _references(meta: Mapping) -> tuple[int | None, float | None, float]:
    """Note count, length and trailing rests (quarter notes) a MIDI of this piece should have.

    MusicXML sources: what music21 reads from the source. **kern sources: the note tokens
    of the text, and the length music21 reads when its rhythm analysis had no complaint.
    """
    if meta.get("m21_source_notes"):
        return int(meta["m21_source_notes"]), meta.get("m21_source_quarters"), 0.0
    ok = meta.get("m21_reads") and not meta.get("m21_rhythm_warnings")
    q = meta.get("m21_quarters") if ok else None
    tail = float(meta.get("m21_rest_tail") or 0.0) if ok else 0.0
    return (int(meta["kern_notes"]) if meta.get("kern_notes") else None), q, tail


def quality_flags(rec: Mapping) -> list[str]:
    flags = []
    if rec.get("rhythm_messages"):
        flags.append(f"rhythm-messages={rec['rhythm_messages']}")
    kn, mn = rec.get("kern_notes"), rec.get("midi_notes")
    if kn and mn is not None and abs(kn - mn) > NOTE_COUNT_TOLERANCE * max(kn, mn):
        flags.append(f"midi-notes-{mn}-vs-kern-{kn}")
    sn, cn = rec.get("m21_source_notes"), rec.get("m21_kern_notes")
    if sn and cn is not None and abs(sn - cn) > NOTE_COUNT_TOLERANCE * max(sn, cn):
        flags.append(f"m21-notes-source-{sn}-vs-kern-{cn}")
    if rec.get("m21_reads") is False:
        flags.append("music21-cannot-read-kern")
    if rec.get("m21_rhythm_warnings"):
        flags.append(f"music21-rhythm-warnings={rec['m21_rhythm_warnings']}")
    if str(rec.get("midi_route", "")).startswith("music21"):
        flags.append("midi-via-music21")
    if rec.get("midi_rhythm_messages"):
        flags.append(f"verovio-rhythm-errors={rec['midi_rhythm_messages']}")
    if rec.get("merged_parts"):
        flags.append("merged-one-staff-parts")
    if rec.get("rms_dbfs") is not None and rec["rms_dbfs"] < -40:
        flags.append(f"quiet-audio={rec['rms_dbfs']:.0f}dBFS")
    return flags
