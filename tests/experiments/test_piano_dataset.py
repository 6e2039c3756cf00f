"""The piano data chapter's tables (kmnet.experiments.piano_dataset): Table A1 / Table 2 beside the
paper's, failures grouped by kind, quality flags, note-count agreement, examples, the audio player
and the build time extrapolated from a sample."""

from __future__ import annotations

import base64
import re

import numpy as np
import pandas as pd
import pytest

from kmnet.datasets import piano
from kmnet.experiments import piano_dataset as ch
from kmnet.experiments.paper import paper_table

PERIODS = list(piano.PERIODS)


def random_manifest(rng, n=200):
    composers = {p: [*piano.TABLE_A1_COMPOSERS[p][:3], f"Other{p}"] for p in PERIODS}
    period = rng.choice(PERIODS, size=n)
    kern = rng.integers(50, 5000, size=n)
    midi = kern + rng.choice([0, 0, 0, 1, -3, 40], size=n)
    flags = rng.choice(["", "", "midi-via-music21", "rhythm-messages=3,quiet-audio=-45dBFS", "merged-one-staff-parts"],
                       size=n)
    return pd.DataFrame({
        "id": [f"piece-{i:04d}" for i in range(n)],
        "period": period,
        "composer": [rng.choice(composers[p]) for p in period],
        "split": rng.choice(["train", "test"], size=n, p=[0.6, 0.4]),
        "route": rng.choice(["kern", "verovio musicxml-hum", "converter21"], size=n),
        "midi_route": rng.choice(["verovio", "music21 (MusicXML)"], size=n, p=[0.9, 0.1]),
        "format": rng.choice(["kern", "musicxml"], size=n),
        "kern_notes": kern, "midi_notes": midi,
        "quality_flags": flags,
    })


# ---- counts per period ----------------------------------------------------------------------
def test_table_a1_counts_every_piece_once_and_names_missing_composers(rng):
    m = random_manifest(rng)
    t = ch.table_a1(m)
    assert t["period"].tolist() == PERIODS
    assert t["pieces"].sum() == len(m)
    assert (t["difference"] == t["pieces"] - t["paper_value"]).all()
    assert t["paper_value"].tolist() == [piano.PAPER_COUNTS[p] for p in PERIODS]
    for r in t.itertuples():
        ours = set(m.loc[m["period"] == r.period, "composer"])
        listed = dict(x.rsplit(" ", 1) for x in r._5.split(", "))
        assert set(listed) == ours and sum(map(int, listed.values())) == r.pieces
        missing = [c for c in piano.TABLE_A1_COMPOSERS[r.period] if c not in ours]
        assert r._6 == (", ".join(missing) or "-")
        assert r._7 == (", ".join(c for c in listed if c not in piano.TABLE_A1_COMPOSERS[r.period]) or "-")


def test_table_2_splits_and_totals(rng):
    m = random_manifest(rng)
    t = ch.table_2(m, paper_table("table2"))
    assert t["period"].tolist() == [*PERIODS, "total"]
    assert t["train"].iloc[-1] == (m["split"] == "train").sum() and t["test"].iloc[-1] == (m["split"] == "test").sum()
    assert (t.iloc[:-1][["train", "test"]].sum(axis=1).to_numpy()
            == m["period"].value_counts().reindex(PERIODS, fill_value=0).to_numpy()).all()
    assert t["paper_train"].iloc[-1] + t["paper_test"].iloc[-1] == sum(piano.PAPER_COUNTS.values())
    with pytest.raises(ValueError, match="unknown split"):
        ch.table_2(m.assign(split="validation"), paper_table("table2"))


def test_routes_and_candidates_tables_count_every_row(rng):
    m = random_manifest(rng)
    r = ch.routes_table(m)
    route_cols = [c for c in r.columns if c not in ("period", "MIDI by music21")]
    assert r[route_cols].to_numpy().sum() == len(m)
    assert r["MIDI by music21"].sum() == (m["midi_route"] != "verovio").sum()
    c = ch.candidates_table(m)
    assert c["candidates"].sum() == len(m)
    assert (c["**kern files"] + c["MusicXML files"] == c["candidates"]).all()
    with pytest.raises(ValueError, match="missing column"):
        ch.routes_table(m.drop(columns="midi_route"))


