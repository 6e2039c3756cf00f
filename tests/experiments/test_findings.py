"""The findings table (kmnet.experiments.findings) on synthetic result folders."""

import numpy as np
import pandas as pd
import pytest

from kmnet.experiments import findings as fd
from kmnet.experiments import method_names as M
from kmnet.experiments import verdicts as V
from kmnet.experiments.piano_splits import DEFAULT_METHODS


def _splits_table(rng, n=6, effects=None, fwd=(0.1, 0.04), tie=None):
    """Synthetic per-split runs; ``tie``: a method level with the learned DM2KMN (+-1 point, mean 0)."""
    effects = effects or {}
    base = rng.normal(85, 2, n)
    rows = []
    for s in range(n):
        for m in DEFAULT_METHODS:
            e = effects.get(m, -5.0)
            if m == tie:
                e = effects[M.LEARNED_DM2KMN] + (1.0 if s % 2 else -1.0)
            rows.append({"split": s, "seed": s, "method": m, "status": "ok", "accuracy": base[s] + e + (0.0 if m in (tie, M.LEARNED_DM2KMN) and tie else rng.normal(0, 0.2)),
                         "fit_s": 1.0, "forward_s": {M.DKN: fwd[0], M.LEARNED_DM2KMN: fwd[1]}.get(m, 0.01)
                         * (1 + 0.01 * rng.random()),
                         "re": 0.1 + 0.01 * rng.random() if m == M.INITIAL_DM2KMN else np.nan})
    return pd.DataFrame(rows)


def _write(tmp_path, rng, **over):
    d = tmp_path / "results"
    d.mkdir()
    tables = {
        "piano_splits": _splits_table(rng, effects={M.LEARNED_DM2KMN: 3.0, M.DKN: 1.0, M.INITIAL_DM2KMN: 0.5,
                                                    M.TEXT_DKN: -1.0, M.AUDIO_DKN: -30.0}, tie=M.HYBRID),
        "gtzan_table1": pd.DataFrame({"protocol": ["random 70/30"] * 2, "features": ["MFCC"] * 2,
                                      "method": ["3-layer DKN", "learned DM2KMN"], "mean": [70.0, 72.0],
                                      "std": [2.0, 2.5], "runs": [3, 3], "paper_value": [93.3, 96.0]}),
        "gtzan_protocols": pd.DataFrame({"letter": ["a", "a", "b"], "protocol": ["windows, random"] * 2 + ["by clip"],
                                         "scoring": ["window"] * 3, "method": ["3-layer DKN", "learned DM2KMN", "3-layer DKN"],
                                         "mean": [94.0, 95.0, 70.0], "ci_low": [93.0, 94.0, 65.0],
                                         "ci_high": [95.0, 96.0, 75.0], "runs": [3, 3, 5],
                                         "paper_value": [93.3, 96.0, 93.3]}),
        "table6": pd.DataFrame({"dataset": ["lyrics stand-in"], "method": [M.LEARNED_DM2KMN], "mean": [34.0],
                                "std": [5.0], "runs": [3]}),
        "figure2": pd.DataFrame({"network": ["Multi-modal DKN", "Learned DM2KMN"], "modality": ["audio", "audio"],
                                 "kernel": ["all", "all"], "mean": [48.0, 15.0], "std": [1.0, 1.0], "runs": [3, 3]}),
        "table4": pd.DataFrame({"hidden_units": [8, 16, 24], "mean": [80.0, 90.0, 85.0], "std": [0.3, 0.3, 0.3],
                                "runs": [3, 3, 3]}),
        "table5": pd.DataFrame({"method": [M.INITIAL_DM2KMN, M.DKN, M.LEARNED_DM2KMN], "re": [0.5, np.nan, 3.0],
                                "re_std": [0.1, np.nan, 0.5], "runs": [3, 3, 3], "forward_s": [0.2, 0.1, 0.2]}),
    }
    tables.update(over)
    for k, t in tables.items():
        if t is not None:
            t.to_csv(d / f"{k}.csv", index=False)
    nb = tmp_path / "notebooks"
    nb.mkdir()
    (nb / "05_piano_comparison.py").write_text("# # Piano comparison\n# ## 2. The methods of Table 5\n# ## 3. Table 5\n")
    return d, nb


