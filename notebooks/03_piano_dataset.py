# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -papermill,-execution,-ExecuteTime
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -papermill,-widgets
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (kmnet)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The piano genre data set, rebuilt from public scores
#
# The paper's multi-modal piano genre set (Section 4.3, Appendix A.2) holds 985 solo piano
# pieces from four periods (Baroque, Classical, Romantic, Modern). Each piece has a **kern score
# (the text modality) and audio synthesised from it. Table A1 lists the composers and the number
# of pieces per period, and Table 2 gives the training/test split. The paper never published its
# file list, so `kmnet.datasets.piano` rebuilds a set of the same shape from public sources. The
# build is recorded in the committed files `data/piano/manifest.csv`, `build_report.csv` and
# `build_info.json`.
#
# This chapter shows
#
# 1. **how the set was built**: the sources, the selection rules, the conversion routes, the
#    MIDI, the rendered audio and the split;
# 2. **Table A1** (composers and pieces per period) and **Table 2** (the split), ours beside the
#    paper's, computed from the committed manifest;
# 3. the **quality report**: the candidates that failed, grouped by what went wrong, the quality
#    flags, how well the note counts agree, and the lengths of the pieces;
# 4. **one piece per period to look at and to listen to**: the first system of its score and the
#    first seconds of its rendered audio, with the MFCC image that the audio features start from;
# 5. **a small random sample rebuilt end to end** from the sources, compared with the manifest,
#    and the time of a full build extrapolated from it.
#
# Everything runs from the committed manifest and the read-only data root. The cache of converted
# scores and audio may be empty: whatever is missing is rebuilt from the sources. The findings
# are summed up at the end of the chapter.

# %% tags=["parameters"]
data_root = None  # None: KMNET_DATA or ../shared/data
seed = 0  # picks the example pieces and the rebuilt sample (the set itself was built with seed 0)
clip_s = 10.0  # seconds of each example's audio clip
n_kern_lines = 12  # lines of each example's **kern text shown (in a collapsed block)
n_rebuild = 12  # pieces rebuilt end to end from their sources (half **kern, half MusicXML)
workers = 2  # worker processes of the sampled (and full) rebuild
full_rebuild = False  # True: rebuild the set (build()) and its features (build_features()); overwrites data/piano/*

# %% tags=["hide-input"]
# %matplotlib inline
import hashlib
import json
import tempfile
import time

import matplotlib.pyplot as plt
import music21  # noqa: F401  imported first: in a notebook, importing music21 switches figures to 2x 'retina' PNGs
import numpy as np
import pandas as pd
from IPython.display import SVG, display
from matplotlib_inline.backend_inline import set_matplotlib_formats

from kmnet.datasets import piano
from kmnet.datasets.piano import preview
from kmnet.experiments import notebook_setup
from kmnet.experiments import piano_dataset as ch
from kmnet.experiments.display import dropdown, glue, styled
from kmnet.experiments.paper import paper_table
from kmnet.experiments.reporting import write_results
from kmnet.features import audio as faudio
from kmnet.features import mfcc_to_image

t_start = time.perf_counter()
out_dir = piano.default_manifest_path().parent
manifest = piano.load_manifest()
report = pd.read_csv(out_dir / "build_report.csv", keep_default_na=False)
info = json.loads((out_dir / "build_info.json").read_text())
sources = piano.load_sources(data_root)
periods = list(piano.PERIODS)
notebook_setup(device="cpu")
set_matplotlib_formats("png")  # undo music21's 'retina' (keeps the notebook small)
wrap_headers = [{"selector": "th.col_heading", "props": "white-space: normal; vertical-align: bottom;"}]

# %% [markdown]
# ## 1. How the set was built
#
# **Sources.** The data root's `piano/` folder holds two tables of staged files. Every row gives
# the repository, the commit, the path and the sha256 of one file:
#
# * `sources-kern.tsv`: **kern files from KernScores-family repositories (the paper's first
#   choice; KernScores, {cite:t}`sapp2005kernscores`);
# * `sources-musicxml.tsv`: MusicXML (or MuseScore files converted to MusicXML) for works without
#   a **kern edition. The paper took these from musescore.com; ours come from public research
#   corpora (DCML {cite:p}`hentschel2021dcml`, ASAP {cite:p}`foscarin2020asap`, ...).
#   `piano/README-musicxml.md` in the data root describes each one.

# %% tags=["hide-input"]
cand = ch.candidates_table(sources, periods)
styled(cand, caption="Staged candidates per period and source format (files), beside Table A1's pieces")

# %% [markdown]
# **Selection** (`kmnet.datasets.piano.selection`). The candidates of each period are put in a
# deterministic priority order:
#
# * the composers take turns, so a period is spread over its composers until the smaller ones run
#   out;
# * within a composer, files with fewer *penalty flags* come first (a segment of a movement, an
#   OMR transcription, an unverified user upload, an arrangement, ...), then the sets that
#   Table A1 names;
# * one edition per work.
#
# Two kinds of cap apply. A set that Table A1 names with a count holds at most that many movements
# (the table below). Any other collection holds at most {glue:text}`ch03_collection_cap` of its
# period, so that one collection (Grieg's Lyric Pieces, Bartók's Mikrokosmos) cannot define a
# period. If a period is still short of its Table A1 count once the caps are applied, the pieces
# a cap held back are taken after all, in the same order; this happened for
# {glue:text}`ch03_beyond_caps` pieces. The period is **not padded** beyond its usable candidates.
# A piece that fails at any later stage is replaced by the next candidate of its period, in
# deterministic rounds ({glue:text}`ch03_rounds` rounds in the committed build, which excluded
# {glue:text}`ch03_excluded` candidates by a limit).
#
# A cap counts movements: files that are segments of one movement (e.g. the variations of
# Mozart's K. 331/I) count once.

