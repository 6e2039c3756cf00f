"""The piano data chapter: Table A1 and Table 2 beside the paper's, the build's quality report,
the examples to look at and listen to, and the build time extrapolated from a rebuilt sample.

Notebook: 03_piano_dataset

Everything here reads what :func:`kmnet.datasets.piano.build` wrote (the manifest, the build
report and ``build_info.json``) or what a sampled rebuild returns; nothing is rebuilt here.

* :func:`candidates_table`, :func:`table_a1`, :func:`table_2`, :func:`routes_table`: the counts
  per period, ours beside the paper's (Table A1, Table 2 of Appendix A.2 and Section 4.3);
* :func:`failure_kind`, :func:`verovio_crash`, :func:`failure_summary`: the failed candidates
  grouped by what went wrong, with counts (the raw reasons stay in the build report);
* :func:`flag_counts`, :func:`note_agreement`: the quality flags and how well the note counts
  of the **kern text, the MIDI and music21 agree;
* :func:`example_pieces` and :func:`audio_player`: one piece per period to look at (its first
  system, :func:`kmnet.datasets.piano.preview.score_svg`) and to hear (a short MP3 clip,
  :func:`kmnet.datasets.piano.preview.audio_clip`);
* :func:`build_estimate`: the time of a build from an empty cache, extrapolated per note (per
  piece for the audio) from the stage times of a rebuilt sample.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..datasets.piano import PAPER_COUNTS, PERIODS, TABLE_A1_COMPOSERS

__all__ = [
    "BUILD_STAGES",
    "FLAG_MEANINGS",
    "NOTE_PAIRS",
    "ROUTE_NAMES",
    "audio_player",
    "build_estimate",
    "candidates_table",
    "example_pieces",
    "failure_kind",
    "failure_summary",
    "flag_counts",
    "flag_table",
    "note_agreement",
    "routes_table",
    "table_2",
    "table_a1",
    "verovio_crash",
]

#: the stages of one piece whose times the build report records (and the estimate extrapolates)
BUILD_STAGES = ("convert", "checks", "midi", "render")

#: the routes of the text (the manifest's ``route``) as the tables name them
ROUTE_NAMES = {"kern": "**kern as is", "verovio musicxml-hum": "verovio (MusicXML)",
               "converter21": "converter21 (MusicXML)"}

#: the note counts compared by :func:`note_agreement` (a, b): how far a is from b
NOTE_PAIRS = (("midi_notes", "kern_notes"), ("m21_kern_notes", "kern_notes"),
              ("m21_source_notes", "kern_notes"), ("midi_notes", "m21_source_notes"))


def _check_columns(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {missing}")


# ------------------------------------------------------------------------------------------
# counts per period
# ------------------------------------------------------------------------------------------
def candidates_table(sources: pd.DataFrame, periods: Sequence[str] = PERIODS) -> pd.DataFrame:
    """Staged candidates per period and source format, beside Table A1's count of pieces."""
    _check_columns(sources, ["period", "format", "id"], "candidates_table")
    cand = sources.pivot_table(index="period", columns="format", values="id", aggfunc="count", fill_value=0)
    cand = cand.reindex(list(periods), fill_value=0)
    out = pd.DataFrame({"period": list(periods)})
    for fmt in ("kern", "musicxml"):
        out[f"{'**kern' if fmt == 'kern' else 'MusicXML'} files"] = \
            cand[fmt].to_numpy() if fmt in cand else 0
    out["candidates"] = cand.sum(axis=1).to_numpy()
    out["paper (Table A1)"] = [PAPER_COUNTS[p] for p in periods]
    return out


def table_a1(manifest: pd.DataFrame, paper: Mapping[str, int] | None = None,
             named: Mapping[str, Sequence[str]] | None = None,
             periods: Sequence[str] = PERIODS) -> pd.DataFrame:
    """Table A1 beside ours: pieces per period, our composers, the paper's composers we lack.

    Columns: ``period``, ``paper_value`` (Table A1's count), ``pieces`` (ours), ``difference``
    (ours - paper), ``our composers (pieces)``, ``named in Table A1, none here`` and
    ``not named in Table A1`` (``-`` when none).
    """
    _check_columns(manifest, ["period", "composer"], "table_a1")
    paper = dict(PAPER_COUNTS if paper is None else paper)
    named = TABLE_A1_COMPOSERS if named is None else named
    rows = []
    for p in periods:
        comp = manifest.loc[manifest["period"] == p, "composer"].value_counts()
        names = list(named.get(p, ()))
        rows.append({
            "period": p,
            "paper_value": int(paper[p]),
            "pieces": int(comp.sum()),
            "difference": int(comp.sum()) - int(paper[p]),
            "our composers (pieces)": ", ".join(f"{c} {n}" for c, n in comp.items()),
            "named in Table A1, none here": ", ".join(c for c in names if c not in comp.index) or "-",
            "not named in Table A1": ", ".join(c for c in comp.index if c not in names) or "-",
        })
    return pd.DataFrame(rows)


