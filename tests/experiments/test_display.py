"""The chapters' display helpers: "mean ± std", styled tables, dropdowns, glued text."""

import numpy as np
import pandas as pd
import pytest

from kmnet.experiments.display import DASH, GluedText, dropdown, fmt, glue, pm, styled, with_pm


def test_pm_and_fmt():
    rng = np.random.default_rng()
    m, s = rng.uniform(0, 100), rng.uniform(0, 5)
    assert pm(m, s) == f"{m:.2f} ± {s:.2f}"
    assert pm(m, None, 1) == f"{m:.1f}" and pm(np.nan, s) == DASH and pm(m, np.nan) == f"{m:.2f}"
    assert fmt(-m, 1, sign=True) == f"{-m:+.1f}" and fmt(None) == DASH and fmt("x") == "x"


def test_with_pm_replaces_the_two_columns_in_place():
    df = pd.DataFrame({"method": ["a", "b"], "mean": [55.731, np.nan], "std": [3.94, np.nan], "runs": [3, 1]})
    out = with_pm(df, "mean", "std", "ours (%)")
    assert list(out.columns) == ["method", "ours (%)", "runs"]
    assert out["ours (%)"].tolist() == ["55.73 ± 3.94", DASH]
    assert list(df.columns) == ["method", "mean", "std", "runs"]  # the input is not changed
    with pytest.raises(ValueError, match="no column"):
        with_pm(df, "accuracy", "std")


def test_styled_has_no_index_no_nan_and_a_caption():
    df = pd.DataFrame({"method": ["a", None], "acc": [88.54123, np.nan]}, index=[7, 9])
    html = styled(df, caption="Accuracy (%)", digits=1, percent=["acc"]).to_html()
    assert "Accuracy (%)" in html and "88.5%" in html and DASH in html
    assert "nan" not in html.lower().replace("nanmean", "")
    assert ">7<" not in html and ">9<" not in html
    with pytest.raises(ValueError, match="DataFrame"):
        styled([1, 2])


def test_dropdown_is_collapsed_details():
    df = pd.DataFrame({"x": np.arange(30)})
    h = dropdown(df, "30 runs")._repr_html_()
    assert h.startswith('<details class="kmnet-dropdown"><summary>30 runs</summary>') and "<table" in h
    assert " open" in dropdown("text <b>", "log", open=True)._repr_html_()
    assert "&lt;b&gt;" in dropdown("text <b>", "log")._repr_html_()


def test_glue_formats_numbers_and_shows_no_quotes():
    t = glue("kmnet_test_value", 88.5412, 1)
    assert isinstance(t, GluedText) and t == "88.5" and repr(t) == "88.5"
    assert glue("kmnet_test_int", np.int64(7)) == "7"
    assert glue("kmnet_test_diff", -1.234, 2, sign=True, unit=" points") == "-1.23 points"
    with pytest.raises(ValueError, match="not finite"):
        glue("kmnet_test_nan", float("nan"))
    with pytest.raises(ValueError, match="name"):
        glue("", 1.0)
