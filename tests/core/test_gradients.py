"""The paper's hand-derived gradients (Eqs. 7-16) equal autograd's."""

import numpy as np
import pytest

from synthetic_views import make_views
from kmnet import DeepKernelMapNetwork, DeepKernelNetwork
from kmnet.gradients import autograd_gradients, compare_gradients, paper_gradients


@pytest.mark.parametrize("hidden", [3, (3, 2)])
def test_paper_gradients_equal_autograd(rng, hidden):
    views, y = make_views(rng, n=36, dims=(4, 3))
    dkn = DeepKernelNetwork(hidden=hidden, max_iter=2, dtype="float64").fit(views, y)
    dm = DeepKernelMapNetwork.from_dkn(dkn, views, parameterization="paper", epochs=3,
                                       batch_size=None)
    dm.fit(views, y)  # move away from the initial point
    batch = rng.choice(36, 12, replace=False)
    sub = {k: v[batch] for k, v in views.items()}
    hand = paper_gradients(dm, sub, y[batch])
    auto = autograd_gradients(dm, sub, y[batch])
    assert set(hand) == set(auto)
    for name, g in auto.items():
        np.testing.assert_allclose(hand[name].numpy(), g.numpy(), rtol=1e-9, atol=1e-12 * max(1, float(g.abs().max())),
                                   err_msg=name)
    table = compare_gradients(dm, sub, y[batch])
    assert (table["rel_diff"] < 1e-9).all()


def test_paper_gradients_need_paper_parameterization(rng):
    views, y = make_views(rng, n=20)
    dm = DeepKernelMapNetwork(hidden=2, epochs=0).fit(views, y)
    with pytest.raises(ValueError, match="parameterization='paper'"):
        paper_gradients(dm, views, y)
