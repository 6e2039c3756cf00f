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
# This chapter covers:
#
# 1. **how the set was built**: the source tables, the selection rules (caps, and how they are
#    relaxed when a period runs short), the conversion routes (**kern as is, verovio
#    MusicXML → Humdrum, converter21 as the fallback), MIDI, the FluidSynth excerpt and the split;
# 2. **Table A1** (composers and pieces per period) and **Table 2** (the split), ours beside the
#    paper's, computed from the committed manifest;
# 3. the **quality report**: failures and exclusions with their reasons, the quality flags, the
#    routes, how well the note counts agree (**kern, MIDI, music21), and the durations;
# 4. **one example per period**: a few lines of its **kern text and the MFCC image of its
#    rendered audio;
# 5. a **small random sample rebuilt end to end** from the sources. It shows that the pipeline
#    reproduces the committed manifest and gives the measured time per stage. From that we
#    extrapolate the full build's time, and we show the feature-extraction times of
#    `data/piano/features.json`.
#
# Everything runs from the committed manifest and the read-only data root. The cache of converted
# scores and audio may be empty: whatever is missing is rebuilt from the sources.

# %% tags=["parameters"]
data_root = None  # None: KMNET_DATA or ../shared/data
seed = 0  # picks the example pieces and the rebuilt sample (the set itself was built with seed 0)
n_examples_lines = 14  # lines of **kern shown per example
n_rebuild = 12  # pieces rebuilt end to end from their sources (half **kern, half MusicXML; 12 take ~1 min)
workers = 2  # worker processes of the sampled (and full) rebuild
full_rebuild = False  # True: rebuild the set (build()) and its features (build_features()); overwrites data/piano/*

# %%
# %matplotlib inline
import hashlib
import json
import re
import tempfile
import time
import warnings

warnings.filterwarnings("ignore", category=UserWarning, module="tqdm")
warnings.filterwarnings("ignore", message=".*IProgress.*")

import matplotlib.pyplot as plt
import music21  # noqa: F401  imported first: in a notebook, importing music21 switches figures to 2x 'retina' PNGs
import numpy as np
import pandas as pd
from matplotlib_inline.backend_inline import set_matplotlib_formats

import kmnet
from kmnet.datasets import piano
from kmnet.experiments.paper import paper_table
from kmnet.experiments.reporting import write_results
from kmnet.features import audio as faudio
from kmnet.features import mfcc_to_image

