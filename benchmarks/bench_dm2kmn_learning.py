"""Cost and outcome of the DM2KMN's calibration, epoch selection and learning on the piano split.

On the committed piano features (``data/piano/features.npz``, the manifest's fixed split) and one
multi-modal DKN (16 hidden units, SVM ``C`` by five-fold cross-validation on the training part),
it measures, single-threaded:

* ``calibration``: the initial DM2KMN's softmax layer uncalibrated, with a temperature fitted
  in-sample or on out-of-fold SVM scores (one-hot or Platt targets), or learned alone for ten
  epochs: the held-out cross-entropy and accuracy of the five cross-validation folds (training
  data only, the evidence for the default) and, for information, the test split's;
* ``selection``: the learned DM2KMN with the default selection (five folds, fold DKNs refitted,
  held-out cross-entropy, patience 5) and with three folds or reused DKN weights: chosen epochs,
  test accuracy and cross-entropy, RE, seconds per step;
* ``ablation``: :func:`kmnet.experiments.dm2kmn_learning.parameter_group_ablation`;
* ``paper``: :func:`kmnet.experiments.dm2kmn_learning.paper_setting` (SGD at the paper's rate
  per sample, mini-batches of 128, random head) for ``--paper-epochs`` epochs, shared and paper
  parameterisations.

Usage::

    python benchmarks/bench_dm2kmn_learning.py                    # everything (about 15 min)
    python benchmarks/bench_dm2kmn_learning.py --parts calibration selection
    python benchmarks/bench_dm2kmn_learning.py --quick            # small smoke run

Tables are printed as Markdown and written to ``benchmarks/dm2kmn_learning_<part>.csv``.
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import StratifiedKFold

from kmnet import DeepKernelMapNetwork, DeepKernelNetwork, MultiView
from kmnet._dm2kmn_head import fit_temperature
from kmnet.datasets.piano.features import load_features
from kmnet.experiments import dm2kmn_learning as dl
from kmnet.experiments.protocols import select_svm_c
from kmnet.experiments.views import piano_views

HERE = Path(__file__).resolve().parent
PARTS = ("calibration", "selection", "ablation", "paper")


def _fold_score(folds):
    """Mean held-out (cross-entropy, accuracy %) of the fold networks before learning."""
    s = [f.net.learning_run(f.X_train, f.y_train).score(f.Z_val, f.y_val) for f in folds]
    return float(np.mean([a for a, _ in s])), 100.0 * float(np.mean([b for _, b in s]))


def _scaled(net, views, y, *, smoothing):
    """A copy of ``net`` with a temperature fitted on its in-sample logits (for comparison only)."""
    out = copy.deepcopy(net)
    idx = np.searchsorted(out.classes_, y)
    s, _, _ = fit_temperature(out.decision_function(views), idx, out._class_weights(idx, out.class_weight),
                              smoothing=smoothing)
    with torch.no_grad():
        out.module_.W.mul_(s)
        out.module_.b.mul_(s)
    out.temperature_ = 1.0 / s
    return out


def calibration_table(dkn, X, y, Xt, yt, cv, seed, quick):
    rows = []
    raw = DeepKernelMapNetwork.from_dkn(dkn, X, random_state=seed)
    base = dl.fold_networks(dkn, X, y, cv=cv, calibration="none", seed=seed)
    variants = {
        "none": (lambda n, v, t: n, 0),
        "temperature, in-sample, one-hot targets": (lambda n, v, t: _scaled(n, v, t, smoothing=False), 0),
        "temperature, in-sample, Platt targets": (lambda n, v, t: _scaled(n, v, t, smoothing=True), 0),
        "temperature, out-of-fold, Platt targets (default)": (
            lambda n, v, t: copy.deepcopy(n).calibrate(v, t, "temperature"), 0),
        "softmax layer alone, 10 epochs": (
            lambda n, v, t: copy.deepcopy(n).calibrate(v, t, "head", epochs=2 if quick else 10), 0),
    }
    for name, (fn, _) in variants.items():
        t0 = time.perf_counter()
        net = fn(raw, X, y)
        secs = time.perf_counter() - t0
        folds = [dl.Fold(fn(f.net, f.X_train, f.y_train), f.X_train, f.y_train, f.Z_val, f.y_val, f.train_rows,
                         f.val_rows, f.build_s) for f in base]
        cv_ce, cv_acc = _fold_score(folds)
        ev = dl.evaluate(net, Xt, yt)
        rows.append({"calibration": name, "temperature": float(getattr(net, "temperature_", 1.0)),
                     "cv_cross_entropy": cv_ce, "cv_accuracy": cv_acc, "test_accuracy": ev["accuracy"],
                     "test_cross_entropy": ev["cross_entropy"], "seconds": secs})
    return pd.DataFrame(rows)


def selection_table(dkn, X, y, Xt, yt, seed, quick):
    max_epochs = 2 if quick else 30
    K = dkn.output_kernel(X)
    rows = []
    for name, kw in {"5 folds, fold DKNs refitted (default)": dict(cv=5),
                     "3 folds, fold DKNs refitted": dict(cv=3),
                     "5 folds, DKN weights reused": dict(cv=5, fold_dkn="reuse")}.items():
        if quick:
            kw["cv"] = 2
        t0 = time.perf_counter()
        res = dl.learn_dm2kmn(dkn, X, y, max_epochs=max_epochs, seed=seed, **kw)
        total = time.perf_counter() - t0
        ev = dl.evaluate(res.model, Xt, yt, X_fit=X, K_dkn=K)
        at = res.curve.loc[res.curve["best"]].iloc[0]
        rows.append({"selection": name, "epochs": res.epochs, "stopped_at": int(res.curve["epoch"].max()),
                     "cv_cross_entropy_at_0": float(res.curve["val_loss"].iloc[0]),
                     "cv_cross_entropy": float(at["val_loss"]), "test_accuracy": ev["accuracy"],
                     "test_cross_entropy": ev["cross_entropy"], "re": ev["re"],
                     **{f"{k}_s": v for k, v in res.timings.items()}, "total_s": total})
    return pd.DataFrame(rows)


def paper_table(dkn, X, y, Xt, yt, seed, epochs):
    rows = []
    for par, e in (("shared", epochs), ("paper", max(1, epochs // 10))):
        row, _ = dl.paper_setting(dkn, X, y, Xt, yt, epochs=e, parameterization=par, batch_size=128, seed=seed)
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--paper-epochs", type=int, default=30)
    ap.add_argument("--quick", action="store_true", help="a small DKN, two folds, two epochs")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    F = load_features(None)
    views, y, tr, te, _ = piano_views(F)
    X = MultiView({k: views[k][tr] for k in ("audio", "text")})
    Xt = MultiView({k: views[k][te] for k in ("audio", "text")})
    ytr, yte = y[tr], y[te]
    t0 = time.perf_counter()
    dkn = DeepKernelNetwork(hidden=4 if args.quick else 16, max_iter=3 if args.quick else 30,
                            class_weight="balanced", random_state=args.seed)
    cv = StratifiedKFold(2 if args.quick else 5, shuffle=True, random_state=args.seed)
    c, _ = select_svm_c(dkn, X, ytr, cv, grid=(0.1, 1.0, 10.0, 100.0))
    dkn.set_params(C=c).fit(X, ytr)
    print(f"DKN: C={c:g}, {time.perf_counter() - t0:.1f} s, test accuracy {100 * dkn.score(Xt, yte):.2f} %; "
          f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, load {os.getloadavg()[0]:.1f}")
    for part in args.parts:
        if part == "calibration":
            table = calibration_table(dkn, X, ytr, Xt, yte, 2 if args.quick else 5, args.seed, args.quick)
        elif part == "selection":
            table = selection_table(dkn, X, ytr, Xt, yte, args.seed, args.quick)
        elif part == "ablation":
            table = dl.parameter_group_ablation(dkn, X, ytr, Xt, yte, cv=2 if args.quick else 5,
                                                max_epochs=2 if args.quick else 30, seed=args.seed)
        else:
            table = paper_table(dkn, X, ytr, Xt, yte, args.seed, 2 if args.quick else args.paper_epochs)
        print(f"\n## {part}\n")
        print(table.to_markdown(index=False, floatfmt=".4g"))
        if not args.quick:
            table.to_csv(HERE / f"dm2kmn_learning_{part}.csv", index=False)


if __name__ == "__main__":
    main()
