"""Which pieces: the source tables and the selection limits of the piano set.

Used by :mod:`kmnet.datasets.piano` (see its docstring for the whole pipeline). The counts
are the paper's: Table A1 (pieces per period) and Table 2 (training/test per period, drawn by
:func:`kmnet.datasets.splits.split_pieces`).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from typing import Mapping

import numpy as np
import pandas as pd

from . import scores as _scores
from .._tables import line_numbers, read_table
from ..paths import data_root

__all__ = [
    "PERIODS",
    "PAPER_COUNTS",
    "PAPER_SPLIT",
    "TABLE_A1_SETS",
    "TABLE_A1_COMPOSERS",
    "PENALTY_FLAGS",
    "DEFAULT_PER_COLLECTION_CAP",
    "load_sources",
    "select_pieces",
]

PERIODS = ("Baroque", "Classical", "Romantic", "Modern")
#: Pieces per period in the paper (Section 4.3, Table A1).
PAPER_COUNTS: dict[str, int] = {"Baroque": 243, "Classical": 236, "Romantic": 258, "Modern": 248}
#: (training, test) pieces per period (Table 2): 600 training, 385 test.
PAPER_SPLIT: dict[str, tuple[int, int]] = {
    "Baroque": (159, 84),
    "Classical": (135, 101),
    "Romantic": (153, 105),
    "Modern": (153, 95),
}

#: Composers that Table A1 (Appendix A.2) names per period, in the paper's order. The paper's
#: Modern row also repeats the line "32 Sonatas by Beethoven (102 movements)" of the Classical
#: row, evidently a copy error; Beethoven is not listed under Modern here.
TABLE_A1_COMPOSERS: dict[str, tuple[str, ...]] = {
    "Baroque": ("Bach", "Scarlatti", "Buxtehude", "Couperin", "Handel", "Rameau"),
    "Classical": ("Beethoven", "Clementi", "Haydn", "Mozart", "C.P.E. Bach"),
    "Romantic": ("Alkan", "Chopin", "Liszt", "Brahms", "Field", "Bizet", "Glinka", "Grieg", "MacDowell",
                 "Mendelssohn", "Mussorgsky", "Saint-Saens", "Strauss", "Schubert", "Schumann", "Tchaikovsky"),
    "Modern": ("Debussy", "Shostakovich", "Prokofiev", "Satie", "Rachmaninoff", "Bartok", "Gershwin", "Joplin",
               "Khachaturian", "Messiaen", "Poulenc", "Ravel", "Scriabin", "Schoenberg", "Turpin"),
}

#: Sets that Table A1 names with a count: (period, composer, name, regex on the title, count).
#: A collection of this kind holds at most ``count`` movements.
TABLE_A1_SETS: tuple[tuple[str, str, str, str, int], ...] = (
    ("Baroque", "Bach", "Well-Tempered Clavier I-II", r"Well-Tempered Clavier", 96),
    ("Baroque", "Bach", "Two-part Inventions", r"Two-part Invention", 15),
    ("Baroque", "Scarlatti", "Sonatas", r"\bSonata\b", 59),
    ("Classical", "Beethoven", "32 Sonatas", r"\bSonata\b", 102),
    ("Classical", "Clementi", "6 Sonatas", r"\bSonat", 17),
    ("Classical", "Haydn", "Sonatas", r"\bSonata\b", 35),
    ("Classical", "Mozart", "17 Sonatas", r"\bSonata\b", 51),
    ("Romantic", "Chopin", "52 Mazurkas", r"\bMazurka\b", 52),
    ("Romantic", "Chopin", "24 Preludes op. 28", r"\bPrelude\b.*\bOp\. ?28\b", 24),
    ("Romantic", "Liszt", "12 Transcendental Etudes", r"transcendant|Transcendental", 12),
    ("Romantic", "Liszt", "3 Etudes de concert", r"Konzertetud|[EÉ]tudes? de concert|Concert [EÉ]tude", 3),
    ("Romantic", "Liszt", "6 Grandes Etudes de Paganini", r"Paganini", 6),
    ("Modern", "Shostakovich", "24 Preludes", r"\bPrelude", 24),
    ("Modern", "Shostakovich", "3 Fantastic Dances", r"Fantastic Dance", 3),
)

#: Source flags that make a file a worse choice (each adds 1 to its penalty).
PENALTY_FLAGS: tuple[str, ...] = (
    "outside-a1-list",
    "segment-of-movement",
    "partial-movement",
    "rdf-errors",
    "pedagogical-exercises",
    "title-mismatch",
    "ref-mismatch",
    "attribution",
    "tie-count-mismatch",
    "sic-records",
    "problem-record",
    "music21-parse-error",
    "user-upload-edition-unverified",
    "ornamented-double-of-previous-movement",
    "arrangement-by",
    "asap-no-repeat-variant",
    "omr-transcription",
)

#: A collection that Table A1 does not name holds at most this fraction of its period.
DEFAULT_PER_COLLECTION_CAP = 0.2

_REQUIRED = ("id", "period", "composer", "work", "repo", "commit", "path", "sha256")

#: rows of the staged source tables, as the data root's piano READMEs state them (618 **kern
#: files in README-kern.md; 369 + 124 MusicXML files in README-musicxml.md); checked when the
#: README is beside the table, i.e. for the staged data root (a root made by ``kmnet data
#: fetch`` from the manifest lists only the selected pieces)
STAGED_TABLE_ROWS = {"sources-kern.tsv": ("README-kern.md", 618), "sources-musicxml.tsv": ("README-musicxml.md", 493)}



# ========================================================================================
# sources
# ========================================================================================
def load_sources(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read ``piano/sources-kern.tsv`` and ``piano/sources-musicxml.tsv`` of the data root.

    Returns one row per listed file with the tables' columns plus ``format`` (``kern`` /
    ``musicxml``), ``file`` (path of the staged file relative to ``piano/``),
    ``source_route`` (how the staged file was made), ``flags`` (a string, possibly empty),
    and the derived ``collection``, ``a1_set``, ``movement``, ``work_key`` and ``penalty``.

    Raises
    ------
    FileNotFoundError
        Neither table exists.
    ValueError
        A table is empty, lacks a required column or a required value (a row cut short), has
        another row count than its README states (:data:`STAGED_TABLE_ROWS`), an id repeats, or
        a period is not one of :data:`PERIODS`. Messages name the file and the lines.
    """
    pdir = data_root(root) / "piano"
    frames = []
    for name, fmt in (("sources-kern.tsv", "kern"), ("sources-musicxml.tsv", "musicxml")):
        p = pdir / name
        if not p.is_file():
            continue
        df = read_table(p, sep="\t", dtype=str, keep_default_na=False)
        missing = [c for c in _REQUIRED if c not in df.columns]
        if missing:
            raise ValueError(f"{p}: missing column(s) {missing}")
        for c in _REQUIRED:
            empty = (df[c].fillna("").str.strip() == "").to_numpy()
            if empty.any():
                raise ValueError(f"{p}: {int(empty.sum())} row(s) without a {c!r} ({line_numbers(empty.nonzero()[0])})")
        readme, rows = STAGED_TABLE_ROWS[name]
        if (pdir / readme).is_file() and len(df) != rows:
            raise ValueError(f"{p}: {len(df)} rows, but {readme} beside it states {rows}: the table is truncated "
                             "or edited (restore the staged copy)")
        bad = (~df["period"].isin(PERIODS)).to_numpy()
        if bad.any():
            raise ValueError(f"{p}: unknown period(s) {sorted(set(df['period'][bad]))} ({line_numbers(bad.nonzero()[0])}); "
                             f"expected one of {PERIODS}")
        dup = df["id"].duplicated().to_numpy()
        if dup.any():
            raise ValueError(f"{p}: duplicate piece id(s) {list(df['id'][dup].unique())[:5]} "
                             f"({line_numbers(dup.nonzero()[0])})")
        df["format"] = fmt
        if fmt == "kern":
            df["file"] = "repos/" + df["repo"] + "/" + df["path"]
            df["source_route"] = "krn"
        else:
            if "stored_as" in df.columns:
                df["file"] = [s if s else f"repos/{r}/{q}" for s, r, q in zip(df["stored_as"], df["repo"], df["path"])]
            else:
                df["file"] = "repos/" + df["repo"] + "/" + df["path"]
            df["source_route"] = df["route"] if "route" in df.columns else ""
        frames.append(df)
    if not frames:
        raise FileNotFoundError(f"no source tables in {pdir} (sources-kern.tsv, sources-musicxml.tsv)")
    cols = ["id", "period", "composer", "work", "format", "repo", "commit", "path", "file",
            "source_route", "sha256", "flags", "kern_spines", "bytes"]
    out = pd.concat([f.reindex(columns=cols, fill_value="") for f in frames], ignore_index=True)
    out = out.fillna("")
    dup = out["id"][out["id"].duplicated()].unique()
    if len(dup):
        raise ValueError(f"duplicate piece id(s) in the source tables: {list(dup)[:5]} (in both "
                         f"{pdir / 'sources-kern.tsv'} and {pdir / 'sources-musicxml.tsv'})")
    bad = sorted(set(out["period"]) - set(PERIODS))
    if bad:
        raise ValueError(f"unknown period(s) {bad}; expected one of {PERIODS}")
    out["work"] = out["work"].map(_scores.unescape_title)
    out["a1_set"] = [_a1_set(p, c, w) for p, c, w in zip(out["period"], out["composer"], out["work"])]
    out["collection"] = [
        a if a else f"{c}: {_title_stem(w)}" for a, c, w in zip(out["a1_set"], out["composer"], out["work"])
    ]
    out["movement"] = [_movement_key(i, f) for i, f in zip(out["id"], out["flags"])]
    out["work_key"] = [_work_key(c, w) for c, w in zip(out["composer"], out["work"])]
    out["penalty"] = [_penalty(f) for f in out["flags"]]
    return out


