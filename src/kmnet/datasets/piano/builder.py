"""Build the piano set and read what the build wrote (see :mod:`kmnet.datasets.piano`).

:func:`build` runs the whole pipeline (selection, conversion, rendering, split) and writes the
manifest, the build report and ``build_info.json`` to ``data/piano/``; :func:`load_manifest`
reads the manifest back, :func:`kern_text` and :func:`audio_path` give a piece's two
modalities. None of these modules imports torch.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..._atomic import atomic_write_bytes, atomic_write_text
from ...features.cache import bytes_sha256, cache_root
from .._tables import read_table
from ..paths import checkout_path, data_root
from ..splits import split_pieces
from . import render as _render
from . import scores as _scores
from .pipeline import (
    VEROVIO_TIMEOUT_S,
    _cache_paths,
    _convert_key,
    _key,
    _midi_key,
    _render_config,
    _versions,
    convert_to_kern,
    process_piece,
    quality_flags,
    remember_timeout,
    wav_cache_path,
)
from .selection import (
    DEFAULT_PER_COLLECTION_CAP,
    PAPER_COUNTS,
    PAPER_SPLIT,
    PENALTY_FLAGS,
    PERIODS,
    TABLE_A1_SETS,
    _order_period,
    _Picker,
    load_sources,
)

__all__ = ["BuildResult", "build", "check_writable", "load_manifest", "manifest_rows", "kern_text", "audio_path",
           "default_manifest_path", "MIN_BUILT_FRACTION"]

TASK_TIMEOUT_S = 900.0
MAX_WORKER_CRASHES = 10  # a build stops when more pieces crash their worker than succeed
#: a build that makes fewer than this fraction of the pieces asked for writes nothing
MIN_BUILT_FRACTION = 0.9


# ========================================================================================
# build
# ========================================================================================
@dataclass
class BuildResult:
    """What :func:`build` made: the manifest, the report, the info dict, and where."""

    manifest: pd.DataFrame
    report: pd.DataFrame
    info: dict
    out_dir: Path | None = None
    written: bool = False
    failures: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: why nothing was written although ``out_dir`` was given ("" when written or not asked)
    refused: str = ""

    def counts(self) -> pd.DataFrame:
        """Pieces per period against the paper: pieces, paper (Table A1), train, test (Table 2)."""
        m = self.manifest
        split = m["split"] if "split" in m.columns else pd.Series("", index=m.index)
        rows = []
        for p in PERIODS:
            sel = m["period"] == p
            rows.append({"period": p, "pieces": int(sel.sum()), "paper": PAPER_COUNTS[p],
                         "train": int((split[sel] == "train").sum()), "paper_train": PAPER_SPLIT[p][0],
                         "test": int((split[sel] == "test").sum()), "paper_test": PAPER_SPLIT[p][1]})
        return pd.DataFrame(rows)


MANIFEST_COLUMNS = [
    "id", "period", "composer", "work", "collection", "movement", "split", "format", "repo",
    "commit", "path", "file", "source_route", "source_sha256", "route", "midi_route",
    "kern_sha256", "midi_sha256", "kern_spines", "kern_notes", "midi_notes", "m21_source_notes", "m21_kern_notes",
    "m21_reads", "m21_quarters", "midi_quarters", "rhythm_messages", "duration_s", "audio_s", "audio_sha256", "rms_dbfs",
    "source_flags", "quality_flags",
]
REPORT_COLUMNS = ["id", "period", "stage", "status", "reason", "seconds"]
_STR_COLUMNS = ["id", "period", "composer", "work", "collection", "movement", "split", "format", "repo", "commit",
                "path", "file", "source_route", "source_sha256", "route", "midi_route", "kern_sha256",
                "midi_sha256", "audio_sha256", "source_flags", "quality_flags"]


def check_writable(folder: str | os.PathLike) -> Path:
    """Create ``folder`` if needed and check that a file can be written in it (``OSError`` if not)."""
    import tempfile

    d = Path(folder)
    try:
        d.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".kmnet-write-check-", dir=d)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise OSError(f"output folder {d} is not writable ({exc.strerror or exc})") from exc
    return d


def default_manifest_path() -> Path:
    """``<checkout>/data/piano/manifest.csv`` (or ``./data/piano/manifest.csv``)."""
    return checkout_path("data/piano") / "manifest.csv"


def _task(row: Mapping, *, root, cache, keys, excerpt_s, sr, use_cache, checks, convert, timeout,
          silence_dbfs: float = _render.SILENCE_DBFS) -> dict:
    r = {k: (v.item() if hasattr(v, "item") else v) for k, v in dict(row).items()}
    return {"row": r, "root": str(data_root(root)) if root is not None else None, "cache": str(cache),
            "convert_key": keys["convert"], "midi_key": keys["midi"], "render_key": keys["render"],
            "excerpt_s": excerpt_s, "sr": sr, "use_cache": use_cache, "checks": checks,
            "convert": convert, "timeout": timeout, "silence_dbfs": silence_dbfs}


def _run_tasks(tasks: list[dict], *, workers: int, progress, desc: str, task_timeout: float,
               bar=None) -> dict[str, dict]:
    from tqdm.auto import tqdm

    from ._isolate import IsolatedPool

    results: dict[str, dict] = {}
    own_bar = bar is None
    if own_bar:
        bar = tqdm(total=len(tasks), desc=desc, unit="piece", disable=not progress)
    with IsolatedPool(process_piece, workers=workers, timeout=task_timeout) as pool:
        for t in tasks:
            pool.submit(t["row"]["id"], t)
        for res in pool.as_completed():
            if res.ok:
                results[res.key] = res.value
            else:
                results[res.key] = {"id": res.key, "ok": False, "fail_stage": "worker",
                                    "reason": res.reason,
                                    "stages": [("worker", "failed", res.reason, round(res.seconds, 4))]}
            bar.update(1)
    if own_bar:
        bar.close()
    return results


def build(
    root: str | os.PathLike | None = None,
    *,
    out_dir: str | os.PathLike | None = "data/piano",
    sample: int | Sequence[str] | None = None,
    seed: int = 0,
    excerpt_s: float | None = _render.DEFAULT_EXCERPT_S,
    sr: int = _render.DEFAULT_SR,
    counts: Mapping[str, int] = PAPER_COUNTS,
    split: Mapping[str, tuple[int, int]] = PAPER_SPLIT,
    per_composer_cap: float | int | None = None,
    per_collection_cap: float | int | None = DEFAULT_PER_COLLECTION_CAP,
    workers: int = 2,
    progress: bool = True,
    use_cache: bool = True,
    checks: bool = True,
    convert: Callable | None = None,
    task_timeout: float = TASK_TIMEOUT_S,
    verovio_timeout: float = VEROVIO_TIMEOUT_S,
    silence_dbfs: float = _render.SILENCE_DBFS,
    cache_dir: str | os.PathLike | None = None,
    min_fraction: float = MIN_BUILT_FRACTION,
) -> BuildResult:
    """Build the piano genre data set (see the module docstring) and write its manifest.

    Parameters
    ----------
    root : path-like, optional
        Data root holding ``piano/`` (default :func:`~kmnet.datasets.paths.data_root`).
    out_dir : path-like or None, default "data/piano"
        Where ``manifest.csv``, ``build_report.csv`` and ``build_info.json`` go (relative
        paths are taken from the checkout's root). ``None`` writes nothing.
    sample : int or sequence of str, optional
        Rebuild only ``sample`` pieces drawn (with ``seed``) from the existing manifest in
        ``out_dir`` (or the pieces whose ids are listed), without reading the caches, and
        compare the **kern and audio sha256 with the manifest (columns ``kern_matches``,
        ``audio_matches``; ``cpu_s``: CPU seconds of the piece's worker and its
        subprocesses). Nothing is written to ``out_dir``. Used by the notebook to show that
        the pipeline runs and to time it.
    seed : int, default 0
        Seed of the selection order and of the split.
    excerpt_s : float or None, default 30.0
        Seconds of audio per piece (None: the whole piece).
    sr : int, default 22050
        Sample rate of the WAV files.
    counts, split : mappings
        Pieces per period (Table A1) and (train, test) per period (Table 2).
    per_composer_cap, per_collection_cap : float, int or None
        Limits of :func:`select_pieces`.
    workers : int, default 2
        Worker processes (at most 2 is the project's rule on 2-core machines).
    progress : bool
        Show tqdm progress bars.
    use_cache : bool
        Reuse converted **kern, MIDI and WAV from ``cache_root()/piano``.
    checks : bool
        Run the music21 checks (note counts, readability); they take about half the time.
    convert : callable, optional
        Replacement for :func:`convert_to_kern` (same signature; must be importable by a
        worker process). For tests.
    task_timeout, verovio_timeout : float
        Seconds one piece, and one verovio call, may take.
    silence_dbfs : float, default -60
        An excerpt whose RMS level is at or below this counts as silent (the piece fails).
    cache_dir : path-like, optional
        Folder of the converted **kern, MIDI and WAV (default ``cache_root()/piano``); e.g. a
        temporary folder for a sampled rebuild that must leave the cache alone.
    min_fraction : float in [0, 1], default 0.9
        A build that makes fewer pieces than this fraction of those asked for (``counts``), or
        none at all, writes nothing: the manifest, report and info already in ``out_dir`` stay
        as they are, and :attr:`BuildResult.refused` says why.

    Returns
    -------
    BuildResult

    Raises
    ------
    OSError
        ``out_dir`` cannot be written (checked before the build starts).
    """
    t_start = time.perf_counter()
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if excerpt_s is not None and excerpt_s <= 0:
        raise ValueError(f"excerpt_s must be positive or None, got {excerpt_s}")
    if not 0.0 <= float(min_fraction) <= 1.0:
        raise ValueError(f"min_fraction must be in [0, 1], got {min_fraction}")
    if out_dir is not None and sample is None:
        check_writable(checkout_path(out_dir))
    cache = Path(cache_dir) if cache_dir is not None else cache_root() / "piano"
    keys = {"convert": _convert_key(), "midi": _midi_key(), "render": _key(_render_config(excerpt_s, sr))}
    timings: dict[str, float] = defaultdict(float)

    t0 = time.perf_counter()
    sources = load_sources(root)
    timings["load_sources"] = time.perf_counter() - t0

    if sample is not None:
        return _build_sample(sources, root=root, out_dir=out_dir, sample=sample, seed=seed, cache=cache,
                             keys=keys, excerpt_s=excerpt_s, sr=sr, workers=workers, progress=progress,
                             checks=checks, convert=convert, task_timeout=task_timeout,
                             verovio_timeout=verovio_timeout, t_start=t_start)

    # -- rounds: pick, process, replace failures ---------------------------------------------
    t0 = time.perf_counter()
    by_period: dict[str, tuple[pd.DataFrame, list[str], _Picker]] = {}
    for period in PERIODS:
        if period not in counts:
            continue
        df = sources[sources["period"] == period]
        if df.empty:
            continue
        order = _order_period(df, seed)
        by_period[period] = (df, order, _Picker(df, order, int(counts[period]),
                                                collection_cap=per_collection_cap,
                                                composer_cap=per_composer_cap))
    timings["select"] += time.perf_counter() - t0

    src_by_id = sources.set_index("id", drop=False)
    ok: dict[str, dict] = {}
    failed: dict[str, dict] = {}
    excluded_all: dict[str, str] = {}
    rounds = 0
    from tqdm.auto import tqdm

    bar = tqdm(total=0, desc="piano build", unit="piece", disable=not progress)
    while True:
        t0 = time.perf_counter()
        todo = []
        for period, (df, order, picker) in by_period.items():
            ok_p = [i for i in order if i in ok]
            chosen, excluded = picker.pick(ok_p, set(failed))
            for i, why in excluded.items():
                excluded_all.setdefault(i, why)
            todo += [i for i in chosen if i not in ok]
        timings["select"] += time.perf_counter() - t0
        if not todo:
            break
        rounds += 1
        bar.total += len(todo)
        bar.refresh()
        tasks = [_task(src_by_id.loc[i], root=root, cache=cache, keys=keys, excerpt_s=excerpt_s, sr=sr,
                       use_cache=use_cache, checks=checks, convert=convert, timeout=verovio_timeout,
                       silence_dbfs=silence_dbfs)
                 for i in todo]
        res = {}
        if use_cache and convert is None:  # pieces complete in the cache need no worker
            for t in tasks:
                r = process_piece({**t, "cache_only": True})
                if r is not None:
                    res[t["row"]["id"]] = r
                    bar.update(1)
        tasks = [t for t in tasks if t["row"]["id"] not in res]
        if tasks:
            res.update(_run_tasks(tasks, workers=workers, progress=progress, desc="piano build",
                                  task_timeout=task_timeout, bar=bar))
        by_id = {t["row"]["id"]: t for t in tasks}
        for i in todo:
            r = res[i]
            (ok if r.get("ok") else failed)[i] = r
            if r.get("fail_stage") == "worker" and str(r.get("reason", "")).startswith("timed out") and i in by_id:
                remember_timeout(by_id[i], r["reason"])
        crashed = [r for r in failed.values() if r.get("fail_stage") == "worker"]
        if len(crashed) >= MAX_WORKER_CRASHES and len(crashed) > len(ok):
            bar.close()
            raise RuntimeError(
                f"{len(crashed)} pieces crashed their worker process and only {len(ok)} succeeded; "
                f"stopping (last: {crashed[-1]['id']}: {crashed[-1]['reason']})"
            )
    bar.close()
    timings["process_wall"] = time.perf_counter() - t_start - timings["load_sources"] - timings["select"]

    manifest = _manifest(ok, src_by_id)
    t0 = time.perf_counter()
    manifest["split"] = split_pieces(manifest, split, seed=seed, periods=PERIODS).values
    manifest = manifest.reindex(columns=MANIFEST_COLUMNS)
    timings["split"] = time.perf_counter() - t0

    report = _report({**ok, **failed}, src_by_id, excluded_all)
    for st, g in report.groupby("stage"):
        timings[f"stage:{st}"] = float(g["seconds"].sum())
    timings["worker_cpu"] = float(sum(r.get("cpu_s", 0.0) for r in [*ok.values(), *failed.values()]))
    timings["total_wall"] = time.perf_counter() - t_start

    info = _info(manifest, report, sources, timings, rounds=rounds, seed=seed, excerpt_s=excerpt_s, sr=sr,
                 counts=counts, split=split, per_composer_cap=per_composer_cap,
                 per_collection_cap=per_collection_cap, workers=workers, keys=keys, checks=checks,
                 failed=failed, excluded=excluded_all)
    beyond = {i for _df, _o, pk in by_period.values() for i in pk.relaxed if i in ok}
    for p in info["periods"]:
        info["periods"][p]["beyond_caps"] = int(sum(src_by_id.at[i, "period"] == p for i in beyond))
    failures = report[report["status"] == "failed"].reset_index(drop=True)
    short = {p: d for p, d in info["periods"].items() if d["shortfall"]}
    if short:
        warnings.warn("fewer usable pieces than asked for (no padding): " + ", ".join(
            f"{p} {d['selected']} of {d['wanted']}" for p, d in short.items()), stacklevel=2)
    result = BuildResult(manifest=manifest, report=report, info=info, failures=failures)
    wanted = int(sum(int(counts[p]) for p in by_period))
    if len(manifest) == 0 or len(manifest) < float(min_fraction) * wanted:
        result.refused = (f"built {len(manifest)} of the {wanted} pieces asked for (less than "
                          f"{float(min_fraction):.0%}); nothing was written")
        if out_dir is not None:
            warnings.warn(result.refused, stacklevel=2)
    elif out_dir is not None:
        od = checkout_path(out_dir)
        atomic_write_text(od / "manifest.csv", manifest.to_csv(index=False, lineterminator="\n"))
        atomic_write_text(od / "build_report.csv", report.to_csv(index=False, lineterminator="\n"))
        atomic_write_text(od / "build_info.json", json.dumps(info, indent=2, sort_keys=False) + "\n")
        result.out_dir, result.written = od, True
    return result


def _manifest(ok: dict[str, dict], src: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for i, r in ok.items():
        s = src.loc[i]
        rows.append({
            "id": i, "period": s["period"], "composer": s["composer"], "work": s["work"],
            "collection": s["collection"], "movement": s["movement"], "format": s["format"],
            "repo": s["repo"], "commit": s["commit"], "path": s["path"], "file": s["file"],
            "source_route": s["source_route"], "source_sha256": r.get("source_sha256"),
            "route": r.get("route"), "midi_route": r.get("midi_route"), "kern_sha256": r.get("kern_sha256"),
            "midi_sha256": r.get("midi_sha256"),
            "kern_spines": r.get("kern_spines"), "kern_notes": r.get("kern_notes"),
            "midi_notes": r.get("midi_notes"), "m21_source_notes": r.get("m21_source_notes"),
            "m21_kern_notes": r.get("m21_kern_notes"), "m21_reads": r.get("m21_reads"),
            "m21_quarters": r.get("m21_quarters"), "midi_quarters": r.get("midi_quarters"),
            "rhythm_messages": r.get("rhythm_messages"), "duration_s": r.get("duration_s"),
            "audio_s": r.get("audio_s"), "audio_sha256": r.get("audio_sha256"), "rms_dbfs": r.get("rms_dbfs"),
            "source_flags": s["flags"], "quality_flags": ",".join(quality_flags(r)),
        })
    m = pd.DataFrame(rows, columns=[c for c in MANIFEST_COLUMNS if c != "split"])
    if m.empty:
        return m
    m["_p"] = m["period"].map({p: k for k, p in enumerate(PERIODS)})
    m = m.sort_values(["_p", "composer", "id"]).drop(columns="_p").reset_index(drop=True)
    for c in ("kern_spines", "kern_notes", "midi_notes", "m21_source_notes", "m21_kern_notes", "rhythm_messages"):
        m[c] = pd.array(m[c], dtype="Int64")
    return m


def _report(records: dict[str, dict], src: pd.DataFrame, excluded: dict[str, str]) -> pd.DataFrame:
    """One row per stage of every piece tried, plus the candidates a limit excluded."""
    rows = []
    for i, why in excluded.items():
        if i in records:
            continue
        rows.append({"id": i, "period": src.at[i, "period"], "stage": "select", "status": "excluded",
                     "reason": why, "seconds": 0.0})
    for i, r in records.items():
        for st, status, reason, secs in r.get("stages", []):
            rows.append({"id": i, "period": src.at[i, "period"], "stage": st, "status": status,
                         "reason": reason, "seconds": secs})
    rep = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    order = {s: k for k, s in enumerate(["select", "worker", "source", "convert", "checks", "midi", "render"])}
    rep["_p"] = rep["period"].map({p: k for k, p in enumerate(PERIODS)})
    rep["_s"] = rep["stage"].map(order)
    rep = rep.sort_values(["_p", "id", "_s"], kind="stable").drop(columns=["_p", "_s"]).reset_index(drop=True)
    return rep


def _info(manifest, report, sources, timings, *, rounds, seed, excerpt_s, sr, counts, split,
          per_composer_cap, per_collection_cap, workers, keys, checks, failed, excluded) -> dict:
    from ... import __version__

    per_period = {}
    for p in PERIODS:
        if p not in counts:
            continue
        m = manifest[manifest["period"] == p]
        per_period[p] = {
            "paper": PAPER_COUNTS.get(p), "wanted": int(counts[p]),
            "available": int((sources["period"] == p).sum()),
            "selected": int(len(m)), "shortfall": int(max(0, int(counts[p]) - len(m))),
            "train": int((m["split"] == "train").sum()), "test": int((m["split"] == "test").sum()),
            "paper_train": split[p][0], "paper_test": split[p][1],
            "failed": int(sum(1 for i in failed if sources.set_index("id").at[i, "period"] == p)),
            "composers": {k: int(v) for k, v in Counter(m["composer"]).most_common()},
        }
    routes = {k: int(v) for k, v in Counter(manifest["route"]).items()}
    midi_routes = {k: int(v) for k, v in Counter(manifest["midi_route"]).items()}
    return {
        "kmnet_version": __version__,
        "built_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "config": {
            "seed": seed, "excerpt_s": excerpt_s, "sr": sr, "counts": dict(counts),
            "split": {k: list(v) for k, v in split.items()}, "per_composer_cap": per_composer_cap,
            "per_collection_cap": per_collection_cap, "table_a1_sets": [list(t) for t in TABLE_A1_SETS],
            "penalty_flags": list(PENALTY_FLAGS), "workers": workers, "checks": checks,
            "cache_keys": keys, "verovio_timeout_s": VEROVIO_TIMEOUT_S,
        },
        "versions": {**_versions(), "fluidsynth": _render.fluidsynth_version(),
                     "soundfont": _render.find_soundfont().name},
        "periods": per_period,
        "total": {"selected": int(len(manifest)), "paper": int(sum(PAPER_COUNTS.values())),
                  "train": int((manifest["split"] == "train").sum()),
                  "test": int((manifest["split"] == "test").sum())},
        "routes": routes,
        "midi_routes": midi_routes,
        "rounds": rounds,
        "failed": {i: f"{r.get('fail_stage')}: {r.get('reason')}" for i, r in sorted(failed.items())},
        "excluded_by_limits": len(excluded),
        "timings_s": {k: round(v, 2) for k, v in sorted(timings.items())},
    }


def _build_sample(sources, *, root, out_dir, sample, seed, cache, keys, excerpt_s, sr, workers, progress,
                  checks, convert, task_timeout, verovio_timeout, t_start) -> BuildResult:
    mpath = (checkout_path(out_dir) if out_dir is not None else default_manifest_path().parent) / "manifest.csv"
    old = load_manifest(mpath)
    if isinstance(sample, (int, np.integer)) and not isinstance(sample, bool):
        if sample < 1:
            raise ValueError(f"sample must be >= 1, got {sample}")
        rows = old.sample(n=min(int(sample), len(old)), random_state=seed)
    elif isinstance(sample, str) or not isinstance(sample, Sequence) or not len(sample):
        raise ValueError(f"sample must be a positive int or a non-empty sequence of manifest ids, got {sample!r}")
    else:
        unknown = [i for i in sample if i not in set(old["id"])]
        if unknown:
            raise ValueError(f"sample ids not in the manifest: {unknown[:5]}")
        rows = old.set_index("id", drop=False).loc[list(dict.fromkeys(sample))].reset_index(drop=True)
        sample = len(rows)
    src_by_id = sources.set_index("id", drop=False)
    missing = [i for i in rows["id"] if i not in src_by_id.index]
    if missing:
        raise ValueError(f"manifest ids not in the source tables: {missing[:5]}")
    tasks = [_task(src_by_id.loc[i], root=root, cache=cache, keys=keys, excerpt_s=excerpt_s, sr=sr,
                   use_cache=False, checks=checks, convert=convert, timeout=verovio_timeout)
             for i in rows["id"]]
    res = _run_tasks(tasks, workers=workers, progress=progress, desc="piano sample", task_timeout=task_timeout)
    ok = {i: r for i, r in res.items() if r.get("ok")}
    failed = {i: r for i, r in res.items() if not r.get("ok")}
    man = _manifest(ok, src_by_id)
    man = man.merge(rows[["id", "split", "kern_sha256", "audio_sha256"]].rename(
        columns={"kern_sha256": "manifest_kern_sha256", "audio_sha256": "manifest_audio_sha256"}), on="id")
    man["kern_matches"] = man["kern_sha256"] == man["manifest_kern_sha256"]
    man["audio_matches"] = man["audio_sha256"] == man["manifest_audio_sha256"]
    man["cpu_s"] = [float(ok[i].get("cpu_s", float("nan"))) for i in man["id"]]
    report = _report(res, src_by_id, {})
    timings = {f"stage:{st}": float(g["seconds"].sum()) for st, g in report.groupby("stage")}
    timings["worker_cpu"] = float(sum(r.get("cpu_s", 0.0) for r in res.values()))
    timings["total_wall"] = time.perf_counter() - t_start
    info = {"sample": int(sample), "seed": seed, "timings_s": {k: round(v, 2) for k, v in timings.items()},
            "failed": {i: f"{r.get('fail_stage')}: {r.get('reason')}" for i, r in failed.items()}}
    return BuildResult(manifest=man, report=report, info=info,
                       failures=report[report["status"] == "failed"].reset_index(drop=True))


# ========================================================================================
# loading
# ========================================================================================
def load_manifest(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read the committed manifest (default ``data/piano/manifest.csv`` of the checkout).

    Raises
    ------
    FileNotFoundError
        No manifest at ``path`` (run ``kmnet data build piano`` or :func:`build`).
    """
    p = Path(path) if path is not None else default_manifest_path()
    if not p.is_file():
        raise FileNotFoundError(f"no piano manifest at {p}; build it with kmnet.datasets.piano.build()")
    m = read_table(p, dtype={c: str for c in _STR_COLUMNS})
    for c in _STR_COLUMNS:
        if c in m.columns:
            m[c] = m[c].fillna("")
    return m


def manifest_rows(manifest: pd.DataFrame | None = None, ids: Sequence[str] | None = None) -> pd.DataFrame:
    """The manifest (default the committed one), or its rows of ``ids`` in that order; index reset.

    Raises
    ------
    ValueError
        An id that is not in the manifest.
    """
    m = load_manifest() if manifest is None else manifest
    if ids is not None:
        ids = list(ids)
        unknown = sorted(set(ids) - set(m["id"]))
        if unknown:
            raise ValueError(f"unknown piano id(s): {unknown[:5]}")
        m = m.set_index("id", drop=False).loc[ids]
    return m.reset_index(drop=True)


def _manifest_row(piece, manifest: pd.DataFrame | None) -> Mapping:
    if isinstance(piece, (pd.Series, dict)):
        return piece
    m = manifest if manifest is not None else load_manifest()
    hit = m[m["id"] == piece]
    if hit.empty:
        raise ValueError(f"unknown piano piece id {piece!r}")
    return hit.iloc[0]


def _info_file() -> dict:
    p = default_manifest_path().with_name("build_info.json")
    return json.loads(p.read_text()) if p.is_file() else {}


def kern_text(
    piece: str | Mapping,
    root: str | os.PathLike | None = None,
    *,
    manifest: pd.DataFrame | None = None,
    reference_records: bool = True,
) -> str:
    """The **kern text of a piece, as used for its audio and text features.

    From the cache when present; otherwise rebuilt from the source in the data root (a
    MusicXML conversion runs again). A text whose sha256 differs from the manifest's
    ``kern_sha256`` gives a warning (another converter version).

    Parameters
    ----------
    piece : str or row
        A manifest id or row.
    reference_records : bool, default True
        Keep the ``!!!`` reference records and ``!!`` global comments (composer, title,
        dates, ...). ``False`` drops them, e.g. to keep composer names out of text features.
    """
    row = _manifest_row(piece, manifest)
    sha = str(row.get("kern_sha256", "") or "")
    text = None
    src_sha = str(row.get("source_sha256", "") or "")
    if src_sha:
        cp = _cache_paths(cache_root() / "piano", src_sha, _convert_key())
        if cp["kern"].is_file():
            t = cp["kern"].read_text(encoding="utf-8")
            if not sha or bytes_sha256(t.encode("utf-8")) == sha:
                text = t
    if text is None:
        src_row = dict(row)
        if "format" not in src_row or not src_row.get("file"):
            srcs = load_sources(root).set_index("id", drop=False)
            src_row = dict(srcs.loc[row["id"]])
        text, _route, _info = convert_to_kern(src_row, root=root)
        if sha and bytes_sha256(text.encode("utf-8")) != sha:
            warnings.warn(f"{row['id']}: rebuilt **kern differs from the manifest's kern_sha256 "
                          "(different converter version?)", stacklevel=2)
        elif src_sha and src_row.get("format") == "musicxml":
            cp = _cache_paths(cache_root() / "piano", src_sha, _convert_key())
            atomic_write_text(cp["kern"], text)
    return text if reference_records else _scores.strip_reference_records(text)


def audio_path(
    piece: str | Mapping,
    root: str | os.PathLike | None = None,
    *,
    manifest: pd.DataFrame | None = None,
    excerpt_s: float | None = None,
    sr: int | None = None,
) -> Path:
    """Path of a piece's WAV excerpt in the cache, rendered first if it is missing.

    The excerpt is keyed by the sha256 of the piece's MIDI (``midi_sha256``) and the render
    settings; ``excerpt_s``/``sr`` default to those of the committed build
    (``build_info.json``), else 30 s / 22050 Hz. A missing excerpt is rendered from the
    cached MIDI, or the piece is made again from its source in the data root.
    """
    row = _manifest_row(piece, manifest)
    cfg = _info_file().get("config", {})
    ex = excerpt_s if excerpt_s is not None else cfg.get("excerpt_s", _render.DEFAULT_EXCERPT_S)
    rate = int(sr if sr is not None else cfg.get("sr", _render.DEFAULT_SR))
    rkey = _key(_render_config(ex, rate))
    cache = cache_root() / "piano"
    midi_sha = str(row.get("midi_sha256", "") or "")
    if not midi_sha:
        raise ValueError(f"{row['id']}: the manifest has no midi_sha256 (rebuild it)")
    p = wav_cache_path(cache, midi_sha, rkey)
    if p.is_file():
        return p
    kern_sha = str(row["kern_sha256"])
    mpath = cache / "midi" / kern_sha[:2] / f"{kern_sha}-{_midi_key()}.mid"
    if not (mpath.is_file() and bytes_sha256(mpath.read_bytes()) == midi_sha):
        srcs = load_sources(root).set_index("id", drop=False)
        task = _task(srcs.loc[row["id"]], root=root, cache=cache,
                     keys={"convert": _convert_key(), "midi": _midi_key(), "render": rkey},
                     excerpt_s=ex, sr=rate, use_cache=True, checks=True, convert=None,
                     timeout=VEROVIO_TIMEOUT_S)
        rec = process_piece(task)
        if not rec.get("ok"):
            raise ValueError(f"{row['id']}: cannot make the audio ({rec.get('fail_stage')}: {rec.get('reason')})")
        if rec.get("midi_sha256") != midi_sha:
            warnings.warn(f"{row['id']}: rebuilt MIDI differs from the manifest's midi_sha256 "
                          "(different tool versions?)", stacklevel=2)
        return wav_cache_path(cache, rec["midi_sha256"], rkey)
    res = _render.render_midi(mpath.read_bytes(), excerpt_s=ex, sr=rate)
    return atomic_write_bytes(p, res.wav)
