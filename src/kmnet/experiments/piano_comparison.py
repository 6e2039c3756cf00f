"""The paper's piano comparison (Section 4.3.2, Table 5, Figures 2-3) on the reconstructed set.

Notebook: 05_piano_comparison (Table 5, Figure 3), 06_relative_importance (Figure 2, RE during
learning).

:func:`piano_methods` lists Table 5's methods as :class:`~kmnet.experiments.protocols.Method`
objects for :func:`~kmnet.experiments.protocols.run_protocol`, under the names of
:mod:`kmnet.experiments.method_names`, on the views of :func:`kmnet.experiments.views.piano_views`:

==============================  ======================================================  ==========================
method (ours)                   what it is                                              paper row (modality)
==============================  ======================================================  ==========================
``Audio HI + SVM``              SVM on the histogram-intersection kernel of the MFCCs   Histogram kernel + SVM (Audio)
``CNN [34]``                    CNN from scratch on the compact log-Mel image           CNN [34] (Audio)
``Audio DKN``                   DKN on the audio kernels only                           DKNs (Audio)
``Text HI + SVM``               SVM on the HI kernel of the text embeddings             Histogram kernel + SVM (Text)
``Text encoder + MLP [90]``     MLP on the frozen text-encoder embeddings               RoBERTa + MLP [90] (Text)
``Text DKN``                    DKN on the text kernels only                            DKNs (Text)
``CNN + BOW [91]``              CNN on the image + tf-idf of the **kern token counts    CNN + BOW [91] (Both)
``DCN [44]`` ... ``Learned DM2KMN``  as in :mod:`~kmnet.experiments.multimodal_comparison` (Both)
==============================  ======================================================  ==========================

:func:`table5` joins a protocol result with the paper's Table 5 (accuracy, RE, forward time);
:func:`audio_feature_rows` re-runs the rows that read the audio view with another audio feature
(e.g. ``audio_musicnn``, a CNN trained on music audio) for rows beside the table's;
:func:`order_differences` lists the pairs of methods the paper and we order differently;
:func:`re_during_learning` traces RE (Eq. 17) and accuracy over the epochs of end-to-end learning.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import method_names as names
from .multimodal_comparison import multimodal_methods
from .protocols import Method, estimator_method

__all__ = ["AUDIO_VIEW_METHODS", "TABLE5_ORDER", "audio_feature_rows", "hi_svm_method", "piano_methods", "table5",
           "order_differences", "re_during_learning"]

#: our method -> (modality, the paper's Table 5 method), in the paper's row order
_PAPER_ROW = {
    names.AUDIO_HI: ("Audio", "Histogram kernel + SVM"),
    names.AUDIO_CNN: ("Audio", "CNN [34]"),
    names.AUDIO_DKN: ("Audio", "DKNs"),
    names.TEXT_HI: ("Text", "Histogram kernel + SVM"),
    names.TEXT_MLP: ("Text", "RoBERTa + MLP [90]"),
    names.TEXT_DKN: ("Text", "DKNs"),
    names.CNN_BOW: ("Both", "CNN + BOW [91]"),
    names.DCN: ("Both", "DCN [44]"),
    names.CONCAT: ("Both", "Feature concatenation [21]"),
    names.LATE: ("Both", "Decision weighting [21]"),
    names.HYBRID: ("Both", "Hybrid fusion [21]"),
    names.DKN: ("Both", "Multi-modal DKNs"),
    names.INITIAL_DM2KMN: ("Both", "Initial DM2KMN"),
    names.LEARNED_DM2KMN: ("Both", "Learned DM2KMN"),
}

#: Table 5's rows, in the paper's order
TABLE5_ORDER = tuple(_PAPER_ROW)


def hi_svm_method(
    name: str,
    view: str,
    *,
    C: Sequence[float] = (0.1, 1.0, 10.0, 100.0, 1000.0),
    class_weight="balanced",
    device=None,
) -> Method:
    """Histogram-intersection kernel + SVM on one view, ``C`` by cross-validation (Table 5).

    A ``GridSearchCV`` over ``C`` of :class:`~kmnet.baselines.KernelSVC` (``kernel="hi"``); the
    protocol hands it the split's selection folds (five-fold CV inside the training part).
    """
    from sklearn.model_selection import GridSearchCV

    from ..baselines import KernelSVC

    grid = [float(c) for c in np.atleast_1d(C)]
    svc = KernelSVC(kernel="hi", view=view, probability=False, class_weight=class_weight, device=device)
    return estimator_method(name, GridSearchCV(svc, {"C": grid}, cv=5, refit=True), views=(view,))


def piano_methods(
    *,
    image_shape: tuple[int, int],
    device=None,
    hi_C: Sequence[float] = (0.1, 1.0, 10.0, 100.0, 1000.0),
    cnn_epochs: int = 60,
    cnn_params: dict | None = None,
    **multimodal,
) -> list[Method]:
    """Table 5's methods, in the paper's row order (:data:`TABLE5_ORDER`).

    Parameters
    ----------
    image_shape : (int, int)
        Shape of the log-Mel images (the ``image`` view is flattened).
    device : str, optional
    hi_C : sequence of float
        ``C`` grid of the two HI + SVM baselines.
    cnn_epochs : int
        Epoch cap of the CNN [34] (it early-stops on a part of its training data).
    cnn_params : dict, optional
        Other :class:`~kmnet.baselines.CNNClassifier` parameters.
    **multimodal
        Passed to :func:`kmnet.experiments.multimodal_comparison.multimodal_methods` (``dkn_C``,
        ``dkn_hidden``, ``dkn_max_iter``, ``mlp_epochs``, ``dm2kmn_anchors``, ...).
    """
    from ..baselines import CNNClassifier

    for k in ("audio", "text", "image", "image_shape", "bow_counts", "single_modality_dkns"):
        if k in multimodal:
            raise ValueError(f"piano_methods: {k!r} is fixed by the piano views")
    cw = multimodal.get("class_weight", "balanced")
    base = {m.name: m for m in multimodal_methods(image="image", image_shape=tuple(image_shape),
                                                  bow_counts="bow_counts", device=device,
                                                  single_modality_dkns=True, **multimodal)}
    base[names.LYRICS_MLP].name = names.TEXT_MLP
    base[names.LYRICS_DKN].name = names.TEXT_DKN
    cnn = CNNClassifier(image_view="image", image_shape=tuple(image_shape), max_epochs=int(cnn_epochs), device=device,
                        **(cnn_params or {}))
    extra = {
        names.AUDIO_HI: hi_svm_method(names.AUDIO_HI, "audio", C=hi_C, class_weight=cw, device=device),
        names.AUDIO_CNN: estimator_method(names.AUDIO_CNN, cnn, views=("image",)),
        names.TEXT_HI: hi_svm_method(names.TEXT_HI, "text", C=hi_C, class_weight=cw, device=device),
        names.TEXT_MLP: base[names.LYRICS_MLP],
        names.TEXT_DKN: base[names.LYRICS_DKN],
    }
    return [extra[n] if n in extra else base[n] for n in TABLE5_ORDER]


#: Table 5's methods that read the ``audio`` view (the CNNs read the log-Mel image instead)
AUDIO_VIEW_METHODS = (names.AUDIO_HI, names.AUDIO_DKN, names.DCN, names.CONCAT, names.LATE, names.HYBRID, names.DKN,
                      names.INITIAL_DM2KMN, names.LEARNED_DM2KMN)


def audio_feature_rows(
    features,
    audio_features: Sequence[str] = ("audio_musicnn",),
    *,
    methods: Sequence[str] = AUDIO_VIEW_METHODS,
    seeds: Sequence[int] = (0, 1, 2),
    time_repeat: int = 1,
    progress: bool = False,
    return_runs: bool = False,
    **method_params,
):
    """Table 5's audio-reading rows again with other audio features, beside the paper's values.

    For every matrix of ``audio_features`` the views of :func:`kmnet.experiments.views.piano_views`
    take it as the ``audio`` modality, the chosen methods of :func:`piano_methods` run on the
    manifest's fixed split once per seed (:func:`kmnet.experiments.protocols.run_protocol`:
    hyper-parameters chosen on the training part only, the test part scored once per run) and
    :func:`table5` puts the paper's row beside each. The text rows and the CNNs on the log-Mel
    image do not read the audio view, so they are the same as in the main table.

    Parameters
    ----------
    features : kmnet.datasets.piano.features.PianoFeatures
        e.g. ``load_features()``; holds ``audio_musicnn`` when ``data/piano/musicnn.npz`` is
        committed.
    audio_features : sequence of str, default ("audio_musicnn",)
        Matrices of ``features`` to use as the audio modality, one block of rows each.
    methods : sequence of str, default :data:`AUDIO_VIEW_METHODS`
        Names from :data:`TABLE5_ORDER`; run in the table's order. The DM2KMN rows are built
        from the multi-modal DKN, which must be among them.
    seeds : sequence of int, default (0, 1, 2)
        One run per seed on the fixed split (folds, initialisations).
    time_repeat : int, default 1
        Forward-time repeats per test-set prediction.
    progress : bool, default False
    return_runs : bool, default False
        Also return the runs (:attr:`ProtocolResult.runs` of every feature, with an
        ``audio_feature`` column).
    **method_params
        Passed to :func:`piano_methods` (``device``, ``hi_C``, ``dkn_C``, ``dkn_hidden``,
        ``dkn_max_iter``, ``mlp_epochs``, ``dm2kmn_max_epochs``, ...): use the main table's.

    Returns
    -------
    DataFrame, or (DataFrame, DataFrame) with ``return_runs``
        :func:`table5`'s columns with ``audio_feature`` first, one row per (audio feature,
        method); and the runs.

    Raises
    ------
    ValueError
        No audio feature, a matrix ``features`` does not hold, an unknown method, or a DM2KMN
        row without the multi-modal DKN.
    """
    from ..datasets.splits import fixed_splits
    from .protocols import run_protocol
    from .views import piano_views

    feats = [str(a) for a in ([audio_features] if isinstance(audio_features, str) else audio_features)]
    if not feats:
        raise ValueError("audio_features: name at least one feature matrix")
    missing = sorted(set(feats) - set(getattr(features, "arrays", {})))
    if missing:
        raise ValueError(f"audio_features: unknown feature matrices {missing}; have {sorted(features.arrays)}")
    wanted = [str(m) for m in ([methods] if isinstance(methods, str) else methods)]
    unknown = sorted(set(wanted) - set(TABLE5_ORDER))
    if unknown or not wanted:
        raise ValueError(f"methods: unknown {unknown or wanted}; Table 5 has {list(TABLE5_ORDER)}")
    if {names.INITIAL_DM2KMN, names.LEARNED_DM2KMN} & set(wanted) and names.DKN not in wanted:
        raise ValueError(f"methods: the DM2KMN rows are built from {names.DKN!r}; include it")
    blocks, runs = [], []
    for feat in feats:
        views, y, train, test, image_shape = piano_views(features, audio=feat)
        chosen = [m for m in piano_methods(image_shape=image_shape, **method_params) if m.name in set(wanted)]
        splits = fixed_splits(train, test, seeds=[int(s) for s in seeds], protocol="piano")
        result = run_protocol(chosen, views, y, splits, time_repeat=int(time_repeat), progress=progress)
        t = table5(result)
        t.insert(0, "audio_feature", feat)
        blocks.append(t)
        runs.append(result.runs.assign(audio_feature=feat))
    out = pd.concat(blocks, ignore_index=True)
    return (out, pd.concat(runs, ignore_index=True)) if return_runs else out


def table5(result, *, by_run: bool = False) -> pd.DataFrame:
    """Our Table 5 beside the paper's.

    Parameters
    ----------
    result : kmnet.experiments.protocols.ProtocolResult
        From :func:`kmnet.experiments.protocols.run_protocol` with :func:`piano_methods` (other method
        names are kept, with empty paper columns).
    by_run : bool
        Unused rows aside, return one row per (method, run) instead of the summary.

    Returns
    -------
    DataFrame
        ``modality``, ``method``, ``mean``, ``std``, ``runs`` (accuracy in %), ``re`` and
        ``re_std`` (Eq. 17, in %; DM2KMN rows), ``forward_s`` (median test-set prediction time,
        mean over runs), ``paper_method``, ``paper_value``, ``paper_std``, ``paper_re``,
        ``paper_time_s``.
    """
    from .paper import paper_table

    runs = result.runs
    need = {"method", "status", "accuracy", "forward_s"}
    if not need <= set(runs.columns):
        raise ValueError(f"result.runs: needs columns {sorted(need)}, got {list(runs.columns)}")
    ok = runs[runs["status"] == "ok"].copy()
    if ok.empty:
        raise ValueError("result: no successful run")
    if "re" not in ok:
        ok["re"] = np.nan
    if by_run:
        return ok
    paper = paper_table("table5")
    paper_key = {(r.modality, r.method): r for r in paper.itertuples(index=False)}
    names = [n for n in TABLE5_ORDER if n in set(ok["method"])] + [n for n in ok["method"].unique() if n not in _PAPER_ROW]
    rows = []
    for name in names:
        g = ok[ok["method"] == name]
        acc = 100.0 * g["accuracy"].to_numpy(dtype=float)
        re = g["re"].to_numpy(dtype=float)  # relative_error is in % already
        modality, pm = _PAPER_ROW.get(name, ("Both", None))
        p = paper_key.get((modality, pm))
        rows.append({
            "modality": modality,
            "method": name,
            "mean": float(acc.mean()),
            "std": float(acc.std(ddof=1)) if acc.size > 1 else np.nan,
            "runs": int(acc.size),
            "re": float(np.nanmean(re)) if np.isfinite(re).any() else np.nan,
            "re_std": float(np.nanstd(re, ddof=1)) if np.isfinite(re).sum() > 1 else np.nan,
            "forward_s": float(g["forward_s"].mean()),
            "paper_method": pm or "",
            "paper_value": float(p.paper_mean) if p is not None else np.nan,
            "paper_std": float(p.paper_std) if p is not None else np.nan,
            "paper_re": float(p.paper_re) if p is not None else np.nan,
            "paper_time_s": float(p.paper_time_s) if p is not None else np.nan,
        })
    return pd.DataFrame(rows)


def order_differences(table: pd.DataFrame, *, tie: float = 0.0) -> pd.DataFrame:
    """Pairs of methods that the paper and we rank in opposite orders.

    Parameters
    ----------
    table : DataFrame
        With ``method``, ``mean`` and ``paper_value`` (e.g. :func:`table5`); rows without a
        paper value are ignored.
    tie : float
        Differences of at most this many points (ours or the paper's) count as ties, not as
        reversals.

    Returns
    -------
    DataFrame
        One row per reversed pair: ``paper_better`` (the method the paper puts ahead),
        ``paper_worse``, ``paper_gap`` (points, > 0), ``our_gap`` (points, < 0 for a reversal).
    """
    need = {"method", "mean", "paper_value"}
    if not need <= set(table.columns):
        raise ValueError(f"table: needs columns {sorted(need)}, got {list(table.columns)}")
    t = table.dropna(subset=["paper_value", "mean"]).reset_index(drop=True)
    rows = []
    for i in range(len(t)):
        for j in range(len(t)):
            a, b = t.iloc[i], t.iloc[j]
            pg, og = float(a["paper_value"] - b["paper_value"]), float(a["mean"] - b["mean"])
            if pg > tie and og < -tie:
                rows.append({"paper_better": a["method"], "paper_worse": b["method"], "paper_gap": pg, "our_gap": og})
    out = pd.DataFrame(rows, columns=["paper_better", "paper_worse", "paper_gap", "our_gap"])
    return out.sort_values("paper_gap", ascending=False, ignore_index=True)


def re_during_learning(
    model,
    dkn,
    X,
    y,
    *,
    epochs: int = 60,
    check_every: int = 5,
    X_eval=None,
    y_eval=None,
    seed: int | None = None,
) -> pd.DataFrame:
    """RE (Eq. 17) of a DM2KMN's output kernel against its DKN's, and accuracy, during learning.

    A copy of ``model`` (an initial DM2KMN from :meth:`~kmnet.DeepKernelMapNetwork.from_dkn`,
    ``warm_start=True``) learns end to end on ``X``, ``y`` in one continuous run
    (:meth:`~kmnet.DeepKernelMapNetwork.learning_run`, as ``fit`` with ``epochs`` epochs would);
    every ``check_every`` epochs (and before the first) the RE on ``X`` and the accuracies are
    recorded.
    Nothing is selected on this curve: it describes how learning moves the map network away
    from the kernel it was built to reproduce.

    Parameters
    ----------
    model : DeepKernelMapNetwork
        Not modified.
    dkn : DeepKernelNetwork
        The DKN the network was built from (its output kernel on ``X`` is the reference).
    X, y : training views and labels (those ``model`` and ``dkn`` were fitted on)
    epochs, check_every : int
    X_eval, y_eval : optional held-out views and labels, scored at every check
    seed : int, optional
        ``random_state`` of the copy (seeds the shuffling); default: the model's.

    Returns
    -------
    DataFrame
        ``epoch``, ``re`` (in %), ``train_loss`` (Eq. 6, last epoch of the chunk),
        ``train_accuracy`` and, with ``X_eval``, ``eval_accuracy`` (in %).
    """
    from ..metrics import relative_error
    from ..views import MultiView

    if not getattr(model, "warm_start", False):
        raise ValueError("re_during_learning: the model must have warm_start=True (build it with from_dkn)")
    if int(epochs) < 0 or int(check_every) < 1:
        raise ValueError(f"need epochs >= 0 and check_every >= 1, got {epochs}, {check_every}")
    X = X if isinstance(X, MultiView) else MultiView(X)
    y = np.asarray(y)
    if (X_eval is None) != (y_eval is None):
        raise ValueError("re_during_learning: give both X_eval and y_eval, or neither")
    net = copy.deepcopy(model)
    if seed is not None:
        net.set_params(random_state=int(seed))
    K_ref = dkn.output_kernel(X)
    rows = []

    def record(epoch: int, loss: float):
        row = {"epoch": epoch, "re": relative_error(net.output_kernel(X), K_ref), "train_loss": loss,
               "train_accuracy": 100.0 * float(np.mean(net.predict(X) == y))}
        if X_eval is not None:
            row["eval_accuracy"] = 100.0 * float(np.mean(net.predict(X_eval) == np.asarray(y_eval)))
        rows.append(row)

    record(0, float("nan"))
    run = net.learning_run(X, y)
    done = 0
    while done < int(epochs):
        k = min(int(check_every), int(epochs) - done)
        for _ in range(k):
            loss = run.epoch()
        done += k
        record(done, float(loss))
    run.finish()
    return pd.DataFrame(rows)
