"""Same seed, same numbers: every estimator and protocol refits bit for bit.

Each fit is repeated with the global generators (Python, NumPy, torch) scrambled in between,
so that a fit reading an unseeded generator, or keeping state from an earlier fit, fails here.
The fits are chosen where the compendium's tables were seen to move: early stopping (CNN, MLP,
learned DM2KMN), the DKN on raw kernels (its output kernel is constant to a few digits, so its
predictions hang on near ties), the DKN's objective (it decides which steps are accepted), and
whole protocol runs. :func:`kmnet.reproducibility.setup` is checked in fresh processes, since
it pins settings that a process can only take once.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

import kmnet
from kmnet import reproducibility
from kmnet import DeepKernelMapNetwork, DeepKernelNetwork, MultiView
from kmnet.baselines import CNNClassifier, MLPClassifier
from kmnet.datasets.splits import random_splits
from kmnet.experiments.protocols import (dkn_method, dm2kmn_methods, estimator_method, run_protocol,
                                         train_with_validation)

from synthetic_views import make_views


@pytest.fixture(autouse=True)
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _twice(fit, rng):
    """``fit()`` twice, the global generators scrambled before each call."""
    out = []
    for _ in range(2):
        s = int(rng.integers(2**31 - 1))
        random.seed(s)
        np.random.seed(s)
        torch.manual_seed(s)
        out.append(fit())
    return out


def _assert_same_state(a: torch.nn.Module, b: torch.nn.Module):
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for k in sa:
        assert torch.equal(sa[k], sb[k]), f"parameter {k} differs"


def _images(rng, n=96, side=16):
    y = rng.permutation(np.arange(n) % 3)
    img = rng.normal(size=(n, side, side))
    for c in range(3):
        img[y == c, 4 * c : 4 * c + 4] += 1.0
    return img, y


# ------------------------------------------------------------------------------ estimators
def test_cnn_baseline_refits_identically(rng):
    img, y = _images(rng)
    seed = int(rng.integers(1000))

    def fit():
        return CNNClassifier(channels=(4, 8), input_pool=(1, 1), max_epochs=12, n_iter_no_change=3,
                             validation_fraction=0.2, random_state=seed).fit({"image": img}, y)

    a, b = _twice(fit, rng)
    _assert_same_state(a.module_, b.module_)
    assert a.loss_curve_ == b.loss_curve_ and a.validation_loss_curve_ == b.validation_loss_curve_
    assert a.best_epoch_ == b.best_epoch_
    assert np.array_equal(a.predict_proba({"image": img}), b.predict_proba({"image": img}))


def test_mlp_refits_identically(rng):
    views, y = make_views(rng, n=150)
    seed = int(rng.integers(1000))

    def fit():
        return MLPClassifier(hidden_layer_sizes=(32,), max_epochs=25, n_iter_no_change=4, random_state=seed).fit(
            views, y)

    a, b = _twice(fit, rng)
    _assert_same_state(a.module_, b.module_)
    assert a.best_epoch_ == b.best_epoch_ and a.validation_loss_curve_ == b.validation_loss_curve_
    assert np.array_equal(a.predict_proba(views), b.predict_proba(views))


def test_unnormalised_dkn_refits_identically(rng):
    # raw kernels on features of scale 30: tanh saturates, the output kernel is nearly constant
    views, y = make_views(rng, n=120, shift=3.0)
    views = {k: 30.0 * v for k, v in views.items()}
    seed = int(rng.integers(1000))

    def fit():
        return DeepKernelNetwork(hidden=4, normalize=False, C=0.1, max_iter=4, class_weight="balanced",
                                 random_state=seed).fit(views, y)

    a, b = _twice(fit, rng)
    assert all(np.array_equal(wa, wb) for wa, wb in zip(a.weights_, b.weights_))
    assert a.objective_ == b.objective_
    assert np.array_equal(a.dual_coef_, b.dual_coef_) and np.array_equal(a.intercept_, b.intercept_)
    assert np.array_equal(a.decision_function(views), b.decision_function(views))
    assert np.array_equal(a.predict(views), b.predict(views))


def test_dkn_objective_does_not_depend_on_blas_threads(rng):
    """The SVM solver sums in a fixed order, so the fit is the same with one or two threads.

    The output kernel at predict time is a float32 torch product, whose last bit MKL's compatible
    path may round differently with another thread count (that is why :func:`setup` pins the
    threads): the scores agree to float32 rounding across thread counts, and exactly at one count.
    """
    views, y = make_views(rng, n=150, n_classes=4)
    seed = int(rng.integers(1000))
    fits, scores = [], []
    for n_threads in (1, 2, 2):
        with threadpool_limits(n_threads):
            dkn = DeepKernelNetwork(hidden=4, max_iter=4, random_state=seed).fit(views, y)
            s = dkn.decision_function(views)
            # the scores are K @ dual_coef.T + intercept, summed in a fixed order
            K = dkn.output_kernel(views, dkn.support_views_).double().numpy()
            assert np.allclose(s, K @ dkn.dual_coef_.T + dkn.intercept_, rtol=1e-12, atol=1e-9)
            fits.append(dkn)
            scores.append(s)
    assert fits[0].objective_ == fits[1].objective_ == fits[2].objective_
    assert all(np.array_equal(a, b) for a, b in zip(fits[0].weights_, fits[1].weights_))
    assert np.array_equal(fits[0].dual_coef_, fits[1].dual_coef_)
    assert np.array_equal(scores[1], scores[2])
    assert np.allclose(scores[0], scores[1], rtol=1e-5, atol=1e-6)


def test_learned_dm2kmn_with_early_stopping_refits_identically(rng):
    views, y = make_views(rng, n=150, shift=0.6)
    X = MultiView(views)
    tr, va = np.arange(100), np.arange(100, 150)
    seed = int(rng.integers(1000))
    dkn = DeepKernelNetwork(hidden=3, max_iter=3, random_state=seed).fit(X[tr], y[tr])

    def fit_own():  # the network's own early stopping on a random validation fraction
        net = DeepKernelMapNetwork.from_dkn(dkn, X[tr], random_state=seed)
        return net.set_params(epochs=12, early_stopping=True, n_iter_no_change=3, batch_size=32).fit(X[tr], y[tr])

    a, b = _twice(fit_own, rng)
    _assert_same_state(a.module_, b.module_)
    assert a.best_epoch_ == b.best_epoch_ and a.validation_loss_ == b.validation_loss_
    assert np.array_equal(a.validation_index_, b.validation_index_)
    assert np.array_equal(a.decision_function(X), b.decision_function(X))

    def fit_selected():  # the protocols' selection of the epoch count on held-out rows
        net = DeepKernelMapNetwork.from_dkn(dkn, X[tr], random_state=seed)
        return train_with_validation(net, X, y, tr, va, max_epochs=8, check_every=2, patience=2)

    (best_a, curve_a), (best_b, curve_b) = _twice(fit_selected, rng)
    pd.testing.assert_frame_equal(curve_a, curve_b, check_exact=True)
    _assert_same_state(best_a.module_, best_b.module_)


def test_protocol_runs_repeat_exactly(rng):
    views, y = make_views(rng, n=120, shift=0.7)
    seeds = tuple(int(s) for s in rng.integers(1000, size=2))
    methods = [
        estimator_method("LR", LogisticRegression(max_iter=500), concat=True),
        estimator_method("MLP", MLPClassifier(hidden_layer_sizes=(16,), max_epochs=15, n_iter_no_change=3)),
        dkn_method("DKN", C=(0.1, 1.0, 10.0), hidden=3, max_iter=3),
        *dm2kmn_methods(dkn="DKN", max_epochs=4, check_every=2, patience=1, batch_size=32),
    ]

    def run():
        return run_protocol(methods, views, y, random_splits(y, seeds=seeds), time_repeat=1)

    a, b = _twice(run, rng)
    assert (a.runs["status"] == "ok").all()
    timing = [c for c in a.runs.columns if c.endswith("_s")]  # seconds: fit_s, forward_s, select_s
    pd.testing.assert_frame_equal(a.runs.drop(columns=timing), b.runs.drop(columns=timing), check_exact=True)
    pd.testing.assert_frame_equal(a.predictions, b.predictions, check_exact=True)
    for key, info in a.info.items():
        if "curve" in info:
            pd.testing.assert_frame_equal(info["curve"], b.info[key]["curve"], check_exact=True)


# ------------------------------------------------------------------------------ setup, in fresh processes
def _python(code: str, env: dict | None = None) -> str:
    src = str(Path(kmnet.__file__).resolve().parents[1])
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join([src, full_env.get("PYTHONPATH", "")])
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=full_env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip().splitlines()[-1]


def test_setup_pins_threads_code_paths_and_seeds():
    info = json.loads(_python("""
        import json, numpy as np, torch
        from kmnet import reproducibility
        info = reproducibility.setup(threads=1, seed=5)
        info["draw"] = [float(np.random.random_sample()), float(torch.rand(1))]
        print(json.dumps(info))
    """, {"OMP_NUM_THREADS": "2"}))
    assert info["threads"] == 1 and info["deterministic"] is True and info["onednn"] is False
    assert info["mkl_branch"] in (None, "compatible")
    import platform

    assert info["python"] == platform.python_version() and info["kmnet"] == kmnet.__version__
    assert info["torch"] == torch.__version__ and info["numpy"] == np.__version__
    np.random.seed(5)
    torch_gen = torch.Generator().manual_seed(5)
    assert info["draw"] == [float(np.random.random_sample()), float(torch.rand(1, generator=torch_gen))]
    with pytest.raises(ValueError, match="threads"):
        reproducibility.setup(threads=0)


def test_setup_refuses_once_mkl_ran_on_another_code_path():
    msg = _python("""
        import torch
        from kmnet import reproducibility
        torch.randn(64, 64) @ torch.randn(64, 1)
        if reproducibility.mkl_branch() is None:
            print("no MKL")
        else:
            try:
                reproducibility.setup()
                print("no error")
            except RuntimeError as exc:
                print("RuntimeError: " + str(exc))
    """, {"MKL_CBWR": ""})
    if msg == "no MKL":
        pytest.skip("torch without MKL")
    assert msg.startswith("RuntimeError") and "before any computation" in msg


_FIT_AFTER_SETUP = """
    import hashlib, sys
    from kmnet import reproducibility
    reproducibility.setup(threads=1, seed=0)
    import numpy as np, torch
    from kmnet import DeepKernelMapNetwork, DeepKernelNetwork, MultiView
    from kmnet.baselines import CNNClassifier
    rng = np.random.default_rng(int(sys.argv[1]))
    y = rng.permutation(np.arange(90) % 3)
    img = rng.normal(size=(90, 16, 16)); img[y == 1, :4] += 1.0
    cnn = CNNClassifier(channels=(4, 8), input_pool=(1, 1), max_epochs=8, n_iter_no_change=3, random_state=0)
    cnn.fit({"image": img}, y)
    X = MultiView({"a": rng.normal(size=(90, 6)) + y[:, None], "b": rng.normal(size=(90, 5))})
    dkn = DeepKernelNetwork(hidden=3, max_iter=3, random_state=0).fit(X, y)
    net = DeepKernelMapNetwork.from_dkn(dkn, X, random_state=0).set_params(epochs=6, batch_size=16).fit(X, y)
    h = hashlib.sha1()
    for m in (cnn.module_, net.module_):
        for v in m.state_dict().values():
            h.update(v.detach().numpy().tobytes())
    h.update(dkn.decision_function(X).tobytes())
    print(h.hexdigest())
"""


@pytest.mark.slow
def test_setup_makes_fits_independent_of_the_thread_defaults(rng):
    """Two processes with other default thread counts (and BLAS kernels) fit the same bits."""
    code = _FIT_AFTER_SETUP.replace("int(sys.argv[1])", str(int(rng.integers(10_000))))
    one = _python(code, {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    two = _python(code, {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "2",
                         "OPENBLAS_CORETYPE": "Haswell"})
    assert one == two
