"""The multi-modal piano genre data set (Section 4.3, Table A1, Table 2), rebuilt from public scores.

The paper's set (985 solo piano pieces: Baroque 243, Classical 236, Romantic 258, Modern 248;
600 training / 385 test pieces, Table 2) pairs a **kern score (text modality) with audio
synthesised from it. Its file list was never published, so this package rebuilds it from
the sources staged in the data root's ``piano/`` folder (``sources-kern.tsv`` and
``sources-musicxml.tsv``: KernScores-family **kern files, MusicXML where no **kern exists).

Pipeline (:func:`build`)
------------------------
1. :func:`load_sources` reads both tables (whatever rows they list) and derives, per row,
   its *collection* (the Table A1 set it belongs to, or composer + title stem), its
   *movement* (files that encode parts of one movement share it) and a *penalty* (the
   number of quality flags that make a file a worse choice).
2. :func:`select_pieces` orders the candidates of each period: composers take turns (a
   spread over the composers of Table A1), and within a composer clean files come before
   flagged ones and the sets Table A1 names before other works. Limits: one edition per
   work; a collection that Table A1 names with a count (WTC 96, Scarlatti 59, Beethoven
   102 movements, Mozart 51, Chopin mazurkas 52, ...) holds at most that many movements;
   any other collection at most ``per_collection_cap`` of its period (default 20 %, so
   that e.g. Mikrokosmos cannot define Modern). No padding: a period with fewer usable
   pieces than Table A1 keeps what it has, and the build says so.
3. Each selected piece is made in a worker process (:func:`process_piece` in
   :mod:`~kmnet.datasets.piano.pipeline`; :class:`~kmnet.datasets.piano._isolate.IsolatedPool`,
   at most 2 workers; every verovio call in its own subprocess with a time limit):
   MusicXML → **kern (verovio ``musicxml-hum``, converter21 when verovio crashes or its
   Humdrum has inconsistent rhythm); quality checks (music21); **kern → MIDI (verovio,
   played once through without repeats; music21 from the MusicXML source or from the
   **kern when verovio's MIDI fails, reports a rhythm error or disagrees with the score's
   note count or length); FluidSynth → WAV excerpt. A piece that fails at any stage is
   reported with its reason and replaced by the next candidate of its period
   (deterministic rounds, so the result does not depend on timing).
4. :func:`~kmnet.datasets.splits.split_pieces` draws the 600/385 split stratified to Table 2's per-period counts,
   keeping the files of one movement on the same side.
5. The manifest, the build report and a JSON with the configuration and the per-stage
   timings are written to ``data/piano/``. Converted **kern text, MIDI and WAV go to
   ``cache_root()/piano/`` (keyed by the source sha256 and the configuration; written
   atomically), so a rebuild reuses them.

Modalities
----------
* text: :func:`kern_text` (the **kern text actually used: the source file for **kern
  sources, the converted text for MusicXML; all spines, **dynam etc. included, and the
  reference records unless ``reference_records=False``);
* audio: :func:`audio_path` (mono 16-bit WAV at 22050 Hz, the first 30 s by default; see
  :mod:`~kmnet.datasets.piano.render` for the synthesis and the trim policy).

Modules
-------
================  ==============================================================================
``selection``     the source tables, Table A1 / Table 2 counts, the selection limits
``scores``        **kern checks and counts, MusicXML reading, verovio / music21 conversions
``render``        MIDI excerpts and FluidSynth synthesis
``pipeline``      one piece: conversion, checks, MIDI, audio, with its cache (:func:`process_piece`)
``builder``       :func:`build` and the readers of what it wrote (manifest, **kern text, audio)
``features``      the committed feature matrices of the set (:func:`~.features.load_features`)
``musicnn``       the music-trained audio feature ``audio_musicnn`` (:func:`~.musicnn.build_musicnn_features`)
``preview``       the first system of a score as SVG, a short MP3 clip of its audio
``fetch``         ``kmnet data fetch piano``: the sources from their repositories
``_isolate``      worker processes that survive crashing converters
================  ==============================================================================

The split is :func:`kmnet.datasets.splits.split_pieces`. Only ``features`` and ``musicnn`` reach
torch (through :mod:`kmnet.features`); the other modules do not import it.

Examples
--------
The full build takes about 30 CPU-minutes once; later builds read the cache.

>>> from kmnet.datasets import piano
>>> res = piano.build()                      # doctest: +SKIP
>>> res.counts()                             # doctest: +SKIP
>>> m = piano.load_manifest()                # doctest: +SKIP
>>> text = piano.kern_text(m.id[0])          # doctest: +SKIP
>>> wav = piano.audio_path(m.id[0])          # doctest: +SKIP
>>> piano.build(sample=5).manifest[["id", "kern_matches", "audio_matches"]]  # doctest: +SKIP
"""

from .builder import BuildResult, audio_path, build, default_manifest_path, kern_text, load_manifest
from .pipeline import convert_to_kern, process_piece, render_audio
from .selection import (
    DEFAULT_PER_COLLECTION_CAP,
    PAPER_COUNTS,
    PAPER_SPLIT,
    PENALTY_FLAGS,
    PERIODS,
    TABLE_A1_COMPOSERS,
    TABLE_A1_SETS,
    load_sources,
    select_pieces,
)

__all__ = [
    # the paper's counts and the selection rules (selection)
    "PERIODS", "PAPER_COUNTS", "PAPER_SPLIT", "TABLE_A1_SETS", "TABLE_A1_COMPOSERS", "PENALTY_FLAGS",
    "DEFAULT_PER_COLLECTION_CAP", "load_sources", "select_pieces",
    # one piece (pipeline)
    "convert_to_kern", "render_audio", "process_piece",
    # the whole set (builder)
    "BuildResult", "build", "load_manifest", "kern_text", "audio_path", "default_manifest_path",
]
