"""Compare re-executed result tables with the committed ones (``make check-reproduce``).

A compendium whose numbers move when it is re-run cannot say which number is the result. After
the notebooks have been re-executed into a temporary folder, :func:`compare_results` compares
every committed ``results/*.csv`` with its fresh copy cell by cell, as written (the tables are
written with a fixed float format, so identical numbers give identical text). Columns that hold
wall-clock timings (``fit_s``, ``forward_s``, ...) are excepted.

Run as ``python -m kmnet.experiments.reproduce COMMITTED_DIR FRESH_DIR``; the exit status is 1
when any table differs. Tables that no notebook writes (:data:`COMMAND_TABLES`: the piano
comparisons over repeated splits, hours of computing, written by their own command) are listed
but not required.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pandas as pd

__all__ = ["COMMAND_TABLES", "TIMING_COLUMN", "compare_results", "compare_tables", "is_timing_column"]

#: result tables written by a command, not by a notebook: table -> the command that writes it
COMMAND_TABLES = {
    "piano_splits.csv": "python -m kmnet.experiments.piano_splits",
    "piano_splits_paired.csv": "python -m kmnet.experiments.piano_splits",
}

#: column names that hold wall-clock times: ``*_s``, ``*_seconds``, ``*time*``
TIMING_COLUMN = re.compile(r"(_s|_seconds|time|_time_s)$|^time", re.IGNORECASE)


def is_timing_column(name: str) -> bool:
    """Whether a result column holds a wall-clock time (excepted from the comparison)."""
    return bool(TIMING_COLUMN.search(str(name)))


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def compare_tables(committed: pd.DataFrame, fresh: pd.DataFrame, name: str = "") -> pd.DataFrame:
    """Cell-by-cell differences of two result tables, timing columns excepted.

    Returns a DataFrame with columns ``table, row, column, committed, fresh`` (empty when the
    two agree). A different set of columns or a different number of rows is reported as one
    row with ``column`` set to ``"<columns>"`` or ``"<rows>"``.
    """
    rows = []
    if list(committed.columns) != list(fresh.columns):
        rows.append((name, "", "<columns>", ",".join(committed.columns), ",".join(fresh.columns)))
        return pd.DataFrame(rows, columns=["table", "row", "column", "committed", "fresh"])
    if len(committed) != len(fresh):
        rows.append((name, "", "<rows>", str(len(committed)), str(len(fresh))))
        return pd.DataFrame(rows, columns=["table", "row", "column", "committed", "fresh"])
    cols = [c for c in committed.columns if not is_timing_column(c)]
    # compared as text (as written to the CSV): empty cells agree with empty cells
    a = committed[cols].astype(object).where(committed[cols].notna(), "").astype(str).to_numpy()
    b = fresh[cols].astype(object).where(fresh[cols].notna(), "").astype(str).to_numpy()
    for i, j in zip(*(a != b).nonzero()):
        rows.append((name, int(i), cols[j], a[i, j], b[i, j]))
    return pd.DataFrame(rows, columns=["table", "row", "column", "committed", "fresh"])


def compare_results(committed_dir, fresh_dir, *, require_all: bool = True,
                    not_required=COMMAND_TABLES) -> pd.DataFrame:
    """Compare every ``*.csv`` of ``committed_dir`` with the same file in ``fresh_dir``.

    Parameters
    ----------
    committed_dir, fresh_dir : path-like
    require_all : bool, default True
        Report a committed table that was not regenerated as a difference (``"<missing>"``);
        ``False`` compares only the tables that exist in both folders (a subset of notebooks
        was re-run).
    not_required : collection of str, default :data:`COMMAND_TABLES`
        Tables that are compared when regenerated but not reported when missing (no notebook
        writes them).

    Returns
    -------
    DataFrame of differences (see :func:`compare_tables`); empty when everything agrees.
    """
    committed_dir, fresh_dir = Path(committed_dir), Path(fresh_dir)
    if not committed_dir.is_dir():
        raise ValueError(f"committed_dir: {committed_dir} is not a folder")
    if not fresh_dir.is_dir():
        raise ValueError(f"fresh_dir: {fresh_dir} is not a folder")
    parts = []
    for path in sorted(committed_dir.glob("*.csv")):
        other = fresh_dir / path.name
        if not other.exists():
            if require_all and path.name not in not_required:
                parts.append(pd.DataFrame([(path.name, "", "<missing>", "present", "not written")],
                                          columns=["table", "row", "column", "committed", "fresh"]))
            continue
        parts.append(compare_tables(_read(path), _read(other), path.name))
    for other in sorted(fresh_dir.glob("*.csv")):
        if not (committed_dir / other.name).exists():
            parts.append(pd.DataFrame([(other.name, "", "<new>", "not committed", "written")],
                                      columns=["table", "row", "column", "committed", "fresh"]))
    if not parts:
        return pd.DataFrame(columns=["table", "row", "column", "committed", "fresh"])
    return pd.concat(parts, ignore_index=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Compare re-executed result tables with the committed ones.")
    ap.add_argument("committed", help="folder of the committed tables (results/)")
    ap.add_argument("fresh", help="folder of the re-executed tables")
    ap.add_argument("--subset", action="store_true",
                    help="compare only the tables present in both folders")
    args = ap.parse_args(argv)
    diff = compare_results(args.committed, args.fresh, require_all=not args.subset)
    tables = sorted(p.name for p in Path(args.committed).glob("*.csv"))
    skipped = [t for t in tables if t in COMMAND_TABLES and not (Path(args.fresh) / t).exists()]
    for t in skipped:
        print(f"check-reproduce: {t} is written by `{COMMAND_TABLES[t]}`, not by a notebook: not compared")
    if diff.empty:
        print(f"check-reproduce: all {len(tables)} result tables identical (timing columns excepted)")
        return 0
    with pd.option_context("display.max_rows", 200, "display.width", 160, "display.max_colwidth", 40):
        print(diff.to_string(index=False))
    bad = diff["table"].nunique()
    print(f"check-reproduce: {bad} of {len(tables)} result tables differ ({len(diff)} cells)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
