"""Score and audio previews of the piano set: the first system as SVG, a short MP3 clip
(kmnet.datasets.piano.preview)."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import soundfile as sf

from kmnet.datasets.piano import preview

PITCHES_LOW = ["C", "D", "E", "F", "G", "A", "B"]
PITCHES_HIGH = ["c", "d", "e", "f", "g", "a", "b", "cc"]


def two_staff_kern(rng, n_measures, *, staff_numbers=("*staff2", "*staff1"), names=False):
    """A random two-staff piano piece in 4/4: left spine bass clef, right spine treble clef."""
    lines = ["!!!COM: Test", "**kern\t**kern", "\t".join(staff_numbers)]
    if names:
        lines += ['*I"Piano\t*I"Piano', "*Ipiano\t*Ipiano"]
    lines += ["*clefF4\t*clefG2", "*M4/4\t*M4/4"]
    for m in range(1, n_measures + 1):
        lines.append(f"={m}\t={m}")
        for _ in range(4):
            lines.append(f"4{rng.choice(PITCHES_LOW)}\t4{rng.choice(PITCHES_HIGH)}")
    lines += ["==\t==", "*-\t*-"]
    return "\n".join(lines) + "\n"


def _measures(svg: str) -> int:
    return len(re.findall(r'class="measure"', svg))


def _clefs_top_down(svg: str) -> list[str]:
    """SMuFL code points of the clefs in document order (verovio draws the top staff first):
    E050 is the G clef, E062 the F clef."""
    return re.findall(r'href="#(E050|E062)-', svg)


# ---- staff order and the text that is drawn -----------------------------------------------
def test_standard_staff_order_flips_bottom_up_numbering_only(rng):
    text = two_staff_kern(rng, 2, staff_numbers=("*staff1", "*staff2"))
    flipped = preview.standard_staff_order(text)
    assert "*staff2\t*staff1" in flipped and "*staff1\t*staff2" not in flipped
    assert flipped.replace("*staff2\t*staff1", "") == text.replace("*staff1\t*staff2", "")
    assert preview.standard_staff_order(flipped) == flipped  # already top-down: unchanged
    one = "**kern\n*staff1\n*clefG2\n=1\n4c\n*-\n"
    assert preview.standard_staff_order(one) == one
    dyn = "**kern\t**kern\t**dynam\n*staff1\t*staff2\t*staff1/2\n4C\t4c\tp\n*-\t*-\t*-\n"
    assert preview.standard_staff_order(dyn).splitlines()[1] == "*staff2\t*staff1\t*staff2/1"
    with pytest.raises(ValueError, match="no \\*\\*kern"):
        preview.standard_staff_order("**text\nhello\n*-\n")


def test_drawing_text_drops_instrument_records_and_keeps_the_spines(rng):
    text = two_staff_kern(rng, int(rng.integers(1, 4)), names=True)
    out = preview.drawing_text(text)
    assert '*I"' not in out and "*Ipiano" not in out
    a, b = text.splitlines(), out.splitlines()
    assert len(a) == len(b)
    assert all(x.count("\t") == y.count("\t") for x, y in zip(a, b))


# ---- score_svg ------------------------------------------------------------------------------
def test_score_svg_draws_at_most_max_bars_at_the_asked_width(rng):
    text = two_staff_kern(rng, 8)
    bars = int(rng.integers(1, 4))
    width = int(rng.integers(500, 900))
    svg = preview.score_svg(text, width_px=width, max_bars=bars)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg") and root.get("width").endswith("px")
    assert abs(int(root.get("width")[:-2]) - width) <= 1  # verovio's page width is in whole units
    assert _measures(svg) == bars  # a few bars of quarter notes fit in one system
    assert preview.score_svg(text, width_px=width, max_bars=bars) == svg  # seeded ids: same SVG


def test_score_svg_keeps_only_the_first_system(rng):
    text = two_staff_kern(rng, 40)
    svg = preview.score_svg(text, max_bars=40)
    assert 1 <= _measures(svg) < 40
    assert len(re.findall(r'class="system"', svg)) == 1


def test_score_svg_draws_the_treble_staff_on_top_whatever_the_numbering(rng):
    for numbers in (("*staff2", "*staff1"), ("*staff1", "*staff2")):
        svg = preview.score_svg(two_staff_kern(rng, 2, staff_numbers=numbers), max_bars=2)
        clefs = _clefs_top_down(svg)
        assert clefs[:2] == ["E050", "E062"], (numbers, clefs)


def test_score_svg_rejects_bad_input_and_reports_verovio_failures(rng):
    with pytest.raises(ValueError, match="no \\*\\*kern"):
        preview.score_svg("not a score")
    with pytest.raises(ValueError, match="positive"):
        preview.score_svg(two_staff_kern(rng, 1), width_px=0)
    with pytest.raises(RuntimeError, match="timed out"):
        preview.score_svg(two_staff_kern(rng, 2), timeout=0.001)


# ---- audio_clip -----------------------------------------------------------------------------
def _tone(rng, seconds, sr):
    t = np.arange(int(seconds * sr)) / sr
    f = float(rng.uniform(200, 800))
    return (0.5 * np.sin(2 * np.pi * f * t)).astype(np.float32)


def test_audio_clip_is_a_deterministic_mono_mp3_of_the_first_seconds(rng):
    sr = int(rng.choice([16000, 22050, 44100]))
    secs = float(rng.uniform(2.0, 5.0))
    y = _tone(rng, secs + float(rng.uniform(1.0, 3.0)), sr)
    data = preview.audio_clip(y, sr, seconds=secs)
    assert data == preview.audio_clip(y, sr, seconds=secs)
    assert data[:3] == b"ID3" or data[0] == 0xFF  # an MP3 stream
    dec, got_sr = sf.read(io.BytesIO(data), always_2d=True)
    assert got_sr == sr and dec.shape[1] == 1
    assert abs(dec.shape[0] - secs * sr) <= 2 * 1152  # MP3 frames of 1152 samples
    assert len(data) < 0.25 * 2 * secs * sr  # far smaller than 16-bit PCM


def test_audio_clip_fades_out_and_keeps_a_short_input_whole(rng):
    sr = 22050
    y = _tone(rng, 3.0, sr)
    dec, _ = sf.read(io.BytesIO(preview.audio_clip(y, sr, seconds=10.0, fade_s=1.0)))
    assert abs(len(dec) - len(y)) <= 2 * 1152
    head = np.sqrt(np.mean(dec[sr // 2: sr] ** 2))
    tail = np.sqrt(np.mean(dec[-int(0.2 * sr) - 1200: -1200] ** 2))
    assert head > 0.25 and tail < 0.3 * head


def test_audio_clip_reads_a_file_and_averages_its_channels(rng, tmp_path):
    sr = 22050
    left, right = _tone(rng, 2.0, sr), _tone(rng, 2.0, sr)
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([left, right], axis=1), sr, subtype="FLOAT")
    mean = np.stack([left, right], axis=1).mean(axis=1)
    assert preview.audio_clip(path, seconds=1.5) == preview.audio_clip(mean, sr, seconds=1.5)


def test_audio_clip_rejects_bad_input(rng):
    y = _tone(rng, 1.0, 22050)
    for kwargs, msg in [({"sr": None}, "sr is required"), ({"sr": 12345}, "cannot hold"),
                        ({"sr": 22050, "seconds": 0}, "seconds"), ({"sr": 22050, "quality": 2.0}, "quality"),
                        ({"sr": 22050, "fade_s": -1}, "fade_s")]:
        with pytest.raises(ValueError, match=msg):
            preview.audio_clip(y, **kwargs)
    with pytest.raises(ValueError, match="no samples"):
        preview.audio_clip(np.array([], dtype=np.float32), 22050)
    with pytest.raises(ValueError, match="not finite"):
        preview.audio_clip(np.full(100, np.nan, dtype=np.float32), 22050)
    with pytest.raises(ValueError, match="no file"):
        preview.audio_clip("/nonexistent/clip.wav")
