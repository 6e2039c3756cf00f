"""Audio: MIDI → a fixed-length mono WAV excerpt with FluidSynth and the FluidR3_GM soundfont.

The paper (Section 4.3) collected "the audio file (MID format)" for each piece and extracted
MFCCs from the audio; it does not say how (or how much of) the MIDI was synthesised. Here
every piece is synthesised the same way:

* the MIDI is cut to its first ``excerpt_s`` seconds (default 30 s: the paper gives no
  length, and 30 s is the clip length of GTZAN, the paper's other audio data set; it also
  keeps the whole construction within minutes). Notes that start inside the excerpt are
  kept and clipped at its end, everything later is dropped, and every track is set to
  General MIDI program 0 (acoustic grand piano);
* FluidSynth renders it (``fluidsynth -ni -q -F out.wav -r SR -g 0.5 -T wav``; the same
  input gives the same bytes), the two channels are averaged to mono and the result is cut
  to ``excerpt_s`` seconds;
* a piece shorter than the excerpt keeps its own length (plus the synthesiser's release
  tail, never beyond ``excerpt_s``): nothing is padded or looped. The manifest records both
  the piece's full MIDI duration and the length of the audio kept.

Nothing here imports torch.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "DEFAULT_SR",
    "DEFAULT_EXCERPT_S",
    "find_soundfont",
    "fluidsynth_version",
    "excerpt_midi",
    "synthesize",
    "wav_bytes",
    "is_silent",
    "RenderResult",
    "render_midi",
]

DEFAULT_SR = 22050
DEFAULT_EXCERPT_S = 30.0
DEFAULT_GAIN = 0.5
SILENCE_DBFS = -60.0
FLUIDSYNTH_TIMEOUT_S = 120.0

# Where distributions install FluidR3_GM (Debian/Ubuntu fluid-soundfont-gm; Fedora; Arch).
_SOUNDFONT_CANDIDATES = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/usr/share/soundfonts/FluidR3_GM2-2.sf2",
    "/usr/local/share/soundfonts/FluidR3_GM.sf2",
)


def find_soundfont(soundfont: str | os.PathLike | None = None) -> Path:
    """The soundfont to use: the argument, ``$KMNET_SOUNDFONT``, or an installed FluidR3_GM.

    Raises
    ------
    FileNotFoundError
        None of them exists (install Debian's ``fluid-soundfont-gm``).
    """
    cands = [soundfont, os.environ.get("KMNET_SOUNDFONT"), *_SOUNDFONT_CANDIDATES]
    for c in cands:
        if c and Path(c).is_file():
            return Path(c)
    raise FileNotFoundError(
        "no soundfont: pass soundfont=, set KMNET_SOUNDFONT, or install FluidR3_GM "
        "(Debian/Ubuntu: apt-get install fluid-soundfont-gm)"
    )


def _fluidsynth() -> str:
    exe = shutil.which("fluidsynth")
    if exe is None:
        raise FileNotFoundError("fluidsynth not found on PATH (Debian/Ubuntu: apt-get install fluidsynth)")
    return exe


def fluidsynth_version() -> str:
    """FluidSynth's version string (part of the render cache key)."""
    out = subprocess.run([_fluidsynth(), "--version"], capture_output=True, text=True, timeout=30).stdout
    first = out.splitlines()[0] if out else ""
    return first.replace("FluidSynth runtime version", "").strip() or first


def excerpt_midi(midi: bytes, excerpt_s: float | None) -> tuple[bytes, float]:
    """Cut ``midi`` to its first ``excerpt_s`` seconds, all tracks on program 0.

    Returns ``(midi bytes, full duration of the input in seconds)``. ``excerpt_s=None``
    keeps the whole piece.

    Raises
    ------
    ValueError
        ``midi`` cannot be read or holds no notes.
    """
    import pretty_midi

    try:
        with warnings.catch_warnings():  # verovio writes key/time signatures on every track
            warnings.simplefilter("ignore")
            pm = pretty_midi.PrettyMIDI(io.BytesIO(midi))
    except Exception as exc:
        raise ValueError(f"unreadable MIDI ({type(exc).__name__}: {exc})") from exc
    full = float(pm.get_end_time())
    if not any(inst.notes for inst in pm.instruments):
        raise ValueError("MIDI holds no notes")
    out = pretty_midi.PrettyMIDI(resolution=pm.resolution, initial_tempo=120.0)
    limit = float("inf") if excerpt_s is None else float(excerpt_s)
    for k, inst in enumerate(pm.instruments):
        new = pretty_midi.Instrument(program=0, is_drum=False, name=f"piano{k}")
        for n in inst.notes:
            if n.start < limit:
                end = min(n.end, limit)
                if end > n.start:
                    new.notes.append(pretty_midi.Note(n.velocity, n.pitch, n.start, end))
        for cc in inst.control_changes:
            if cc.time < limit:
                new.control_changes.append(pretty_midi.ControlChange(cc.number, cc.value, cc.time))
        new.notes.sort(key=lambda n: (n.start, n.pitch, n.end))
        if new.notes:
            out.instruments.append(new)
    buf = io.BytesIO()
    out.write(buf)
    return buf.getvalue(), full


def synthesize(
    midi: bytes,
    *,
    sr: int = DEFAULT_SR,
    soundfont: str | os.PathLike | None = None,
    gain: float = DEFAULT_GAIN,
    timeout: float = FLUIDSYNTH_TIMEOUT_S,
) -> np.ndarray:
    """Render MIDI bytes with FluidSynth; return mono float32 audio in [-1, 1].

    Raises
    ------
    RuntimeError
        FluidSynth fails or writes nothing.
    """
    import soundfile as sf

    sf2 = find_soundfont(soundfont)
    with tempfile.TemporaryDirectory(prefix="kmnet-fs-") as tmp:
        mid = Path(tmp) / "in.mid"
        wav = Path(tmp) / "out.wav"
        mid.write_bytes(midi)
        cmd = [_fluidsynth(), "-ni", "-q", "-F", str(wav), "-r", str(int(sr)), "-g", str(gain),
               "-T", "wav", "-o", "synth.cpu-cores=1", "-o", "synth.dynamic-sample-loading=1", str(sf2), str(mid)]
        try:
            cp = subprocess.run(cmd, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"fluidsynth timed out after {timeout:.0f} s") from exc
        if cp.returncode != 0 or not wav.exists() or wav.stat().st_size <= 44:
            err = (cp.stderr or b"").decode("utf-8", "replace").strip().splitlines()
            raise RuntimeError(f"fluidsynth failed (exit {cp.returncode}): {err[-1] if err else 'no output'}")
        audio, got_sr = sf.read(str(wav), dtype="float32", always_2d=True)
    if got_sr != sr:  # pragma: no cover - fluidsynth honours -r
        raise RuntimeError(f"fluidsynth wrote {got_sr} Hz, asked for {sr} Hz")
    return audio.mean(axis=1).astype(np.float32)


def wav_bytes(audio: np.ndarray, sr: int) -> bytes:
    """16-bit PCM mono WAV bytes of ``audio`` (deterministic: no timestamps in WAV)."""
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.asarray(audio, dtype=np.float32), int(sr), subtype="PCM_16", format="WAV")
    return buf.getvalue()