def _a1_set(period: str, composer: str, work: str) -> str:
    for p, c, label, pat, _n in TABLE_A1_SETS:
        if p == period and c == composer and re.search(pat, work, re.I):
            return f"{c}: {label} (Table A1)"
    return ""


def _a1_caps() -> dict[str, int]:
    return {f"{c}: {label} (Table A1)": n for _p, c, label, _pat, n in TABLE_A1_SETS}


def _title_stem(work: str) -> str:
    """Collection name from a title: the part before the first separator, without numbers/keys."""
    w = re.split(r"\s+—\s+|:|,|\(|\[", work)[0]
    w = re.sub(r"\bin [A-G](?:[- ]?(?:sharp|flat)|#|b)? (?:major|minor)\b", "", w, flags=re.I)
    w = re.sub(r"\b(?:no|nr)\.?\s*\d+\b", "", w, flags=re.I)
    w = re.sub(r"\s+\d+[a-z]?\s*$", "", w)
    w = re.sub(r"\s+(?:op|l|bwv|sz|k|fp|m|s|d|hwv|hob|wq)\.?\s*$", "", w, flags=re.I)
    return re.sub(r"\s+", " ", w).strip() or work.strip()


def _movement_key(piece_id: str, flags: str) -> str:
    """Files that are segments of one movement (``...-m1a``, ``...-m1b``) share a key."""
    if "segment-of-movement" in flags or "partial-movement" in flags:
        m = re.match(r"^(.*-m\d+)[a-z]$", piece_id)
        if m:
            return m.group(1)
    return piece_id