# %% tags=["hide-input"]
cfg = info["config"]
a1 = pd.DataFrame(cfg["table_a1_sets"], columns=["period", "composer", "set", "title_regex", "cap (Table A1)"])
coll = [f"{c}: {s} (Table A1)" for c, s in zip(a1["composer"], a1["set"])]
a1 = a1.rename(columns={"cap (Table A1)": "cap (movements)"})
a1["candidates (files)"] = [int((sources["collection"] == k).sum()) for k in coll]
a1["taken (files)"] = [int((manifest["collection"] == k).sum()) for k in coll]
a1["taken (movements)"] = [manifest.loc[manifest["collection"] == k, "movement"].nunique() for k in coll]
styled(a1.drop(columns="title_regex"), caption="The sets Table A1 names, their caps and what the build took").set_table_styles(
    wrap_headers, overwrite=False)

# %% tags=["remove-cell", "nbval-check-output"]
beyond = {p: int(d["beyond_caps"]) for p, d in info["periods"].items()}
glue("ch03_collection_cap", f"{100 * cfg['per_collection_cap']:.0f} %")
glue("ch03_beyond_caps", ", ".join(f"{p} {n}" for p, n in beyond.items() if n) or "no")
glue("ch03_rounds", int(info["rounds"]))
glue("ch03_excluded", int(info["excluded_by_limits"]))
glue("ch03_excerpt_s", f"{cfg['excerpt_s']:.0f} s")
glue("ch03_sr", f"{int(cfg['sr'])} Hz")
glue("ch03_tools", ", ".join(f"{k} {v}" for k, v in info["versions"].items()))

# %% [markdown]
# **Routes** (`kmnet.datasets.piano.pipeline`, one worker process per piece; every verovio call
# runs in its own subprocess with a time limit, because verovio can crash the interpreter):
#
# 1. *text*: a **kern source is used as it is (route `kern`). MusicXML is converted to Humdrum
#    with verovio's `musicxml-hum` importer {cite:p}`pugin2014verovio` (the paper's "Verovio
#    Humdrum Viewer"). When verovio
#    crashes or its Humdrum has inconsistent rhythm, converter21 {cite:p}`chapman-converter21` (music21, {cite:t}`cuthbert2010music21`) is used
#    instead;
# 2. *checks*: music21 reads the **kern text and the MusicXML source, and the note counts and
#    lengths are compared (quality flags, Section 4);
# 3. *MIDI*: verovio renders the **kern to MIDI (played once through, without repeats). When
#    verovio's MIDI reports a rhythm error or disagrees with the score's note count or length,
#    music21 writes it from the MusicXML source or from the **kern;
# 4. *audio*: FluidSynth {cite:p}`fluidsynth` with the General MIDI piano of FluidR3_GM renders the **first
#    {glue:text}`ch03_excerpt_s`** (shorter pieces are kept whole, not padded) as mono 16-bit WAV
#    at **{glue:text}`ch03_sr`**;
# 5. *split*: stratified to Table 2's per-period counts (seed 0). The files that are segments of
#    one movement stay on the same side.
#
# The committed build used {glue:text}`ch03_tools`.

# %% tags=["hide-input"]
styled(ch.routes_table(manifest, periods), caption="Pieces per period and route of the text (pieces)").set_table_styles(
    wrap_headers, overwrite=False)

# %% [markdown]
# ## 2. Table A1: composers and pieces per period
#
# Table A1 names the works and composers of each period (its Modern row repeats "32 Sonatas by
# Beethoven", evidently a copy error, which is left out here). Beside the paper's counts we list
# our composers, the paper's composers for whom no usable public score was found, and the ones we
# use that the paper does not name. Download: {download}`tableA1.csv </results/tableA1.csv>`.

# %% tags=["hide-input"]
tableA1 = ch.table_a1(manifest, periods=periods)
write_results(tableA1, "tableA1")
counts = tableA1[["period", "paper_value", "pieces", "difference"]].rename(
    columns={"paper_value": "paper (pieces)", "pieces": "ours (pieces)", "difference": "ours − paper"})
counts["largest composer (share of the period)"] = [
    f"{s.value_counts().index[0]} {100 * s.value_counts(normalize=True).iloc[0]:.0f} %"
    for s in (manifest.loc[manifest["period"] == p, "composer"] for p in periods)]
counts.loc[len(counts)] = ["total", *counts[["paper (pieces)", "ours (pieces)", "ours − paper"]].sum().tolist(), "–"]
styled(counts, caption="Table A1: pieces per period, ours beside the paper's").set_table_styles(wrap_headers, overwrite=False)

# %% tags=["hide-input"]
composers = tableA1[["period", "our composers (pieces)", "named in Table A1, none here", "not named in Table A1"]]
styled(composers, caption="Table A1: our composers (pieces), and the paper's composers we lack").set_properties(
    subset=list(composers.columns[1:]), **{"white-space": "normal", "min-width": "12em"})

