"""Model files run no code: arrays plus JSON, the format checked before anything is decoded, only
kmnet's own classes built (``kmnet._persist``)."""

import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from synthetic_views import make_views
from kmnet import DeepKernelMapNetwork, DeepKernelNetwork
from kmnet._persist import FORMAT, JSON_NAME


class _TouchOnUnpickle:
    """A pickle payload: unpickling it creates the file ``path`` (stands for any code)."""

    def __init__(self, path):
        self.path = Path(path)

    def __reduce__(self):
        return (Path.touch, (self.path,))


def _fitted(rng, n=80):
    views, y = make_views(rng, n=n)
    seed = int(rng.integers(1e6))
    dkn = DeepKernelNetwork(hidden=3, max_iter=2, random_state=seed).fit(views, y)
    dm = DeepKernelMapNetwork.from_dkn(dkn, views, epochs=3)
    dm.fit(views, y)
    return views, y, dkn, dm


def _zip(path, header, arrays=(), extra=None):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(JSON_NAME, json.dumps(header))
        for i, a in enumerate(arrays):
            import io

            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asarray(a), allow_pickle=True)
            zf.writestr(f"arrays/{i}.npy", buf.getvalue())
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def test_roundtrip_gives_identical_predictions(rng, tmp_path):
    views, y, dkn, dm = _fitted(rng)
    test, _ = make_views(rng, n=13)
    for model, cls in ((dkn, DeepKernelNetwork), (dm, DeepKernelMapNetwork)):
        path = model.save(tmp_path / f"{cls.__name__}.kmnet")
        with zipfile.ZipFile(path) as zf:  # arrays and JSON only
            assert all(n == JSON_NAME or (n.startswith("arrays/") and n.endswith(".npy")) for n in zf.namelist())
        loaded = cls.load(path, device="cpu")
        assert type(loaded) is cls
        assert loaded.get_params() == model.get_params()
        np.testing.assert_array_equal(loaded.predict(test), model.predict(test))
        np.testing.assert_array_equal(loaded.decision_function(test), model.decision_function(test))
        np.testing.assert_array_equal(loaded.classes_, model.classes_)
    with pytest.raises(ValueError, match="not a DeepKernelNetwork"):
        DeepKernelNetwork.load(tmp_path / "DeepKernelMapNetwork.kmnet")


def test_a_loaded_map_network_learns_on_like_the_original(rng, tmp_path):
    views, y, dkn, _ = _fitted(rng)
    dm = DeepKernelMapNetwork.from_dkn(dkn, views, epochs=2, random_state=int(rng.integers(1e6)))
    loaded = DeepKernelMapNetwork.load(dm.save(tmp_path / "init.kmnet"), device="cpu")
    dm.fit(views, y)
    loaded.fit(views, y)
    np.testing.assert_array_equal(loaded.loss_curve_, dm.loss_curve_)
    np.testing.assert_array_equal(loaded.predict_proba(views), dm.predict_proba(views))


def test_string_labels_dataframes_and_params_survive(rng, tmp_path):
    pd = pytest.importorskip("pandas")
    views, y = make_views(rng, n=60)
    labels = np.array(["baroque", "classical", "modern"])[y]
    frames = {k: pd.DataFrame(v, columns=[f"{k}{i}" for i in range(v.shape[1])]) for k, v in views.items()}
    model = DeepKernelNetwork(kernels={"audio": ("linear", "rbf"), "text": ("hi",)}, hidden=(2, 2), max_iter=1,
                              class_weight={"modern": 2.0}, dtype="float64").fit(frames, labels)
    loaded = DeepKernelNetwork.load(model.save(tmp_path / "m.kmnet"), device="cpu")
    assert loaded.get_params() == model.get_params()
    assert loaded.classes_.tolist() == ["baroque", "classical", "modern"]
    np.testing.assert_array_equal(loaded.feature_names_in_["audio"], model.feature_names_in_["audio"])
    np.testing.assert_array_equal(loaded.predict(frames), model.predict(frames))
    swapped = {k: f[f.columns[::-1]] for k, f in frames.items()}
    with pytest.raises(ValueError, match="feature names should match"):
        loaded.predict(swapped)


def test_a_pickle_payload_is_refused_and_never_runs(rng, tmp_path):
    views, y, dkn, _ = _fitted(rng, n=40)
    marker = tmp_path / "ran.txt"
    # the payloads are live: unpickling them does create the marker ...
    control = tmp_path / "control.txt"
    pickle.loads(pickle.dumps(_TouchOnUnpickle(control)))
    assert control.is_file()
    # ... but load refuses them before anything is unpickled
    evil_torch = tmp_path / "evil.pt"
    torch.save({"format": "kmnet-model/1", "class": "kmnet.dkn.DeepKernelNetwork", "params": {},
                "state": {"x_": _TouchOnUnpickle(marker)}}, evil_torch)
    evil_pickle = tmp_path / "evil.pkl"
    evil_pickle.write_bytes(pickle.dumps(_TouchOnUnpickle(marker)))
    for path in (evil_torch, evil_pickle):
        with pytest.raises(ValueError, match="not a kmnet model file"):
            DeepKernelNetwork.load(path)
        assert not marker.exists()