_CAT_RE = re.compile(
    r"\b(op|k|bwv|hob|wq|sz|fp|woo|hwv|l|m|s|d|no|nr)\.?\s*(?:anh\.?\s*)?([0-9][0-9a-z/]*|[ivx]+:[0-9]+[a-z]?)"
)
_KEY_RE = re.compile(r"\bin ([a-g])(?:[- ]?(sharp|flat|#))?\s+(major|minor)\b")
_KEY_STOP = {"in", "major", "minor", "sharp", "flat", "the", "for", "piano", "and", "of", "a", "b", "c",
             "d", "e", "f", "g", "first", "edition"}


def _work_key(composer: str, work: str) -> str:
    """Key that two editions of one work share: composer + the set of title tokens.

    The title is taken before any " — " (edition, tempo) except ``mvt N``; bracketed and
    parenthesised remarks, key names and filler words are dropped, and catalogue numbers
    are normalised (``Op. 6, No. 2`` → ``op6 n2``), so that "Mazurka in C-sharp Minor,
    Op. 6, No. 2" and "Mazurka, Op. 6 No. 2 in C-sharp minor — first edition" agree.
    """
    head, *rest = re.split(r"\s+—\s+", work)
    mvts = re.findall(r"\bmvt\.?\s*(\w+)", " ".join(rest), re.I)
    s = re.sub(r"\[.*?\]|\(.*?\)", " ", head).lower()
    s = _KEY_RE.sub(lambda m: " key" + m.group(1) + ("#" if m.group(2) in ("sharp", "#") else
                                                     "b" if m.group(2) in ("flat",) else "")
                    + ("m" if m.group(3) == "minor" else "") + " ", s)
    s = _CAT_RE.sub(lambda m: ("n" if m.group(1) in ("no", "nr") else m.group(1)) + m.group(2), s)
    toks = {t for t in re.findall(r"[a-z0-9:/]+", s) if t not in _KEY_STOP}
    toks |= {f"mvt{m.lower()}" for m in mvts}
    return composer.lower() + "|" + " ".join(sorted(toks))