def test_claims_from_a_results_folder(rng, tmp_path):
    d, nb = _write(tmp_path, rng)
    c = fd.claims_table(d, notebooks_dir=nb).set_index("key")
    assert list(c.columns) == [x for x in fd.CLAIM_COLUMNS if x != "key"]
    assert c.loc["learned_vs_dkn", "verdict"] == V.REPRODUCED
    assert c.loc["learned_vs_dkn", "ours_value"] == pytest.approx(2.0, abs=0.5)
    assert c.loc["learned_vs_dkn", "paper_value"] == pytest.approx(88.74 - 85.11)
    assert c.loc["learned_vs_initial", "verdict"] == V.REPRODUCED
    # the hybrid fusion is level with the learned network: not every fusion is beaten
    assert c.loc["learned_vs_fusions", "verdict"] == V.NOT_REPRODUCED
    assert "Hybrid" in c.loc["learned_vs_fusions", "why"]
    assert c.loc["multimodal_vs_single", "verdict"] == V.REPRODUCED and M.TEXT_DKN in c.loc["multimodal_vs_single", "why"]
    assert c.loc["text_vs_audio", "verdict"] == V.REPRODUCED
    assert c.loc["re_initial", "verdict"] == V.REPRODUCED and c.loc["re_initial", "source"] == "piano_splits.csv"
    assert c.loc["speed", "ours_value"] == pytest.approx(2.5, rel=0.05) and c.loc["speed", "verdict"] == V.REPRODUCED
    assert c.loc["gtzan_table1", "verdict"] == V.NOT_REPRODUCED
    assert c.loc["gtzan_protocol", "verdict"] == V.REPRODUCED and "(a)" in c.loc["gtzan_protocol", "ours"]
    assert c.loc["fourmula", "verdict"] == V.NOT_TESTABLE
    assert c.loc["ri_dkn", "verdict"] == V.REPRODUCED and c.loc["ri_learned", "verdict"] == V.NOT_REPRODUCED
    assert c.loc["hidden16", "verdict"] == V.REPRODUCED
    # section links follow the chapter's headings: the exact heading wins over one that contains it
    assert ("05_piano_comparison.html#table-5", "chapter 05: Table 5") in c.loc["re_initial", "links"]
    assert fd.section_link("05_piano_comparison", ("Table 5",), notebooks_dir=nb) == (
        "05_piano_comparison.html#table-5", "chapter 05: Table 5")
    assert fd.section_link("05_piano_comparison", ("methods",), notebooks_dir=nb) == (
        "05_piano_comparison.html#the-methods-of-table-5", "chapter 05: The methods of Table 5")
    assert fd.section_link("05_piano_comparison", ("nothing like it",), notebooks_dir=nb) == (
        "05_piano_comparison.html", "chapter 05: Piano comparison")
    shown = fd.show_claims(c.reset_index())
    assert '<a href="05_piano_comparison.html#table-5">' in shown["shown in"].iloc[0]
    assert len(shown) == len(c)


def test_missing_tables_and_columns_are_named_and_fallbacks_used(rng, tmp_path):
    d, nb = _write(tmp_path, rng, piano_splits=None, figure2=pd.DataFrame({"network": ["x"], "mean": [1.0]}))
    c = fd.claims_table(d, notebooks_dir=nb).set_index("key")
    for k in ("learned_vs_dkn", "learned_vs_fusions", "text_vs_audio"):
        assert c.loc[k, "verdict"] == fd.NOT_MEASURED and "piano_splits.csv is missing" in c.loc[k, "why"]
    assert c.loc["ri_dkn", "verdict"] == fd.NOT_MEASURED and "modality" in c.loc["ri_dkn", "why"]
    # RE and speed fall back to the fixed split's Table 5
    assert c.loc["re_initial", "source"] == "table5.csv" and c.loc["re_initial", "verdict"] == V.REPRODUCED
    assert c.loc["speed", "source"] == "table5.csv" and c.loc["speed", "verdict"] == V.OPPOSITE  # 0.1 s vs 0.2 s
    # a chapter without a source gets a link to its page
    assert c.loc["gtzan_table1", "links"] == [("02_gtzan.html", "chapter 02: Table 1")]
    with pytest.raises(ValueError, match="not a folder"):
        fd.claims_table(tmp_path / "nowhere")


def test_opposite_verdicts(rng, tmp_path):
    d, nb = _write(tmp_path, rng, piano_splits=_splits_table(
        rng, effects={M.LEARNED_DM2KMN: 0.0, M.DKN: 2.0, M.INITIAL_DM2KMN: 1.5, M.TEXT_DKN: 3.0, M.AUDIO_DKN: 4.0,
                      M.LATE: 1.0}, fwd=(0.05, 0.1)))
    c = fd.claims_table(d, notebooks_dir=nb).set_index("key")
    assert c.loc["learned_vs_dkn", "verdict"] == V.OPPOSITE
    assert c.loc["learned_vs_fusions", "verdict"] == V.OPPOSITE and M.LATE in c.loc["learned_vs_fusions", "why"]
    assert c.loc["multimodal_vs_single", "verdict"] == V.OPPOSITE  # the audio DKN is best here
    assert c.loc["text_vs_audio", "verdict"] == V.OPPOSITE
    assert c.loc["speed", "verdict"] == V.OPPOSITE
