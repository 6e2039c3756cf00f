"""Scores: MusicXML → **kern conversion, **kern → MIDI, and the checks on both.

The paper (Section 4.3) took **kern files from KernScores and, where none existed,
MusicXML from MuseScore "converted into a humdrum file by using Verovio Humdrum Viewer".
Here:

* MusicXML → **kern goes through verovio's ``musicxml-hum`` input (humlib's musicxml2hum,
  the converter behind the Verovio Humdrum Viewer). verovio aborts the interpreter on
  about a quarter of the staged files, so every call runs in its own process with a time
  limit (:func:`run_verovio`). When it fails, ``converter21`` (music21's Humdrum writer)
  is the fallback. ``<harmony>`` elements (DCML roman-numeral labels that music21 cannot
  parse and verovio would copy into a ``**mxhm`` spine) are stripped first.
* **kern → MIDI goes through verovio's ``renderToMIDI`` (same isolation), with music21
  (converter21's Humdrum reader) as the fallback.
* Checks (quality flags, never filters): the number of ``**kern`` spines, notes in the
  **kern text against the notes verovio played, music21's note counts of a MusicXML
  source and of its conversion, whether music21 reads the **kern text, and verovio's
  rhythm messages.

Nothing here imports torch.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "ToolRun",
    "read_musicxml",
    "strip_harmony",
    "fix_for_music21",
    "run_verovio",
    "musicxml_to_kern_verovio",
    "musicxml_to_kern_converter21",
    "merge_one_staff_parts",
    "check_humdrum",
    "kern_spine_count",
    "count_kern_notes",
    "kern_to_midi",
    "kern_to_midi_music21",
    "musicxml_to_midi_music21",
    "strip_expansions",
    "midi_note_count",
    "midi_stats",
    "rescale_midi",
    "music21_note_count",
    "music21_stats",
    "music21_parse",
    "score_stats",
    "strip_reference_records",
    "rhythm_messages",
]

VEROVIO_TIMEOUT_S = 120.0
_RUNNER = Path(__file__).with_name("_verovio_run.py")


@dataclass
class ToolRun:
    """Result of one external conversion: output or a reason, plus the tool's messages."""

    ok: bool
    output: bytes | str | None = None
    reason: str = ""
    messages: list[str] = field(default_factory=list)
    seconds: float = 0.0
    midi: bytes | None = None  # verovio musicxml-hum: the MIDI of the converted document


# ----------------------------------------------------------------------------------------
# MusicXML input
# ----------------------------------------------------------------------------------------
def read_musicxml(data: bytes, *, name: str = "score") -> str:
    """Return the MusicXML text of ``data``: a ``.mxl`` zip or plain (UTF-8/16) XML.

    For ``.mxl`` the score named by ``META-INF/container.xml`` (first ``rootfile``) is
    read; without a container the first ``.xml``/``.musicxml`` member is used.

    Raises
    ------
    ValueError
        ``data`` is empty, a zip without a score, or not XML.
    """
    if not data:
        raise ValueError(f"{name}: empty file")
    if data[:2] == b"PK":
        try:
            z = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as exc:
            raise ValueError(f"{name}: not a valid .mxl zip ({exc})") from exc
        names = z.namelist()
        member = None
        if "META-INF/container.xml" in names:
            cont = z.read("META-INF/container.xml").decode("utf-8", "replace")
            m = re.search(r"<rootfile\b[^>]*\bfull-path\s*=\s*\"([^\"]+)\"", cont)
            if m and m.group(1) in names:
                member = m.group(1)
        if member is None:
            cands = [n for n in names if n.lower().endswith((".xml", ".musicxml")) and not n.startswith("META-INF")]
            if not cands:
                raise ValueError(f"{name}: .mxl zip holds no MusicXML score ({names})")
            member = cands[0]
        data = z.read(member)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = data.decode("utf-16")
    else:
        text = data.decode("utf-8-sig", "replace")
    head = text.lstrip()[:2000]
    if not head.startswith("<") or not re.search(r"<score-(partwise|timewise)\b", text[:20000]):
        raise ValueError(f"{name}: not MusicXML (no <score-partwise> / <score-timewise> root)")
    return text