pd.set_option("display.precision", 3)
pd.set_option("display.max_colwidth", 120)
plt.rcParams.update({"figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3})
set_matplotlib_formats("png")  # undo music21's 'retina' (keeps the notebook small)
out_dir = piano.default_manifest_path().parent
manifest = piano.load_manifest()
report = pd.read_csv(out_dir / "build_report.csv", keep_default_na=False)
info = json.loads((out_dir / "build_info.json").read_text())
sources = piano.load_sources(data_root)
print("kmnet", kmnet.__version__, "| tools:", ", ".join(f"{k} {v}" for k, v in info["versions"].items()))

# %% [markdown]
# ## 1. How the set was built
#
# **Sources.** The data root's `piano/` folder holds two tables of staged files. Every row gives
# the repository, the commit, the path and the sha256 of one file:
#
# * `sources-kern.tsv`: **kern files from KernScores-family repositories (the paper's first
#   choice);
# * `sources-musicxml.tsv`: MusicXML (or MuseScore files converted to MusicXML) for works without
#   a **kern edition. The paper took these from musescore.com; ours come from public research
#   corpora (DCML, ASAP, ...). `piano/README-musicxml.md` in the data root describes each one.
#
# The candidates per period and format:

# %% tags=["nbval-check-output"]
cand = sources.pivot_table(index="period", columns="format", values="id", aggfunc="count", fill_value=0)
cand = cand.reindex(list(piano.PERIODS))
cand["candidates"] = cand.sum(axis=1)
cand["paper (Table A1)"] = pd.Series(piano.PAPER_COUNTS)
print(cand.to_string())
print("total candidates:", int(cand["candidates"].sum()))

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
# (WTC 96, Scarlatti 59, Beethoven's sonatas 102, Mozart 51, Chopin's mazurkas 52, ...). Any other
# collection holds at most `per_collection_cap` of its period (20 %), so that one collection
# (Grieg's Lyric Pieces, Bartók's Mikrokosmos) cannot define a period. If a period is still
# short of its Table A1 count once the caps are applied, the pieces a cap held back are taken
# after all, in the same order. The period is **not padded** beyond its usable candidates. A
# piece that fails at any later stage is replaced by the next candidate of its period, in
# deterministic rounds.
#
# The configuration of the committed build, and the sets of Table A1 with their caps. A cap counts
# movements: files that are segments of one movement (e.g. the variations of Mozart's K. 331/I)
# count once.

# %% tags=["nbval-check-output"]
cfg = info["config"]
print({k: cfg[k] for k in ("seed", "excerpt_s", "sr", "per_collection_cap", "per_composer_cap", "workers")})
print("build rounds:", info["rounds"], "| candidates excluded by a limit:", info["excluded_by_limits"])
a1 = pd.DataFrame(cfg["table_a1_sets"], columns=["period", "composer", "set", "title_regex", "cap (Table A1)"])
coll = [f"{c}: {s} (Table A1)" for c, s in zip(a1["composer"], a1["set"])]
a1["files"] = [int((manifest["collection"] == k).sum()) for k in coll]
a1["movements"] = [manifest.loc[manifest["collection"] == k, "movement"].nunique() for k in coll]
a1["candidate files"] = [int((sources["collection"] == k).sum()) for k in coll]
print(a1.drop(columns="title_regex").to_string(index=False))
beyond = pd.Series({p: d["beyond_caps"] for p, d in info["periods"].items()}, name="taken beyond a cap")
print("\npieces taken beyond a cap because the period was short:\n" + beyond.to_string())

# %% [markdown]
# **Routes** (`kmnet.datasets.piano.pipeline`, one worker process per piece; every verovio call
# runs in its own subprocess with a time limit, because verovio can crash the interpreter):
#
# 1. *text*: a **kern source is used as it is (route `kern`). MusicXML is converted to Humdrum
#    with verovio's `musicxml-hum` importer (route `verovio musicxml-hum`, the paper's "Verovio
#    Humdrum Viewer"). When verovio crashes or its Humdrum has inconsistent rhythm, converter21
#    (music21) is used instead (route `converter21`);
# 2. *checks*: music21 reads the **kern text and the MusicXML source, and the note counts and
#    lengths are compared (quality flags, Section 3);
# 3. *MIDI*: verovio renders the **kern to MIDI (played once through, without repeats). When
#    verovio's MIDI reports a rhythm error or disagrees with the score's note count or length,
#    music21 writes it from the MusicXML source or from the **kern;
# 4. *audio*: FluidSynth with the General MIDI piano of FluidR3_GM renders the **first 30 s**
#    (shorter pieces are kept whole, not padded) as mono 16-bit WAV at **22050 Hz**;
# 5. *split*: 600/385 stratified to Table 2's per-period counts (seed 0). The files that are
#    segments of one movement stay on the same side.

# %% tags=["nbval-check-output"]
routes = pd.crosstab(manifest["period"], manifest["route"]).reindex(list(piano.PERIODS))
routes["MIDI via music21"] = manifest.groupby("period")["midi_route"].apply(lambda s: int((s != "verovio").sum()))
print(routes.to_string())
print("\nMIDI routes:", manifest["midi_route"].value_counts().to_dict())
print("excerpt lengths (s):", manifest["audio_s"].describe()[["min", "50%", "max"]].round(1).to_dict())

# %% [markdown]
# ## 2. Table A1: composers and pieces per period
#
# Table A1 names the works and composers of each period (its Modern row repeats "32 Sonatas by
# Beethoven", evidently a copy error, which is left out here). Beside the paper's counts we list
# our composers, the paper's composers for whom no usable public score was found, and the ones we
# use that the paper does not name.

# %% tags=["nbval-check-output"]
rows = []
for p in piano.PERIODS:
    m = manifest[manifest["period"] == p]
    comp = m["composer"].value_counts()
    named = piano.TABLE_A1_COMPOSERS[p]
    rows.append({
        "period": p,
        "paper": int(paper_table("tableA1").at[p, "paper_count"]),
        "ours": len(m),
        "difference": len(m) - int(paper_table("tableA1").at[p, "paper_count"]),
        "our composers (pieces)": ", ".join(f"{c} {n}" for c, n in comp.items()),
        "named in Table A1, none here": ", ".join(c for c in named if c not in comp.index) or "-",
        "not named in Table A1": ", ".join(c for c in comp.index if c not in named) or "-",
    })
tableA1 = pd.DataFrame(rows)
with pd.option_context("display.max_colwidth", 200):
    display(tableA1.set_index("period"))
write_results(tableA1.rename(columns={"ours": "pieces", "paper": "paper_value"}), "tableA1")
print("total:", int(tableA1["ours"].sum()), "of the paper's", int(tableA1["paper"].sum()))

# %%
short = tableA1[tableA1["difference"] < 0]
for _, r in short.iterrows():
    d = info["periods"][r["period"]]
    print(f"{r['period']} is {-r['difference']} pieces short of Table A1: {d['available']} candidates were staged, "
          f"{d['failed']} failed in the pipeline and the rest were limited or duplicates. The set is not padded.")
top = manifest.groupby("period")["composer"].agg(lambda s: s.value_counts(normalize=True).iloc[0])
for p in piano.PERIODS:
    c = manifest[manifest["period"] == p]["composer"].value_counts().index[0]
    print(f"{p}: the largest composer is {c} with {top[p]:.0%} of the period")

# %% [markdown]
# Our composer mix differs from the paper's where no public **kern or MusicXML source was found.
# The data root's `piano/README-musicxml.md` records the search: for example, nothing was found
# for Shostakovich, Gershwin, Messiaen, Alkan or Mendelssohn. The composers that are available
# therefore weigh more; the largest share per period is printed above. The classifiers of the
# later chapters may partly learn composer, not only period. Table A1 does not give counts per
# composer, so the paper's own balance is not known.
#
# ## 3. Table 2: the training/test split

# %% tags=["nbval-check-output"]
t2 = paper_table("table2")
ours2 = pd.crosstab(manifest["split"], manifest["period"]).reindex(columns=list(piano.PERIODS))
table2 = pd.DataFrame({
    "period": list(piano.PERIODS),
    "train": [int(ours2.at["train", p]) for p in piano.PERIODS],
    "paper_train": [int(t2.at["Training set", p]) for p in piano.PERIODS],
    "test": [int(ours2.at["test", p]) for p in piano.PERIODS],
    "paper_test": [int(t2.at["Test set", p]) for p in piano.PERIODS],
})
table2.loc[len(table2)] = ["total", *table2.drop(columns="period").sum().tolist()]
print(table2.to_string(index=False))
write_results(table2, "table2")
frac = manifest.groupby("period")["split"].apply(lambda s: (s == "train").mean())
paper_frac = t2.loc["Training set"] / t2.sum()
print("\ntraining fraction per period, ours vs paper:")
print(pd.DataFrame({"ours": frac, "paper": paper_frac}).reindex(list(piano.PERIODS)).round(3).to_string())
seg = manifest[manifest["movement"] != manifest["id"]].groupby("movement")["split"].nunique()
print("movements split into several files:", len(seg), "| of them on both sides of the split:", int((seg > 1).sum()))
full_periods = [p for p in piano.PERIODS if info["periods"][p]["shortfall"] == 0]
exact = [p for p in full_periods if table2.set_index("period").loc[p, ["train", "test"]].tolist()
         == table2.set_index("period").loc[p, ["paper_train", "paper_test"]].tolist()]
print(f"periods with all of Table A1's pieces: {full_periods}; their split equals Table 2: {exact == full_periods}")

# %% [markdown]
# A period with all of Table A1's pieces is split with Table 2's counts. A short period is split
# with Table 2's training fraction instead (`split_pieces`), as the per-period fractions above show.
#
# ## 4. Quality report
#
# ### Failures and exclusions
#
# `build_report.csv` has one row per stage of every candidate tried. A candidate is either
# excluded by a limit before it is processed (stage `select`), or it fails at a stage and is
# replaced by the next candidate of its period.

# %% tags=["nbval-check-output"]
fails = report[report["status"] == "failed"].copy()
print("failed pieces per period and stage:")
print(pd.crosstab(fails["period"], fails["stage"]).reindex(list(piano.PERIODS), fill_value=0).to_string())
excl = report[report["status"] == "excluded"]
print("\nexcluded by a limit:", len(excl))
print(excl["reason"].value_counts().to_string())
fallback = report[report["status"] == "fallback"]
print("\nfirst route failed, second one used:", fallback.groupby("stage").size().to_dict())

# %%
with pd.option_context("display.max_colwidth", 230):
    display(fails[["id", "period", "stage", "reason"]].reset_index(drop=True))

# %% tags=["nbval-check-output"]
both = fails["reason"].str.contains("verovio musicxml-hum failed") & fails["reason"].str.contains("converter21 failed")
print(f"{len(fails)} failed pieces: {int(both.sum())} MusicXML files that neither verovio (crashed) nor converter21 "
      f"could convert, {int((fails['stage'] == 'midi').sum())} without a MIDI consistent with the score, "
      f"{int(fails['reason'].str.startswith('timed out').sum())} timed out (a remembered timeout is not paid again)")

# %% [markdown]
#
# ### Quality flags
#
# The build flags a piece that passed but whose checks disagree. The flags are recorded in the
# manifest's `quality_flags` column; the numbers in a flag are replaced by `N` here for counting.
# `source_flags` holds the flags raised when the files were staged.

# %% tags=["nbval-check-output"]
def _flag_counts(col: pd.Series) -> pd.Series:
    toks = col.fillna("").str.split(",").explode().str.strip()
    toks = toks[toks != ""].map(lambda t: re.sub(r"(?<=[-=])-?\d+(\.\d+)?", "N", t))
    return toks.value_counts()


qf = _flag_counts(manifest["quality_flags"])
print("pieces with no quality flag:", int((manifest["quality_flags"].fillna("") == "").sum()), "of", len(manifest))
print(qf.to_string())
print("\npieces carrying a source penalty flag:",
      int(sum(any(t.strip().startswith(pf) for pf in piano.PENALTY_FLAGS for t in f.split(","))
              for f in manifest["source_flags"])))

# %% [markdown]
# ### Do the note counts agree?
#
# For every piece the build counts the note attacks of the **kern text (`kern_notes`, graces
# included), of the MIDI (`midi_notes`), of music21 reading the **kern (`m21_kern_notes`), and, for
# MusicXML sources, of music21 reading the source (`m21_source_notes`). The table gives, per
# comparison, how many pieces agree exactly and how many are within 1 % and 5 %.

# %% tags=["nbval-check-output"]
pairs = [("midi_notes", "kern_notes"), ("m21_kern_notes", "kern_notes"), ("m21_source_notes", "kern_notes"),
         ("midi_notes", "m21_source_notes")]
agree = []
for a, b in pairs:
    sub = manifest[[a, b, "route"]].dropna()
    sub = sub[(sub[a] > 0) & (sub[b] > 0)]
    rel = (sub[a] - sub[b]).abs() / sub[b]
    agree.append({"comparison": f"{a} vs {b}", "pieces": len(sub), "exact": int((rel == 0).sum()),
                  "within 1 %": int((rel <= 0.01).sum()), "within 5 %": int((rel <= 0.05).sum()),
                  "worst": f"{rel.max():.1%}"})
print(pd.DataFrame(agree).to_string(index=False))
mk = manifest.dropna(subset=["midi_notes", "kern_notes"])
by_route = mk.assign(exact=mk["midi_notes"] == mk["kern_notes"]).groupby("route")["exact"].agg(["sum", "size"])
by_route = by_route.rename(columns={"sum": "exact", "size": "pieces"})
print("\nMIDI = **kern note count, by route:\n" + by_route.to_string())

# %% [markdown]
# Verovio writes its MIDI from the same **kern, so its note count can differ from the
# **kern's only through ties, grace notes and ornaments. The MIDI that music21 writes from the
# MusicXML (the fallback) can differ more. The flag counts above show how often each kind of
# difference occurs.
#
# ### Durations
#
# `duration_s` is the whole piece as MIDI (repeats not expanded). The audio keeps the first 30 s,
# so a piece shorter than that gives a shorter excerpt.

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
bins = np.logspace(np.log10(max(1.0, manifest["duration_s"].min())), np.log10(manifest["duration_s"].max()), 30)
for p in piano.PERIODS:
    axes[0].hist(manifest.loc[manifest["period"] == p, "duration_s"], bins=bins, histtype="step", lw=1.6, label=p)
axes[0].axvline(info["config"]["excerpt_s"], color="k", ls="--", lw=1, label="excerpt (30 s)")
axes[0].set(xscale="log", xlabel="piece length as MIDI (s, log scale)", ylabel="pieces",
            title="Length of the whole piece")
axes[0].legend(fontsize=8)
axes[1].boxplot([manifest.loc[manifest["period"] == p, "kern_notes"] for p in piano.PERIODS],
                tick_labels=list(piano.PERIODS))
axes[1].set(yscale="log", ylabel="note attacks in the **kern", title="Size of the score")
fig.tight_layout()
plt.show()

# %% tags=["nbval-check-output"]
dur = manifest.groupby("period")["duration_s"].describe()[["min", "25%", "50%", "75%", "max"]].reindex(
    list(piano.PERIODS)).round(0)
dur["excerpt < 30 s"] = manifest.groupby("period")["audio_s"].apply(lambda s: int((s < 29.99).sum()))
print(dur.to_string())

# %% [markdown]
# ## 5. One example per period
#
# For each period, one piece whose route is `kern` (drawn with `seed`). Below are the first lines
# of its **kern text as the text features see it (reference records such as the composer's name
# removed, `kern_text(id, reference_records=False)`), and the MFCC image of its rendered 30 s
# excerpt: 20 coefficients on 0.03 s windows (`kmnet.features.audio.mfcc`), each coefficient
# standardised over time and resized to 224 × 224 (`kmnet.features.mfcc_to_image`). This is the
# image that the frozen CNN of the audio features sees. With an empty cache, the
# text is read from the source, and the audio is rendered again (MIDI by verovio, then FluidSynth).
# The sha256 of the WAV is compared with the manifest.

# %%
rng = np.random.default_rng(seed)
examples = [rng.choice(sorted(manifest.loc[(manifest["period"] == p) & (manifest["route"] == "kern"), "id"]))
            for p in piano.PERIODS]
mrow = manifest.set_index("id")
mfccs, t0 = {}, time.perf_counter()
for pid in examples:
    text = piano.kern_text(pid, data_root, manifest=manifest, reference_records=False)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    print(f"== {mrow.at[pid, 'period']}: {mrow.at[pid, 'composer']}, {mrow.at[pid, 'work']}  [{pid}]")
    print("\n".join(ln if len(ln) < 100 else ln[:97] + "..." for ln in lines[:n_examples_lines]))
    print(f"... ({len(lines)} lines)\n")
    wav = piano.audio_path(pid, data_root, manifest=manifest)
    same = hashlib.sha256(wav.read_bytes()).hexdigest() == mrow.at[pid, "audio_sha256"]
    y = faudio.load_audio(wav, sr=int(info["config"]["sr"]))
    mfccs[pid] = (mfcc_to_image(faudio.mfcc(y, int(info["config"]["sr"])))[0], len(y) / info["config"]["sr"], same)
print(f"texts and audio of {len(examples)} pieces in {time.perf_counter() - t0:.1f} s")

# %%
fig, axes = plt.subplots(1, len(examples), figsize=(3 * len(examples), 3.4), sharey=True)
for ax, pid in zip(np.atleast_1d(axes), examples):
    img, secs, same = mfccs[pid]
    ax.imshow(img, aspect="auto", cmap="magma", extent=[0, secs, 0, 20])
    ax.set(xlabel="time (s)", title=f"{mrow.at[pid, 'period']}: {mrow.at[pid, 'composer']}\n"
                                     f"{mrow.at[pid, 'work'][:34]}")
    ax.title.set_fontsize(9)
    ax.grid(False)
np.atleast_1d(axes)[0].set(ylabel="MFCC coefficient", yticks=[0, 5, 10, 15, 20])
fig.tight_layout()
plt.show()
print("WAV sha256 equals the manifest's:", {str(pid): bool(mfccs[pid][2]) for pid in examples})

# %% [markdown]
# ## 6. A random sample rebuilt end to end
#
# `piano.build(sample=ids, cache_dir=tmp)` makes the listed pieces again from their sources in the
# data root. It does not read any cache: it converts, checks, writes the MIDI and renders with 2
# worker processes. The outputs go to a temporary folder, and the **kern and audio sha256 are
# compared with the committed manifest. Half the sample has a **kern source, the other half a
# MusicXML source (verovio or converter21 route).

# %%
rng = np.random.default_rng(seed + 1)
n_kern = (n_rebuild + 1) // 2
kern_ids = rng.choice(sorted(manifest.loc[manifest["format"] == "kern", "id"]), n_kern, replace=False)
xml_ids = rng.choice(sorted(manifest.loc[manifest["format"] == "musicxml", "id"]), n_rebuild - n_kern, replace=False)
sample_ids = [*kern_ids, *xml_ids]
with tempfile.TemporaryDirectory() as tmp:
    t0 = time.perf_counter()
    res = piano.build(data_root, sample=sample_ids, workers=workers, progress=False, cache_dir=tmp)
    wall = time.perf_counter() - t0
sm = res.manifest.set_index("id").loc[sample_ids]
check = pd.DataFrame({
    "period": sm["period"], "route": sm["route"],
    "kern notes": sm["kern_notes"], "manifest": mrow.loc[sample_ids, "kern_notes"],
    "midi notes": sm["midi_notes"], "manifest ": mrow.loc[sample_ids, "midi_notes"],
    "kern sha256 equal": sm["kern_matches"], "audio sha256 equal": sm["audio_matches"],
})
display(check)
print(f"rebuilt {len(sm)} of {len(sample_ids)} pieces in {wall:.1f} s wall; failures: {res.info['failed'] or 'none'}")

# %% tags=["nbval-check-output"]
print("every sampled piece rebuilt:", len(res.manifest) == len(sample_ids))
print("note counts equal the manifest's:",
      bool((check["kern notes"] == check["manifest"]).all() and (check["midi notes"] == check["manifest "]).all()))
print("**kern text identical (sha256):", bool(check["kern sha256 equal"].all()))

# %% [markdown]
# ### Time per stage, and the full build extrapolated from the sample
#
# The build report gives the wall seconds of each stage of each piece, measured inside its
# worker. To extrapolate to the whole set, we take, for each stage and each source format, the
# sample's **seconds per note** (the conversion, the checks and the MIDI grow with the size of the
# score). We multiply it by the number of notes of all the manifest's pieces of that format. The
# render stage synthesises at most 30 s, so it is extrapolated per piece, not per note.
#
# Stage times are wall seconds, which include waiting for the CPU when the machine is busy.
# The workers also record their CPU seconds (their own and those of their verovio and FluidSynth
# subprocesses). The ratio of CPU to wall seconds in the sample converts the estimate to CPU
# minutes. Divided by the number of workers, this gives the wall time of a build from an empty
# cache on an otherwise idle machine.
#
# The estimate leaves out the failed candidates. It also leaves out the piece that timed out at
# the time limit in an earlier build (the build remembers the timeout, so it is not paid again).
# **With a sample this small, the estimate is rough: one long piece can move it by a large
# factor.**

# %%
stages = ["convert", "checks", "midi", "render"]
rep = res.report[res.report["stage"].isin(stages)].merge(res.manifest[["id", "format", "kern_notes"]], on="id")
measured = rep.pivot_table(index="id", columns="stage", values="seconds", aggfunc="sum").reindex(columns=stages)
measured = measured.join(res.manifest.set_index("id")[["format", "route", "kern_notes", "cpu_s"]])
display(measured.round(2))
totals = manifest.groupby("format").agg(pieces=("id", "size"), notes=("kern_notes", "sum"))
est = {}
for st in stages:
    g = rep[rep["stage"] == st].groupby("format").agg(s=("seconds", "sum"), n=("kern_notes", "sum"), k=("id", "size"))
    unit, col = ("pieces", "k") if st == "render" else ("notes", "n")
    # a format missing from the sample gets the sample's overall rate
    rate = (g["s"] / g[col]).reindex(totals.index).fillna(g["s"].sum() / g[col].sum())
    est[st] = float((rate * totals[unit]).sum())
cpu_per_wall = float(res.manifest["cpu_s"].sum() / rep["seconds"].sum())
est = pd.DataFrame({"sample wall (s)": rep.groupby("stage")["seconds"].sum().reindex(stages),
                    "all pieces, wall (min)": pd.Series(est) / 60})
est.loc["total"] = est.sum()
est["all pieces, CPU (min)"] = est["all pieces, wall (min)"] * cpu_per_wall
est[f"build on {workers} idle cores (min)"] = est["all pieces, CPU (min)"] / workers
display(est.round(1))
total_min = est.at["total", f"build on {workers} idle cores (min)"]
print(f"CPU seconds per wall second in the sample: {cpu_per_wall:.2f}")
print(f"EXTRAPOLATED from {len(res.manifest)} pieces: building all {len(manifest)} pieces from an empty cache takes "
      f"about {est.at['total', 'all pieces, CPU (min)']:.0f} CPU-minutes, i.e. about {total_min:.0f} min on "
      f"{workers} idle cores, plus the failed candidates; within the issue's 45 min: {total_min <= 45}")

# %% [markdown]
# The committed `build_info.json` keeps the timings of the build that wrote the manifest. That
# build read most pieces from the cache, so its stage times cover only the pieces it actually
# processed (status `ok` in `build_report.csv`). They are measured, not extrapolated, but they
# cover too few pieces to time the whole set:

# %%
done = report[report["status"].isin(["ok", "fallback"]) & report["stage"].isin(["convert", "checks", "midi", "render"])]
print(f"committed build ({info['built_utc'][:10]}): {done['id'].nunique()} pieces processed, "
      f"{int((report['status'] == 'cached').sum())} stage results read from the cache")
print(pd.Series(info["timings_s"], name="seconds").to_string())

# %% [markdown]
# ### Feature extraction
#
# The features of the later chapters (MFCC statistics, CNN logits on the MFCC image, MiniLM
# embeddings of the **kern text, **kern bag of words) are stored in `data/piano/features.npz`
# by `kmnet.datasets.piano.features.build_features()`. Its measured times per stage are in
# `features.json`: `inputs` (reading the **kern texts and WAV excerpts, rendering any that are
# missing), `audio` (MFCCs, compact log-Mel images, CNN logits on the MFCC images), `text`
# (MiniLM on up to 8 clips of 512 tokens per piece) and `bow` (the **kern bag of words).

# %%
fjson = out_dir / "features.json"
if fjson.is_file():
    finfo = json.loads(fjson.read_text())
    ft = pd.Series(finfo["timings_s"], name="seconds")
    ft["total"] = ft.sum()
    print(f"features of {finfo['n_pieces']} pieces (built {finfo['built_utc'][:10]}; "
          f"{finfo['cached_audio']} audio and {finfo['cached_text']} text rows from the feature cache):")
    print((ft / 60).round(2).rename("minutes").to_string())
    print("failures:", len(finfo["failures"]))
    print(f"whole construction: build about {total_min:.0f} min (EXTRAPOLATED above, {workers} idle cores) + features "
          f"{ft['total'] / 60:.0f} min (MEASURED, on the machine that built them, which other jobs shared) "
          f"= about {total_min + ft['total'] / 60:.0f} min")
else:
    print("data/piano/features.json is not there yet: run build_features() (or full_rebuild=True)")

# %% [markdown]
# ## 7. The full rebuild
#
# With `full_rebuild = True` (e.g. `make reproduce NB=03_piano_dataset PARAMS="-p full_rebuild true"`)
# this cell rebuilds the whole set with `piano.build()` and then its features with
# `piano.features.build_features()`. It **overwrites** `data/piano/manifest.csv`,
# `build_report.csv`, `build_info.json` and the feature files, and prints the measured time of
# every stage. With a warm cache (`.cache/kmnet/piano`) the build takes about a minute; from an
# empty cache it takes the time extrapolated above. The run is off by default, so the book
# rebuilds in minutes.

# %%
if full_rebuild:
    from kmnet.datasets.piano import features as piano_features

    t0 = time.perf_counter()
    full = piano.build(data_root, workers=workers, progress=False)
    t_build = time.perf_counter() - t0
    print(full.counts().to_string(index=False))
    print("build timings (s):", full.info["timings_s"])
    t0 = time.perf_counter()
    feats = piano_features.build_features(root=data_root, progress=False)
    print("feature timings (s):", feats.info["timings_s"])
    print(f"measured: build {t_build / 60:.1f} min, features {(time.perf_counter() - t0) / 60:.1f} min")
else:
    print("full_rebuild is False: the committed manifest and features were used")
