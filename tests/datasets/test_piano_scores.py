"""Scores: **kern checks and counts, MusicXML reading, verovio/music21 conversions (kmnet.datasets.piano.scores)."""

from __future__ import annotations

import zipfile
import io

import numpy as np
import pytest

from kmnet.datasets.piano import scores
from kmnet.datasets.piano.fetch import zip_mxl

PITCHES = ["C", "D", "E", "F", "G", "A", "B", "c", "d", "e", "f", "g", "a", "b", "cc", "dd"]


def random_kern(rng, n_measures=4, *, dynam=False):
    """A random two-staff **kern piece in 4/4; returns (text, note attacks, grace notes)."""
    lines = ["!!!COM: Test, Composer", "!!!OTL: Random piece", "**kern\t**kern" + ("\t**dynam" if dynam else ""),
             "*staff2\t*staff1" + ("\t*" if dynam else ""), "*M4/4\t*M4/4" + ("\t*" if dynam else "")]
    notes = grace = 0
    pending_tie = [None, None]
    for m in range(1, n_measures + 1):
        lines.append("\t".join([f"={m}"] * (3 if dynam else 2)))
        for beat in range(4):
            if rng.random() < 0.2:  # a grace note in the right hand
                lines.append(".\t8q" + rng.choice(PITCHES[7:]) + ("\t." if dynam else ""))
                grace += 1
            toks = []
            for staff in range(2):
                if pending_tie[staff] is not None:
                    toks.append(f"4{pending_tie[staff]}]")
                    pending_tie[staff] = None
                    continue
                r = rng.random()
                if r < 0.15:
                    toks.append("4r")
                elif r < 0.35:
                    k = int(rng.integers(2, 4))
                    chord = rng.choice(PITCHES, size=k, replace=False)
                    toks.append(" ".join(f"4{p}" for p in chord))
                    notes += k
                elif r < 0.5 and not (m == n_measures and beat == 3):
                    p = rng.choice(PITCHES)
                    toks.append(f"[4{p}")
                    pending_tie[staff] = p
                    notes += 1
                else:
                    toks.append("4" + rng.choice(PITCHES))
                    notes += 1
            if dynam:
                toks.append(rng.choice(["p", "f", "."]))
            lines.append("\t".join(toks))
    lines.append("\t".join(["=="] * (3 if dynam else 2)))
    lines.append("\t".join(["*-"] * (3 if dynam else 2)))
    return "\n".join(lines) + "\n", notes, grace


def random_musicxml(rng, n_measures=4, *, harmony=0, parts=1):
    """A random one-staff MusicXML score; returns (xml text, note attacks)."""
    steps = "CDEFGAB"
    n = 0
    part_xml = []
    for pi in range(parts):
        ms = []
        for m in range(1, n_measures + 1):
            body = []
            if m == 1:
                clef = "<clef><sign>G</sign><line>2</line></clef>" if pi == 0 else "<clef><sign>F</sign><line>4</line></clef>"
                body.append("<attributes><divisions>1</divisions><key><fifths>0</fifths></key>"
                            f"<time><beats>4</beats><beat-type>4</beat-type></time>{clef}</attributes>")
            for _ in range(4):
                if harmony and rng.random() < 0.5:
                    body.append("<harmony><root><root-step>C</root-step></root><kind>major</kind></harmony>")
                if rng.random() < 0.15:
                    body.append("<note><rest/><duration>1</duration><voice>1</voice><type>quarter</type></note>")
                    continue
                k = int(rng.integers(1, 3))
                for j in range(k):
                    octave = (4 if pi == 0 else 3) + j
                    chord = "<chord/>" if j else ""
                    body.append(f"<note>{chord}<pitch><step>{rng.choice(list(steps))}</step><octave>{octave}</octave>"
                                "</pitch><duration>1</duration><voice>1</voice><type>quarter</type></note>")
                    n += 1
            ms.append(f'<measure number="{m}">' + "".join(body) + "</measure>")
        part_xml.append(f'<part id="P{pi + 1}">' + "".join(ms) + "</part>")
    plist = "".join(f'<score-part id="P{pi + 1}"><part-name>Piano</part-name></score-part>' for pi in range(parts))
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<score-partwise version="3.1">'
           f"<part-list>{plist}</part-list>" + "".join(part_xml) + "</score-partwise>\n")
    return xml, n


@pytest.fixture
def rng():
    return np.random.default_rng()


# ---- pure text functions ---------------------------------------------------------------
def test_count_kern_notes_counts_attacks_chords_ties_and_graces(rng):
    text, notes, grace = random_kern(rng, n_measures=int(rng.integers(2, 7)), dynam=bool(rng.integers(2)))
    assert scores.count_kern_notes(text) == (notes, grace)
    assert scores.kern_spine_count(text) == 2


def test_count_kern_notes_follows_spine_splits():
    text = "\n".join([
        "**kern\t**text\t**kern", "*M2/4\t*\t*M2/4", "=1\t=1\t=1",
        "*\t*\t*^",
        "4c\tla\t4e\t4g 4b", "4d\tlo\t4f\t4a", "*\t*\t*v\t*v",
        "=2\t=2\t=2", "2C\tli\t2ccc", "==\t==\t==", "*-\t*-\t*-",
    ]) + "\n"
    # spine 3 splits into two sub-spines for measure 1: notes 4c 4d | 4e 4f | 4g 4b 4a ; measure 2: C ccc
    assert scores.count_kern_notes(text) == (2 + 2 + 3 + 2, 0)
    assert scores.kern_spine_count(text) == 2


