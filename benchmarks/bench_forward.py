"""Speed of the DKN against the DM2KMN, measured side by side in one run.

For N = 600, 2000 and 10000 training samples of synthetic two-modality data (sizes of the piano
features: a 1000-d "audio" CNN embedding and a 384-d "text" embedding, four classes), it measures

* the DKN forward pass on a test set (elementary kernels test x training, Eq. 1, SVM scores),
* the DM2KMN forward pass on the same test set, with all training samples as anchors (the
  paper's setting) and with M landmark anchors,
* DM2KMN training time (end-to-end learning from the initial DM2KMN) and the test accuracy of
  every model, so that the accuracy cost of landmarks is visible.

Usage::

    python benchmarks/bench_forward.py                 # full table (about 75 min, one thread, 2 cores)
    python benchmarks/bench_forward.py --sizes 600     # one size
    python benchmarks/bench_forward.py --quick         # small smoke run

The table is printed as Markdown and written to ``benchmarks/results.csv``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from kmnet import DeepKernelMapNetwork, DeepKernelNetwork


def synthetic_views(n: int, *, rng: np.random.Generator, d_audio=1000, d_text=384, n_classes=4,
                    rank=24, centers=None):
    """Two modalities with low-rank, class-dependent structure plus noise (like real embeddings)."""
    if centers is None:
        centers = {
            "audio": (rng.normal(size=(n_classes, rank)), rng.normal(size=(rank, d_audio)) / np.sqrt(rank)),
            "text": (rng.normal(size=(n_classes, rank)), rng.normal(size=(rank, d_text)) / np.sqrt(rank)),
        }
    y = rng.integers(0, n_classes, n)
    views = {}
    for name, (mu, basis) in centers.items():
        z = 0.55 * mu[y] + rng.normal(size=(n, rank))
        views[name] = z @ basis + 0.5 * rng.normal(size=(n, basis.shape[1]))
    return views, y, centers


def timed(fn, repeat=3):
    """Median wall time of ``repeat`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[600, 2000, 10000])
    ap.add_argument("--landmarks", type=int, nargs="+", default=[256, 1024])
    ap.add_argument("--n-test", type=int, default=385, help="test samples (the piano test set: 385)")
    ap.add_argument("--epochs", type=int, default=None, help="DM2KMN epochs (default: the estimator's)")
    ap.add_argument("--all-anchors-max", type=int, default=2000,
                    help="largest N for which all training samples are used as anchors")
    ap.add_argument("--quick", action="store_true", help="tiny smoke run")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(Path(__file__).with_name("results.csv")))
    args = ap.parse_args(argv)
    if args.quick:
        args.sizes, args.landmarks, args.n_test, args.epochs = [300], [64], 100, 5
    rng = np.random.default_rng(args.seed)
    _, _, centers = synthetic_views(10, rng=rng)
    test_views, y_test, _ = synthetic_views(args.n_test, rng=rng, centers=centers)
    dm_kw = {} if args.epochs is None else {"epochs": args.epochs}
    print(f"# machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"torch {torch.__version__} ({torch.get_num_threads()} threads), "
          f"device {'cuda' if torch.cuda.is_available() else 'cpu'}")
    rows = []
    for n in args.sizes:
        views, y, _ = synthetic_views(n, rng=rng, centers=centers)
        t0 = time.perf_counter()
        dkn = DeepKernelNetwork(hidden=16, max_iter=20 if n <= 2000 else 3, random_state=args.seed).fit(views, y)
        t_dkn_fit = time.perf_counter() - t0
        t_dkn = timed(lambda: dkn.decision_function(test_views))
        acc_dkn = dkn.score(test_views, y_test)
        rows.append({"N": n, "model": "DKN", "anchors": n, "forward_s": t_dkn, "speedup_vs_dkn": 1.0,
                     "train_s": t_dkn_fit, "epochs": dkn.n_iter_, "acc_test": acc_dkn,
                     "n_support": len(dkn.support_)})
        print(f"N={n}: DKN fit {t_dkn_fit:.1f} s, forward {t_dkn:.3f} s, acc {acc_dkn:.3f}", flush=True)
        anchor_sets = ([None] if n <= args.all_anchors_max else []) + [m for m in args.landmarks if m < n]
        for anchors in anchor_sets:
            M = n if anchors is None else anchors
            t0 = time.perf_counter()
            net = DeepKernelMapNetwork.from_dkn(dkn, views, anchors=anchors, **dm_kw)
            t_build = time.perf_counter() - t0
            t_init = timed(lambda: net.decision_function(test_views))
            acc_init = net.score(test_views, y_test)
            t0 = time.perf_counter()
            net.fit(views, y)
            t_train = time.perf_counter() - t0
            t_fwd = timed(lambda: net.decision_function(test_views))
            acc = net.score(test_views, y_test)
            label = "all" if anchors is None else f"M={M}"
            for model, tf, acc_, ttrain in (("initial DM2KMN", t_init, acc_init, t_build),
                                            ("learned DM2KMN", t_fwd, acc, t_train)):
                rows.append({"N": n, "model": model, "anchors": M, "forward_s": tf,
                             "speedup_vs_dkn": t_dkn / tf, "train_s": ttrain,
                             "epochs": net.epochs if model.startswith("learned") else 0,
                             "acc_test": acc_, "mean_rank_hidden": float(np.mean(net.ranks_[0])),
                             "rank_output": net.ranks_[-1][0]})
            print(f"  DM2KMN anchors={label}: build {t_build:.1f} s, train {t_train:.1f} s, forward "
                  f"{t_fwd:.3f} s ({t_dkn / t_fwd:.1f}x DKN), acc initial {acc_init:.3f} learned {acc:.3f}",
                  flush=True)
    df = pd.DataFrame(rows)
    df.to_csv(args.out, index=False, float_format="%.4g")
    show = df[["N", "model", "anchors", "forward_s", "speedup_vs_dkn", "train_s", "acc_test"]]
    print()
    print(show.to_markdown(index=False, floatfmt=".3g", missingval="-"))
    return df


if __name__ == "__main__":
    main()
