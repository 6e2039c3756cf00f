"""Names of the compared methods, as they appear in the result tables; one name, one method.

The multi-modal comparisons (the piano set's Table 5 and 4MuLA's Table 6) share most of their
methods: :func:`kmnet.experiments.multimodal_comparison.multimodal_methods` builds them under
these names (its text rows as ``LYRICS_*``), :mod:`kmnet.experiments.piano_comparison` adds the
piano set's single-modality rows (its text rows as ``TEXT_*``), and the notebooks look rows up
by them.

Notebook: 05_piano_comparison, 06_relative_importance, 07_4mula.
"""

from __future__ import annotations

__all__ = [
    "AUDIO_HI",
    "AUDIO_CNN",
    "AUDIO_MLP",
    "AUDIO_DKN",
    "TEXT_HI",
    "TEXT_MLP",
    "TEXT_DKN",
    "LYRICS_MLP",
    "LYRICS_DKN",
    "CNN_BOW",
    "MLP_BOW",
    "DCN",
    "CONCAT",
    "LATE",
    "HYBRID",
    "DKN",
    "INITIAL_DM2KMN",
    "LEARNED_DM2KMN",
    "bow_method_name",
]

# single modality: audio
AUDIO_HI = "Audio HI + SVM"
AUDIO_CNN = "CNN [34]"
AUDIO_MLP = "Audio + MLP [90]"
AUDIO_DKN = "Audio DKN"
# single modality: text (the piano set's **kern text; the lyrics of Table 6)
TEXT_HI = "Text HI + SVM"
TEXT_MLP = "Text encoder + MLP [90]"
TEXT_DKN = "Text DKN"
LYRICS_MLP = "Lyrics encoder + MLP [90]"
LYRICS_DKN = "Lyrics DKN"
# both modalities: the fusion baselines and the kernel networks
CNN_BOW = "CNN + BOW [91]"
MLP_BOW = "MLP + BOW [91]"
DCN = "DCN [44]"
CONCAT = "Feature concatenation [21]"
LATE = "Decision weighting [21]"
HYBRID = "Hybrid fusion [21]"
DKN = "Multi-modal DKN"
INITIAL_DM2KMN = "Initial DM2KMN"
LEARNED_DM2KMN = "Learned DM2KMN"


def bow_method_name(image: str | None) -> str:
    """``"CNN + BOW [91]"`` with an audio image view, ``"MLP + BOW [91]"`` without."""
    return CNN_BOW if image else MLP_BOW
