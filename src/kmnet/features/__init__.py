"""Feature extraction (paper Section 4.1): audio (MFCCs, MFCC image -> frozen ImageNet CNN,
compact log-Mel image, GTZAN-table features) and text (frozen transformer encoder, clips
max-pooled), cached on disk by source hash and extractor configuration.

Modules: :mod:`~kmnet.features.audio` (signal -> MFCC, statistics, compact image),
:mod:`~kmnet.features.image` (MFCC image, :class:`ImageEncoder`), :mod:`~kmnet.features.text`
(:class:`TextEncoder`), :mod:`~kmnet.features.gtzan_table` (the 57 columns of the GTZAN table),
:mod:`~kmnet.features.cache` (the on-disk cache), :mod:`~kmnet.features.pipeline` (batch
extraction with per-item failure reports), :mod:`~kmnet.features.musicnn` (music-trained audio
taggers and embeddings, musicnn's weights in torch; imported on its own, not here).
"""

from .audio import (
    AudioError,
    check_mel_power,
    compact_image,
    load_audio,
    logmel,
    mfcc,
    mfcc_from_mel,
    mfcc_stats,
    mfcc_stats_names,
    pool_image,
    power_spectrogram,
)
from .cache import FeatureCache, array_sha256, bytes_sha256, cache_root, file_sha256, repo_root, stable_hash, text_sha256
from .gtzan_table import MFCC_TABLE_COLUMNS, SPECTRAL_COLUMNS, TABLE_COLUMNS, table_features
from .image import DEFAULT_CNN, IMAGE_SIZE, ImageEncoder, mfcc_to_image
from .pipeline import AUDIO_FEATURES, extract_audio, extract_mel, extract_text
from .text import DEFAULT_TEXT_ENCODER, HUMDRUM_TOKEN_PATTERN, TextEncoder

__all__ = [
    "AUDIO_FEATURES",
    "AudioError",
    "DEFAULT_CNN",
    "DEFAULT_TEXT_ENCODER",
    "FeatureCache",
    "HUMDRUM_TOKEN_PATTERN",
    "IMAGE_SIZE",
    "ImageEncoder",
    "MFCC_TABLE_COLUMNS",
    "SPECTRAL_COLUMNS",
    "TABLE_COLUMNS",
    "TextEncoder",
    "array_sha256",
    "bytes_sha256",
    "cache_root",
    "check_mel_power",
    "compact_image",
    "extract_audio",
    "extract_mel",
    "extract_text",
    "file_sha256",
    "load_audio",
    "logmel",
    "mfcc",
    "mfcc_from_mel",
    "mfcc_stats",
    "mfcc_stats_names",
    "mfcc_to_image",
    "pool_image",
    "power_spectrogram",
    "repo_root",
    "stable_hash",
    "table_features",
    "text_sha256",
]