# ---- failures ---------------------------------------------------------------------------------
REASONS = {
    "length": ("convert", "verovio musicxml-hum failed (killed by SIGABRT): terminate called after throwing an "
                          "instance of 'std::length_error'; converter21 failed (IndexError: x)"),
    "range": ("convert", "verovio musicxml-hum failed (killed by SIGABRT): what():  vector::_M_range_check: __n "
                         "(which is 1) >= this->size() (which is 1); converter21 failed (HumdrumExportError: y)"),
    "free": ("convert", "verovio musicxml-hum failed (killed by SIGABRT): double free or corruption (out); "
                        "converter21 failed (SitesException: z)"),
    "segv": ("convert", "verovio musicxml-hum failed (killed by SIGSEGV); converter21 failed (HumdrumInternalError: w)"),
    "midi": ("midi", "no usable MIDI: verovio MIDI: rhythm error (Error: x); music21 MIDI failed (y)"),
    "timeout": ("worker", "timed out after 900 s (remembered from an earlier build)"),
}


def test_failure_kind_and_verovio_crash_name_what_went_wrong():
    kinds = {k: ch.failure_kind(*v) for k, v in REASONS.items()}
    assert len({kinds[k] for k in ("length", "range", "free", "segv")}) == 1
    assert "verovio crashed and converter21 failed" in kinds["length"]
    assert kinds["midi"].startswith("no MIDI") and kinds["timeout"].startswith("timed out")
    crashes = {k: ch.verovio_crash(v[1]) for k, v in REASONS.items()}
    assert crashes["length"].startswith("length error") and crashes["range"].startswith("index out of range")
    assert "double free" in crashes["free"] and crashes["segv"] == "segmentation fault"
    assert crashes["midi"] is None and crashes["timeout"] is None
    assert ch.failure_kind("select", "odd") == "select: other"


def test_failure_summary_groups_and_counts(rng):
    n = int(rng.integers(10, 40))
    keys = rng.choice(list(REASONS), size=n)
    rep = pd.DataFrame({
        "id": [f"p{i}" for i in range(n)], "period": rng.choice(PERIODS, size=n),
        "stage": [REASONS[k][0] for k in keys], "reason": [REASONS[k][1] for k in keys],
        "status": "failed", "seconds": 1.0,
    })
    ok = pd.DataFrame({"id": ["q"], "period": ["Baroque"], "stage": ["convert"], "reason": [""], "status": ["ok"],
                       "seconds": [1.0]})
    s = ch.failure_summary(pd.concat([rep, ok], ignore_index=True))
    assert s["pieces"].sum() == n
    assert (s[PERIODS].sum(axis=1) == s["pieces"]).all()
    assert s["pieces"].is_monotonic_decreasing
    conv = s[s["what failed"].str.contains("verovio crashed")]
    n_conv = int(np.isin(keys, ["length", "range", "free", "segv"]).sum())
    if n_conv:
        assert conv["pieces"].item() == n_conv
        assert sum(int(x) for x in re.findall(r" (\d+)(?:,|$)", conv["detail"].item())) == n_conv
    empty = ch.failure_summary(ok)
    assert empty.empty and "what failed" in empty.columns


def test_failure_summary_of_the_committed_build_accounts_for_every_failure():
    rep = pd.read_csv(piano.default_manifest_path().with_name("build_report.csv"), keep_default_na=False)
    s = ch.failure_summary(rep)
    assert s["pieces"].sum() == (rep["status"] == "failed").sum()
    assert not s["what failed"].str.endswith(": other").any()


# ---- flags and note counts ------------------------------------------------------------------------
def test_flag_counts_replaces_numbers_and_counts_pieces_once(rng):
    n = int(rng.integers(20, 60))
    k = rng.integers(0, 1000, size=n)
    flags = pd.Series([f"midi-notes-{a}-vs-kern-{a + 3},midi-notes-{a + 1}-vs-kern-{a},rhythm-messages={a}" if a % 2
                       else "" for a in k])
    c = ch.flag_counts(flags)
    odd = int((k % 2 == 1).sum())
    assert c.get("midi-notes-N-vs-kern-N", 0) == odd and c.get("rhythm-messages=N", 0) == odd
    t = ch.flag_table(flags)
    assert (t["meaning"] != "-").all() if odd else t.empty