# %% tags=["remove-cell", "nbval-check-output"]
short = tableA1[tableA1["difference"] < 0]
glue("ch03_n_pieces", int(tableA1["pieces"].sum()))
glue("ch03_paper_n", int(tableA1["paper_value"].sum()))
glue("ch03_full_periods", ", ".join(tableA1.loc[tableA1["difference"] >= 0, "period"]) or "none")
glue("ch03_short_text", "; ".join(
    f"{r.period} is {-r.difference} pieces short ({info['periods'][r.period]['available']} candidates staged, "
    f"{info['periods'][r.period]['failed']} failed in the pipeline, the rest limited or duplicates)"
    for r in short.itertuples()) or "no period is short")
glue("ch03_missing_composers", int(sum(len([c for c in piano.TABLE_A1_COMPOSERS[p]
                                            if c not in set(manifest.loc[manifest["period"] == p, "composer"])])
                                       for p in periods)))
glue("ch03_named_composers", int(sum(len(piano.TABLE_A1_COMPOSERS[p]) for p in periods)))

# %% [markdown]
# {glue:text}`ch03_full_periods` have all of Table A1's pieces. Where a period falls short:
# {glue:text}`ch03_short_text`. The set is not padded. Of the
# {glue:text}`ch03_named_composers` composers that Table A1 names, {glue:text}`ch03_missing_composers`
# have no usable public score here.
#
# ## 3. Table 2: the training/test split
#
# Download: {download}`table2.csv </results/table2.csv>`.

# %% tags=["hide-input"]
t2 = paper_table("table2")
table2 = ch.table_2(manifest, t2, periods)
write_results(table2, "table2")
frac = manifest.groupby("period")["split"].apply(lambda s: (s == "train").mean()).reindex(periods)
paper_frac = (t2.loc["Training set"] / t2.sum()).reindex(periods)
shown2 = table2.rename(columns={"train": "train (ours)", "paper_train": "train (paper)", "test": "test (ours)",
                                "paper_test": "test (paper)"})
tot = table2.iloc[-1]
shown2["training share, ours (%)"] = [*(100 * frac).tolist(), 100 * tot["train"] / (tot["train"] + tot["test"])]
shown2["training share, paper (%)"] = [*(100 * paper_frac).tolist(),
                                       100 * tot["paper_train"] / (tot["paper_train"] + tot["paper_test"])]
styled(shown2, caption="Table 2: training and test pieces per period, ours beside the paper's", digits=1).set_table_styles(
    wrap_headers, overwrite=False)

# %% tags=["remove-cell", "nbval-check-output"]
seg = manifest[manifest["movement"] != manifest["id"]].groupby("movement")["split"].nunique()
full_periods = [p for p in periods if info["periods"][p]["shortfall"] == 0]
t2i = table2.set_index("period")
exact = [p for p in periods if t2i.loc[p, ["train", "test"]].tolist() == t2i.loc[p, ["paper_train", "paper_test"]].tolist()]
glue("ch03_train", int(t2i.at["total", "train"]))
glue("ch03_test", int(t2i.at["total", "test"]))
glue("ch03_paper_train", int(t2i.at["total", "paper_train"]))
glue("ch03_paper_test", int(t2i.at["total", "paper_test"]))
glue("ch03_split_exact", ", ".join(exact) or "none")
glue("ch03_split_short", ", ".join(p for p in periods if p not in full_periods) or "none")
glue("ch03_movements_split", int(len(seg)))
glue("ch03_movements_both", int((seg > 1).sum()))

# %% [markdown]
# A period with all of Table A1's pieces is split with Table 2's counts, and these periods match
# Table 2 exactly: {glue:text}`ch03_split_exact`. A short period ({glue:text}`ch03_split_short`)
# is split with Table 2's training share instead (`split_pieces`). Of the
# {glue:text}`ch03_movements_split` movements stored as several files,
# {glue:text}`ch03_movements_both` lie on both sides of the split.
#
# ## 4. Quality report
#
# ### Failures and exclusions
#
# `build_report.csv` has one row per stage of every candidate tried. A candidate is either
# excluded by a limit before it is processed, or it fails at a stage and is replaced by the next
# candidate of its period. The failures, grouped by what went wrong:

# %% tags=["hide-input"]
fails = report[report["status"] == "failed"]
summary = ch.failure_summary(report, periods)
styled(summary.drop(columns="detail"), caption="Failed candidates by kind and period (pieces)").set_properties(
    subset=["what failed"], **{"white-space": "normal", "min-width": "16em"})

# %% tags=["hide-input"]
crashes = fails["reason"].map(ch.verovio_crash).dropna().value_counts().rename_axis("verovio's error").reset_index(
    name="MusicXML files")
styled(crashes, caption="What verovio's conversion died of, on the files that failed (files)")

# %% tags=["hide-input"]
detail = fails[["id", "period", "stage", "reason"]].assign(kind=[ch.failure_kind(s, r) for s, r in zip(fails["stage"], fails["reason"])])
dropdown(styled(detail[["id", "period", "kind", "reason"]]).set_properties(
    subset=["reason"], **{"white-space": "normal", "min-width": "28em"}),
    f"The {len(detail)} failed candidates with the converters' own messages")

# %% tags=["hide-input"]
excl = report[report["status"] == "excluded"]["reason"].value_counts().rename_axis("reason").reset_index(name="candidates")
styled(excl, caption="Candidates excluded by a limit before they were processed")

