"""musicnn in torch: real tags on real music, layer relations, embeddings, batch extraction, errors.

Skipped (with the reason) when the musicnn wheel, which carries the weights, is not installed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from kmnet.datasets.paths import data_root
from kmnet.features import musicnn as M

needs_musicnn = pytest.mark.skipif(importlib.util.find_spec("musicnn") is None,
                                   reason="musicnn weights not installed (pip install --no-deps musicnn==0.1.0)")


def _clip(genre: str):
    try:
        p = data_root() / "gtzan" / "audio" / "genres" / genre / f"{genre}.00000.wav"
    except FileNotFoundError:
        pytest.skip("no data root")
    if not p.is_file():
        pytest.skip(f"staged GTZAN clip {p.name} not in the data root")
    return p


@pytest.fixture(scope="module")
def tags():
    """Tag probabilities of the two staged clips, per model, computed once."""
    cache = {}

    def get(genre, model):
        if (genre, model) not in cache:
            cache[(genre, model)] = M.tag(_clip(genre), model=model, device="cpu")
        return cache[(genre, model)]

    return get


@needs_musicnn
def test_mtt_musicnn_hears_classical(tags):
    s = tags("classical", "MTT_musicnn")
    assert list(s.index) == M.tag_names("MTT_musicnn") and len(s) == 50
    assert ((s > 0) & (s < 1)).all()
    top3 = list(s.nlargest(3).index)
    assert "classical" in top3, s.nlargest(5)
    # orchestral/acoustic tags above electronic and rock ones
    assert min(s[["strings", "violin"]].max(), s["classical"]) > max(s["techno"], s["rock"], s["drums"], s["metal"])
    # and the blues clip is much less "classical"
    assert s["classical"] > 3 * tags("blues", "MTT_musicnn")["classical"]


@needs_musicnn
def test_msd_musicnn_hears_blues(tags):
    b, c = tags("blues", "MSD_musicnn"), tags("classical", "MSD_musicnn")
    assert list(b.index) == M.tag_names("MSD_musicnn")
    assert "blues" in list(b.nlargest(3).index), b.nlargest(5)
    assert b["blues"] > 3 * c["blues"]
    # the classical clip (no classical tag in the MSD top 50): instrumental, not a vocal or rock tag
    calm = {"instrumental", "beautiful", "Mellow", "ambient", "easy listening", "acoustic", "chillout"}
    assert c.idxmax() in calm, c.nlargest(5)
    assert c["instrumental"] > 2 * b["instrumental"]
    assert b["male vocalists"] > c["male vocalists"]


@needs_musicnn
@pytest.mark.slow
@pytest.mark.parametrize("model", ["MSD_vgg", "MTT_vgg"])
def test_vgg_models_agree_on_the_genres(tags, model):
    b, c = tags("blues", model), tags("classical", model)
    if model == "MTT_vgg":
        assert "classical" in list(c.nlargest(3).index), c.nlargest(5)
        assert c["classical"] > 3 * b["classical"]
    else:
        assert "blues" in list(b.nlargest(3).index), b.nlargest(5)
        assert b["blues"] > 2 * c["blues"]
        assert c["instrumental"] > 2 * b["instrumental"]


@needs_musicnn
def test_tag_names_are_the_wheels_and_fit_the_output_layer():
    from musicnn import configuration  # plain Python, no TensorFlow

    for model in M.MODELS:
        names = M.tag_names(model)
        assert names == (configuration.MSD_LABELS if model.startswith("MSD") else configuration.MTT_LABELS)
        assert M.load_model(model, device="cpu").out.out_features == len(names) == 50


@needs_musicnn
@pytest.mark.parametrize("model", ["MSD_musicnn", "MTT_vgg"])
def test_layers_are_consistent_on_random_patches(rng, model):
    """Random log-Mel patches: pooled layers are the pools of the frame layers; taggram is the
    sigmoid of the logits; a patch's outputs do not depend on its batch."""
    net = M.load_model(model, device="cpu")
    n = int(rng.integers(2, 5))
    X = torch.from_numpy(rng.uniform(0, 4, size=(n, M.N_FRAMES, M.N_MELS)).astype(np.float32))
    with torch.no_grad():
        out = net(X)
        one = net(X[-1:])
    np.testing.assert_allclose(out["taggram"].numpy(), torch.sigmoid(out["logits"]).numpy(), rtol=1e-6)
    assert ((out["taggram"] > 0) & (out["taggram"] < 1)).all()
    for k in out:
        np.testing.assert_allclose(one[k][0].numpy(), out[k][-1].numpy(), rtol=1e-4, atol=1e-4, err_msg=k)
    if model == "MSD_musicnn":
        frames = torch.cat([out["timbral"], out["temporal"], out["cnn1"], out["cnn2"], out["cnn3"]], dim=2)
        assert frames.shape == (n, M.N_FRAMES, 753)
        np.testing.assert_allclose(out["mean_pool"].numpy(), frames.mean(1).numpy(), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(out["max_pool"].numpy(), frames.amax(1).numpy(), rtol=1e-6)
        assert out["penultimate"].shape == (n, 200)
    else:
        shapes = {k: tuple(out[k].shape[1:]) for k in ("pool1", "pool2", "pool3", "pool4", "pool5")}
        assert shapes == {"pool1": (92, 48, 128), "pool2": (46, 24, 128), "pool3": (23, 12, 128),
                          "pool4": (11, 6, 128), "pool5": (2, 1, 128)}


@needs_musicnn
def test_embed_shapes_and_array_input(rng):
    path = _clip("blues")
    from kmnet.features.audio import load_audio

    y = load_audio(path, sr=M.SR)
    start = int(rng.integers(0, y.size - 8 * M.SR))
    seg = y[start:start + int(rng.integers(4 * M.SR, 8 * M.SR))]
    e = M.embed(seg, sr=M.SR)
    assert e.shape == (400,) and e.dtype == np.float32
    mean, mx = e[:200], e[200:]
    assert (mean <= mx + 1e-6).all()
    # the patch outputs pooled by hand
    pen = M.extract(seg, sr=M.SR, layers="penultimate")["penultimate"]
    assert pen.shape == ((1 + seg.size // M.FFT_HOP) // M.N_FRAMES, 200)
    np.testing.assert_allclose(e, np.concatenate([pen.mean(0), pen.max(0)]), rtol=1e-6)
    # other layers and models
    assert M.embed(seg, sr=M.SR, layer="taggram").shape == (100,)
    assert M.embed(seg, sr=M.SR, layer="cnn1").shape == (128,)
    assert M.embed(seg, sr=M.SR, model="MSD_vgg", layer="pool5").shape == (256,)
    # stereo input at another rate: channels averaged, resampled; close to the mono 16 kHz input
    import librosa

    sr2 = int(rng.choice([22050, 44100]))
    up = librosa.resample(seg, orig_sr=M.SR, target_sr=sr2)
    e2 = M.embed(np.stack([up, up]), sr=sr2)
    assert e2.shape == (400,)
    assert np.corrcoef(e, e2)[0, 1] > 0.99


@needs_musicnn
def test_patches_match_the_frame_count(rng):
    n_patches = int(rng.integers(1, 4))
    extra = int(rng.integers(0, M.N_FRAMES - 1))
    # centred frames: 1 + n_samples // hop of them
    n_samples = (n_patches * M.N_FRAMES + extra - 1) * M.FFT_HOP + int(rng.integers(0, M.FFT_HOP))
    y = (0.1 * rng.standard_normal(n_samples)).astype(np.float32)
    P = M.patches(y, sr=M.SR)
    assert P.shape == (n_patches, M.N_FRAMES, M.N_MELS) and P.dtype == np.float32
    assert np.isfinite(P).all() and (P >= 0).all()


@needs_musicnn
def test_bad_inputs_raise_value_errors(rng, tmp_path):
    y = (0.1 * rng.standard_normal(M.SR * 4)).astype(np.float32)
    with pytest.raises(ValueError, match="unknown musicnn model"):
        M.tag(y, sr=M.SR, model="MSD_resnet")
    with pytest.raises(ValueError, match="not in the PyPI wheel"):
        M.load_model("MSD_musicnn_big")
    with pytest.raises(ValueError, match="unknown layer"):
        M.embed(y, sr=M.SR, model="MSD_vgg", layer="penultimate")
    with pytest.raises(ValueError, match="unknown layer"):
        M.embed(y, sr=M.SR, layer="pool5")
    short = y[: int(M.SR * rng.uniform(0.5, 2.9))]
    with pytest.raises(ValueError, match="too short"):
        M.tag(short, sr=M.SR)
    for bad_sr in (0, -16000, 2.5, True, "16000"):
        with pytest.raises(ValueError, match="sr must be"):
            M.embed(y, sr=bad_sr)
    with pytest.raises(ValueError, match="needs its sample rate"):
        M.tag(y)
    with pytest.raises(ValueError, match="a file's rate is read from the file"):
        M.tag(_clip("blues"), sr=22050)
    z = y.copy()
    z[int(rng.integers(z.size))] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        M.tag(z, sr=M.SR)
    with pytest.raises(ValueError, match="1-D"):
        M.tag(y.reshape(1, 2, -1), sr=M.SR)
    with pytest.raises(ValueError, match="file not found"):
        M.tag(tmp_path / "absent.wav")
    with pytest.raises(ValueError, match="silent"):
        M.tag(np.zeros(M.SR * 4, dtype=np.float32), sr=M.SR)


def test_missing_wheel_says_how_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "musicnn" else real(name, *a))
    M._load_cached.cache_clear()
    try:
        with pytest.raises(ImportError, match=r"pip install --no-deps musicnn==0\.1\.0"):
            M.load_model("MSD_musicnn", device="cpu")
        with pytest.raises(ImportError, match=r"--no-deps"):
            M.tag_names("MTT_musicnn")
    finally:
        M._load_cached.cache_clear()


@needs_musicnn
def test_extract_many_reports_failures_and_caches(tmp_path, rng):
    import soundfile as sf

    good = _clip("classical")
    short = tmp_path / "short.wav"
    sf.write(short, (0.1 * rng.standard_normal(M.SR * 2)).astype(np.float32), M.SR)
    missing = tmp_path / "missing.wav"
    order = [good, short, missing]
    perm = rng.permutation(3)
    paths = [order[i] for i in perm]
    A, rep = M.extract_many(paths, layers=("penultimate", "taggram"), cache_dir=tmp_path / "cache",
                            progress=False, device="cpu")
    X = A["penultimate"]
    assert X.shape == (3, 400) and A["taggram"].shape == (3, 100)
    assert list(rep["path"]) == [str(p) for p in paths]
    ok = rep["ok"].to_numpy()
    assert ok.tolist() == [p == good for p in paths]
    reasons = dict(zip(map(str, paths), rep["reason"]))
    assert "too short" in reasons[str(short)] and "file not found" in reasons[str(missing)]
    assert np.isnan(X[~ok]).all() and np.isfinite(X[ok]).all()
    np.testing.assert_allclose(X[ok][0], M.embed(good, device="cpu"), rtol=1e-6)
    tg = M.tag(good, device="cpu").to_numpy()
    np.testing.assert_allclose(A["taggram"][ok][0, :50], tg, rtol=1e-5)
    # cached per layer: a second call reads the penultimate layer, computes only what is new
    A2, rep2 = M.extract_many([good], layers=("penultimate",), cache_dir=tmp_path / "cache", progress=False)
    assert rep2["cached"].tolist() == [True]
    # the extraction cost measured when the row was computed travels with the cache
    assert rep2["compute_seconds"].iloc[0] == rep.loc[ok, "compute_seconds"].iloc[0] > 0
    assert np.isnan(rep.loc[~ok, "compute_seconds"]).all()
    np.testing.assert_array_equal(A2["penultimate"][0], X[ok][0])
    A3, rep3 = M.extract_many([good], layers=("penultimate", "max_pool"), cache_dir=tmp_path / "cache",
                              progress=False)
    assert rep3["cached"].tolist() == [False] and A3["max_pool"].shape == (1, 1506)
    np.testing.assert_array_equal(A3["penultimate"][0], X[ok][0])
    with pytest.raises(ValueError, match="unknown layer"):
        M.extract_many([good], layers=("pool5",), progress=False)
    with pytest.raises(ValueError, match="sequence"):
        M.extract_many(str(good), progress=False)


@needs_musicnn
@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
def test_cuda_matches_cpu(rng):
    y = (0.1 * rng.standard_normal(M.SR * 7)).astype(np.float32)
    for model in ("MSD_musicnn", "MTT_vgg"):
        cpu = M.tag(y, sr=M.SR, model=model, device="cpu")
        gpu = M.tag(y, sr=M.SR, model=model, device="cuda")
        np.testing.assert_allclose(gpu.to_numpy(), cpu.to_numpy(), atol=1e-4)
    assert M.load_model("MSD_musicnn", device="cuda").out.weight.device.type == "cuda"


# -- agreement with the original ---------------------------------------------------------------

TF_REFERENCE = Path(__file__).parent / "data" / "musicnn_tf_reference.npz"


@needs_musicnn
@pytest.mark.parametrize("genre", ["blues", "classical"])
def test_agrees_with_musicnn_on_tensorflow(genre):
    """The outputs of musicnn 0.1.0 run on TensorFlow (``tools/musicnn_tf_reference.py``) on the
    staged clips: same input patches, per-patch tags and embeddings to float32 rounding."""
    z = np.load(TF_REFERENCE)
    path = _clip(genre)
    P = M.patches(path)
    assert P.shape == tuple(z[f"{genre}|batch_shape"])
    np.testing.assert_allclose(P.astype(np.float64).sum(axis=2), z[f"{genre}|batch_frame_sum"], rtol=1e-6, atol=1e-3)
    net_in = torch.from_numpy(P)
    for model in M.MODELS:
        layer = "penultimate" if M.MODELS[model] == "musicnn" else "pool5"
        with torch.no_grad():
            out = M.load_model(model, device="cpu")(net_in)
        for k in ("taggram", layer):
            ref = z[f"{genre}|{model}|{k}"]
            got = out[k].numpy().reshape(len(ref), -1)
            np.testing.assert_allclose(got, ref, rtol=0, atol=2e-5 * max(1.0, float(np.abs(ref).max())),
                                       err_msg=f"{model} {k}")
        s = M.tag(path, model=model, device="cpu")
        np.testing.assert_allclose(s.to_numpy(), z[f"{genre}|{model}|taggram"].mean(axis=0), atol=1e-5)


# -- a second, independent forward pass: numpy, in TensorFlow's layout, from the raw checkpoint --

def _np_conv(x, k, b):
    """TensorFlow ``conv2d`` ("valid", stride 1, NHWC, kernel (kh, kw, in, out)) + bias, float64."""
    from numpy.lib.stride_tricks import sliding_window_view

    win = sliding_window_view(x, k.shape[:2], axis=(1, 2))  # (B, H', W', C, kh, kw)
    return np.einsum("bhwcij,ijco->bhwo", win, k, optimize=True) + b


def _np_bn(x, w, name):
    g, be = w[f"{name}/gamma"], w[f"{name}/beta"]
    m, v = w[f"{name}/moving_mean"], w[f"{name}/moving_variance"]
    return (x - m) / np.sqrt(v + 1e-3) * g + be


def _np_maxpool(x, size, stride):
    from numpy.lib.stride_tricks import sliding_window_view

    win = sliding_window_view(x, size, axis=(1, 2))[:, ::stride[0], ::stride[1]]
    return win.max(axis=(-2, -1))


def _np_musicnn(w, x):
    relu = lambda a: np.maximum(a, 0)  # noqa: E731
    x = _np_bn(x[..., None], w, "batch_normalization")  # (B, T, 96, 1)
    front = []
    xp = np.pad(x, [(0, 0), (3, 3), (0, 0), (0, 0)])
    for i, (conv, bn) in enumerate([("conv2d", 1), ("conv2d_1", 2), ("conv2d_2", 3), ("conv2d_3", 4), ("conv2d_4", 5)]):
        k = w[f"{conv}/kernel"]
        if i < 2:
            inp = xp
        else:  # "same": the odd extra pad after
            lo = (k.shape[0] - 1) // 2
            inp = np.pad(x, [(0, 0), (lo, k.shape[0] - 1 - lo), (0, 0), (0, 0)])
        y = _np_bn(relu(_np_conv(inp, k, w[f"{conv}/bias"])), w, f"batch_normalization_{bn}")
        front.append(y.max(axis=2))  # pooled over frequency: (B, T, filters)
    fe = np.concatenate(front, axis=2)
    layers = [fe]
    prev = fe
    for j, (conv, bn) in enumerate([("conv2d_5", 6), ("conv2d_6", 7), ("conv2d_7", 8)]):
        inp = np.pad(prev[..., None], [(0, 0), (3, 3), (0, 0), (0, 0)])
        y = _np_bn(relu(_np_conv(inp, w[f"{conv}/kernel"], w[f"{conv}/bias"])), w, f"batch_normalization_{bn}")
        y = y[:, :, 0, :]
        prev = y if j == 0 else y + prev
        layers.append(prev)
    feats = np.concatenate(layers, axis=2)
    flat = np.stack([feats.max(axis=1), feats.mean(axis=1)], axis=2).reshape(len(x), -1)
    flat = _np_bn(flat, w, "batch_normalization_9")
    pen = _np_bn(relu(flat @ w["dense/kernel"] + w["dense/bias"]), w, "batch_normalization_10")
    logits = pen @ w["dense_1/kernel"] + w["dense_1/bias"]
    return {"cnn1": layers[1], "cnn3": layers[3], "max_pool": feats.max(axis=1), "penultimate": pen, "logits": logits}


def _np_vgg(w, x):
    relu = lambda a: np.maximum(a, 0)  # noqa: E731
    x = _np_bn(x[..., None], w, "batch_normalization")
    pools = [((4, 1), (2, 2)), ((2, 2), (2, 2)), ((2, 2), (2, 2)), ((2, 2), (2, 2)), ((4, 4), (4, 4))]
    for i, (size, stride) in enumerate(pools, 1):
        xp = np.pad(x, [(0, 0), (1, 1), (1, 1), (0, 0)])  # "same" for 3 x 3
        x = _np_bn(relu(_np_conv(xp, w[f"{i}CNN/kernel"], w[f"{i}CNN/bias"])), w, f"batch_normalization_{i}")
        x = _np_maxpool(x, size, stride)
    logits = x.reshape(len(x), -1) @ w["dense/kernel"] + w["dense/bias"]
    return {"pool5": x, "logits": logits}


@needs_musicnn
@pytest.mark.parametrize("model", ["MSD_musicnn", "MTT_musicnn", "MSD_vgg", "MTT_vgg"])
def test_torch_port_matches_an_independent_numpy_forward_pass(rng, model):
    """Random input patches through the checkpoint's tensors, read by the bundle reader and used in
    TensorFlow's own layout (NHWC, kernels (kh, kw, in, out)) in float64 numpy: the torch port,
    whose weights are transposed into torch's layout, gives the same layers."""
    from kmnet.features._tf_bundle import read_bundle

    w = {k: v.astype(np.float64) for k, v in read_bundle(M.checkpoint_dir(model)).items()}
    x = rng.uniform(0, 4, size=(2, M.N_FRAMES, M.N_MELS))
    ref = (_np_musicnn if M.MODELS[model] == "musicnn" else _np_vgg)(w, x)
    with torch.no_grad():
        out = M.load_model(model, device="cpu")(torch.from_numpy(x.astype(np.float32)))
    for k, r in ref.items():
        got = out[k].double().numpy()
        np.testing.assert_allclose(got, r, rtol=0, atol=1e-4 * max(1.0, float(np.abs(r).max())), err_msg=k)