_HARMONY_RE = re.compile(r"<harmony\b[^>]*?(?:/>|>.*?</harmony\s*>)", re.S)


def strip_harmony(xml: str) -> tuple[str, int]:
    """Remove ``<harmony>`` elements (chord symbols; in the DCML files, roman numerals).

    music21 10.5 raises "not a valid pitch specification" on the DCML labels and verovio
    copies them into a ``**mxhm`` spine; neither is score content (data README).
    Returns the new text and the number of elements removed.
    """
    out, n = _HARMONY_RE.subn("", xml)
    return out, n


_EMPTY_BEAT_UNIT_RE = re.compile(r"<beat-unit(\s[^>]*)?>\s*</beat-unit>|<beat-unit(\s[^>]*)?/>")


def fix_for_music21(xml: str) -> tuple[str, int]:
    """Make MusicXML that music21 10.5 refuses readable: an empty ``<beat-unit>`` in a
    ``<metronome>`` (MuseScore 4 exports, e.g. the Debussy corpus) becomes ``quarter``,
    the unit MuseScore counts its tempo in. music21 otherwise raises "found unknown
    MusicXML type: None". Returns the text and the number of fixes."""
    return _EMPTY_BEAT_UNIT_RE.subn("<beat-unit>quarter</beat-unit>", xml)


# ----------------------------------------------------------------------------------------
# verovio in a subprocess
# ----------------------------------------------------------------------------------------
def run_verovio(mode: str, text: str, *, timeout: float = VEROVIO_TIMEOUT_S,
                options: dict | None = None) -> ToolRun:
    """Run one verovio call (``"musicxml-hum"``, ``"midi"`` or ``"svg"``) in a fresh interpreter.

    A crash (abort, segfault), a non-zero exit or a time-out gives ``ok=False`` with the
    reason; verovio's own messages (stdout and stderr) come back in ``messages``. ``options``
    (mode ``"svg"`` only) are verovio's options, plus ``"select"`` for ``toolkit.select``.
    """
    if mode not in ("musicxml-hum", "midi", "svg"):
        raise ValueError(f"unknown verovio mode {mode!r}")
    if options is not None and mode != "svg":
        raise ValueError(f"verovio mode {mode!r} takes no options")
    from ._isolate import describe_exit

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kmnet-vrv-") as tmp:
        src = Path(tmp) / "in.txt"
        dst = Path(tmp) / "out.bin"
        src.write_text(text, encoding="utf-8")
        args = [sys.executable, str(_RUNNER), mode, str(src), str(dst)]
        if options is not None:
            opt = Path(tmp) / "options.json"
            opt.write_text(json.dumps(options), encoding="utf-8")
            args.append(str(opt))
        env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1")
        try:
            cp = subprocess.run(
                args,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                timeout=timeout,
                env=env,
                cwd=tmp,
            )
        except subprocess.TimeoutExpired as exc:
            msgs = _message_lines((exc.stdout or b"") + b"\n" + (exc.stderr or b""))
            return ToolRun(False, None, f"verovio {mode} timed out after {timeout:.0f} s", msgs,
                           time.perf_counter() - t0)
        msgs = _message_lines(cp.stdout + b"\n" + cp.stderr)
        secs = time.perf_counter() - t0
        if cp.returncode != 0 or not dst.exists():
            last = _last_error(msgs)
            why = describe_exit(cp.returncode)
            if cp.returncode == 3:
                why = "no output"
            reason = f"verovio {mode} failed ({why})" + (f": {last}" if last else "")
            return ToolRun(False, None, reason, msgs, secs)
        out = dst.read_bytes()
        mid = Path(str(dst) + ".mid")
        midi = mid.read_bytes() if mid.exists() else None
    if mode in ("musicxml-hum", "svg"):
        out = out.decode("utf-8")
    return ToolRun(True, out, "", msgs, secs, midi=midi)


