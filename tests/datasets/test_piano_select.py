"""Selection and split of the piano set (kmnet.datasets.piano.select_pieces, kmnet.datasets.splits.split_pieces)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from kmnet.datasets import piano
from kmnet.datasets.splits import split_pieces

KERN_COLS = ["id", "period", "composer", "work", "repo", "commit", "path", "kern_spines", "bytes", "sha256", "flags"]


def _write_tables(root, kern_rows, xml_rows=()):
    pdir = root / "piano"
    pdir.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(kern_rows, columns=KERN_COLS).to_csv(pdir / "sources-kern.tsv", sep="\t", index=False)
    cols = ["id", "period", "composer", "work", "repo", "commit", "path", "stored_as", "route", "bytes",
            "sha256", "flags"]
    if xml_rows:
        pd.DataFrame(list(xml_rows), columns=cols).to_csv(pdir / "sources-musicxml.tsv", sep="\t", index=False)
    return root


def _row(pid, period, composer, work, flags=""):
    sha = hashlib.sha256(pid.encode()).hexdigest()
    return [pid, period, composer, work, "o/r", "0" * 40, f"{pid}.krn", "2", "10", sha, flags]


def _random_sources(tmp_path, rng):
    rows = []
    for comp in ["Alpha", "Beta", "Gamma"]:
        n = int(rng.integers(5, 40))
        for k in range(n):
            flags = "tie-count-mismatch" if rng.random() < 0.3 else "extra-spines:dynam"
            rows.append(_row(f"{comp.lower()}-{k:03d}", "Baroque", comp, f"Suite no. {k // 6 + 1}, Piece {k}", flags))
    return piano.load_sources(_write_tables(tmp_path, rows))


def test_load_sources_validates(tmp_path):
    with pytest.raises(FileNotFoundError):
        piano.load_sources(tmp_path)
    _write_tables(tmp_path, [_row("a", "Baroque", "X", "W"), _row("a", "Baroque", "X", "W2")])
    with pytest.raises(ValueError, match="duplicate piece id"):
        piano.load_sources(tmp_path)
    _write_tables(tmp_path, [_row("a", "Rococo", "X", "W")])
    with pytest.raises(ValueError, match="unknown period"):
        piano.load_sources(tmp_path)
    (tmp_path / "piano" / "sources-kern.tsv").write_text("id\tperiod\nx\tBaroque\n")
    with pytest.raises(ValueError, match="missing column"):
        piano.load_sources(tmp_path)


def test_selection_is_deterministic_and_spreads_over_composers(tmp_path):
    rng = np.random.default_rng()
    src = _random_sources(tmp_path, rng)
    target = int(rng.integers(5, len(src)))
    seed = int(rng.integers(0, 1000))
    a = piano.select_pieces(src, counts={"Baroque": target}, seed=seed, per_collection_cap=None)
    b = piano.select_pieces(src.sample(frac=1.0, random_state=seed), counts={"Baroque": target}, seed=seed,
                            per_collection_cap=None)
    assert list(a["id"]) == list(b["id"])  # order does not depend on the table's row order
    sel = a[a["selected"]]
    assert len(sel) == target
    # composers take turns: a composer gets fewer than another only when it ran out
    have = src.groupby("composer").size()
    got = sel.groupby("composer").size().reindex(have.index, fill_value=0)
    level = got.max()
    for comp in have.index:
        assert got[comp] >= min(have[comp], level - 1)


def test_clean_files_come_first_within_a_composer(tmp_path):
    rng = np.random.default_rng()
    src = _random_sources(tmp_path, rng)
    sel = piano.select_pieces(src, counts={"Baroque": len(src)}, seed=int(rng.integers(1000)),
                              per_collection_cap=None)
    for _comp, g in sel.groupby("composer"):
        pen = g.sort_values("rank")["penalty"].to_numpy()
        assert np.all(np.diff(pen) >= 0)


def test_collection_cap_and_table_a1_cap(tmp_path):
    rows = [_row(f"mk-{k:03d}", "Modern", "Bartok", f"Mikrokosmos Sz. 107, no. {k}") for k in range(30)]
    rows += [_row(f"de-{k:03d}", "Modern", "Debussy", f"Image{k}x") for k in range(40)]  # 40 collections
    rows += [_row(f"sc-{k:03d}", "Baroque", "Scarlatti", f"Sonata in C major, K.{k}") for k in range(70)]
    rows += [_row(f"ba-{k:03d}", "Baroque", "Bach", f"Toccata{k}x") for k in range(20)]
    src = piano.load_sources(_write_tables(tmp_path, rows))
    cap = float(np.random.default_rng().uniform(0.2, 0.5))
    sel = piano.select_pieces(src, counts={"Modern": 30, "Baroque": 79}, per_collection_cap=cap)
    mk = sel[sel["selected"] & sel["id"].str.startswith("mk")]
    assert len(mk) == int(np.floor(cap * 30))  # the cap binds: Debussy fills the period
    assert sel[sel["selected"] & (sel["period"] == "Modern")].shape[0] == 30
    ex = sel.loc[~sel["selected"] & sel["id"].str.startswith("mk"), "excluded"]
    assert ex.str.contains("cap").any() and ex[ex != ""].str.contains("collection cap").all()
    # Scarlatti sonatas are a Table A1 set: at most 59 (the paper's count), whatever the fraction
    sc = sel[sel["selected"] & sel["id"].str.startswith("sc")]
    assert len(sc) == 59


def test_caps_give_way_when_a_period_is_short(tmp_path):
    rng = np.random.default_rng()
    n_mk, n_de = int(rng.integers(20, 40)), int(rng.integers(1, 5))
    rows = [_row(f"mk-{k:03d}", "Modern", "Bartok", f"Mikrokosmos Sz. 107, no. {k}") for k in range(n_mk)]
    rows += [_row(f"de-{k:03d}", "Modern", "Debussy", f"Prelude {k}") for k in range(n_de)]
    src = piano.load_sources(_write_tables(tmp_path, rows))
    target = n_mk + n_de + int(rng.integers(0, 5))
    sel = piano.select_pieces(src, counts={"Modern": target}, per_collection_cap=0.2)
    # everything usable is taken rather than leaving the period short; nothing is padded
    assert sel["selected"].all() and (sel["excluded"] == "").all()
    assert sel["selected"].sum() == n_mk + n_de  # short of the target: no padding


def test_one_edition_per_work_and_failed_pieces_are_replaced(tmp_path):
    rows = [
        _row("cho-a", "Romantic", "Chopin", "Etude, Op. 10 No. 4 in C-sharp minor — first edition, Kistner",
             "tie-count-mismatch"),
        _row("cho-b", "Romantic", "Chopin", "Etude, Op. 10 No. 4 in C-sharp minor — first edition, Schlesinger"),
        _row("cho-c", "Romantic", "Chopin", "Mazurka in C-sharp Minor, Op. 6, No. 2"),
        _row("cho-d", "Romantic", "Chopin", "Mazurka, Op. 6 No. 2 in C-sharp minor — first edition, Probst"),
        _row("cho-e", "Romantic", "Chopin", "Waltz, Op. 64 No. 1 in D-flat major"),
    ]
    src = piano.load_sources(_write_tables(tmp_path, rows))
    assert src.set_index("id").at["cho-a", "work_key"] == src.set_index("id").at["cho-b", "work_key"]
    assert src.set_index("id").at["cho-c", "work_key"] == src.set_index("id").at["cho-d", "work_key"]
    sel = piano.select_pieces(src, counts={"Romantic": 5})
    chosen = set(sel.loc[sel["selected"], "id"])
    assert len(chosen) == 3 and "cho-b" in chosen and "cho-e" in chosen  # the clean edition wins
    assert len(chosen & {"cho-c", "cho-d"}) == 1
    again = piano.select_pieces(src, counts={"Romantic": 5}, failed={"cho-b"})
    assert "cho-a" in set(again.loc[again["selected"], "id"])  # the other edition replaces it


def _manifest(rng, counts, group_every=0):
    rows = []
    for period, n in counts.items():
        for k in range(n):
            mv = f"{period}-{k // 3}" if group_every and k < group_every else f"{period}-{k}-solo"
            rows.append({"id": f"{period}-{k}", "period": period, "movement": mv})
    return pd.DataFrame(rows).sample(frac=1.0, random_state=int(rng.integers(1000))).reset_index(drop=True)


def test_split_matches_table_2_at_the_paper_counts():
    rng = np.random.default_rng()
    m = _manifest(rng, piano.PAPER_COUNTS, group_every=int(rng.integers(0, 30)))
    split = split_pieces(m, piano.PAPER_SPLIT, seed=int(rng.integers(1000)), periods=piano.PERIODS)
    for period, (tr, te) in piano.PAPER_SPLIT.items():
        s = split[m["period"] == period]
        assert (s == "train").sum() == tr and (s == "test").sum() == te
    assert (split == "train").sum() == 600 and (split == "test").sum() == 385
    # the files of one movement are on one side
    assert m.assign(s=split).groupby("movement")["s"].nunique().max() == 1


def test_split_keeps_the_proportion_for_short_periods():
    rng = np.random.default_rng()
    counts = {p: int(rng.integers(20, n)) for p, n in piano.PAPER_COUNTS.items()}
    m = _manifest(rng, counts)
    seed = int(rng.integers(1000))
    split = split_pieces(m, piano.PAPER_SPLIT, seed=seed, periods=piano.PERIODS)
    for period, n in counts.items():
        tr, te = piano.PAPER_SPLIT[period]
        assert (split[m["period"] == period] == "test").sum() == int(np.floor(n * te / (tr + te) + 0.5))
    assert split.equals(split_pieces(m, piano.PAPER_SPLIT, seed=seed, periods=piano.PERIODS))


def test_piano_modules_do_not_import_torch():
    """The data set code must work without torch (the package root may import it; these do not)."""
    import ast
    import importlib
    from pathlib import Path

    names = ["piano", "piano.builder", "piano.selection", "piano.pipeline", "piano.scores", "piano.render", "piano.fetch",
             "piano._isolate", "piano._verovio_run", "splits"]
    for name in names:
        mod = importlib.import_module(f"kmnet.datasets.{name}")
        tree = ast.parse(Path(mod.__file__).read_text())
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
        assert "torch" not in imported, name
