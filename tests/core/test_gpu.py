"""CUDA: the same results as on the CPU. Skipped when no GPU is present (as in CI)."""

import numpy as np
import pytest
import torch

from synthetic_views import make_views
from kmnet import DeepKernelMapNetwork, DeepKernelNetwork
from kmnet.maps import HistogramIntersectionMap, PolynomialMap, RBFMap

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available"),
]


def test_maps_on_cuda_match_cpu(rng):
    X = rng.normal(size=(64, 6))
    for cls in (PolynomialMap, RBFMap, HistogramIntersectionMap):
        cpu = cls(dtype="float64", device="cpu", output="torch").fit(X)
        gpu = cls(dtype="float64", device="cuda", output="torch").fit(X)
        assert gpu.transform(X).device.type == "cuda"
        np.testing.assert_allclose(gpu.kernel(X).cpu().numpy(), cpu.kernel(X).numpy(), rtol=1e-9, atol=1e-9)
        # the default output is a NumPy array, also from a map on the GPU
        assert isinstance(cls(dtype="float64", device="cuda").fit(X).transform(X), np.ndarray)


def test_networks_on_cuda_match_cpu(rng):
    views, y = make_views(rng, n=80)
    seed = int(rng.integers(1e6))
    d_cpu = DeepKernelNetwork(hidden=3, max_iter=3, random_state=seed, device="cpu", dtype="float64").fit(views, y)
    d_gpu = DeepKernelNetwork(hidden=3, max_iter=3, random_state=seed, device="cuda", dtype="float64").fit(views, y)
    np.testing.assert_allclose(d_gpu.weights_[0], d_cpu.weights_[0], rtol=1e-5, atol=1e-7)
    m_gpu = DeepKernelMapNetwork.from_dkn(d_gpu, views, epochs=5)
    m_gpu.fit(views, y)
    assert m_gpu.module_.W.device.type == "cuda"
    assert np.isfinite(m_gpu.decision_function(views)).all()
    m_cpu = m_gpu.to("cpu")
    assert m_cpu.module_.W.device.type == "cpu"
    assert m_cpu.score(views, y) > 0.5


@pytest.mark.parametrize("sigma", ["std", "median", "knn"])
def test_centred_maps_and_width_rules_on_cuda_match_cpu(rng, sigma):
    X, Y = rng.normal(size=(64, 6)), rng.normal(size=(9, 6))
    for cls in (PolynomialMap, RBFMap, HistogramIntersectionMap):
        kw = {"sigma": sigma} if cls is RBFMap else {}
        cpu = cls(center=True, normalize=True, dtype="float64", device="cpu", **kw).fit(X)
        gpu = cls(center=True, normalize=True, dtype="float64", device="cuda", **kw).fit(X)
        np.testing.assert_allclose(gpu.kernel(Y, X).cpu().numpy(), cpu.kernel(Y, X).numpy(), rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(gpu.transform(Y).cpu().numpy(), cpu.transform(Y).numpy(), rtol=1e-9, atol=1e-9)