def test_check_humdrum_reasons():
    with pytest.raises(ValueError, match="empty"):
        scores.check_humdrum("  \n")
    with pytest.raises(ValueError, match="not Humdrum"):
        scores.check_humdrum("just some text\nwith lines\n")
    with pytest.raises(ValueError, match="without a \\*\\*kern"):
        scores.check_humdrum("**text\nla\n*-\n")
    with pytest.raises(ValueError, match="without data"):
        scores.check_humdrum("**kern\n*M4/4\n*-\n")
    scores.check_humdrum(random_kern(np.random.default_rng(), 1)[0])


def test_strip_reference_records_keeps_music(rng):
    text, notes, grace = random_kern(rng)
    stripped = scores.strip_reference_records(text)
    assert "!!!COM" not in stripped and "!!!OTL" not in stripped
    assert scores.count_kern_notes(stripped) == (notes, grace)


def test_merge_one_staff_parts():
    text = "\n".join(["**kern\t**dynam\t**kern\t**dynam", "*part2\t*part2\t*part1\t*part1",
                      "*staff2\t*\t*staff1\t*", "=1\t=1\t=1\t=1", "4C\tp\t4c\t.", "*-\t*-\t*-\t*-"]) + "\n"
    merged, ok = scores.merge_one_staff_parts(text)
    assert ok
    assert "*part2" not in merged and merged.count("*part1") == 4
    assert "*staff2\t*\t*staff1" in merged
    # a real one-part piano score is left alone
    piano = "**kern\t**kern\n*part1\t*part1\n*staff2\t*staff1\n4C\t4c\n*-\t*-\n"
    assert scores.merge_one_staff_parts(piano) == (piano, False)


def test_strip_expansions():
    text = "**kern\n*>[A,A,B]\n*>A\n4c\n*>B\n4d\n*-\n"
    out = scores.strip_expansions(text)
    assert "*>" not in out and scores.count_kern_notes(out) == (2, 0)


# ---- MusicXML input -------------------------------------------------------------------------
def test_read_musicxml_plain_and_mxl(rng):
    xml, _n = random_musicxml(rng)
    assert scores.read_musicxml(xml.encode()) == xml
    mxl = zip_mxl("score.musicxml", xml.encode(), level=int(rng.integers(1, 10)))
    assert scores.read_musicxml(mxl) == xml
    # a zip without container: the first .xml member is read
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("x/score.xml", xml)
    assert scores.read_musicxml(buf.getvalue()) == xml


def test_read_musicxml_errors():
    with pytest.raises(ValueError, match="empty"):
        scores.read_musicxml(b"", name="a")
    with pytest.raises(ValueError, match="not MusicXML"):
        scores.read_musicxml(b"**kern\n4c\n*-\n", name="b")
    with pytest.raises(ValueError, match="zip"):
        scores.read_musicxml(b"PK\x03\x04 broken", name="c")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "nothing")
    with pytest.raises(ValueError, match="no MusicXML"):
        scores.read_musicxml(buf.getvalue(), name="d")


def test_strip_harmony_counts(rng):
    xml, _ = random_musicxml(rng, harmony=1)
    k = xml.count("<harmony>")
    out, n = scores.strip_harmony(xml)
    assert n == k and "<harmony" not in out
    assert out.count("<note>") == xml.count("<note>")


# ---- tools (subprocesses) --------------------------------------------------------------
def test_verovio_midi_plays_every_kern_note(rng):
    text, notes, grace = random_kern(rng, n_measures=3)
    run = scores.kern_to_midi(text)
    assert run.ok, run.reason
    n, secs, quarters = scores.midi_stats(run.output)
    assert n == notes + grace
    assert quarters == pytest.approx(12, abs=0.25)  # 3 measures of 4/4 (graces take no time)
    assert secs > 0


def test_musicxml_to_kern_routes_agree_on_notes(rng):
    xml, n = random_musicxml(rng, n_measures=3, harmony=1)
    xml, _ = scores.strip_harmony(xml)
    v = scores.musicxml_to_kern_verovio(xml)
    assert v.ok, v.reason
    assert sum(scores.count_kern_notes(v.output)) == n
    assert v.midi is not None and scores.midi_stats(v.midi)[0] == n
    c = scores.musicxml_to_kern_converter21(xml)
    assert c.ok, c.reason
    assert sum(scores.count_kern_notes(c.output)) == n
    assert scores.music21_stats(xml, fmt="musicxml")[:2] == (n, 12.0)


def test_run_verovio_reports_a_timeout():
    xml, _ = random_musicxml(np.random.default_rng(), n_measures=2)
    run = scores.run_verovio("musicxml-hum", xml, timeout=0.001)
    assert not run.ok and "timed out" in run.reason


def test_run_verovio_rejects_unknown_mode():
    with pytest.raises(ValueError, match="unknown verovio mode"):
        scores.run_verovio("pdf", "x")
    with pytest.raises(ValueError, match="takes no options"):
        scores.run_verovio("midi", "x", options={"scale": 40})