def test_a_dict_naming_another_callable_is_refused(tmp_path):
    marker = tmp_path / "ran.txt"
    cmd = {"command": f"touch {marker}"}
    # the old format: a pickled dict naming os.system (unpickling a plain dict runs nothing by itself)
    old = tmp_path / "old.pt"
    torch.save({"format": "kmnet-model/1", "class": "os.system", "params": cmd, "state": {}}, old)
    with pytest.raises(ValueError, match="not a kmnet model file"):
        DeepKernelNetwork.load(old)
    # the new format naming os.system, a kmnet module function, or a class by its full path
    for cname in ("os.system", "kmnet.datasets.piano.fetch.fetch_piano", "kmnet.dkn.DeepKernelNetwork"):
        path = _zip(tmp_path / "named.kmnet", {"format": FORMAT, "class": cname, "params": cmd, "state": {},
                                               "arrays": []})
        with pytest.raises(ValueError, match="is not a kmnet estimator"):
            DeepKernelNetwork.load(path)
    # a kmnet class with a parameter it does not have
    path = _zip(tmp_path / "param.kmnet", {"format": FORMAT, "class": "DeepKernelNetwork", "params": cmd,
                                           "state": {}, "arrays": []})
    with pytest.raises(ValueError, match="has no parameter 'command'"):
        DeepKernelNetwork.load(path)
    assert not marker.exists()


def test_nested_objects_come_from_the_allow_list_only(rng, tmp_path):
    marker = tmp_path / "ran.txt"
    base = {"format": FORMAT, "class": "DeepKernelNetwork", "params": {}, "arrays": []}
    bad_states = [
        ({"input_layer_": {"__object__": "subprocess.Popen", "state": {"args": f"touch {marker}"}}},
         "class 'subprocess.Popen' is not one kmnet stores"),
        ({"input_layer_": {"__object__": "os.system", "state": {}}}, "class 'os.system' is not one"),
        ({"x_": {"__unknown__": 1}}, "without a known tag"),
        ({"x_": {"__npscalar__": "O", "value": 1}}, "scalar of dtype object"),
        ({"__class__": None}, "attribute name '__class__'"),
        ({"fit": None}, "not a fitted attribute"),
        ({"x_": {"__ndarray__": 0}}, "array 0 is missing"),
    ]
    for state, match in bad_states:
        path = _zip(tmp_path / "nested.kmnet", {**base, "state": state})
        with pytest.raises(ValueError, match=match):
            DeepKernelNetwork.load(path)
    # an object array inside the file would need pickle to read: refused
    path = _zip(tmp_path / "objarr.kmnet", {**base, "state": {"x_": {"__ndarray__": 0}},
                                            "arrays": [{"dtype": "|O", "shape": [1]}]},
                arrays=[np.array([_TouchOnUnpickle(marker)], dtype=object)])
    with pytest.raises(ValueError, match="without pickle"):
        DeepKernelNetwork.load(path)
    # members other than the JSON and the arrays
    path = _zip(tmp_path / "extra.kmnet", {**base, "state": {}}, extra={"data.pkl": pickle.dumps(1)})
    with pytest.raises(ValueError, match="unexpected member"):
        DeepKernelNetwork.load(path)
    assert not marker.exists()


def test_save_refuses_what_it_cannot_encode(rng, tmp_path):
    views, y, dkn, _ = _fitted(rng, n=40)
    dkn.extra_ = object()
    with pytest.raises(TypeError, match="extra_"):
        dkn.save(tmp_path / "m.kmnet")
    assert not (tmp_path / "m.kmnet").exists()


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
def test_cuda_roundtrip(rng, tmp_path):
    views, y = make_views(rng, n=60)
    dkn = DeepKernelNetwork(hidden=2, max_iter=2, device="cuda").fit(views, y)
    dm = DeepKernelMapNetwork.from_dkn(dkn, views, epochs=2)
    dm.fit(views, y)
    for model, cls in ((dkn, DeepKernelNetwork), (dm, DeepKernelMapNetwork)):
        path = model.save(tmp_path / f"{cls.__name__}.kmnet")
        assert model.device_.type == "cuda"  # saving moves nothing for good
        on_gpu = cls.load(path, device="cuda")
        assert on_gpu.device_.type == "cuda"
        np.testing.assert_array_equal(on_gpu.predict(views), model.predict(views))
        on_cpu = cls.load(path, device="cpu")
        np.testing.assert_allclose(on_cpu.decision_function(views), model.decision_function(views),
                                   rtol=1e-4, atol=1e-5)
