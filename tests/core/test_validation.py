"""Bad input raises ValueError naming the problem."""

import numpy as np
import pytest

from synthetic_views import make_views
from kmnet import DeepKernelMapNetwork, DeepKernelNetwork, MultiView

ESTIMATORS = [
    lambda: DeepKernelNetwork(hidden=2, max_iter=1),
    lambda: DeepKernelMapNetwork(hidden=2, epochs=1),
]


@pytest.mark.parametrize("make", ESTIMATORS)
def test_bad_training_input(rng, make):
    views, y = make_views(rng, n=40)
    bad = {k: v.copy() for k, v in views.items()}
    bad["audio"][3, 2] = np.nan
    with pytest.raises(ValueError, match=r"views\['audio'\].*NaN"):
        make().fit(bad, y)
    bad["audio"][3, 2] = np.inf
    with pytest.raises(ValueError, match="inf"):
        make().fit(bad, y)
    short = {"audio": views["audio"], "text": views["text"][:-1]}
    with pytest.raises(ValueError, match="different sample counts"):
        make().fit(short, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        make().fit(views, np.zeros(40))
    with pytest.raises(ValueError, match="39 labels for 40 samples"):
        make().fit(views, y[:-1])
    with pytest.raises(ValueError, match="mapping"):
        make().fit("audio.csv", y)
    with pytest.raises(ValueError, match="no modalities"):
        make().fit({}, y)
    with pytest.raises(ValueError, match="2-D"):
        make().fit({"audio": views["audio"][:, 0], "text": views["text"]}, y)


@pytest.mark.parametrize("make", ESTIMATORS)
def test_bad_prediction_input(rng, make):
    views, y = make_views(rng, n=40)
    est = make().fit(views, y)
    with pytest.raises(ValueError, match="modality 'text' seen at fit time is missing"):
        est.predict({"audio": views["audio"]})
    with pytest.raises(ValueError, match="expected 5 features, got 4"):
        est.predict({"audio": views["audio"], "text": views["text"][:, :4]})
    with pytest.raises(ValueError, match="'video' was not seen"):
        est.predict({**views, "video": views["text"]})
    bad = {k: v.copy() for k, v in views.items()}
    bad["text"][0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.predict(bad)


def test_bad_parameters(rng):
    views, y = make_views(rng, n=30)
    with pytest.raises(ValueError, match="unknown kernel"):
        DeepKernelNetwork(kernels=("linear", "laplace"), max_iter=1).fit(views, y)
    with pytest.raises(ValueError, match="energy"):
        DeepKernelMapNetwork(energy=0.0, epochs=1).fit(views, y)
    with pytest.raises(ValueError, match="parameterization"):
        DeepKernelMapNetwork(parameterization="x", epochs=1).fit(views, y)
    with pytest.raises(ValueError, match="trainable"):
        DeepKernelMapNetwork(trainable=("everything",), epochs=1).fit(views, y)
    with pytest.raises(ValueError, match="'C' parameter of DeepKernelNetwork must be"):
        DeepKernelNetwork(C=0.0).fit(views, y)
    with pytest.raises(ValueError, match="hidden"):
        DeepKernelNetwork(hidden=(4, 0)).fit(views, y)
    with pytest.raises(ValueError, match="no kernel list for modality 'text'"):
        DeepKernelNetwork(kernels={"audio": ("linear",)}).fit(views, y)


def test_multiview(rng):
    views, _ = make_views(rng, n=12)
    X = MultiView(views)
    assert X.shape == (12, 11) and len(X) == 12
    sub = X[np.array([0, 3, 5])]
    assert isinstance(sub, MultiView) and len(sub) == 3
    np.testing.assert_array_equal(sub["audio"], views["audio"][[0, 3, 5]])
    with pytest.raises(ValueError, match="different sample counts"):
        MultiView({"a": np.zeros((3, 2)), "b": np.zeros((4, 2))})