def table_2(manifest: pd.DataFrame, paper: pd.DataFrame, periods: Sequence[str] = PERIODS) -> pd.DataFrame:
    """Table 2 beside ours: training and test pieces per period, and a ``total`` row.

    ``paper`` is :func:`kmnet.experiments.paper.paper_table` ``("table2")`` (rows
    ``"Training set"``, ``"Test set"``; one column per period).
    """
    _check_columns(manifest, ["period", "split"], "table_2")
    bad = sorted(set(manifest["split"]) - {"train", "test"})
    if bad:
        raise ValueError(f"table_2: unknown split value(s) {bad}")
    ours = pd.crosstab(manifest["split"], manifest["period"]).reindex(
        index=["train", "test"], columns=list(periods), fill_value=0)
    out = pd.DataFrame({
        "period": list(periods),
        "train": [int(ours.at["train", p]) for p in periods],
        "paper_train": [int(paper.at["Training set", p]) for p in periods],
        "test": [int(ours.at["test", p]) for p in periods],
        "paper_test": [int(paper.at["Test set", p]) for p in periods],
    })
    out.loc[len(out)] = ["total", *out.drop(columns="period").sum().astype(int).tolist()]
    return out


def routes_table(manifest: pd.DataFrame, periods: Sequence[str] = PERIODS) -> pd.DataFrame:
    """Pieces per period and conversion route, and how many got their MIDI from music21."""
    _check_columns(manifest, ["period", "route", "midi_route"], "routes_table")
    routes = pd.crosstab(manifest["period"], manifest["route"]).reindex(list(periods), fill_value=0)
    routes["MIDI by music21"] = manifest.groupby("period")["midi_route"].apply(
        lambda s: int((s != "verovio").sum())).reindex(list(periods), fill_value=0)
    routes.columns = [ROUTE_NAMES.get(c, c) for c in routes.columns]
    return routes.rename_axis(columns=None).reset_index()


# ------------------------------------------------------------------------------------------
# failures
# ------------------------------------------------------------------------------------------
_CRASHES = (
    ("std::length_error", "length error (std::length_error)"),
    ("_M_range_check", "index out of range (vector range check)"),
    ("double free", "memory corruption (double free)"),
    ("SIGSEGV", "segmentation fault"),
)


def verovio_crash(reason: str) -> str | None:
    """What made verovio's conversion fail, in words (None when verovio did not fail).

    >>> verovio_crash("verovio musicxml-hum failed (killed by SIGABRT): double free or corruption (out)")
    'memory corruption (double free)'
    """
    if not isinstance(reason, str) or "verovio musicxml-hum failed" not in reason:
        return None
    part = reason.split("; converter21", 1)[0]
    for needle, words in _CRASHES:
        if needle in part:
            return words
    if "timed out" in part:
        return "time-out"
    m = re.search(r"\((killed by \w+|exit[^)]*|no output)\)", part)
    return m.group(1) if m else "other error"


def failure_kind(stage: str, reason: str) -> str:
    """The kind of a failed candidate, in words, from the build report's ``stage`` and ``reason``.

    Kinds: the MusicXML could not be converted to **kern (verovio crashed and converter21 failed
    too, or one of them alone when the other was not tried), no MIDI consistent with the score,
    a time-out, or ``"<stage>: other"``.
    """
    reason = str(reason or "")
    if reason.startswith("timed out") or (stage == "worker" and "timed out" in reason):
        return "timed out (the build's time limit per piece)"
    if stage == "convert":
        v, c = "verovio musicxml-hum failed" in reason, "converter21 failed" in reason
        if v and c:
            return "MusicXML → **kern: verovio crashed and converter21 failed"
        if v or c:
            return "MusicXML → **kern: " + ("verovio failed" if v else "converter21 failed")
        return "MusicXML → **kern: other"
    if stage == "midi":
        return "no MIDI consistent with the score (verovio, music21)"
    if stage == "render":
        return "audio: FluidSynth failed or the audio is silent"
    return f"{stage}: other"