# %% tags=["remove-cell", "nbval-check-output"]
fallback = report[report["status"] == "fallback"]
glue("ch03_n_failed", int(len(fails)))
glue("ch03_fail_convert", int(summary.loc[summary["what failed"].str.contains("verovio crashed and converter21"), "pieces"].sum()))
glue("ch03_fail_midi", int(summary.loc[summary["what failed"].str.startswith("no MIDI"), "pieces"].sum()))
glue("ch03_fail_timeout", int(summary.loc[summary["what failed"].str.startswith("timed out"), "pieces"].sum()))
glue("ch03_n_fallback", int(len(fallback)))

# %% [markdown]
# verovio aborts the interpreter on some MusicXML files (the second table above names its
# errors); when converter21 then fails too, the candidate is dropped. In {glue:text}`ch03_n_fallback`
# pieces the first route failed and the second one was used.
#
# ### Quality flags
#
# The build flags a piece that passed but whose checks disagree. The flags are recorded in the
# manifest's `quality_flags` column; the numbers in a flag are replaced by `N` here for counting.
# A flag never removes a piece.

# %% tags=["hide-input"]
flags = ch.flag_table(manifest["quality_flags"])
styled(flags, caption="Quality flags: pieces carrying each flag").set_properties(
    subset=["meaning"], **{"white-space": "normal", "min-width": "18em"})

# %% tags=["remove-cell", "nbval-check-output"]
glue("ch03_noflag", int((manifest["quality_flags"].fillna("") == "").sum()))
glue("ch03_source_penalty", int(sum(any(t.strip().startswith(pf) for pf in piano.PENALTY_FLAGS for t in f.split(","))
                                    for f in manifest["source_flags"].fillna(""))))

# %% [markdown]
# {glue:text}`ch03_noflag` of the {glue:text}`ch03_n_pieces` pieces carry no quality flag.
# {glue:text}`ch03_source_penalty` pieces carry a penalty flag from staging (for instance a
# segment of a movement or an OMR transcription), taken because their period needed them.
#
# ### Do the note counts agree?
#
# For every piece the build counts the note attacks of the **kern text (`kern_notes`, graces
# included), of the MIDI (`midi_notes`), of music21 reading the **kern (`m21_kern_notes`), and, for
# MusicXML sources, of music21 reading the source (`m21_source_notes`). The table gives, per
# comparison, how many pieces agree exactly and how many are within 1 % and 5 %.

# %% tags=["hide-input"]
agree = ch.note_agreement(manifest)
names = {"midi_notes": "MIDI", "kern_notes": "**kern", "m21_kern_notes": "music21 on the **kern",
         "m21_source_notes": "music21 on the MusicXML"}
shown_agree = agree.assign(comparison=[f"{names[a]} vs {names[b]}" for a, b in ch.NOTE_PAIRS])
styled(shown_agree, caption="Agreement of the note counts (pieces; worst relative difference in %)", digits=1)

# %% tags=["hide-input"]
mk = manifest.dropna(subset=["midi_notes", "kern_notes"])
by_route = mk.assign(exact=mk["midi_notes"] == mk["kern_notes"]).groupby("route")["exact"].agg(["sum", "size"])
by_route = by_route.rename(columns={"sum": "MIDI = **kern (pieces)", "size": "pieces"}).reset_index()
by_route["route"] = by_route["route"].map(lambda r: ch.ROUTE_NAMES.get(r, r))
by_route["share (%)"] = 100 * by_route["MIDI = **kern (pieces)"] / by_route["pieces"]
styled(by_route, caption="MIDI note count equal to the **kern's, by route of the text", digits=1)

# %% tags=["remove-cell", "nbval-check-output"]
a0 = agree.iloc[0]
glue("ch03_midi_exact", int(a0["exact"]))
glue("ch03_midi_within1", int(a0["within 1 %"]))
glue("ch03_midi_within5", int(a0["within 5 %"]))
glue("ch03_midi_pieces", int(a0["pieces"]))
glue("ch03_midi_worst", float(a0["worst (%)"]), 1, unit=" %")
glue("ch03_notes_min", int(manifest["kern_notes"].min()))
glue("ch03_notes_max", int(manifest["kern_notes"].max()))

# %% [markdown]
# Verovio writes its MIDI from the same **kern, so its note count can differ from the
# **kern's only through ties, grace notes and ornaments. The MIDI that music21 writes from the
# MusicXML (the fallback) can differ more. The flag counts above show how often each kind of
# difference occurs.
#
# ### Durations
#
# `duration_s` is the whole piece as MIDI (repeats not expanded). The audio keeps the first
# {glue:text}`ch03_excerpt_s`, so a piece shorter than that gives a shorter excerpt
# ({numref}`fig-ch03-durations`). The scores hold from {glue:text}`ch03_notes_min` to
# {glue:text}`ch03_notes_max` note attacks ({numref}`fig-ch03-score-size`).