def _penalty(flags: str) -> int:
    toks = [t.strip() for t in str(flags).split(",") if t.strip()]
    return sum(any(t.startswith(p) for p in PENALTY_FLAGS) for t in toks)


# ========================================================================================
# selection
# ========================================================================================
def _stable_random(seed: int, key: str) -> float:
    h = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64


def _cap_value(cap: float | int | None, target: int) -> float:
    if cap is None:
        return float("inf")
    if isinstance(cap, float) and 0 < cap <= 1:
        return max(1, int(np.floor(cap * target)))
    if cap < 1:
        raise ValueError(f"caps must be a fraction in (0, 1] or a count >= 1, got {cap}")
    return int(cap)


def _order_period(df: pd.DataFrame, seed: int) -> list[str]:
    """Priority order of one period's candidates (see :func:`select_pieces`)."""
    rank_in_composer: dict[str, tuple] = {}
    for comp, g in df.groupby("composer", sort=True):
        # within a collection: clean first, then a seeded shuffle
        pos: dict[str, int] = {}
        pen = dict(zip(g["id"], g["penalty"].astype(int)))
        for _coll, gc in g.groupby("collection", sort=True):
            keys = sorted(gc["id"], key=lambda i: (pen[i], _stable_random(seed, "c" + i)))
            for k, i in enumerate(keys):
                pos[i] = k
        ordered = sorted(
            g.itertuples(index=False),
            key=lambda r: (int(r.penalty), 0 if r.a1_set else 1, pos[r.id], _stable_random(seed, "w" + r.id)),
        )
        for k, r in enumerate(ordered):
            rank_in_composer[r.id] = (k, _stable_random(seed, "composer:" + comp))
    return sorted(df["id"], key=lambda i: rank_in_composer[i])


class _Picker:
    """Deterministic choice of up to ``target`` ids from an ordered list under the limits."""

    def __init__(self, rows: pd.DataFrame, order: list[str], target: int, *,
                 collection_cap, composer_cap):
        self.rows = rows.set_index("id", drop=False)
        self.order = order
        self.target = target
        a1 = _a1_caps()
        self.coll_cap = {
            c: (a1[c] if c in a1 else _cap_value(collection_cap, target)) for c in self.rows["collection"].unique()
        }
        self.comp_cap = _cap_value(composer_cap, target)
        self.relaxed: set[str] = set()  # ids taken beyond a cap because the period was short

    def pick(self, ok: list[str], failed: set[str]) -> tuple[list[str], dict[str, str]]:
        """Return (chosen ids incl. ``ok``, {id: reason} for candidates a limit excluded)."""
        chosen: list[str] = []
        coll_units: dict[str, set] = defaultdict(set)
        comp_units: dict[str, set] = defaultdict(set)
        works: dict[str, str] = {}
        excluded: dict[str, str] = {}

        def admissible(i: str) -> str:
            r = self.rows.loc[i]
            if r["work_key"] in works:
                return f"another edition of this work is selected ({works[r['work_key']]})"
            cu = coll_units[r["collection"]]
            if r["movement"] not in cu and len(cu) >= self.coll_cap[r["collection"]]:
                return f"collection cap reached ({r['collection']}: {self.coll_cap[r['collection']]} movements)"
            pu = comp_units[r["composer"]]
            if r["movement"] not in pu and len(pu) >= self.comp_cap:
                return f"composer cap reached ({r['composer']}: {self.comp_cap})"
            return ""

        def take(i: str) -> None:
            r = self.rows.loc[i]
            chosen.append(i)
            works[r["work_key"]] = i
            coll_units[r["collection"]].add(r["movement"])
            comp_units[r["composer"]].add(r["movement"])

        for i in self.order:  # pieces that already succeeded keep their place
            if i in ok:
                take(i)
        for i in self.order:
            if len(chosen) >= self.target:
                break
            if i in ok or i in failed:
                continue
            why = admissible(i)
            if why:
                excluded[i] = why
                continue
            take(i)
        # The caps spread a period over its composers; they must not make a period smaller
        # than it could be. When the period is still short, the pieces a cap held back are
        # taken after all (in the same priority order), and only the rest stay excluded.
        for i in self.order:
            if len(chosen) >= self.target:
                break
            why = excluded.get(i, "")
            if not why.startswith(("collection cap", "composer cap")):
                continue
            r = self.rows.loc[i]
            if r["work_key"] in works:
                excluded[i] = f"another edition of this work is selected ({works[r['work_key']]})"
                continue
            del excluded[i]
            self.relaxed.add(i)
            take(i)
        return chosen, excluded


