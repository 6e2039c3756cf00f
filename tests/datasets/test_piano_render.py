"""Audio rendering of the piano set: MIDI excerpts, FluidSynth, determinism, silence (kmnet.datasets.piano.render)."""

from __future__ import annotations

import io
import shutil

import numpy as np
import pytest
import soundfile as sf

from kmnet.datasets import piano
from kmnet.datasets.piano import render

pytestmark = pytest.mark.skipif(shutil.which("fluidsynth") is None, reason="fluidsynth not installed")


def _soundfont_or_skip():
    try:
        return render.find_soundfont()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))


def _midi(notes, *, velocity=90):
    import pretty_midi

    pm = pretty_midi.PrettyMIDI()
    inst = pretty_midi.Instrument(program=int(np.random.default_rng().integers(0, 8)))
    for pitch, start, end in notes:
        inst.notes.append(pretty_midi.Note(velocity, int(pitch), float(start), float(end)))
    pm.instruments.append(inst)
    buf = io.BytesIO()
    pm.write(buf)
    return buf.getvalue()


def _random_notes(rng, seconds):
    t, out = 0.0, []
    while t < seconds:
        d = float(rng.uniform(0.1, 0.6))
        out.append((rng.integers(40, 90), t, t + d))
        t += float(rng.uniform(0.05, 0.5))
    return out


def test_render_is_deterministic_mono_and_cut_to_the_excerpt():
    _soundfont_or_skip()
    rng = np.random.default_rng()
    excerpt = float(rng.uniform(2.0, 4.0))
    midi = _midi(_random_notes(rng, excerpt + 3.0))
    a = render.render_midi(midi, excerpt_s=excerpt, sr=render.DEFAULT_SR)
    b = render.render_midi(midi, excerpt_s=excerpt, sr=render.DEFAULT_SR)
    assert a.wav == b.wav and a.sha256 == b.sha256
    audio, sr = sf.read(io.BytesIO(a.wav), always_2d=True)
    assert sr == render.DEFAULT_SR and audio.shape[1] == 1
    assert audio.shape[0] == int(round(excerpt * sr))
    assert a.audio_s == pytest.approx(excerpt, abs=1 / sr)
    assert a.duration_s > excerpt  # the full piece is longer than the excerpt


def test_short_piece_keeps_its_length_without_padding():
    _soundfont_or_skip()
    rng = np.random.default_rng()
    length = float(rng.uniform(0.5, 1.5))
    res = render.render_midi(_midi([(60, 0.0, length)]), excerpt_s=30.0)
    # the note plus the synthesiser's release tail, far below the 30 s excerpt
    assert length < res.audio_s < length + 5.0
    audio, _ = sf.read(io.BytesIO(res.wav))
    assert np.abs(audio[-100:]).max() < 0.01  # ends in the release, not cut mid-note


def test_excerpt_midi_drops_late_notes_and_clips_long_ones():
    import pretty_midi

    rng = np.random.default_rng()
    cut_at = float(rng.uniform(1.0, 3.0))
    notes = [(60, 0.0, cut_at + 1.0), (62, cut_at - 0.5, cut_at - 0.25), (64, cut_at + 0.5, cut_at + 1.0)]
    out, full = render.excerpt_midi(_midi(notes), cut_at)
    assert full == pytest.approx(cut_at + 1.0, abs=0.01)
    pm = pretty_midi.PrettyMIDI(io.BytesIO(out))
    got = sorted((n.pitch, n.end) for i in pm.instruments for n in i.notes)
    assert [p for p, _ in got] == [60, 62]  # the note starting after the cut is dropped
    # ends on MIDI ticks: within a few milliseconds of the cut and of the note's own end
    assert [e for _, e in got] == pytest.approx([cut_at, cut_at - 0.25], abs=0.005)
    assert all(i.program == 0 for i in pm.instruments)


def test_silent_audio_is_rejected_with_a_reason():
    _soundfont_or_skip()
    quiet = _midi([(60 + k, 0.3 * k, 0.3 * k + 0.3) for k in range(5)], velocity=1)
    with pytest.raises(ValueError, match="silent audio"):
        render.render_midi(quiet, excerpt_s=5.0)


def test_midi_without_notes_is_rejected():
    with pytest.raises(ValueError, match="no notes"):
        render.excerpt_midi(_midi([]), 10.0)
    with pytest.raises(ValueError, match="unreadable MIDI"):
        render.excerpt_midi(b"MThd nonsense", 10.0)


def test_render_audio_from_kern_is_deterministic(tmp_path):
    _soundfont_or_skip()
    from test_piano_scores import random_kern

    text, _n, _g = random_kern(np.random.default_rng(), n_measures=2)
    a = piano.render_audio(text, excerpt_s=3.0)
    p = piano.render_audio(text, excerpt_s=3.0, path=tmp_path / "x.wav")
    b, sr = sf.read(p, dtype="float32")
    assert sr == 22050 and a.ndim == 1
    np.testing.assert_array_equal(a, b)
    assert p.read_bytes() == piano.render_audio(text, excerpt_s=3.0, path=tmp_path / "y.wav").read_bytes()
    with pytest.raises(ValueError, match="not Humdrum"):
        piano.render_audio("no kern here")


def test_render_rejects_bad_excerpt():
    with pytest.raises(ValueError, match="excerpt_s"):
        render.render_midi(b"", excerpt_s=0)
