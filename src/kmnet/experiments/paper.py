"""The paper's published numbers, transcribed in one place.

Every table of the book shows the paper's value next to ours. The paper's values live here,
transcribed from the article (Wang & Jiu, Algorithms 2026): Table 1 (GTZAN), Table 2 (piano
split), Table 3 (elementary kernels), Table 4 (hidden units), Table 5 (piano comparison), Table 6
(4MuLA), Table A1 (piano composers) and the modality totals of Figure 2; :func:`paper_table`
returns each as a DataFrame. The piano set's own counts (Table A1, Table 2), which its builder
needs, are :data:`kmnet.datasets.piano.PAPER_COUNTS` and :data:`~kmnet.datasets.piano.PAPER_SPLIT`.

Notebook: every chapter (02_gtzan ... 07_4mula).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["paper_table", "PAPER_FIGURE2_TOTALS"]

# Table 1: GTZAN, accuracy in % (mean, std; std None for single numbers cited from other papers)
_TABLE1 = [
    ("Ndou et al. [81]", "SVM", 79.7, None),
    ("Zhang et al. [82]", "Multilayer representation + STFT", 82.0, None),
    ("Karunakaran et al. [83]", "Hybrid classifier on Spark", 82.4, None),
    ("Sigtia and Dixon [84]", "RELU + SGD + Dropout + FFT", 83.0, None),
    ("Zhang [85]", "KCNN (k = 5 + SVM)", 83.9, None),
    ("Zhang et al. [86]", "nnet2 + STFT", 87.4, None),
    ("Yu et al. [37]", "BRNN + PCNNA with SIFT", 90.0, None),
    ("Ashraf et al. [87]", "Bi-LSTM with Bi-GRU", 89.3, None),
    ("Prabhakar et al. [33]", "BAG", 93.5, None),
    ("Ahmed et al. [34]", "CNN", 92.7, None),
    ("Li [88]", "CNN with MFCC + STFT", 95.2, None),
    ("Cheng and Kuo [89]", "VMS-YOLO", 95.4, None),
    ("Zhang and Li [18]", "PCNN + CapSA", 96.1, None),
    ("Jiu and Sahbi [25]", "3-layer DKN with MFCCs", 93.3, 0.8),
    ("Wang and Jiu", "3-layer DM2KMN with MFCCs", 94.0, 0.6),
    ("Jiu and Sahbi [25]", "3-layer DKN with VGGish", 85.7, 0.7),
    ("Wang and Jiu", "3-layer DM2KMN with VGGish", 86.5, 0.9),
    ("Jiu and Sahbi [25]", "3-layer DKN with MFCCs + VGGish", 95.6, 0.3),
    ("Wang and Jiu", "3-layer DM2KMN with MFCCs + VGGish", 96.0, 0.5),
]
# Table 2: piano split
_TABLE2 = {
    "Training set": {"Baroque": 159, "Classical": 135, "Romantic": 153, "Modern": 153},
    "Test set": {"Baroque": 84, "Classical": 101, "Romantic": 105, "Modern": 95},
}
# Table 3: SVM on elementary kernels, accuracy in %
_TABLE3 = {
    "Audio-MFCC": {"linear": 70.13, "polynomial": 68.83, "rbf": 69.87, "hi": 71.69},
    "Audio-VGGish": {"linear": 61.56, "polynomial": 60.26, "rbf": 63.38, "hi": 66.49},
    "Symbolic features": {"linear": 77.14, "polynomial": 77.14, "rbf": 78.96, "hi": 82.60},
}
# Table 4: 3-layer multi-modal DKN, accuracy in % by number of hidden units
_TABLE4 = {8: 84.42, 16: 84.94, 24: 84.68, 32: 84.68}
# Table 5: piano comparison (modality, method, mean %, std %, RE %, forward time s)
_TABLE5 = [
    ("Audio", "Histogram kernel + SVM", 71.60, 0.40, None, None),
    ("Audio", "CNN [34]", 79.05, 0.30, None, None),
    ("Audio", "DKNs", 72.03, 0.40, None, None),
    ("Text", "Histogram kernel + SVM", 82.42, 0.30, None, None),
    ("Text", "RoBERTa + MLP [90]", 83.12, 0.26, None, None),
    ("Text", "DKNs", 83.46, 0.40, None, None),
    ("Both", "CNN + BOW [91]", 83.81, 0.54, None, None),
    ("Both", "DCN [44]", 83.98, 0.15, None, None),
    ("Both", "Feature concatenation [21]", 84.24, 0.30, None, None),
    ("Both", "Decision weighting [21]", 84.07, 0.30, None, None),
    ("Both", "Hybrid fusion [21]", 86.93, 0.15, None, None),
    ("Both", "Multi-modal DKNs", 85.11, 0.30, None, 31.18),
    ("Both", "Initial DM2KMN", 83.03, 0.40, 0.820, None),
    ("Both", "Learned DM2KMN", 88.74, 0.54, 3.051, 12.27),
]
# Table 6: 4MuLA (modality, model, mean %, std %)
_TABLE6 = [
    ("Audio MFCCs", "ResNet + MLP [90]", 42.6, 0.3),
    ("Lyrics", "RoBERTa + MLP [90]", 57.4, 0.3),
    ("Audio MFCCs + Lyrics", "CNN + BOW [91]", 86.7, 0.3),
    ("Audio MFCCs + Lyrics", "DCN [44]", 87.6, 0.2),
    ("Audio MFCCs + Lyrics", "Feature concatenation [90]", 86.1, 0.3),
    ("Audio MFCCs + Lyrics", "Decision weighting [21]", 88.8, 0.2),
    ("Audio MFCCs + Lyrics", "Hybrid fusion [21]", 90.3, 0.2),
    ("Audio MFCCs + Lyrics", "The proposed DM2KMN", 90.4, 0.3),
]
# Table A1: pieces per period; Section 4.4: 4MuLA genre counts (they add up to 5972, while the
# paper states 5980 tracks and |S| = 4784 = 0.8 * 5980: the published numbers disagree by 8)
_TABLEA1 = {"Baroque": 243, "Classical": 236, "Romantic": 258, "Modern": 248}
_FOURMULA_COUNTS = {"Rock": 1578, "Indie": 1491, "Pop": 1449, "Hip Hop": 786, "Heavy Metal": 668}
#: Figure 2 (Section 4.3.2): modality totals of relative importance, in %
PAPER_FIGURE2_TOTALS = {
    "Multi-modal DKN": {"audio": 52.56, "text": 47.44},
    "Learned DM2KMN": {"audio": 49.41, "text": 50.59},
}


def paper_table(name: str) -> pd.DataFrame:
    """One of the paper's tables as a DataFrame.

    ``name``: ``"table1"``, ``"table2"``, ``"table3"``, ``"table4"``, ``"table5"``, ``"table6"``,
    ``"tableA1"``, ``"4mula_counts"`` or ``"figure2_totals"``.
    """
    key = name.lower().replace(" ", "").replace("_", "")
    if key == "table1":
        return pd.DataFrame(_TABLE1, columns=["reference", "method", "paper_mean", "paper_std"])
    if key == "table2":
        return pd.DataFrame(_TABLE2).T
    if key == "table3":
        return pd.DataFrame(_TABLE3).T
    if key == "table4":
        return pd.Series(_TABLE4, name="paper_accuracy").rename_axis("hidden_units").to_frame()
    if key == "table5":
        return pd.DataFrame(_TABLE5, columns=["modality", "method", "paper_mean", "paper_std",
                                              "paper_re", "paper_time_s"])
    if key == "table6":
        return pd.DataFrame(_TABLE6, columns=["modality", "method", "paper_mean", "paper_std"])
    if key == "tablea1":
        return pd.Series(_TABLEA1, name="paper_count").rename_axis("period").to_frame()
    if key in ("4mulacounts", "fourmulacounts"):
        return pd.Series(_FOURMULA_COUNTS, name="paper_count").rename_axis("genre").to_frame()
    if key == "figure2totals":
        return pd.DataFrame(PAPER_FIGURE2_TOTALS).T
    raise ValueError(f"unknown paper table {name!r}")