def failure_summary(report: pd.DataFrame, periods: Sequence[str] = PERIODS) -> pd.DataFrame:
    """The failed candidates of a build report grouped by kind, with counts per period.

    Columns: ``what failed``, ``pieces``, one column per period, and ``detail`` (for the
    conversions: what verovio's crashes were, with counts). Sorted by count; empty (with these
    columns) when nothing failed.
    """
    _check_columns(report, ["status", "stage", "reason", "period"], "failure_summary")
    fails = report[report["status"] == "failed"]
    cols = ["what failed", "pieces", *periods, "detail"]
    if fails.empty:
        return pd.DataFrame(columns=cols)
    kinds = [failure_kind(s, r) for s, r in zip(fails["stage"], fails["reason"])]
    fails = fails.assign(kind=kinds, crash=[verovio_crash(r) for r in fails["reason"]])
    rows = []
    for kind, g in fails.groupby("kind", sort=False):
        crashes = g["crash"].dropna().value_counts()
        rows.append({
            "what failed": kind,
            "pieces": len(g),
            **{p: int((g["period"] == p).sum()) for p in periods},
            "detail": ("verovio: " + ", ".join(f"{k} {n}" for k, n in crashes.items())) if len(crashes) else "-",
        })
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["pieces", "what failed"], ascending=[False, True], kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------------------------------
# quality flags and note counts
# ------------------------------------------------------------------------------------------
def flag_counts(flags: pd.Series) -> pd.Series:
    """How many pieces carry each flag of a comma-separated flag column (numbers shown as N).

    ``"midi-notes-812-vs-kern-815"`` counts as ``"midi-notes-N-vs-kern-N"``; a flag is counted
    once per piece.
    """
    toks = flags.fillna("").astype(str).str.split(",").explode().str.strip()
    toks = toks[toks != ""].map(lambda t: re.sub(r"(?<=[-=])-?\d+(\.\d+)?", "N", t))
    toks = toks.groupby(level=0).unique().explode()  # once per piece
    return toks.value_counts().rename("pieces")


#: what each quality flag of the manifest means (numbers shown as N, as :func:`flag_counts` does)
FLAG_MEANINGS = {
    "music21-cannot-read-kern": "music21 cannot read the **kern text",
    "midi-notes-N-vs-kern-N": "the MIDI's note count is more than 1 % from the **kern's",
    "merged-one-staff-parts": "one part per hand, merged into one piano part",
    "midi-via-music21": "verovio's MIDI was rejected; music21 wrote it",
    "rhythm-messages=N": "the conversion to **kern reported N rhythm messages",
    "verovio-rhythm-errors=N": "verovio reported N rhythm errors while writing the MIDI",
    "music21-rhythm-warnings=N": "music21 warned N times about the rhythm of the **kern",
    "m21-notes-source-N-vs-kern-N": "music21's note counts of the MusicXML and of its **kern differ by more than 1 %",
    "quiet-audio=NdBFS": "the rendered audio is quieter than -40 dBFS",
}


def flag_table(flags: pd.Series) -> pd.DataFrame:
    """:func:`flag_counts` as a table with what each flag means (``-`` for an unknown flag)."""
    counts = flag_counts(flags)
    return pd.DataFrame({"flag": counts.index, "pieces": counts.to_numpy(),
                         "meaning": [FLAG_MEANINGS.get(f, "-") for f in counts.index]})


def note_agreement(manifest: pd.DataFrame, pairs: Sequence[tuple[str, str]] = NOTE_PAIRS) -> pd.DataFrame:
    """Per pair (a, b) of note counts: pieces with both, exact agreement, within 1 % and 5 %,
    and the worst relative difference |a - b| / b (in %)."""
    rows = []
    for a, b in pairs:
        _check_columns(manifest, [a, b], "note_agreement")
        sub = manifest[[a, b]].dropna()
        sub = sub[(sub[a] > 0) & (sub[b] > 0)]
        rel = (sub[a] - sub[b]).abs() / sub[b]
        rows.append({"comparison": f"{a} vs {b}", "pieces": len(sub), "exact": int((rel == 0).sum()),
                     "within 1 %": int((rel <= 0.01).sum()), "within 5 %": int((rel <= 0.05).sum()),
                     "worst (%)": float(100 * rel.max()) if len(rel) else float("nan")})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------
# examples
# ------------------------------------------------------------------------------------------
def example_pieces(manifest: pd.DataFrame, seed: int, periods: Sequence[str] = PERIODS, *,
                   route: str | None = "kern", clean: bool = True) -> list[str]:
    """One piece id per period, drawn with ``seed`` from the pieces of that ``route`` (None: any)
    that carry no quality flag (``clean``). The same seed gives the same pieces.

    Raises
    ------
    ValueError
        A period has no such piece.
    """
    _check_columns(manifest, ["id", "period", "route", "quality_flags"], "example_pieces")
    rng = np.random.default_rng(seed)
    out = []
    for p in periods:
        sel = manifest["period"] == p
        if route is not None:
            sel &= manifest["route"] == route
        if clean:
            sel &= manifest["quality_flags"].fillna("").astype(str).str.strip() == ""
        ids = sorted(manifest.loc[sel, "id"])
        if not ids:
            raise ValueError(f"example_pieces: no {'clean ' if clean else ''}piece of route {route!r} in {p}")
        out.append(str(rng.choice(ids)))
    return out