def select_pieces(
    sources: pd.DataFrame,
    counts: Mapping[str, int] = PAPER_COUNTS,
    seed: int = 0,
    per_composer_cap: float | int | None = None,
    per_collection_cap: float | int | None = DEFAULT_PER_COLLECTION_CAP,
    *,
    failed: set[str] | frozenset = frozenset(),
) -> pd.DataFrame:
    """Order the candidates of each period and mark the initial selection.

    Order (deterministic for a given ``seed``): composers take turns, so a period is filled
    with an even spread over its composers until the smaller ones run out; within a
    composer, files with fewer penalty flags (:data:`PENALTY_FLAGS`) come first, then the
    sets Table A1 names, then the collections take turns in a seeded shuffle.

    Limits: one file per work (``work_key``: other editions wait as reserves); a Table A1
    set holds at most its Table A1 count of movements (:data:`TABLE_A1_SETS`); any other
    collection at most ``per_collection_cap`` (a fraction of the period's count, or a
    number); a composer at most ``per_composer_cap`` (same convention; default no limit).
    The caps only spread a period over its composers: when a period would stay below its
    count, the candidates a cap held back are taken after all, in the same order.

    Parameters
    ----------
    sources : DataFrame
        From :func:`load_sources`.
    counts : mapping
        Pieces wanted per period (default Table A1); periods not listed are dropped.
    seed : int
        Seed of the tie-breaking shuffle.
    failed : set of str
        Ids known to fail (skipped; their places go to the next candidates).

    Returns
    -------
    DataFrame
        The candidates of the periods in ``counts`` with ``rank`` (priority within the
        period), ``selected`` (bool) and ``excluded`` (why a limit kept a candidate out).
    """
    need = {"id", "period", "composer", "collection", "movement", "work_key", "penalty", "a1_set"}
    missing = need - set(sources.columns)
    if missing:
        raise ValueError(f"sources lacks column(s) {sorted(missing)}; use load_sources()")
    bad = sorted(set(counts) - set(PERIODS))
    if bad:
        raise ValueError(f"unknown period(s) in counts: {bad}")
    out = []
    for period in PERIODS:
        if period not in counts:
            continue
        df = sources[sources["period"] == period].copy()
        if df.empty:
            continue
        order = _order_period(df, seed)
        picker = _Picker(df, order, int(counts[period]), collection_cap=per_collection_cap,
                         composer_cap=per_composer_cap)
        chosen, excluded = picker.pick([], set(failed))
        rank = {i: k for k, i in enumerate(order)}
        df["rank"] = df["id"].map(rank)
        df["selected"] = df["id"].isin(set(chosen))
        df["excluded"] = [excluded.get(i, "") for i in df["id"]]
        out.append(df.sort_values("rank"))
    if not out:
        return sources.iloc[:0].assign(rank=[], selected=[], excluded=[])
    return pd.concat(out, ignore_index=True)