# %% mystnb={"figure": {"caption": "Length of the whole piece as MIDI (log scale), per period. The dashed line marks the length of the rendered excerpt; pieces to its left give a shorter excerpt.", "name": "fig-ch03-durations"}, "image": {"alt": "Histogram of the length of the whole piece as MIDI in seconds on a log scale, one outline per period, with a dashed line at the 30-second excerpt length; most pieces last between one and five minutes, few are shorter than the excerpt."}} tags=["hide-input"]
fig, ax = plt.subplots(figsize=(7.5, 3.8), layout="constrained")
bins = np.logspace(np.log10(max(1.0, manifest["duration_s"].min())), np.log10(manifest["duration_s"].max()), 30)
for p in periods:
    ax.hist(manifest.loc[manifest["period"] == p, "duration_s"], bins=bins, histtype="step", lw=1.6, label=p)
ax.axvline(cfg["excerpt_s"], color="k", ls="--", lw=1, label=f"excerpt ({cfg['excerpt_s']:.0f} s)")
ax.set(xscale="log", xlabel="piece length as MIDI (s, log scale)", ylabel="pieces")
fig.legend(loc="outside upper center", ncols=5, frameon=False)
plt.show()

# %% mystnb={"figure": {"caption": "Size of the score: note attacks in the **kern text per period (log scale).", "name": "fig-ch03-score-size"}, "image": {"alt": "Box plots of the number of note attacks in the **kern score per period on a log scale; the medians lie between several hundred and a few thousand notes."}} tags=["hide-input"]
fig, ax = plt.subplots(figsize=(7.5, 3.4))
ax.boxplot([manifest.loc[manifest["period"] == p, "kern_notes"] for p in periods], tick_labels=periods)
ax.set(yscale="log", ylabel="note attacks in the **kern")
fig.tight_layout()
plt.show()

# %% tags=["hide-input"]
dur = manifest.groupby("period")["duration_s"].describe()[["min", "25%", "50%", "75%", "max"]].reindex(periods)
dur.columns = [f"{c} (s)" for c in ["shortest", "25 %", "median", "75 %", "longest"]]
dur[f"excerpt < {cfg['excerpt_s']:.0f} s (pieces)"] = manifest.groupby("period")["audio_s"].apply(
    lambda s: int((s < cfg["excerpt_s"] - 0.01).sum())).reindex(periods)
styled(dur.reset_index(), caption="Length of the whole piece as MIDI, per period", digits=0).set_table_styles(
    wrap_headers, overwrite=False)

# %% [markdown]
# ## 5. Look and listen: one piece per period
#
# For each period, one piece drawn with `seed` among those whose **kern is the source itself
# (route `kern`) and that carry no quality flag. Each figure shows the first system of its score,
# engraved by verovio from the **kern text that the text features read
# (`kmnet.datasets.piano.preview.score_svg`); under it, a player holds the first
# {glue:text}`ch03_clip_s` of the rendered excerpt that the audio features read, compressed
# to MP3 (`preview.audio_clip`). With an empty cache, the text is read from the source and the
# audio is rendered again (MIDI by verovio, then FluidSynth); the sha256 of every WAV is compared
# with the manifest's.

# %% tags=["hide-input"]
examples = ch.example_pieces(manifest, seed, periods)
mrow = manifest.set_index("id")
sr = int(cfg["sr"])
ex = {}
for pid in examples:
    text = piano.kern_text(pid, data_root, manifest=manifest, reference_records=False)
    wav = piano.audio_path(pid, data_root, manifest=manifest)
    y = faudio.load_audio(wav, sr=sr)
    ex[pid] = {
        "text": text,
        "svg": preview.score_svg(text),
        "clip": preview.audio_clip(y, sr, seconds=clip_s),
        "same_wav": hashlib.sha256(wav.read_bytes()).hexdigest() == mrow.at[pid, "audio_sha256"],
        "mfcc": mfcc_to_image(faudio.mfcc(y, sr))[0],
        "seconds": len(y) / sr,
    }
    ex[pid]["player"] = ch.audio_player(
        ex[pid]["clip"], f"{mrow.at[pid, 'period']}, {mrow.at[pid, 'composer']}: the first "
        f"{min(clip_s, ex[pid]['seconds']):.0f} s of the rendered excerpt (MP3, {len(ex[pid]['clip']) / 1000:.0f} kB)")


# %% tags=["remove-cell", "nbval-check-output"]
for p, pid in zip(periods, examples):
    glue(f"ch03_ex_{p}", f"{mrow.at[pid, 'composer']}, {mrow.at[pid, 'work']}".rstrip(". "))
glue("ch03_clip_s", f"{clip_s:.0f} s")
glue("ch03_examples_same", int(sum(e["same_wav"] for e in ex.values())))
glue("ch03_n_examples", len(examples))

# %% mystnb={"figure": {"caption": "Baroque: {glue:text}`ch03_ex_Baroque`: the first system of its score. The player under it holds the first seconds of its rendered audio.", "name": "fig-ch03-score-baroque"}, "image": {"alt": "First system of the Baroque example's score in two staves, engraved by verovio."}} tags=["hide-input"]
SVG(ex[examples[0]]["svg"])

# %% tags=["remove-input"]
ex[examples[0]]["player"]

# %% mystnb={"figure": {"caption": "Classical: {glue:text}`ch03_ex_Classical`: the first system of its score. The player under it holds the first seconds of its rendered audio.", "name": "fig-ch03-score-classical"}, "image": {"alt": "First system of the Classical example's score in two staves, engraved by verovio."}} tags=["hide-input"]
SVG(ex[examples[1]]["svg"])

# %% tags=["remove-input"]
ex[examples[1]]["player"]

