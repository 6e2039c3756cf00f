"""Table 5's claims again with another audio view (chapter 05, section 6).

The piano set's audio view decides how much fusion can add. :func:`compare_audio_view` reruns
the methods of Table 5 that read the ``audio`` view - the audio HI + SVM and DKN over every run,
the multi-modal DKN with its initial and learned DM2KMN over chosen runs - with another feature
matrix (e.g. ``audio_musicnn``) as the audio view, on the same fixed split, seeds and
hyper-parameter grids as the main protocol, and compares each claim of the paper **piece by
piece on the same runs** (:func:`kmnet.experiments.piano_comparison.piece_differences`) with
each audio view: the difference A - B in points, its 95 % interval over the test pieces and the
verdict of :func:`kmnet.experiments.verdicts.verdict_better`. It also gives the audio share of
the multi-modal DKN's relative importance (Eq. 18) on the same runs.

Notebook: ``notebooks/05_piano_comparison`` (section 6, ``musicnn_feature``); the findings page
reads its table (``results/table5_musicnn.csv``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from . import method_names as names
from . import verdicts as V

__all__ = ["AudioViewComparison", "compare_audio_view", "COMPARISONS"]

#: the claims compared with each audio view: label -> (A, B)
COMPARISONS = {
    "multi-modal DKN − text DKN (fusion gain)": (names.DKN, names.TEXT_DKN),
    "learned DM2KMN − multi-modal DKN": (names.LEARNED_DM2KMN, names.DKN),
    "learned − initial DM2KMN": (names.LEARNED_DM2KMN, names.INITIAL_DM2KMN),
    "multi-modal DKN − audio DKN": (names.DKN, names.AUDIO_DKN),
}
_AUDIO_ROWS = (names.AUDIO_HI, names.AUDIO_DKN)
_MULTIMODAL_ROWS = (names.DKN, names.INITIAL_DM2KMN, names.LEARNED_DM2KMN)


@dataclass
class AudioViewComparison:
    """What :func:`compare_audio_view` returns.

    Attributes
    ----------
    base, other : str
        The two audio views (feature matrices), e.g. ``"audio_mfcc"`` and ``"audio_musicnn"``.
    accuracy : DataFrame
        One row per method that reads the audio view: ``method``, ``paper_row``, ``runs`` (with
        ``other``), ``base`` and ``other`` (mean test accuracy in %, on the same runs),
        ``difference`` (other - base, points), ``paper_value``.
    differences : DataFrame
        One row per (claim, audio view): ``comparison``, ``audio_view``, ``paper`` (the paper's
        difference in points), ``ours``, ``low``, ``high`` (95 % interval over the test pieces),
        ``verdict``.
    ri_share : DataFrame
        ``audio_view``, ``run``, ``ri``: the audio share (%) of the multi-modal DKN's relative
        importance.
    multimodal_runs : list of int
        The runs of the multi-modal rows.
    seconds : float
        Wall time of the reruns.
    """

    base: str
    other: str
    accuracy: pd.DataFrame
    differences: pd.DataFrame
    ri_share: pd.DataFrame
    multimodal_runs: list
    seconds: float

    def changed(self) -> list[str]:
        """The claims whose verdict differs between the two audio views."""
        v = self.differences.pivot_table(index="comparison", columns="audio_view", values="verdict",
                                         aggfunc="first", sort=False)
        return [c for c in v.index if v.loc[c, self.base] != v.loc[c, self.other]]

    def results_table(self, paper_audio_share: float | None = None) -> pd.DataFrame:
        """One long table for ``results/``: accuracies, differences (with intervals and verdicts)
        and the audio share of relative importance, the two audio views side by side."""
        acc = self.accuracy.rename(columns={"base": "base_value", "other": "other_value"}).assign(kind="accuracy")
        rows = []
        for label, g in self.differences.groupby("comparison", sort=False):
            g = g.set_index("audio_view")
            row = {"kind": "difference", "method": label, "paper_value": float(g["paper"].iloc[0]),
                   "runs": len(self.multimodal_runs)}
            for view, col in ((self.base, "base"), (self.other, "other")):
                row.update({f"{col}_value": g.loc[view, "ours"], f"{col}_low": g.loc[view, "low"],
                            f"{col}_high": g.loc[view, "high"], f"{col}_verdict": g.loc[view, "verdict"]})
            rows.append(row)
        share = self.ri_share.groupby("audio_view")["ri"].mean()
        ri = pd.DataFrame({"kind": ["audio_ri_share"], "method": [names.DKN], "runs": [len(self.multimodal_runs)],
                           "base_value": [float(share[self.base])], "other_value": [float(share[self.other])],
                           "paper_value": [np.nan if paper_audio_share is None else float(paper_audio_share)]})
        out = pd.concat([acc, pd.DataFrame(rows), ri], ignore_index=True)
        out.insert(0, "base", self.base)
        out.insert(1, "other", self.other)
        cols = ["base", "other", "kind", "method", "paper_row", "runs", "base_value", "base_low", "base_high",
                "base_verdict", "other_value", "other_low", "other_high", "other_verdict", "paper_value"]
        return out.reindex(columns=cols)


def compare_audio_view(
    result,
    features,
    audio: str,
    splits: Sequence,
    *,
    base_audio: str = "audio_mfcc",
    multimodal_seeds: Sequence[int] | None = None,
    confidence: float = 0.95,
    **method_params,
) -> AudioViewComparison:
    """Rerun Table 5's audio-reading methods with ``audio`` as the audio view; compare the claims.

    Parameters
    ----------
    result : ProtocolResult
        The main protocol's result on ``base_audio`` (:func:`kmnet.experiments.protocols.run_protocol`
        with ``keep_models=True``), holding at least the audio HI + SVM and DKN, the text DKN, the
        multi-modal DKN and both DM2KMNs, on ``splits``.
    features : kmnet.datasets.piano.features.PianoFeatures
        Holds the matrix ``audio``.
    audio : str
        The other audio view, e.g. ``"audio_musicnn"``.
    splits : sequence of Split
        The main protocol's splits (the fixed split, one per seed).
    base_audio : str, default "audio_mfcc"
        The main protocol's audio view (for the labels).
    multimodal_seeds : sequence of int, optional
        Seeds of the runs on which the multi-modal DKN and the DM2KMNs are rerun (they cost most);
        by default every split's. The audio rows run on every split.
    confidence : float, default 0.95
    **method_params
        Passed to :func:`kmnet.experiments.piano_comparison.piano_methods`: the main table's
        ``device``, ``hi_C``, ``dkn_C``, ``dkn_hidden``, ``dkn_max_iter``, ``dm2kmn_*`` ...

    Returns
    -------
    AudioViewComparison

    See Also
    --------
    kmnet.experiments.piano_comparison.audio_feature_rows : Table 5's rows with other audio
        features over every seed, without the paired comparison of the claims.

    Raises
    ------
    ValueError
        ``audio`` not among the features or equal to ``base_audio``, no split with a multi-modal
        seed, a method missing from ``result``, or ``result`` without its models.
    """
    from .kernel_importance import modality_totals, ri_runs
    from .piano_comparison import piano_methods, piece_differences, table5
    from .protocols import run_protocol
    from .views import piano_views

    audio, base_audio = str(audio), str(base_audio)
    if audio == base_audio:
        raise ValueError(f"audio: {audio!r} is the main protocol's audio view; name another")
    if audio not in getattr(features, "arrays", {}):
        raise ValueError(f"audio: unknown feature matrix {audio!r}; have {sorted(features.arrays)}")
    splits = list(splits)
    seeds = [s.seed for s in splits] if multimodal_seeds is None else [int(s) for s in multimodal_seeds]
    mm_splits = [s for s in splits if s.seed in seeds]
    if not mm_splits:
        raise ValueError(f"multimodal_seeds: none of {seeds} is a seed of the splits {[s.seed for s in splits]}")
    need = set(_AUDIO_ROWS) | set(_MULTIMODAL_ROWS) | {names.TEXT_DKN}
    have = set(result.runs.loc[result.runs["status"] == "ok", "method"])
    if need - have:
        raise ValueError(f"result: no successful runs of {sorted(need - have)}")
    mm_runs = [s.run for s in mm_splits]
    if any((s.protocol, s.run, names.DKN) not in result.models for s in mm_splits):
        raise ValueError("result: run the main protocol with keep_models=True (the DKNs' relative importance)")

    views, y, _, _, image_shape = piano_views(features, audio=audio)
    methods = {m.name: m for m in piano_methods(image_shape=image_shape, **method_params)}
    t0 = time.perf_counter()
    audio_res = run_protocol([methods[m] for m in _AUDIO_ROWS], views, y, splits, progress=False)
    mm_res = run_protocol([methods[m] for m in _MULTIMODAL_ROWS], views, y, mm_splits, keep_models=True,
                          time_repeat=1, progress=False)
    seconds = time.perf_counter() - t0

    # accuracy per method, both views on the same runs
    paper = table5(result).set_index("method")
    other_runs = pd.concat([audio_res.runs, mm_res.runs], ignore_index=True)
    acc_rows = []
    for m in (*_AUDIO_ROWS, *_MULTIMODAL_ROWS):
        o = other_runs[(other_runs["method"] == m) & (other_runs["status"] == "ok")]
        r = result.runs
        b = r[(r["method"] == m) & (r["status"] == "ok") & r["run"].isin(o["run"])]
        acc_rows.append({"method": m, "paper_row": paper.loc[m, "paper_method"], "runs": len(o),
                         "base": 100 * b["accuracy"].mean(), "other": 100 * o["accuracy"].mean(),
                         "difference": 100 * (o["accuracy"].mean() - b["accuracy"].mean()),
                         "paper_value": float(paper.loc[m, "paper_value"])})

    # piece-by-piece differences on the multi-modal runs
    tag = " [" + audio + "]"
    preds = pd.concat([
        result.predictions[result.predictions["run"].isin(mm_runs)],
        pd.concat([audio_res.predictions[audio_res.predictions["run"].isin(mm_runs)], mm_res.predictions],
                  ignore_index=True).assign(method=lambda d: d["method"] + tag),
    ], ignore_index=True)
    diff_rows = []
    for label, (a, b) in COMPARISONS.items():
        paper_d = float(paper.loc[a, "paper_value"] - paper.loc[b, "paper_value"])
        for view, t in ((base_audio, ""), (audio, tag)):
            bb = b if b == names.TEXT_DKN else b + t  # the text DKN does not read the audio view
            iv = V.mean_interval(piece_differences(preds, a + t, bb).to_numpy(), confidence)
            diff_rows.append({"comparison": label, "audio_view": view, "paper": paper_d, "ours": iv.mean,
                              "low": iv.low, "high": iv.high, "verdict": V.verdict_better(iv).verdict})

    # audio share of the multi-modal DKN's relative importance
    shares = []
    for view, res in ((base_audio, result), (audio, mm_res)):
        tot = modality_totals(ri_runs(res.models, [(s.run, (s.protocol, s.run)) for s in mm_splits], [names.DKN]))
        shares.append(tot[tot["modality"] == "audio"][["run", "ri"]].assign(audio_view=view))
    return AudioViewComparison(base_audio, audio, pd.DataFrame(acc_rows), pd.DataFrame(diff_rows),
                               pd.concat(shares, ignore_index=True)[["audio_view", "run", "ri"]], mm_runs, seconds)
