"""kmnet.experiments.piano_ablations: elementary-kernel SVM table, DKN sweeps, map-network sweeps; the McNemar test."""

import numpy as np
import pytest

from synthetic_views import make_views
from kmnet import DeepKernelNetwork
from kmnet.experiments.piano_ablations import dkn_sweep, elementary_kernel_svms, map_network_sweep, table3_rows
from kmnet.metrics import mcnemar_test
from kmnet.baselines import KernelSVC


def _split(views, y, rng):
    idx = rng.permutation(len(y))
    tr, te = np.sort(idx[: len(y) * 2 // 3]), np.sort(idx[len(y) * 2 // 3 :])
    return ({k: v[tr] for k, v in views.items()}, y[tr], {k: v[te] for k, v in views.items()}, y[te])


def test_elementary_kernel_svms_matches_kernel_svc(rng):
    views, y = make_views(rng, n=150, shift=2.0)
    Xtr, ytr, Xte, yte = _split(views, y, rng)
    grid = (0.1, 1.0, 10.0)
    table = elementary_kernel_svms(Xtr, ytr, Xte, yte, C_grid=grid, class_weight="balanced",
                                   random_state=int(rng.integers(1000)))
    assert list(zip(table["feature"], table["kernel"])) == [
        (f, k) for f in ("audio", "text") for k in ("linear", "polynomial", "rbf", "hi")]
    assert table["C"].isin(grid).all()
    # separable classes: every kernel clears chance (about 1/3) by a margin on the held-out third
    assert (table["accuracy"] > 0.5).all(), table[["feature", "kernel", "accuracy"]]
    # each row is KernelSVC with the chosen C
    for row in table.sample(3, random_state=int(rng.integers(1000))).itertuples():
        ref = KernelSVC(kernel=row.kernel, view=row.feature, C=row.C, class_weight="balanced",
                        probability=False).fit(Xtr, ytr)
        agree = np.mean(ref.predict(Xte) == row.predict)
        assert agree > 0.97, (row.feature, row.kernel, agree)


def test_elementary_kernel_svms_bad_input(rng):
    views, y = make_views(rng, n=60)
    Xtr, ytr, Xte, yte = _split(views, y, rng)
    with pytest.raises(ValueError, match="same features"):
        elementary_kernel_svms(Xtr, ytr, {"audio": Xte["audio"]}, yte)
    bad = {k: v.copy() for k, v in Xtr.items()}
    bad["text"][0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        elementary_kernel_svms(bad, ytr, Xte, yte)
    with pytest.raises(ValueError, match="C_grid"):
        elementary_kernel_svms(Xtr, ytr, Xte, yte, C_grid=(0.0, 1.0))


def test_dkn_sweep_and_map_network_sweep(rng):
    views, y = make_views(rng, n=120, shift=1.5)
    Xtr, ytr, Xte, yte = _split(views, y, rng)
    base = DeepKernelNetwork(hidden=4, max_iter=5, class_weight="balanced", random_state=int(rng.integers(1000)))
    table, models = dkn_sweep(base, "hidden", [2, (3, 3)], Xtr, ytr, Xte, yte, C_grid=(1.0, 10.0), cv=3)
    assert table["value"].tolist() == ["2", "(3, 3)"] and set(models) == {"2", "(3, 3)"}
    assert [len(m.weights_) for m in models.values()] == [2, 3]
    assert table["C"].isin([1.0, 10.0]).all() and (table["fit_s"] > 0).all()
    for row in table.itertuples():
        assert row.accuracy == pytest.approx(models[row.value].score(Xte, yte))
    with pytest.raises(ValueError, match="no parameter"):
        dkn_sweep(base, "bogus", [1], Xtr, ytr, Xte, yte)

    dkn = models["2"]
    n_tr = len(ytr)
    sweep = map_network_sweep(dkn, Xtr, Xte, yte, energies=(0.5, 0.999), anchors=(20, None), random_state=0)
    assert sweep["anchors"].tolist() == [20, 20, n_tr, n_tr]
    # more energy keeps more rank and approximates the DKN's kernel at least as well
    for _, g in sweep.groupby("anchors"):
        assert g["rank"].is_monotonic_increasing
    full = sweep[sweep["anchors"] == n_tr].set_index("energy")
    assert full.loc[0.999, "re"] <= full.loc[0.5, "re"] + 1e-6
    assert full.loc[0.999, "re"] < 5.0


def test_mcnemar(rng):
    n = int(rng.integers(50, 200))
    y = rng.integers(0, 3, n)
    a = y.copy()
    b = y.copy()
    wrong = rng.choice(n, n // 2, replace=False)
    b[wrong] = (b[wrong] + 1) % 3
    res = mcnemar_test(y, a, b)
    assert res == {"a_only": n // 2, "b_only": 0, "p_value": pytest.approx(2 * 0.5 ** (n // 2))}
    assert mcnemar_test(y, a, a)["p_value"] == 1.0
    with pytest.raises(ValueError, match="1-D"):
        mcnemar_test(y, a[:-1], b)


def test_table3_rows_put_the_paper_row_beside_each_feature(rng):
    import pandas as pd

    from kmnet.datasets.piano.features import PianoFeatures
    from kmnet.experiments.paper import paper_table

    n = 80
    y = rng.choice(["Baroque", "Classical", "Modern", "Romantic"], n)
    codes = np.searchsorted(["Baroque", "Classical", "Modern", "Romantic"], y)
    man = pd.DataFrame({"id": [f"p{i}" for i in range(n)], "period": y,
                        "split": np.where(np.arange(n) % 3 == 0, "test", "train")})
    arrays = {"audio_mfcc": rng.normal(size=(n, 5)).astype(np.float32), "text": rng.normal(size=(n, 4)),
              "audio_musicnn": (rng.normal(size=(n, 6)) + 2.0 * np.eye(6)[codes]).astype(np.float16)}
    F = PianoFeatures(man, arrays, {})
    seed = int(rng.integers(1000))
    t = table3_rows(F, {"Audio-musicnn": "audio_musicnn", "Audio-MFCC": "audio_mfcc"},
                    paper_rows={"Audio-musicnn": "Audio-VGGish"}, kernels=("linear", "hi"), C_grid=(1.0, 10.0),
                    cv=3, random_state=seed)
    paper = paper_table("table3")
    assert list(t["feature"]) == ["Audio-musicnn"] * 2 + ["Audio-MFCC"] * 2
    assert list(t["features"]) == ["audio_musicnn"] * 2 + ["audio_mfcc"] * 2
    assert list(t["paper_row"]) == ["Audio-VGGish"] * 2 + ["Audio-MFCC"] * 2
    assert t["paper"].tolist() == [paper.loc[r, k] for r, k in zip(t["paper_row"], t["kernel"])]
    # the same SVMs as elementary_kernel_svms on the split by hand
    tr, te = man["split"].to_numpy() == "train", man["split"].to_numpy() == "test"
    X = arrays["audio_musicnn"].astype(np.float64)
    ref = elementary_kernel_svms({"m": X[tr]}, y[tr], {"m": X[te]}, y[te], kernels=("linear", "hi"),
                                 C_grid=(1.0, 10.0), cv=3, class_weight="balanced", random_state=seed)
    np.testing.assert_allclose(t["ours"].to_numpy()[:2], 100 * ref["accuracy"].to_numpy())
    assert (t["ours"][:2] > 100 / 3).all()
    no_paper = table3_rows(F, {"musicnn": "audio_musicnn"}, kernels=("linear",), C_grid=(1.0,), cv=3)
    assert np.isnan(no_paper["paper"]).all()
    with pytest.raises(ValueError, match="unknown feature matrices"):
        table3_rows(F, {"x": "audio_vggish"})
    with pytest.raises(ValueError, match="not in the paper's Table 3 rows"):
        table3_rows(F, {"x": "audio_mfcc"}, paper_rows={"x": "Audio-VGGish-2"})
    with pytest.raises(ValueError, match="are not in rows"):
        table3_rows(F, {"x": "audio_mfcc"}, paper_rows={"y": "Audio-VGGish"})
    with pytest.raises(ValueError, match="at least one"):
        table3_rows(F, {})