def audio_player(data: bytes, label: str, *, mime: str = "audio/mpeg"):
    """An HTML audio player with ``data`` embedded (no file to ship), and a label under it.

    Returns an ``IPython.display.HTML`` object; the page needs nothing outside itself.
    """
    from IPython.display import HTML

    if not isinstance(data, (bytes, bytearray)) or not data:
        raise ValueError("audio_player: data must be non-empty bytes")
    if not re.fullmatch(r"audio/[\w.+-]+", mime):
        raise ValueError(f"audio_player: not an audio media type: {mime!r}")
    src = f"data:{mime};base64,{base64.b64encode(bytes(data)).decode('ascii')}"
    text = html.escape(label)
    return HTML(f'<div class="kmnet-audio"><audio controls preload="metadata" src="{src}" '
                f'aria-label="{text}"></audio><p class="kmnet-audio-label">{text}</p></div>')


# ------------------------------------------------------------------------------------------
# build time
# ------------------------------------------------------------------------------------------
def build_estimate(report: pd.DataFrame, sample: pd.DataFrame, manifest: pd.DataFrame, *,
                   workers: int, stages: Sequence[str] = BUILD_STAGES) -> tuple[pd.DataFrame, float]:
    """Extrapolate the time of building every piece of ``manifest`` from a rebuilt ``sample``.

    For each stage and source format, the sample's wall seconds per **kern note (per piece for
    ``render``, which synthesises a fixed-length excerpt) times the notes (pieces) of that format
    in ``manifest``; a format absent from the sample takes the sample's overall rate. Wall
    seconds become CPU seconds through the sample's CPU/wall ratio (its ``cpu_s`` over its stage
    seconds), and CPU seconds a build on ``workers`` idle cores.

    Parameters
    ----------
    report : DataFrame
        The sampled build's report (``id``, ``stage``, ``seconds``).
    sample : DataFrame
        The sampled build's manifest (``id``, ``format``, ``kern_notes``, ``cpu_s``).
    manifest : DataFrame
        All pieces (``format``, ``kern_notes``).
    workers : int
        Worker processes of the build to estimate.

    Returns
    -------
    (DataFrame, float)
        One row per stage and a ``total`` row: ``sample wall (s)``, ``all pieces, wall (min)``,
        ``all pieces, CPU (min)``, ``build on W idle cores (min)``; and the CPU/wall ratio.
    """
    if int(workers) < 1:
        raise ValueError(f"build_estimate: workers must be >= 1, got {workers}")
    _check_columns(report, ["id", "stage", "seconds"], "build_estimate (report)")
    _check_columns(sample, ["id", "format", "kern_notes", "cpu_s"], "build_estimate (sample)")
    _check_columns(manifest, ["format", "kern_notes"], "build_estimate (manifest)")
    rep = report[report["stage"].isin(stages)].merge(sample[["id", "format", "kern_notes"]], on="id")
    if rep.empty:
        raise ValueError("build_estimate: the report holds no stage times of the sampled pieces")
    totals = manifest.groupby("format").agg(pieces=("kern_notes", "size"), notes=("kern_notes", "sum"))
    est = {}
    for st in stages:
        g = rep[rep["stage"] == st].groupby("format").agg(s=("seconds", "sum"), n=("kern_notes", "sum"),
                                                         k=("id", "size"))
        if g.empty:
            est[st] = float("nan")
            continue
        unit, col = ("pieces", "k") if st == "render" else ("notes", "n")
        rate = (g["s"] / g[col]).reindex(totals.index).fillna(g["s"].sum() / g[col].sum())
        est[st] = float((rate * totals[unit]).sum())
    wall = float(rep["seconds"].sum())
    cpu_per_wall = float(sample["cpu_s"].sum() / wall) if wall > 0 else float("nan")
    out = pd.DataFrame({"sample wall (s)": rep.groupby("stage")["seconds"].sum().reindex(list(stages)),
                        "all pieces, wall (min)": pd.Series(est) / 60})
    out.loc["total"] = out.sum()
    out["all pieces, CPU (min)"] = out["all pieces, wall (min)"] * cpu_per_wall
    out[f"build on {int(workers)} idle cores (min)"] = out["all pieces, CPU (min)"] / int(workers)
    return out.rename_axis("stage").reset_index(), cpu_per_wall