def _message_lines(raw: bytes, limit: int = 400) -> list[str]:
    lines = [ln.strip() for ln in raw.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[:limit]


_ERR_HINT = re.compile(r"error|double free|corrupt|abort|range|segmentation|exception", re.I)


def _last_error(msgs: list[str]) -> str:
    for ln in reversed(msgs):
        if _ERR_HINT.search(ln):
            return ln[:200]
    return msgs[-1][:200] if msgs else ""


def rhythm_messages(messages: list[str]) -> int:
    """Number of converter messages about rhythm (e.g. "Inconsistent rhythm analysis")."""
    return sum(1 for m in messages if "rhythm" in m.lower())


# ----------------------------------------------------------------------------------------
# MusicXML → **kern
# ----------------------------------------------------------------------------------------
def musicxml_to_kern_verovio(xml: str, *, timeout: float = VEROVIO_TIMEOUT_S) -> ToolRun:
    """MusicXML → **kern with verovio's ``musicxml-hum`` input, in a subprocess."""
    run = run_verovio("musicxml-hum", xml, timeout=timeout)
    if run.ok:
        try:
            check_humdrum(run.output, name="verovio output")
        except ValueError as exc:
            return ToolRun(False, None, f"verovio musicxml-hum: {exc}", run.messages, run.seconds)
    return run


def _converter21():
    """Import music21 + converter21 (registering the Humdrum reader/writer) once."""
    import music21
    import music21.metadata as _md
    import converter21

    # converter21 4.0.1 calls Metadata._convertValue, renamed convertValue in music21 10.
    if not hasattr(_md.Metadata, "_convertValue") and hasattr(_md.Metadata, "convertValue"):
        _md.Metadata._convertValue = staticmethod(_md.Metadata.convertValue)
    if not getattr(_converter21, "_registered", False):
        converter21.register()
        _converter21._registered = True
    return music21


def musicxml_to_kern_converter21(xml: str) -> ToolRun:
    """MusicXML → **kern with music21 + converter21's Humdrum writer (in this process).

    Pass ``xml`` with ``<harmony>`` already stripped (:func:`strip_harmony`).
    """
    t0 = time.perf_counter()
    try:
        music21 = _converter21()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                tempfile.TemporaryDirectory(prefix="kmnet-c21-") as tmp:
            score = music21.converter.parseData(fix_for_music21(xml)[0], format="musicxml", forceSource=True)
            fp = score.write("humdrum", fp=Path(tmp) / "score.krn")
            text = Path(fp).read_text(encoding="utf-8")
        check_humdrum(text, name="converter21 output")
    except Exception as exc:  # music21 raises many types
        msg = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        return ToolRun(False, None, f"converter21 failed ({type(exc).__name__}: {msg})", [],
                       time.perf_counter() - t0)
    return ToolRun(True, text, "", [], time.perf_counter() - t0)


# ----------------------------------------------------------------------------------------
# **kern text
# ----------------------------------------------------------------------------------------
def check_humdrum(text: str | None, *, name: str = "text") -> None:
    """Raise ``ValueError`` unless ``text`` is Humdrum with at least one ``**kern`` spine."""
    if text is None or not text.strip():
        raise ValueError(f"{name}: empty file")
    for ln in text.splitlines():
        if ln.startswith("**"):
            if "**kern" not in ln.split("\t"):
                raise ValueError(f"{name}: Humdrum without a **kern spine ({ln[:60]!r})")
            break
    else:
        raise ValueError(f"{name}: not Humdrum (no exclusive interpretation line '**...')")
    if not any(ln and not ln.startswith(("!", "*", "=")) for ln in text.splitlines()):
        raise ValueError(f"{name}: Humdrum without data lines")


def kern_spine_count(text: str) -> int:
    """Number of ``**kern`` spines in the first exclusive-interpretation line."""
    for ln in text.splitlines():
        if ln.startswith("**"):
            return sum(tok == "**kern" for tok in ln.split("\t"))
    return 0


def strip_reference_records(text: str) -> str:
    """Drop ``!!!`` reference records and ``!!`` global comments (composer, title, ...)."""
    return "\n".join(ln for ln in text.splitlines() if not ln.startswith("!!")) + "\n"


def _spine_types(text: str):
    """Yield ``(line, [spine type per column])`` for data lines, following *^ *v *x *+ *-."""
    types: list[str] | None = None
    pending_add = 0
    for ln in text.splitlines():
        if not ln or ln.startswith("!!"):
            continue
        toks = ln.split("\t")
        if types is None:
            if ln.startswith("**"):
                types = toks[:]
            continue
        if len(toks) != len(types):
            # malformed line: resynchronise on the next exclusive interpretation
            if ln.startswith("**"):
                types = toks[:]
            continue
        if ln.startswith("*"):
            if all(t.startswith("**") or t == "*" for t in toks) and any(t.startswith("**") for t in toks):
                types = [t if t.startswith("**") else ty for t, ty in zip(toks, types)]
                continue
            new: list[str] = []
            i = 0
            while i < len(toks):
                t, ty = toks[i], types[i]
                if t == "*^":
                    new += [ty, ty]
                elif t == "*v":
                    j = i
                    while j < len(toks) and toks[j] == "*v":
                        j += 1
                    new.append(ty)
                    i = j
                    continue
                elif t == "*-":
                    pass
                elif t == "*+":
                    new += [ty, "**?"]
                    pending_add += 1
                elif t == "*x" and i + 1 < len(toks) and toks[i + 1] == "*x":
                    new += [types[i + 1], ty]
                    i += 2
                    continue
                else:
                    new.append(ty)
                i += 1
            types = new
            if not types:
                types = None
            continue
        if ln.startswith(("=", "!")):
            continue
        yield toks, types


_PITCH = re.compile(r"[a-gA-G]")


def count_kern_notes(text: str) -> tuple[int, int]:
    """Count note attacks in the ``**kern`` spines: ``(notes, grace_notes)``.

    A chord counts each of its notes; rests, null tokens and tie continuations/ends
    (``_``, ``]``) do not count (they sound as part of an earlier note). Grace notes
    (``q``/``Q``) are counted separately.
    """
    notes = grace = 0
    for toks, types in _spine_types(text):
        for tok, ty in zip(toks, types):
            if ty != "**kern" or tok == "." or not tok:
                continue
            for sub in tok.split(" "):
                if not sub or sub == "." or "r" in sub or not _PITCH.search(sub):
                    continue
                if "_" in sub or "]" in sub:
                    continue
                if "q" in sub or "Q" in sub:
                    grace += 1
                else:
                    notes += 1
    return notes, grace


_PART_RE = re.compile(r"^\*part(\d+)$")
_STAFF_RE = re.compile(r"^\*staff(\d+)$")


def merge_one_staff_parts(text: str) -> tuple[str, bool]:
    """Merge a two-part score whose parts have one staff each into one piano part.

    The Mikrokosmos files encode each hand as a part; verovio then writes spines with
    ``*part2``/``*part1``. If exactly two parts exist, each with exactly one staff and
    different staff numbers, every ``*partN`` becomes the lower part number and the staves
    are renumbered ``*staff2`` (the left spine, the lower staff in Humdrum) and ``*staff1``.
    Returns ``(text, merged)``.
    """
    lines = text.splitlines()
    part_line = staff_line = None
    for ln in lines:
        if not ln.startswith("*") or ln.startswith("**"):
            continue
        toks = ln.split("\t")
        if part_line is None:
            if any(_PART_RE.match(t) for t in toks):
                part_line = toks
            continue
        if any(_STAFF_RE.match(t) for t in toks):
            staff_line = toks if len(toks) == len(part_line) else None
            break
    if part_line is None or staff_line is None:
        return text, False
    staves: dict[str, set[str]] = {}
    order: list[str] = []
    for p, s in zip(part_line, staff_line):
        mp_, ms = _PART_RE.match(p), _STAFF_RE.match(s)
        if mp_:
            if mp_.group(1) not in staves:
                order.append(mp_.group(1))
            staves.setdefault(mp_.group(1), set())
            if ms:
                staves[mp_.group(1)].add(ms.group(1))
    if len(staves) != 2 or any(len(v) != 1 for v in staves.values()):
        return text, False
    left, right = order
    s_left, s_right = next(iter(staves[left])), next(iter(staves[right]))
    if s_left == s_right:
        return text, False
    keep = min(staves, key=int)
    staff_map = {s_left: "2", s_right: "1"}
    out = []
    for ln in lines:
        if ln.startswith("*") and not ln.startswith("**"):
            new = []
            for t in ln.split("\t"):
                if _PART_RE.match(t):
                    t = f"*part{keep}"
                else:
                    m = _STAFF_RE.match(t)
                    if m and m.group(1) in staff_map:
                        t = f"*staff{staff_map[m.group(1)]}"
                new.append(t)
            ln = "\t".join(new)
        out.append(ln)
    return "\n".join(out) + ("\n" if text.endswith("\n") else ""), True


# ----------------------------------------------------------------------------------------
# **kern → MIDI
# ----------------------------------------------------------------------------------------
def kern_to_midi(text: str, *, timeout: float = VEROVIO_TIMEOUT_S) -> ToolRun:
    """**kern → MIDI bytes with verovio ``renderToMIDI`` in a subprocess.

    verovio's ``expandNever`` option is set: the MIDI plays the score once through, without
    expanding repeats (by default verovio expands them, or not, depending on the file).
    """
    return run_verovio("midi", text, timeout=timeout)


def strip_expansions(text: str) -> str:
    """Replace Humdrum expansion-list interpretations (``*>[A,A,B]``, ``*>A``) by null ``*``.

    verovio's MIDI plays a **kern file once through, without expanding repeats; removing
    the expansion lists makes music21's MIDI do the same.
    """
    out = []
    for ln in text.splitlines():
        if ln.startswith("*>") or "\t*>" in ln:
            toks = ["*" if t.startswith("*>") else t for t in ln.split("\t")]
            if all(t == "*" for t in toks):
                continue
            ln = "\t".join(toks)
        out.append(ln)
    return "\n".join(out) + "\n"


def kern_to_midi_music21(text: str) -> ToolRun:
    """Fallback **kern → MIDI through converter21's Humdrum reader and music21's MIDI writer."""
    return _music21_midi(strip_expansions(text), "humdrum")


def musicxml_to_midi_music21(xml_or_score) -> ToolRun:
    """MusicXML (text, or a music21 score parsed from it) → MIDI with music21."""
    return _music21_midi(xml_or_score, "musicxml")


def _remove_repeats(score) -> None:
    """Drop repeat barlines and volta brackets so that music21's MIDI plays the score once
    through (its MIDI writer expands repeats; verovio's, without expansion lists, does not)."""
    from music21 import bar, spanner, stream

    for m in score.recurse().getElementsByClass(stream.Measure):
        if isinstance(m.leftBarline, bar.Repeat):
            m.leftBarline = None
        if isinstance(m.rightBarline, bar.Repeat):
            m.rightBarline = bar.Barline("regular")
    for sp in list(score.recurse().getElementsByClass(spanner.RepeatBracket)):
        for site in list(sp.sites.get()):
            if isinstance(site, stream.Stream) and sp in site:
                site.remove(sp)


def _music21_midi(data, fmt: str) -> ToolRun:
    """MIDI bytes from ``data`` (text, or an already parsed music21 score, which is changed)."""
    t0 = time.perf_counter()
    try:
        if isinstance(data, str):
            score, _w = music21_parse(data, fmt=fmt)
        else:
            score = data
        _remove_repeats(score)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                tempfile.TemporaryDirectory(prefix="kmnet-m21-") as tmp:
            fp = score.write("midi", fp=Path(tmp) / "score.mid")
            out = rescale_midi(Path(fp).read_bytes())
    except Exception as exc:
        msg = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        return ToolRun(False, None, f"music21 MIDI failed ({type(exc).__name__}: {msg})", [],
                       time.perf_counter() - t0)
    return ToolRun(True, out, "", [], time.perf_counter() - t0)


def rescale_midi(midi: bytes, ticks_per_beat: int = 480) -> bytes:
    """The same MIDI with at most ``ticks_per_beat`` ticks per quarter note.

    music21 writes 10080 ticks per quarter; a long piece then passes 10^7 ticks, which
    pretty_midi (the renderer's reader) rejects as corrupt. Event times are rounded to the
    new grid (1/480 of a quarter note by default).
    """
    import mido

    mf = mido.MidiFile(file=io.BytesIO(midi))
    old = mf.ticks_per_beat
    if old <= ticks_per_beat:
        return midi
    out = mido.MidiFile(type=mf.type, ticks_per_beat=ticks_per_beat)
    for tr in mf.tracks:
        new = mido.MidiTrack()
        t_abs = prev = 0
        for msg in tr:
            t_abs += msg.time
            t_new = int(round(t_abs * ticks_per_beat / old))
            new.append(msg.copy(time=t_new - prev))
            prev = t_new
        out.tracks.append(new)
    buf = io.BytesIO()
    out.save(file=buf)
    return buf.getvalue()


def midi_stats(midi: bytes) -> tuple[int, float, float]:
    """``(notes, end in seconds, end in quarter notes)`` of a MIDI file (read with mido).

    The end is the last note-off. Raises ``ValueError`` for an unreadable file.
    """
    import mido

    try:
        mf = mido.MidiFile(file=io.BytesIO(midi))
    except Exception as exc:
        raise ValueError(f"unreadable MIDI ({type(exc).__name__}: {exc})") from exc
    tpb = mf.ticks_per_beat or 480
    n = 0
    last_tick = 0
    for tr in mf.tracks:
        t = 0
        for msg in tr:
            t += msg.time
            if msg.type == "note_on" and msg.velocity > 0:
                n += 1
            elif msg.type in ("note_off", "note_on"):
                last_tick = max(last_tick, t)
    # seconds: replay with the merged tempo map
    secs = 0.0
    t_abs = 0.0
    for msg in mf:  # iterating a MidiFile yields messages with time in seconds
        t_abs += msg.time
        if msg.type in ("note_off",) or (msg.type == "note_on" and msg.velocity == 0):
            secs = t_abs
    return n, secs, last_tick / tpb


def midi_note_count(midi: bytes) -> tuple[int, float]:
    """``(number of notes, end time in seconds)`` of a MIDI file."""
    n, secs, _q = midi_stats(midi)
    return n, secs


# ----------------------------------------------------------------------------------------
# music21 checks
# ----------------------------------------------------------------------------------------
def music21_parse(data: str, *, fmt: str):
    """Parse ``data`` with music21 (``fmt`` ``"musicxml"`` or ``"humdrum"``, converter21's reader).

    MusicXML goes through :func:`fix_for_music21` first.

    Returns ``(score, rhythm_warnings)``: the second counts converter21's complaints that a
    measure's offset could not be computed ("offsetInScore ... is negative": its rhythm
    analysis failed there). Raises whatever music21 raises when it cannot read the text.
    """
    music21 = _converter21()
    if fmt == "musicxml":
        data = fix_for_music21(data)[0]
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        score = music21.converter.parseData(data, format=fmt, forceSource=True)
    return score, err.getvalue().count("is negative")


def score_stats(score) -> tuple[int, float]:
    """``(note attacks, length in quarter notes)`` of a music21 score.

    Chord notes count one each; tie continuations and ends do not; grace notes count.
    """
    n = 0
    for el in score.recurse().notes:
        notes = el.notes if el.isChord else [el]
        for nt in notes:
            tie = nt.tie if nt.tie is not None else el.tie
            if tie is None or tie.type == "start":
                n += 1
    return n, float(score.highestTime)


def rest_tail(score) -> float:
    """Quarter notes of silence at the end of a music21 score (trailing rests).

    A MIDI file ends with its last note, so it is shorter than the score by this much.
    """
    end = 0.0
    for el in score.flatten().notes:
        end = max(end, float(el.offset + el.quarterLength))
    return max(0.0, float(score.highestTime) - end)


def music21_stats(data: str, *, fmt: str) -> tuple[int, float, int]:
    """``(note attacks, length in quarter notes, rhythm warnings)`` music21 reads from ``data``.

    See :func:`music21_parse` and :func:`score_stats`.
    """
    score, warn = music21_parse(data, fmt=fmt)
    n, q = score_stats(score)
    return n, q, warn


def music21_note_count(data: str, *, fmt: str) -> int:
    """Note attacks music21 reads from ``data`` (see :func:`music21_stats`)."""
    return music21_stats(data, fmt=fmt)[0]


def unescape_title(s: str) -> str:
    """Decode HTML entities and drop tags in a title (Mozart/mazurka records use them)."""
    return re.sub(r"<[^>]+>", "", html.unescape(s))
