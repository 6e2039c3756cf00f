"""Reading the data root's tables with checks that name the file.

* :func:`read_table`: ``pandas.read_csv`` whose errors (an empty file, a broken quote) name the
  file;
* :func:`check_staged`: a table read from the data root against what the data root's README
  states of it (row count, sha256);
* :func:`check_labels_column`: missing and unknown labels, reported with the file's line numbers;
* :func:`check_no_duplicates`: repeated ids or repeated rows, with line numbers.

Line numbers count the header as line 1, as an editor shows them (for tables without quoted
newlines).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..features.cache import file_sha256

__all__ = ["read_table", "check_staged", "check_labels_column", "check_no_duplicates", "line_numbers"]


def read_table(path: str | os.PathLike, **kwargs) -> pd.DataFrame:
    """``pandas.read_csv(path, **kwargs)``; ``ValueError`` naming the file when it is empty or
    cannot be parsed, or has a header and no rows."""
    p = Path(path)
    try:
        df = pd.read_csv(p, **kwargs)
    except pd.errors.EmptyDataError as exc:
        raise ValueError(f"{p}: the file is empty ({exc})") from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"{p}: cannot be read as a table ({exc})") from exc
    if df.empty:
        raise ValueError(f"{p}: the table has no rows")
    return df


def line_numbers(rows: Iterable[int], *, first: int = 5) -> str:
    """``"lines 3, 7, 9"`` for 0-based data rows (the header is line 1)."""
    rows = [int(r) + 2 for r in rows]
    shown = ", ".join(str(r) for r in rows[:first]) + (f" ... ({len(rows)} in all)" if len(rows) > first else "")
    return f"line{'s' if len(rows) > 1 else ''} {shown}"


def check_staged(df: pd.DataFrame, path: str | os.PathLike, *, rows: int | None = None,
                 sha256: str | None = None, readme: str = "README.md") -> None:
    """Compare a table read from the data root with its README: a different row count raises
    ``ValueError`` (a truncated or edited table), a different sha256 warns (e.g. other line endings)."""
    p = Path(path)
    if rows is not None and len(df) != rows:
        raise ValueError(
            f"{p}: {len(df)} rows, but the data root's {readme} states {rows}: the table is truncated or "
            "edited (restore the staged copy)"
        )
    if sha256 is not None:
        got = file_sha256(p)
        if got != sha256:
            warnings.warn(f"{p}: sha256 {got[:12]}... differs from the {sha256[:12]}... that {readme} states "
                          "(another copy of the table?)", stacklevel=3)


def check_labels_column(df: pd.DataFrame, column: str, path: str | os.PathLike, *,
                        known: Iterable[str] | None = None) -> None:
    """Missing (NaN/empty) and, given ``known``, unknown labels raise ``ValueError`` with line numbers."""
    p = Path(path)
    lab = df[column]
    missing = lab.isna() | (lab.astype(str).str.strip() == "")
    if missing.any():
        raise ValueError(f"{p}: {int(missing.sum())} row(s) without a {column!r} ({line_numbers(missing.to_numpy().nonzero()[0])})")
    if known is not None:
        known = set(known)
        bad = ~lab.astype(str).isin(known)
        if bad.any():
            values = sorted(set(lab[bad].astype(str)))
            raise ValueError(f"{p}: unknown {column}(s) {values[:5]} ({line_numbers(bad.to_numpy().nonzero()[0])}); "
                             f"expected one of {sorted(known)}")


def check_no_duplicates(df: pd.DataFrame, path: str | os.PathLike, *, key: str | None = None) -> None:
    """Repeated rows (or repeated values of ``key``) raise ``ValueError`` with line numbers."""
    p = Path(path)
    dup = df.duplicated(keep="first")
    if dup.any():
        raise ValueError(f"{p}: {int(dup.sum())} duplicate row(s) ({line_numbers(dup.to_numpy().nonzero()[0])})")
    if key is not None:
        dup = df[key].duplicated(keep="first")
        if dup.any():
            first = df.loc[dup, key].iloc[0]
            raise ValueError(f"{p}: {key} {first!r} appears more than once "
                             f"({line_numbers(dup.to_numpy().nonzero()[0])})")
