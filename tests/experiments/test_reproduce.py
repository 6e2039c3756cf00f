"""make check-reproduce: the cell-by-cell comparison of result tables."""

import numpy as np
import pandas as pd
import pytest

from kmnet.experiments.reproduce import compare_results, compare_tables, is_timing_column, main


def _table(rng, n=6):
    return pd.DataFrame({
        "method": [f"m{i}" for i in range(n)],
        "mean": rng.uniform(0, 100, n).round(4),
        "fit_s": rng.uniform(0, 5, n).round(4),
        "forward_s": rng.uniform(0, 5, n).round(4),
    })


def _write(df, path):
    df.to_csv(path, index=False, float_format="%.4f", lineterminator="\n")


def test_timing_columns_are_recognised():
    assert all(is_timing_column(c) for c in ["fit_s", "forward_s", "paper_time_s", "time", "train_seconds"])
    assert not any(is_timing_column(c) for c in ["mean", "std", "re_std", "runs", "paper_std", "settings"])


def test_identical_tables_and_timing_columns_are_ignored(tmp_path):
    rng = np.random.default_rng()
    a = _table(rng)
    b = a.copy()
    b["fit_s"] = b["fit_s"] + rng.uniform(0.1, 1.0, len(b))  # timings move, nothing else
    (tmp_path / "c").mkdir(), (tmp_path / "f").mkdir()
    _write(a, tmp_path / "c" / "t.csv")
    _write(b, tmp_path / "f" / "t.csv")
    assert compare_results(tmp_path / "c", tmp_path / "f").empty
    assert main([str(tmp_path / "c"), str(tmp_path / "f")]) == 0


def test_a_changed_cell_is_reported_with_its_position(tmp_path):
    rng = np.random.default_rng()
    a = _table(rng)
    b = a.copy()
    i = int(rng.integers(len(b)))
    b.loc[i, "mean"] = b.loc[i, "mean"] + 0.01
    d = compare_tables(a.astype(str), b.astype(str), "t.csv")
    assert len(d) == 1 and d.iloc[0]["row"] == i and d.iloc[0]["column"] == "mean"


def test_missing_new_and_reshaped_tables(tmp_path, capsys):
    rng = np.random.default_rng()
    (tmp_path / "c").mkdir(), (tmp_path / "f").mkdir()
    a = _table(rng)
    _write(a, tmp_path / "c" / "kept.csv")
    _write(a.iloc[:-1], tmp_path / "f" / "kept.csv")  # a row lost
    _write(a, tmp_path / "c" / "gone.csv")
    _write(a, tmp_path / "f" / "extra.csv")
    d = compare_results(tmp_path / "c", tmp_path / "f")
    assert set(d["column"]) == {"<rows>", "<missing>", "<new>"}
    assert set(compare_results(tmp_path / "c", tmp_path / "f", require_all=False)["column"]) == {"<rows>", "<new>"}
    assert main([str(tmp_path / "c"), str(tmp_path / "f")]) == 1
    assert "differ" in capsys.readouterr().out


def test_tables_written_by_a_command_are_not_required(tmp_path, capsys):
    rng = np.random.default_rng()
    (tmp_path / "c").mkdir(), (tmp_path / "f").mkdir()
    a = _table(rng)
    _write(a, tmp_path / "c" / "kept.csv")
    _write(a, tmp_path / "f" / "kept.csv")
    _write(a, tmp_path / "c" / "piano_splits.csv")  # written by its command, not re-made here
    assert compare_results(tmp_path / "c", tmp_path / "f").empty
    assert set(compare_results(tmp_path / "c", tmp_path / "f", not_required=())["column"]) == {"<missing>"}
    assert main([str(tmp_path / "c"), str(tmp_path / "f")]) == 0
    out = capsys.readouterr().out
    assert "piano_splits.csv is written by" in out and "identical" in out
    # when it is re-made, it is compared like any other table
    b = a.copy()
    b.loc[0, "mean"] += 1.0
    _write(b, tmp_path / "f" / "piano_splits.csv")
    assert set(compare_results(tmp_path / "c", tmp_path / "f")["table"]) == {"piano_splits.csv"}


def test_bad_folders_raise(tmp_path):
    with pytest.raises(ValueError, match="committed_dir"):
        compare_results(tmp_path / "nope", tmp_path)


def test_empty_cells_agree_in_frames_read_with_nan(rng):
    from kmnet.experiments.reproduce import compare_tables

    x = rng.normal(size=5)
    x[rng.integers(5)] = np.nan
    a = pd.DataFrame({"acc": x, "fit_s": rng.uniform(size=5)})
    b = pd.DataFrame({"acc": x.copy(), "fit_s": rng.uniform(size=5)})
    assert compare_tables(a, b).empty
    i = int(np.flatnonzero(~np.isnan(x))[0])
    b.loc[i, "acc"] = np.nan
    diff = compare_tables(a, b)
    assert list(diff["row"]) == [i] and diff.at[0, "fresh"] == ""
