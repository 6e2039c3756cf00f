"""How the chapters show their tables and numbers: styled tables, "mean ± std", dropdowns, glue.

Notebook: every chapter (01-07) and the findings page.

The book is read, not run, so the chapters share one way of showing results:

* :func:`styled` turns a result table into a pandas ``Styler`` with no index numbers, no ``NaN``
  (an en dash instead), fixed decimals and a caption;
* :func:`pm` and :func:`with_pm` write "55.73 ± 3.94" from a mean and a standard deviation (the
  book's CSS keeps such cells on one line);
* :func:`dropdown` puts a long table (per-run details, failure lists) into a collapsed
  ``<details>`` block, so that no table of more than 20 rows stands in the page;
* :func:`glue` records a number, formatted, for the chapter's prose (myst-nb's ``{glue}`` role),
  so that every number in a sentence comes from the cell that computed it.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["DASH", "GluedText", "dropdown", "fmt", "glue", "pm", "styled", "with_pm"]


class GluedText(str):
    """Text that shows without quotes wherever it is displayed (plain text of a glued number)."""

    def __repr__(self) -> str:
        return str.__str__(self)

    def _repr_pretty_(self, p, cycle):  # IPython's plain-text formatter
        p.text(str.__str__(self))

#: what a missing value shows
DASH = "–"


def _missing(x) -> bool:
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def fmt(x, digits: int = 2, *, sign: bool = False, unit: str = "") -> str:
    """``x`` with ``digits`` decimals (``+`` shown with ``sign``), or an en dash when missing."""
    if _missing(x):
        return DASH
    if isinstance(x, str):
        return x
    spec = f"{'+' if sign else ''}.{int(digits)}f"
    return f"{float(x):{spec}}{unit}"


def pm(mean, std=None, digits: int = 2, *, unit: str = "") -> str:
    """"mean ± std" ("mean" alone when ``std`` is missing or zero runs; an en dash when no mean)."""
    if _missing(mean):
        return DASH
    if _missing(std):
        return fmt(mean, digits, unit=unit)
    return f"{fmt(mean, digits)} ± {fmt(std, digits)}{unit}"


def with_pm(df: pd.DataFrame, mean: str, std: str, name: str | None = None, *, digits: int = 2,
            unit: str = "") -> pd.DataFrame:
    """A copy of ``df`` whose ``mean`` and ``std`` columns are replaced by one "mean ± std" column.

    Parameters
    ----------
    df : DataFrame
    mean, std : str
        Column names; ``std`` may be absent from ``df`` (then the means alone are shown).
    name : str, optional
        Name of the new column (default: ``mean``), e.g. ``"ours (%, mean ± std)"``.
    """
    if mean not in df.columns:
        raise ValueError(f"with_pm: no column {mean!r} in {list(df.columns)}")
    out = df.copy()
    stds = out[std] if std in out.columns else pd.Series([None] * len(out), index=out.index)
    col = [pm(m, s, digits, unit=unit) for m, s in zip(out[mean], stds)]
    pos = list(out.columns).index(mean)
    out = out.drop(columns=[c for c in (mean, std) if c in out.columns])
    out.insert(pos, name or mean, col)
    return out


def styled(df: pd.DataFrame, *, caption: str | None = None, digits: int | Mapping[str, int] = 2,
           percent: Sequence[str] = (), hide_index: bool = True, highlight_max: Sequence[str] = ()):
    """A result table as a pandas ``Styler``: no index numbers, no NaN, fixed decimals, a caption.

    Parameters
    ----------
    df : DataFrame
    caption : str, optional
        Shown above the table (say what the numbers are and their unit).
    digits : int or dict column -> int, default 2
        Decimals of the float columns.
    percent : sequence of str
        Float columns shown with a "%" sign.
    hide_index : bool, default True
    highlight_max : sequence of str
        Numeric columns whose largest value is shown in bold.
    """
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"styled: expected a DataFrame, got {type(df).__name__}")
    formats = {}
    for c in df.columns:
        if pd.api.types.is_float_dtype(df[c]):
            d = digits.get(c, 2) if isinstance(digits, Mapping) else int(digits)
            unit = "%" if c in percent else ""
            formats[c] = (lambda v, d=d, u=unit: fmt(v, d, unit=u))
        elif pd.api.types.is_object_dtype(df[c]) or pd.api.types.is_string_dtype(df[c]):
            formats[c] = (lambda v: DASH if _missing(v) else str(v))
    st = df.style.format(formatter=formats, na_rep=DASH)
    if hide_index:
        st = st.hide(axis="index")
    if caption:
        st = st.set_caption(html.escape(caption))
    for c in highlight_max:
        if c in df.columns:
            st = st.highlight_max(subset=[c], props="font-weight: bold")
    st = st.set_table_styles([
        {"selector": "caption", "props": "caption-side: top; text-align: left; font-weight: 600; "
                                         "padding-bottom: 0.4em;"},
        {"selector": "th", "props": "text-align: left;"},
    ], overwrite=False)
    return st


def dropdown(obj, summary: str, *, open: bool = False):
    """Wrap a table (DataFrame, Styler or HTML text) in a collapsed ``<details>`` block.

    Use it for detail a reader may want but should not have to scroll past: per-run tables,
    failure lists, long logs.
    """
    from IPython.display import HTML

    if isinstance(obj, pd.DataFrame):
        body = styled(obj).to_html()
    elif hasattr(obj, "to_html"):
        body = obj.to_html()
    else:
        body = f"<pre>{html.escape(str(obj))}</pre>"
    flag = " open" if open else ""
    return HTML(f'<details class="kmnet-dropdown"{flag}><summary>{html.escape(summary)}</summary>'
                f'<div class="kmnet-dropdown-body">{body}</div></details>')


def glue(name: str, value, digits: int | None = 1, *, sign: bool = False, unit: str = "",
         display: bool = False):
    """Record ``value`` under ``name`` for the prose (``{glue:text}`name``` in Markdown).

    Numbers are glued as text with ``digits`` decimals (``digits=None``: the value as it is), so a
    sentence reads "88.5" and not "88.54123". Returns the glued text.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError("glue: name must be a non-empty string")
    if digits is not None and isinstance(value, (int, float, np.integer, np.floating)) \
            and not isinstance(value, bool):
        if isinstance(value, (int, np.integer)) and not sign and not unit:
            text = str(int(value))
        elif math.isfinite(float(value)):
            text = fmt(value, digits, sign=sign, unit=unit)
        else:
            raise ValueError(f"glue: {name} is not finite ({value!r})")
    else:
        text = value if isinstance(value, str) else str(value)
    text = GluedText(text)
    try:
        from myst_nb import glue as _glue
    except ImportError:  # outside the book build: nothing to record
        return text
    _glue(name, text, display=display)
    return text