def is_silent(audio: np.ndarray, *, threshold_dbfs: float = SILENCE_DBFS) -> bool:
    """True when the RMS level of ``audio`` is below ``threshold_dbfs`` (or it is empty)."""
    a = np.asarray(audio, dtype=np.float64)
    if a.size == 0:
        return True
    rms = float(np.sqrt(np.mean(a * a)))
    return rms <= 10 ** (threshold_dbfs / 20)


@dataclass
class RenderResult:
    """A rendered excerpt: WAV bytes, their sha256 and lengths in seconds."""

    wav: bytes
    sha256: str
    audio_s: float
    duration_s: float
    peak: float
    rms_dbfs: float


def render_midi(
    midi: bytes,
    *,
    excerpt_s: float | None = DEFAULT_EXCERPT_S,
    sr: int = DEFAULT_SR,
    soundfont: str | os.PathLike | None = None,
    gain: float = DEFAULT_GAIN,
    silence_dbfs: float = SILENCE_DBFS,
) -> RenderResult:
    """MIDI → mono WAV excerpt (see the module docstring for the policy).

    Raises
    ------
    ValueError
        The MIDI has no notes, or the rendered audio is silent (RMS at or below
        ``silence_dbfs``, default -60 dBFS).
    RuntimeError
        FluidSynth fails.
    """
    if excerpt_s is not None and excerpt_s <= 0:
        raise ValueError(f"excerpt_s must be positive or None, got {excerpt_s}")
    cut, full = excerpt_midi(midi, excerpt_s)
    audio = synthesize(cut, sr=sr, soundfont=soundfont, gain=gain)
    if excerpt_s is not None:
        audio = audio[: int(round(excerpt_s * sr))]
    if is_silent(audio, threshold_dbfs=silence_dbfs):
        rms = float(np.sqrt(np.mean(np.asarray(audio, np.float64) ** 2))) if len(audio) else 0.0
        raise ValueError(f"silent audio (RMS {20 * np.log10(max(rms, 1e-12)):.0f} dBFS, "
                         f"threshold {silence_dbfs:.0f} dBFS)")
    data = wav_bytes(audio, sr)
    rms = float(np.sqrt(np.mean(np.asarray(audio, np.float64) ** 2)))
    return RenderResult(
        wav=data,
        sha256=hashlib.sha256(data).hexdigest(),
        audio_s=len(audio) / sr,
        duration_s=full,
        peak=float(np.max(np.abs(audio))),
        rms_dbfs=20 * np.log10(max(rms, 1e-12)),
    )