# %% mystnb={"figure": {"caption": "Romantic: {glue:text}`ch03_ex_Romantic`: the first system of its score. The player under it holds the first seconds of its rendered audio.", "name": "fig-ch03-score-romantic"}, "image": {"alt": "First system of the Romantic example's score in two staves, engraved by verovio."}} tags=["hide-input"]
SVG(ex[examples[2]]["svg"])

# %% tags=["remove-input"]
ex[examples[2]]["player"]

# %% mystnb={"figure": {"caption": "Modern: {glue:text}`ch03_ex_Modern`: the first system of its score. The player under it holds the first seconds of its rendered audio.", "name": "fig-ch03-score-modern"}, "image": {"alt": "First system of the Modern example's score in two staves, engraved by verovio."}} tags=["hide-input"]
SVG(ex[examples[3]]["svg"])

# %% tags=["remove-input"]
ex[examples[3]]["player"]

# %% [markdown]
# The text features read the **kern text itself, with the reference records (composer, title,
# dates) removed. Its first lines, for the four pieces:

# %% tags=["hide-input"]
blocks = []
for pid in examples:
    lines = [ln for ln in ex[pid]["text"].splitlines() if ln.strip()]
    head = "\n".join(ln if len(ln) < 90 else ln[:87] + "..." for ln in lines[:n_kern_lines])
    blocks.append(f"{mrow.at[pid, 'period']}: {pid} (first {n_kern_lines} of {len(lines)} lines)\n{head}\n...")
dropdown("\n\n".join(blocks), f"The first {n_kern_lines} lines of each example's **kern text")

# %% [markdown]
# The audio features start from MFCCs: 20 coefficients on 0.03 s windows
# (`kmnet.features.audio.mfcc`), each coefficient standardised over time and resized to
# 224 × 224 (`kmnet.features.mfcc_to_image`). {numref}`fig-ch03-mfcc` shows this image, which the
# frozen CNN of the audio features sees, for the four excerpts.

# %% mystnb={"figure": {"caption": "MFCC images of the four example excerpts (20 coefficients, each standardised over time): what the frozen CNN of the audio features sees.", "name": "fig-ch03-mfcc"}, "image": {"alt": "Four MFCC images in a two-by-two grid, one per period, with time in seconds on the horizontal axis and the 20 MFCC coefficients on the vertical axis; bright and dark bands show how the timbre changes over the excerpt."}} tags=["hide-input"]
fig, axes = plt.subplots(2, 2, figsize=(7.5, 5.6), sharey=True)
for ax, pid in zip(axes.ravel(), examples):
    ax.imshow(ex[pid]["mfcc"], aspect="auto", cmap="magma", extent=[0, ex[pid]["seconds"], 0, 20])
    ax.set(title=f"{mrow.at[pid, 'period']}: {mrow.at[pid, 'composer']}", yticks=[0, 5, 10, 15, 20])
    ax.grid(False)
for ax in axes[1]:
    ax.set_xlabel("time (s)")
for ax in axes[:, 0]:
    ax.set_ylabel("MFCC coefficient")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 6. A random sample rebuilt end to end
#
# `piano.build(sample=ids, cache_dir=tmp)` makes the listed pieces again from their sources in the
# data root. It does not read any cache: it converts, checks, writes the MIDI and renders with
# `workers` worker processes. The outputs go to a temporary folder, and the **kern and audio
# sha256 are compared with the committed manifest. Half the sample has a **kern source, the other
# half a MusicXML source (verovio or converter21 route).

# %% tags=["hide-input"]
rng = np.random.default_rng(seed + 1)
n_kern = (n_rebuild + 1) // 2
kern_ids = rng.choice(sorted(manifest.loc[manifest["format"] == "kern", "id"]), n_kern, replace=False)
xml_ids = rng.choice(sorted(manifest.loc[manifest["format"] == "musicxml", "id"]), n_rebuild - n_kern, replace=False)
sample_ids = [*kern_ids, *xml_ids]
with tempfile.TemporaryDirectory() as tmp:
    t0 = time.perf_counter()
    res = piano.build(data_root, sample=sample_ids, workers=workers, progress=False, cache_dir=tmp)
    rebuild_wall = time.perf_counter() - t0
sm = res.manifest.set_index("id").reindex(sample_ids)
yes_no = {True: "yes", False: "no"}
check = pd.DataFrame({
    "piece": sample_ids, "route": sm["route"].map(lambda r: ch.ROUTE_NAMES.get(r, r)).to_numpy(),
    "**kern notes": sm["kern_notes"].to_numpy(), "MIDI notes": sm["midi_notes"].to_numpy(),
    "notes as in the manifest": ((sm["kern_notes"] == mrow.loc[sample_ids, "kern_notes"])
                                 & (sm["midi_notes"] == mrow.loc[sample_ids, "midi_notes"])).map(yes_no).to_numpy(),
    "**kern identical": sm["kern_matches"].map(yes_no).to_numpy(),
    "audio identical": sm["audio_matches"].map(yes_no).to_numpy(),
})
styled(check, caption="The rebuilt sample against the manifest (sha256 of the **kern text and of the audio)").set_table_styles(
    wrap_headers, overwrite=False)