def test_note_agreement_counts_exact_and_near(rng):
    n = int(rng.integers(50, 150))
    b = rng.integers(100, 1000, size=n).astype(float)
    rel = rng.choice([0.0, 0.005, 0.03, 0.2], size=n)
    m = pd.DataFrame({"a": np.round(b * (1 + rel)), "b": b})
    t = ch.note_agreement(m, [("a", "b")]).iloc[0]
    real = np.abs(m["a"] - m["b"]) / m["b"]
    assert t["pieces"] == n and t["exact"] == int((real == 0).sum())
    assert t["within 1 %"] == int((real <= 0.01).sum()) and t["within 5 %"] == int((real <= 0.05).sum())
    assert t["worst (%)"] == pytest.approx(100 * real.max())


# ---- examples and the player ---------------------------------------------------------------------
def test_example_pieces_one_clean_piece_per_period_reproducibly(rng):
    m = random_manifest(rng, n=400)
    seed = int(rng.integers(1_000_000))
    ids = ch.example_pieces(m, seed)
    assert ids == ch.example_pieces(m, seed)
    rows = m.set_index("id").loc[ids]
    assert rows["period"].tolist() == PERIODS
    assert (rows["route"] == "kern").all() and (rows["quality_flags"] == "").all()
    with pytest.raises(ValueError, match="no clean piece"):
        ch.example_pieces(m.assign(quality_flags="x"), seed)


def test_audio_player_embeds_the_bytes_and_escapes_the_label(rng):
    data = rng.integers(0, 256, size=int(rng.integers(10, 500)), dtype=np.uint8).tobytes()
    out = ch.audio_player(data, 'Bach <"WTC">').data
    src = re.search(r'src="data:audio/mpeg;base64,([^"]+)"', out).group(1)
    assert base64.b64decode(src) == data
    assert "<audio controls" in out and "&lt;&quot;WTC&quot;&gt;" in out and '<"WTC">' not in out
    with pytest.raises(ValueError, match="non-empty"):
        ch.audio_player(b"", "x")
    with pytest.raises(ValueError, match="media type"):
        ch.audio_player(data, "x", mime="text/html")


# ---- the build time --------------------------------------------------------------------------------
def test_build_estimate_extrapolates_per_note_and_per_piece(rng):
    n = int(rng.integers(4, 12))
    sample = pd.DataFrame({"id": [f"s{i}" for i in range(n)], "format": ["kern", "musicxml"] * (n // 2) + ["kern"] * (n % 2),
                           "kern_notes": rng.integers(100, 3000, size=n)})
    rate = {"convert": {"kern": 1e-4, "musicxml": 3e-3}, "checks": {"kern": 2e-3, "musicxml": 4e-3},
            "midi": {"kern": 1e-3, "musicxml": 1e-3}}
    render_s = {"kern": 1.5, "musicxml": 2.0}
    rows = []
    for r in sample.itertuples():
        for st, rr in rate.items():
            rows.append({"id": r.id, "stage": st, "seconds": rr[r.format] * r.kern_notes})
        rows.append({"id": r.id, "stage": "render", "seconds": render_s[r.format]})
    rep = pd.DataFrame(rows)
    wall = rep["seconds"].sum()
    ratio = float(rng.uniform(0.3, 1.0))
    sample["cpu_s"] = ratio * wall / n
    full = pd.DataFrame({"format": rng.choice(["kern", "musicxml"], size=300), "kern_notes": rng.integers(50, 5000, 300)})
    workers = int(rng.integers(1, 5))
    est, cpw = ch.build_estimate(rep, sample, full, workers=workers)
    assert cpw == pytest.approx(ratio)
    e = est.set_index("stage")
    notes = full.groupby("format")["kern_notes"].sum()
    pieces = full["format"].value_counts()
    for st, rr in rate.items():
        assert e.at[st, "all pieces, wall (min)"] * 60 == pytest.approx(sum(rr[f] * notes[f] for f in notes.index))
    assert e.at["render", "all pieces, wall (min)"] * 60 == pytest.approx(sum(render_s[f] * pieces[f] for f in pieces.index))
    assert e.at["total", "all pieces, wall (min)"] == pytest.approx(e.drop("total")["all pieces, wall (min)"].sum())
    assert e.at["total", f"build on {workers} idle cores (min)"] == pytest.approx(
        e.at["total", "all pieces, wall (min)"] * ratio / workers)
    with pytest.raises(ValueError, match="workers"):
        ch.build_estimate(rep, sample, full, workers=0)
    with pytest.raises(ValueError, match="no stage times"):
        ch.build_estimate(rep.assign(id="other"), sample, full, workers=1)
