"""kmnet.experiments.kernel_importance: RI per run, modality totals, Figure 2's table, kernel alignment."""

import numpy as np
import pandas as pd
import pytest

from synthetic_views import make_views
from kmnet import DeepKernelMapNetwork, DeepKernelNetwork, MultiView
from kmnet.experiments import kernel_importance as ki
from kmnet.experiments.paper import paper_table


def _fit(rng, n=90):
    views, y = make_views(rng, n=n, n_classes=3)
    X = MultiView(views)
    dkn = DeepKernelNetwork(hidden=4, max_iter=3, random_state=int(rng.integers(1e6))).fit(X, y)
    return X, y, dkn


def test_ri_runs_totals_and_table(rng):
    X, y, dkn = _fit(rng)
    dmn = DeepKernelMapNetwork.from_dkn(dkn, X, y=y)
    models = {("p", r, name): m for r in (0, 1) for name, m in (("DKN", dkn), ("DMN", dmn))}
    long = ki.ri_runs(models, [(0, ("p", 0)), (1, ("p", 1))], ["DKN", "DMN"])
    assert len(long) == 2 * 2 * len(dkn.unit_names_)
    for _, g in long.groupby(["run", "network"]):
        assert g["ri"].sum() == pytest.approx(100.0)
    # the initial map network takes the DKN's weights over: the same RI
    a = long[long["network"] == "DKN"]["ri"].to_numpy()
    b = long[long["network"] == "DMN"]["ri"].to_numpy()
    np.testing.assert_allclose(a, b, atol=1e-6)
    tot = ki.modality_totals(long)
    assert set(tot["modality"]) == {"audio", "text"}
    np.testing.assert_allclose(tot.groupby(["run", "network"])["ri"].sum(), 100.0)
    table = ki.figure2_table(long, paper_table("figure2_totals"), {"DKN": "Multi-modal DKN"})
    audio = table[(table["network"] == "DKN") & (table["unit"] == "total audio")].iloc[0]
    assert audio["mean"] == pytest.approx(tot[(tot["network"] == "DKN") & (tot["modality"] == "audio")]["ri"].mean())
    assert audio["paper_value"] == pytest.approx(52.56)
    assert audio["runs"] == 2
    assert table[table["kernel"] != "all"]["paper_value"].isna().all()
    assert table[(table["network"] == "DMN") & (table["kernel"] == "all")]["paper_value"].isna().all()


def test_ri_runs_rejects_missing_model(rng):
    with pytest.raises(ValueError, match="no model"):
        ki.ri_runs({}, [(0, ("p", 0))], ["DKN"])


def test_alignment_ranks_an_informative_kernel_above_noise(rng):
    n = 90
    y = np.repeat([0, 1, 2], n // 3)
    X = MultiView({"audio": rng.normal(size=(n, 5)), "text": rng.normal(size=(n, 4)) + 3.0 * np.eye(3)[y] @ rng.normal(size=(3, 4))})
    dkn = DeepKernelNetwork(hidden=4, max_iter=2, random_state=int(rng.integers(1e6))).fit(X, y)
    al = ki.kernel_alignment(dkn, X, y)
    assert list(al.index) == list(dkn.unit_names_)
    assert np.all(al.abs() <= 1 + 1e-9)
    text = al[[u for u in al.index if u.startswith("text:")]]
    audio = al[[u for u in al.index if u.startswith("audio:")]]
    assert text.min() > audio.max()  # class signal only in the text view
    with pytest.raises(ValueError, match="labels"):
        ki.kernel_alignment(dkn, X, y[:-1])


def test_alignment_of_the_target_itself_is_one():
    y = np.array([0, 0, 1, 1, 2, 2, 2])
    Y = (y[:, None] == y[None, :]).astype(float)
    assert ki._alignment(Y, Y) == pytest.approx(1.0)
    assert ki._alignment(-Y, Y) == pytest.approx(-1.0)


def test_ri_alignment_correlation(rng):
    units = [f"u{i}" for i in range(6)]
    al = rng.normal(size=6)
    long = pd.DataFrame({"run": 0, "network": "A", "unit": units, "modality": "m", "kernel": units,
                         "ri": 100 * np.exp(al) / np.exp(al).sum()})
    long = pd.concat([long, long.assign(network="B", ri=long["ri"].to_numpy()[::-1])], ignore_index=True)
    corr = ki.ri_alignment_correlation(long, pd.DataFrame({"run": 0, "unit": units, "alignment": al}))
    c = corr.set_index("network")
    assert c.loc["A", "spearman"] == pytest.approx(1.0)  # RI increasing in the alignment
    assert c.loc["A", "top_ri"] == c.loc["A", "top_alignment"] == units[int(np.argmax(al))]
    with pytest.raises(ValueError, match="no alignment"):
        ki.ri_alignment_correlation(long, pd.DataFrame({"run": 1, "unit": units, "alignment": al}))