# %% tags=["remove-cell", "nbval-check-output"]
glue("ch03_n_rebuild", len(sample_ids))
glue("ch03_rebuilt", int(sm["route"].notna().sum()))
glue("ch03_rebuild_kern_same", int((check["**kern identical"] == "yes").sum()))
glue("ch03_rebuild_audio_same", int((check["audio identical"] == "yes").sum()))
glue("ch03_rebuild_notes_same", int((check["notes as in the manifest"] == "yes").sum()))
glue("ch03_rebuild_failed", ", ".join(res.info["failed"]) if res.info.get("failed") else "none")

# %% [markdown]
# {glue:text}`ch03_rebuilt` of the {glue:text}`ch03_n_rebuild` sampled pieces were rebuilt
# (failures: {glue:text}`ch03_rebuild_failed`); {glue:text}`ch03_rebuild_kern_same` gave a
# byte-identical **kern text, {glue:text}`ch03_rebuild_audio_same` byte-identical audio, and
# {glue:text}`ch03_rebuild_notes_same` the manifest's note counts, in
# {glue:text}`ch03_rebuild_wall` of wall time.
#
# ### Time per stage, and the full build extrapolated from the sample
#
# The build report gives the wall seconds of each stage of each piece, measured inside its
# worker. To extrapolate to the whole set, we take, for each stage and each source format, the
# sample's **seconds per note** (the conversion, the checks and the MIDI grow with the size of the
# score), and multiply it by the number of notes of all the manifest's pieces of that format. The
# render stage synthesises a fixed-length excerpt, so it is extrapolated per piece
# (`kmnet.experiments.piano_dataset.build_estimate`).
#
# Stage times are wall seconds, which include waiting for the CPU when the machine is busy.
# The workers also record their CPU seconds (their own and those of their verovio and FluidSynth
# subprocesses). The ratio of CPU to wall seconds in the sample converts the estimate to CPU
# minutes. Divided by the number of workers, this gives the wall time of a build from an empty
# cache on an otherwise idle machine.
#
# The estimate leaves out the failed candidates, and the piece that timed out in an earlier build
# (the build remembers the time-out, so it is not paid again). **With a sample this small, the
# estimate is rough: one long piece can move it by a large factor.**

# %% tags=["hide-input"]
stage_rows = res.report[res.report["stage"].isin(ch.BUILD_STAGES)]
measured = stage_rows.pivot_table(index="id", columns="stage", values="seconds", aggfunc="sum").reindex(
    columns=list(ch.BUILD_STAGES))
measured.columns = [f"{c} (s)" for c in measured.columns]
measured = measured.join(res.manifest.set_index("id")[["format", "route", "kern_notes", "cpu_s"]]).rename(
    columns={"kern_notes": "**kern notes", "cpu_s": "CPU (s)"}).rename_axis("piece").reset_index()
dropdown(styled(measured, digits=2), "Wall seconds of each stage, per rebuilt piece")

# %% tags=["hide-input"]
est, cpu_per_wall = ch.build_estimate(res.report, res.manifest, manifest, workers=workers)
styled(est, caption=f"A build of all {len(manifest)} pieces from an empty cache, extrapolated", digits=1).set_table_styles(
    wrap_headers, overwrite=False)

# %% tags=["remove-cell"]
build_min = float(est.set_index("stage").at["total", f"build on {workers} idle cores (min)"])
glue("ch03_rebuild_wall", f"{rebuild_wall:.0f} s")
glue("ch03_cpu_per_wall", cpu_per_wall, 2)
glue("ch03_build_cpu_min", float(est.set_index("stage").at["total", "all pieces, CPU (min)"]), 0)
glue("ch03_build_min", build_min, 0)
glue("ch03_workers", int(workers))

# %% [markdown]
# The sample spent {glue:text}`ch03_cpu_per_wall` CPU seconds per wall second of its stages.
# Extrapolated from it, building all pieces from an empty cache takes about
# {glue:text}`ch03_build_cpu_min` CPU-minutes, i.e. about {glue:text}`ch03_build_min` min on
# {glue:text}`ch03_workers` idle cores, plus the failed candidates.
#
# The committed `build_info.json` keeps the timings of the build that wrote the manifest. That
# build read most pieces from the cache, so its stage times cover only the pieces it actually
# processed (status `ok` in `build_report.csv`). They are measured, not extrapolated, but they
# cover too few pieces to time the whole set.

# %% tags=["hide-input"]
done = report[report["status"].isin(["ok", "fallback"]) & report["stage"].isin(ch.BUILD_STAGES)]
tim = pd.Series(info["timings_s"], name="seconds").rename_axis("step").reset_index()
dropdown(styled(tim, digits=1), f"Timings of the committed build ({info['built_utc'][:10]}): "
         f"{done['id'].nunique()} pieces processed, {int((report['status'] == 'cached').sum())} stage results "
         f"read from the cache")

# %% [markdown]
# ### Feature extraction
#
# The features of the later chapters (MFCC statistics, CNN logits on the MFCC image, MiniLM
# embeddings of the **kern text, **kern bag of words) are stored in `data/piano/features.npz`
# by `kmnet.datasets.piano.features.build_features()`. Its measured times per stage are in
# `features.json`: `inputs` (reading the **kern texts and WAV excerpts, rendering any that are
# missing), `audio` (MFCCs, compact log-Mel images, CNN logits on the MFCC images), `text`
# (MiniLM on up to 8 clips of 512 tokens per piece) and `bow` (the **kern bag of words).

# %% tags=["hide-input"]
fjson = out_dir / "features.json"
finfo = json.loads(fjson.read_text()) if fjson.is_file() else None
if finfo is not None:
    ft = pd.Series(finfo["timings_s"], name="seconds")
    ft["total"] = ft.sum()
    feat_min = float(ft["total"] / 60)
    display(styled((ft / 60).rename("minutes").rename_axis("stage").reset_index(), digits=1,
                   caption="Feature extraction (measured)"))
else:
    feat_min = float("nan")
    print("data/piano/features.json is not there yet: run build_features() (or full_rebuild=True)")

# %% tags=["remove-cell"]
glue("ch03_feature_min", feat_min, 0)
glue("ch03_feature_pieces", int(finfo["n_pieces"]) if finfo else 0)
glue("ch03_feature_failures", len(finfo["failures"]) if finfo else 0)
glue("ch03_total_min", build_min + feat_min, 0)

# %% [markdown]
# The feature extraction of {glue:text}`ch03_feature_pieces` pieces ran on the machine that built
# the set, which other jobs shared; it reported {glue:text}`ch03_feature_failures` failures. Build (extrapolated) and features
# (measured) together take about {glue:text}`ch03_total_min` min.
#
# ## 7. The full rebuild
#
# With `full_rebuild = True` (e.g. `make reproduce NB=03_piano_dataset PARAMS="-p full_rebuild true"`)
# the next cell rebuilds the whole set with `piano.build()` and then its features with
# `piano.features.build_features()`. It **overwrites** `data/piano/manifest.csv`,
# `build_report.csv`, `build_info.json` and the feature files, and prints the measured time of
# every stage. With a warm cache (`.cache/kmnet/piano`) the build takes about a minute; from an
# empty cache it takes the time extrapolated above. The run is off by default, so the book
# rebuilds in minutes.

# %% tags=["hide-input"]
if full_rebuild:
    from kmnet.datasets.piano import features as piano_features

    t0 = time.perf_counter()
    full = piano.build(data_root, workers=workers, progress=False)
    t_build = time.perf_counter() - t0
    display(styled(full.counts(), caption="The rebuilt set: pieces per period"))
    t0 = time.perf_counter()
    feats = piano_features.build_features(root=data_root, progress=False)
    print(f"measured: build {t_build / 60:.1f} min, features {(time.perf_counter() - t0) / 60:.1f} min")
    print("build timings (s):", full.info["timings_s"])
    print("feature timings (s):", feats.info["timings_s"])
else:
    print("full_rebuild is False: the committed manifest and features were used.")

# %% tags=["remove-cell"]
import resource  # noqa: E402  CPU seconds of this process and of the finished workers and tools it started

cpu = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
          for f in ("ru_utime", "ru_stime"))
cpu += float(res.manifest["cpu_s"].sum())  # the rebuild's workers (children of a fork server) count their own
glue("ch03_run_wall", f"{(time.perf_counter() - t_start) / 60:.1f} min")
glue("ch03_run_cpu", f"{cpu / 60:.1f} min")

# %% [markdown]
# ## Findings
#
# * **Table A1.** Our set holds {glue:text}`ch03_n_pieces` pieces against the paper's
#   {glue:text}`ch03_paper_n`. {glue:text}`ch03_full_periods` have exactly Table A1's counts;
#   {glue:text}`ch03_short_text`. The set is not padded. {glue:text}`ch03_missing_composers` of
#   the {glue:text}`ch03_named_composers` composers that Table A1 names have no usable public
#   score here, so the composers within a period differ from the paper's.
# * **Table 2.** {glue:text}`ch03_train` training and {glue:text}`ch03_test` test pieces, against
#   the paper's {glue:text}`ch03_paper_train` and {glue:text}`ch03_paper_test`; the periods that
#   match Table 2 exactly: {glue:text}`ch03_split_exact`.
# * **Quality.** {glue:text}`ch03_n_failed` candidates failed and were replaced:
#   {glue:text}`ch03_fail_convert` MusicXML files that neither verovio nor converter21 could
#   convert, {glue:text}`ch03_fail_midi` without a MIDI consistent with the score and
#   {glue:text}`ch03_fail_timeout` that timed out. {glue:text}`ch03_noflag` of the
#   {glue:text}`ch03_n_pieces` pieces carry no quality flag; the MIDI's note count equals the
#   **kern's for {glue:text}`ch03_midi_exact` of {glue:text}`ch03_midi_pieces` pieces and is
#   within 1 % for {glue:text}`ch03_midi_within1`.
# * **Look and listen.** The rendered excerpts of {glue:text}`ch03_examples_same` of the
#   {glue:text}`ch03_n_examples` examples, made here again where the cache lacked them, equal the
#   manifest's byte for byte.
# * **Rebuilt sample.** Rebuilt from their sources, {glue:text}`ch03_rebuild_kern_same` of
#   {glue:text}`ch03_n_rebuild` sampled pieces gave the manifest's **kern text and
#   {glue:text}`ch03_rebuild_audio_same` its audio, byte for byte. A build of all pieces from an
#   empty cache takes about {glue:text}`ch03_build_min` min on {glue:text}`ch03_workers` idle
#   cores (extrapolated, rough), and the features about {glue:text}`ch03_feature_min` min
#   (measured).
#
# Executing this chapter, the sampled rebuild included, took {glue:text}`ch03_run_wall` of wall
# time and {glue:text}`ch03_run_cpu` of CPU time on the machine that built this book.
