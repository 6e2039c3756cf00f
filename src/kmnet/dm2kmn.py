"""Deep (multi-modal) kernel map network, DM2KMN: paper Sections 3.2-3.4, Eqs. 2-6.

The map network replaces every kernel of a DKN by an explicit map, recursively (Eqs. 2-4):
a unit concatenates the weighted maps of the previous layer, compares the result with ``M``
anchors through the activation :math:`g` (tanh in hidden layers, exp at the output) and projects
the ``M`` similarities with :math:`U_p=V_r\\Lambda_r^{-1/2}` from the eigen-decomposition of the
unit's anchor Gram matrix (energy threshold 0.99). A softmax (logistic regression) layer on the
output map classifies (Eq. 5), and everything - anchors, :math:`U`, :math:`w\\ge0` and the
softmax layer - is learned end to end by minimising the class-weighted cross-entropy with L2
penalties (Eq. 6).

Input units. Each input unit is an elementary map (:mod:`kmnet.maps`). A map no wider than the
anchor set is used explicitly (linear maps, small polynomial / histogram maps); a wider one
(the polynomial map of 384-d text has 73,920 dims; the RBF map is infinite) is replaced by its
Nystrom coordinates on the anchors, which reproduce its kernel on the anchors (METHOD.md
Section 10). The histogram-intersection unit always stands for the quantised map of App. A.1.

Speed (METHOD.md Section 10). The per-input Gram blocks are computed once per batch and shared
by all units (parameterisation ``"shared"``), no concatenation is built, ranks are truncated by
energy, and ``anchors=M`` uses ``M`` landmark training samples instead of all of them, so that
inference costs :math:`O(M)` per sample instead of the DKN's :math:`O(N)`.

Layout. This module holds the estimator, the input units and the construction from a DKN
(:meth:`DeepKernelMapNetwork.from_dkn`, Eqs. 2-4); the torch parameters and the forward pass are in
:mod:`kmnet._mapnet`, the end-to-end learning (Eq. 6) in :mod:`kmnet._dm2kmn_train`, the softmax
layer's transfer from SVMs and its calibration (:meth:`~DeepKernelMapNetwork.calibrate`) in
:mod:`kmnet._dm2kmn_head`, the inspection of a fitted network (output maps and kernels,
effective weights) in :mod:`kmnet._dm2kmn_inspect`.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from ._base import MultiModalClassifier, hidden_sizes
from ._dm2kmn_head import HeadCalibration, solve_ovr_svms
from ._dm2kmn_inspect import MapNetworkInspection
from ._dm2kmn_train import TRAINABLE, LearningRun, check_params, generator, label_indices, train
from ._input_layer import InputLayer
from ._linalg import CHUNK_ELEMS, nystroem_projection
from ._mapnet import build_map_network
from ._params import (COMMON_CONSTRAINTS, KERNEL_CONSTRAINTS, Anchors, ClassWeight, Float, GroupSubset, Int,
                      StrOptions)
from ._torch import resolve_device, resolve_dtype
from .maps import HistogramIntersectionMap, KernelMap

__all__ = ["DeepKernelMapNetwork"]


def _unit_kernel(mp: KernelMap, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """Kernel represented by a Nystrom input unit, on prepared inputs.

    Linear, polynomial, RBF: the exact kernel. Histogram intersection: the inner products of
    the quantised map (App. A.1), computed in row chunks without keeping the wide map.
    """
    if isinstance(mp, HistogramIntersectionMap):
        PB = mp._map_prepared(B)
        out = torch.empty(A.shape[0], B.shape[0], dtype=A.dtype, device=A.device)
        step = max(1, CHUNK_ELEMS // max(1, PB.shape[1]))
        for i in range(0, A.shape[0], step):
            out[i : i + step] = mp._map_prepared(A[i : i + step]) @ PB.T
        return out
    return mp._kernel_prepared(A, B)


def _anchor_indices(anchors, n: int, rng: np.random.Generator) -> np.ndarray:
    """Training indices of the anchor set :math:`S` (the ``anchors`` parameter)."""
    a = anchors
    if a is None:
        return np.arange(n)
    if isinstance(a, (int, np.integer)):
        if not (1 <= int(a)):
            raise ValueError(f"anchors must be >= 1, got {a}")
        if int(a) >= n:
            return np.arange(n)
        return np.sort(rng.choice(n, size=int(a), replace=False))
    idx = np.unique(np.asarray(a, dtype=np.int64))
    if idx.size == 0 or idx.min() < 0 or idx.max() >= n:
        raise ValueError(f"anchors: indices must lie in [0, {n}), got {a!r}")
    return idx


def _setup_inputs(model, views, input_layer: InputLayer, anchor_index: np.ndarray) -> None:
    """Decide explicit / Nystrom per input unit and fit the Nystrom projections on the anchors."""
    model.input_layer_ = input_layer
    model.unit_names_ = input_layer.unit_names
    model.anchor_index_ = anchor_index
    model.anchor_views_ = {m: v[anchor_index] for m, v in views.items()}
    M = len(anchor_index)
    max_dim = M if model.max_explicit_dim is None else int(model.max_explicit_dim)
    model.input_units_ = []
    model._nystroem_ = {}
    for name in model.unit_names_:
        m = name.split(":", 1)[0]
        mp = input_layer.maps[name]
        explicit = mp.exact or isinstance(mp, HistogramIntersectionMap)
        width = mp.n_output_features_ if explicit else None
        if explicit and width <= max_dim:
            model.input_units_.append({"name": name, "kind": "explicit", "width": int(width)})
            continue
        S = mp._prepare(model.anchor_views_[m])
        U, _ = nystroem_projection(_unit_kernel(mp, S, S), float(model.energy))
        model._nystroem_[name] = U
        model.input_units_.append({"name": name, "kind": "nystroem", "width": int(U.shape[1])})


def _input_reps(model, views) -> list[torch.Tensor]:
    """Input-unit representations :math:`z_q(X)` (explicit maps or Nystrom coordinates)."""
    prepared = {}
    Z = []
    for unit in model.input_units_:
        name = unit["name"]
        m = name.split(":", 1)[0]
        mp = model.input_layer_.maps[name]
        A = mp._prepare(views[m])
        if unit["kind"] == "explicit":
            Z.append(mp._map_prepared(A))
        else:
            key = (name,)
            if key not in prepared:
                prepared[key] = mp._prepare(model.anchor_views_[m])
            Z.append(_unit_kernel(mp, A, prepared[key]) @ model._nystroem_[name])
    return Z


def _build(model, weights) -> None:
    """The map network on the anchors for layer weights ``weights`` (Eqs. 2-4)."""
    Zs = model._input_reps(model.anchor_views_)
    model.module_ = build_map_network(
        Zs, weights, energy=float(model.energy), n_classes=len(model.classes_),
        parameterization=model.parameterization,
    )
    model.ranks_ = [list(r) for r in model.module_.ranks]
    model.reference_norms_ = _reference_norms(model.module_, Zs)


def _reference_norms(net, Zs) -> dict:
    """Scales of the network as built (Eqs. 2-4), the reference of :meth:`effective_weights`.

    ``inputs[q]``: :math:`\\lVert z_q(S)\\rVert_F`, the input unit's representation of the anchors;
    ``maps[l][p]``: :math:`\\lVert\\hat\\phi^{(l)}_p(S)\\rVert_F`, unit ``p`` of layer ``l``'s map of
    the anchors; ``projections[l][p]``: :math:`\\lVert U_p\\rVert_F`.
    """
    with torch.no_grad():
        maps, Phi = [], net.layer_maps(0, net.first_layer_pre(Zs))
        maps.append([float(v) for v in torch.linalg.vector_norm(Phi, dim=(1, 2))])
        for l in range(1, len(net.widths)):
            Phi = net.layer_maps(l, net.layer_pre(l, Phi))
            maps.append([float(v) for v in torch.linalg.vector_norm(Phi, dim=(1, 2))])
        return {
            "inputs": [float(torch.linalg.vector_norm(z)) for z in Zs],
            "maps": maps,
            "projections": [[float(v) for v in torch.linalg.vector_norm(U, dim=(1, 2))] for U in net.U],
        }


def _initialise_random(model, views, y, rng: np.random.Generator, gen: torch.Generator):
    """A new network from random simplex weights, :math:`W^{LR}\\sim 0.01\\,\\mathcal N(0,1)`
    (Section 4.2); returns the validated views and the label indices."""
    views, y_idx = model._validate_fit(views, y)
    model.dtype_ = resolve_dtype(model.dtype)
    model.device_ = resolve_device(model.device)
    n = next(iter(views.values())).shape[0]
    layer = InputLayer(
        model.kernels, degree=model.degree, levels=model.levels, sigma=model.sigma,
        normalize=model.normalize, standardize=model.standardize, center=bool(model.center),
        dtype=model.dtype_, device=model.device_,
    ).fit(views)
    _setup_inputs(model, views, layer, _anchor_indices(model.anchors, n, rng))
    sizes = [len(model.unit_names_), *hidden_sizes(model.hidden), 1]
    weights = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        W = torch.rand(b, a, generator=gen, dtype=torch.float64)
        weights.append((W / W.sum(1, keepdim=True)).to(model.dtype_).to(model.device_))
    _build(model, weights)
    W = model.module_.W
    with torch.no_grad():
        W.copy_(0.01 * torch.randn(W.shape, generator=gen, dtype=torch.float64).to(W))
        model.module_.b.zero_()
        model.module_.project_()
    model.loss_curve_ = []
    model.svm_C_, model.svm_class_weight_ = None, None
    model.calibration_, model.temperature_ = None, 1.0
    return views, y_idx



def _validation_data(model, validation):
    """``validation=(views, y)`` of :meth:`DeepKernelMapNetwork.fit`, checked and encoded."""
    if validation is None:
        return None
    if not (isinstance(validation, (tuple, list)) and len(validation) == 2):
        raise ValueError("validation must be a tuple (views, y)")
    vviews = model._validate_predict(validation[0])
    nv = next(iter(vviews.values())).shape[0]
    return vviews, label_indices(model, validation[1], nv, min_classes=1,
                                  what="validation: class {!r} is not a training class")



#: constructor parameters of :class:`DeepKernelMapNetwork` and what each may be
_CONSTRAINTS = {
    **COMMON_CONSTRAINTS,
    **KERNEL_CONSTRAINTS,
    "energy": [Float(0, 1, closed="right")],
    "anchors": [Anchors()],
    "parameterization": [StrOptions({"shared", "paper"})],
    "max_explicit_dim": [None, Int(1)],
    "epochs": [Int(0)],
    "lr": [None, Float(0, None, closed="neither")],
    "lr_classifier": [None, Float(0, None, closed="neither")],
    "optimizer": [StrOptions({"adam", "sgd"})],
    "batch_size": [None, Int(1)],
    "early_stopping": ["boolean"],
    "validation_fraction": [Float(0, 1, closed="neither")],
    "n_iter_no_change": [Int(1)],
    "alpha_classifier": [None, Float(0, None, closed="left")],
    "alpha_weights": [None, Float(0, None, closed="left")],
    "class_weight": [ClassWeight()],
    "trainable": [GroupSubset(TRAINABLE)],
    "warm_start": ["boolean"],
    "callback": [None, callable],
}


class DeepKernelMapNetwork(HeadCalibration, MapNetworkInspection, MultiModalClassifier):
    """Deep multi-modal kernel map network with a softmax output layer (Sections 3.2-3.4).

    Build it from a trained DKN with :meth:`from_dkn` (the paper's route: initial DM2KMN, then
    end-to-end learning with :meth:`fit`), or train it directly with :meth:`fit`.

    Parameters
    ----------
    kernels : tuple of str or dict, default ("linear", "polynomial", "rbf", "hi")
        Elementary kernels of every modality (see :class:`~kmnet.DeepKernelNetwork`).
    hidden : int or tuple of int, default 16
        Hidden layer widths (16: the paper's 3-layer network).
    energy : float in (0, 1], default 0.99
        Energy kept by the eigen-decompositions of Eqs. 3-4 (Section 4.2), for the hidden and
        output units and for the Nystrom input units.
    anchors : None, int or array of int
        The anchor set :math:`S`. ``None``: all training samples (the paper's setting);
        an int ``M``: ``M`` landmark training samples drawn at random (``random_state``);
        an array: those training indices.
    parameterization : {"shared", "paper"}, default "shared"
        How anchors are parameterised (see :mod:`kmnet._mapnet`). ``"paper"`` has the parameters
        of Eqs. 10-16 and costs ``n_hidden`` times more.
    normalize, standardize, degree, levels, sigma
        Elementary kernels (see :class:`~kmnet.DeepKernelNetwork`).
    center : bool, default False
        Centre every elementary kernel on the training set before its normalisation
        (:mod:`kmnet.maps`, ``center``). A network made by :meth:`from_dkn` takes the DKN's
        setting (the DKN centres by default); a network fitted from random weights does not,
        as in the paper.
    max_explicit_dim : int, optional
        Input maps up to this width are used explicitly, wider ones through Nystrom
        coordinates. Default: the number of anchors.
    epochs : int, default 50
        Passes over the training set during end-to-end learning (0: no learning).
    lr : float, optional
        Learning rate of the map parameters (anchors, :math:`U`, :math:`w`). Adam (default 3e-4):
        relative to each tensor's scale, i.e. a step changes a tensor by about ``lr`` of its
        size; SGD: the absolute rate (default 1e-4, the paper's).
    lr_classifier : float, optional
        Learning rate of the softmax layer (Adam default 3e-3, times the layer's RMS when that
        exceeds 1; SGD: ``lr``).
    optimizer : {"adam", "sgd"}, default "adam"
        ``"sgd"`` with ``lr=1e-4`` is the paper's schedule (which runs up to 400,000 epochs).
    batch_size : int or None, default 128
        Mini-batch size; ``None``: the whole training set.
    early_stopping : bool, default False
        Watch the (class-weighted) cross-entropy of held-out samples - the ``validation``
        argument of :meth:`fit`, else a stratified ``validation_fraction`` of the training
        samples - stop when it has not improved for ``n_iter_no_change`` epochs and keep the
        best parameters (possibly those before any learning, ``best_epoch_ == 0``). Model
        selection thus stays inside the training data.
    validation_fraction : float, default 0.1
    n_iter_no_change : int, default 10
    alpha_classifier, alpha_weights : float, optional
        Coefficients of :math:`\\lVert W^{LR}\\rVert^2` and :math:`\\sum_k\\lVert w^{(k)}\\rVert^2` in
        Eq. 6. The loss is averaged over samples, so the paper's unit coefficients on a summed
        loss become ``1/n_samples`` (the default).
    class_weight : None, "balanced" or dict, default "balanced"
        Sample weights of the cross-entropy (Section 4.3: inversely proportional to class counts).
    trainable : tuple of str
        Which parameter groups learn: any of "anchors", "projections" (:math:`U`), "weights"
        (:math:`w`), "classifier" (:math:`W^{LR}`, bias).
    warm_start : bool, default False
        Continue from the current parameters in :meth:`fit` (set by :meth:`from_dkn`).
    callback : callable, optional
        ``callback(model, epoch, loss)`` after every epoch (e.g. to trace RE during learning).
    random_state : int, optional
    device : str, optional
        ``None``: CUDA when available, else CPU.
    dtype : {"float32", "float64"}
    verbose : bool
        Show a progress bar.

    Attributes
    ----------
    classes_ : ndarray
    module_ : MapNetModule
        The torch parameters (anchors ``A0``/``A``, projections ``U``, weights ``w``, ``W``, ``b``).
    weights_ : list of ndarray
        Current layer weights :math:`w` (input -> hidden, ..., hidden -> output).
    unit_names_ : list of str
    ranks_ : list of list of int
        Rank :math:`r` kept by every unit of every layer.
    input_units_ : list of dict
        Per input unit: name, "explicit" or "nystroem", width.
    anchor_index_ : ndarray of int
        Training indices of the anchors.
    loss_curve_ : list of float
        Training loss (Eq. 6) after every epoch.
    calibration_, temperature_ : str, float
        The calibration of the softmax layer (:meth:`calibrate`; ``None`` and 1 before any).
    svm_C_ : float or None
        The SVM ``C`` of the DKN the softmax layer was taken over from (:meth:`from_dkn`).
    reference_norms_ : dict
        Scales of the network as built, the reference of :meth:`effective_weights`.

    Examples
    --------
    The classifier follows scikit-learn's conventions, so model selection works on multi-modal
    input once the dict of views is wrapped in a :class:`~kmnet.MultiView`:

    >>> import numpy as np
    >>> from sklearn.model_selection import GridSearchCV
    >>> from kmnet import DeepKernelMapNetwork, MultiView
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 80)
    >>> X = MultiView({"audio": rng.normal(size=(80, 4)) + y[:, None],
    ...                "text": rng.normal(size=(80, 3))})
    >>> net = DeepKernelMapNetwork(hidden=4, epochs=30, random_state=0)
    >>> search = GridSearchCV(net, {"hidden": [2, 4]}, cv=3).fit(X, y)
    >>> sorted(search.best_params_)
    ['hidden']
    """

    #: constructor parameters and what each may be (checked by ``_validate_params`` in :meth:`fit`)
    #: constructor parameters and what each may be (checked in :meth:`fit`)
    _parameter_constraints = _CONSTRAINTS

    def __init__(
        self,
        kernels=("linear", "polynomial", "rbf", "hi"),
        hidden=16,
        *,
        energy=0.99, anchors=None, parameterization="shared",
        normalize=True, standardize=True, center=False, degree=2, levels=10, sigma=None,
        max_explicit_dim=None, epochs=50, lr=None, lr_classifier=None, optimizer="adam", batch_size=128,
        early_stopping=False, validation_fraction=0.1, n_iter_no_change=10,
        alpha_classifier=None, alpha_weights=None, class_weight="balanced", trainable=TRAINABLE,
        warm_start=False, callback=None, random_state=None, device=None, dtype="float32", verbose=False,
    ):
        self.kernels = kernels
        self.hidden = hidden
        self.energy = energy
        self.anchors = anchors
        self.parameterization = parameterization
        self.normalize = normalize
        self.standardize = standardize
        self.center = center
        self.degree = degree
        self.levels = levels
        self.sigma = sigma
        self.max_explicit_dim = max_explicit_dim
        self.epochs = epochs
        self.lr = lr
        self.lr_classifier = lr_classifier
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.alpha_classifier = alpha_classifier
        self.alpha_weights = alpha_weights
        self.class_weight = class_weight
        self.trainable = trainable
        self.warm_start = warm_start
        self.callback = callback
        self.random_state = random_state
        self.device = device
        self.dtype = dtype
        self.verbose = verbose

    # ================================================================== construction
    def _input_reps(self, views) -> list[torch.Tensor]:
        """Input-unit representations :math:`z_q(X)` (explicit maps or Nystrom coordinates)."""
        return _input_reps(self, views)

    @classmethod
    def from_dkn(cls, dkn, views, energy=0.99, anchors=None, *, y=None, head="svm", **params):
        r"""Build the initial DM2KMN from a trained :class:`~kmnet.DeepKernelNetwork` (Eqs. 2-4).

        The DKN's elementary maps and weights :math:`w` are reused; every unit's projection
        :math:`U_p` comes from the eigen-decomposition of its anchor Gram matrix (unsupervised).
        The softmax layer takes over the DKN's SVMs: :math:`W^{LR}_c=\sum_i\alpha^c_iy^c_i
        \hat\phi^{(L)}_1(x_i)` and the SVM intercepts, so that its scores approximate the DKN's
        SVM scores with the approximate kernel. These scores are margins, not calibrated
        log-odds: :meth:`calibrate` fits a temperature before the network is compared with
        learned ones. The returned model has ``warm_start=True``:
        :meth:`fit` continues from these parameters (end-to-end learning, Section 3.4), and
        unless given, ``alpha_classifier`` is the SVMs' own penalty, :math:`1/(2Cn)` (a C-SVM
        minimises :math:`\lVert w\rVert^2/(2Cn)` plus the mean hinge loss), so that learning does
        not begin by shrinking the inherited layer.

        Parameters
        ----------
        dkn : DeepKernelNetwork
            A fitted DKN.
        views : mapping of str to array-like
            The rows the anchors are drawn from: the DKN's training views, or a part of them
            (e.g. the training folds of a cross-validation, with ``y``).
        energy : float, default 0.99
        anchors : None, int or array of int
            All of ``views`` (default), ``M`` random landmarks, or given row indices.
        y : array-like, optional
            Labels of ``views``. When given, the softmax layer starts from one-vs-rest SVMs
            solved on ``(views, y)`` with the DKN's output kernel, ``C`` and class weights
            (the DKN's weights :math:`w` are kept), instead of the DKN's own SVMs: the network
            then uses no label outside ``views`` except through :math:`w`.
        head : {"svm", "random"}, default "svm"
            ``"random"``: the paper's initialisation of the softmax layer,
            :math:`W^{LR}\sim0.01\,\mathcal N(0,1)` and a zero bias (Section 4.2), instead of
            the SVMs; ``alpha_classifier`` then defaults to Eq. 6's coefficient (``None``).
        **params
            Other constructor parameters (epochs, lr, ...). The kernel settings are taken from
            the DKN.
        """
        return _from_dkn(cls, dkn, views, energy=energy, anchors=anchors, y=y, head=head, **params)


    # ================================================================== learning
    def fit(self, views, y, validation=None):
        """Learn the network end to end (Section 3.4, Eq. 6); returns ``self``.

        Without ``warm_start`` the network is first built from random simplex weights
        :math:`w` (Eqs. 2-4 on the anchors) with :math:`W^{LR}\\sim 0.01\\,\\mathcal N(0,1)`
        (Section 4.2). After :meth:`from_dkn` (``warm_start=True``) learning starts from the
        initial DM2KMN.

        Parameters
        ----------
        views : mapping of str to array-like (n, d_m) or MultiView
        y : array-like of shape (n,), labels of any hashable type (at least two classes)
        validation : tuple (views, y), optional
            Held-out samples for ``early_stopping`` (instead of a random ``validation_fraction``
            of the training samples). Use samples the network has never seen: a network built
            by :meth:`from_dkn` from SVMs trained on some samples fits those samples already.
        """
        self._validate_params()
        check_params(self)
        t0 = time.perf_counter()
        rng = np.random.default_rng(self.random_state)
        gen = torch.Generator().manual_seed(int(rng.integers(2**31 - 1)))  # == generator(self.random_state)
        if self.warm_start and hasattr(self, "module_"):
            views = self._validate_predict(views)
            n = next(iter(views.values())).shape[0]
            y_idx = label_indices(self, y, n, min_classes=2,
                                   what="y: class {!r} was not seen when the network was built")
        else:
            views, y_idx = _initialise_random(self, views, y, rng, gen)
        train(self, views, y_idx, gen, validation=_validation_data(self, validation))
        self.fit_time_ = time.perf_counter() - t0
        return self

    def learning_run(self, views, y) -> LearningRun:
        """A continuous run of end-to-end learning from the current parameters, one epoch at a time.

        ``fit(views, y)`` with ``epochs=E`` and ``warm_start=True`` does exactly what ``E`` calls of
        the run's ``epoch()`` followed by ``finish()`` do (same optimiser state, same shuffling
        from ``random_state``); in between, ``run.score(Z, y_idx)`` measures held-out rows
        prepared with :meth:`encode`. Epoch selection by cross-validation uses it so that the
        selected schedule is the one the final fit runs.
        """
        check_is_fitted(self, "module_")
        check_params(self)
        views = self._validate_predict(views)
        n = next(iter(views.values())).shape[0]
        y_idx = label_indices(self, y, n, min_classes=2,
                               what="y: class {!r} was not seen when the network was built")
        return LearningRun(self, views, y_idx, generator(self.random_state))


    # ================================================================== inference


def _from_dkn(cls, dkn, views, energy=0.99, anchors=None, *, y=None, head="svm", **params):
    """The initial map network (of class ``cls``) of a fitted DKN: :meth:`DeepKernelMapNetwork.from_dkn`.

    The DKN's kernel settings, input maps and weights are taken over, the units are projected
    on the anchors (Eqs. 2-4) and the softmax layer starts as the DKN's one-vs-rest SVMs.
    """
    check_is_fitted(dkn, "weights_")
    if head not in ("svm", "random"):
        raise ValueError(f"from_dkn: head must be 'svm' or 'random', got {head!r}")
    shared = dict(kernels=dkn.kernels, hidden=dkn.hidden, normalize=dkn.normalize,
                  standardize=dkn.standardize, center=dkn.center, degree=dkn.degree, levels=dkn.levels,
                  sigma=dkn.sigma, dtype=dkn.dtype)
    shared.update(device=params.pop("device", dkn.device))
    for k in list(shared):
        if k in params:
            raise ValueError(f"from_dkn: {k!r} is taken from the DKN and cannot be overridden")
    params.setdefault("random_state", dkn.random_state)
    n_fit = next(iter(dkn._validate_predict(views).values())).shape[0]
    # the softmax layer starts as the DKN's SVMs: penalise it as they were penalised
    # (C-SVM: 1/2 |w|^2 + C sum hinge  <=>  |w|^2 / (2 C n) + mean hinge)
    if head == "svm":
        params.setdefault("alpha_classifier", 1.0 / (2.0 * float(dkn.C) * n_fit))
    params["warm_start"] = True
    model = cls(energy=energy, anchors=anchors, **shared, **params)
    model._validate_params()
    check_params(model)
    views = dkn._validate_predict(views)
    model.classes_ = dkn.classes_
    model.modalities_ = list(dkn.modalities_)
    model.n_features_ = dict(dkn.n_features_)
    model.dtype_ = dkn.dtype_
    model.device_ = dkn.device_
    rng = np.random.default_rng(model.random_state)
    n = next(iter(views.values())).shape[0]
    _setup_inputs(model, views, dkn.input_layer_, _anchor_indices(model.anchors, n, rng))
    weights = [torch.as_tensor(W, dtype=model.dtype_, device=model.device_) for W in dkn.weights_]
    _build(model, weights)
    model.svm_C_ = float(dkn.C) if head == "svm" else None
    model.svm_class_weight_ = dkn.class_weight
    model.calibration_, model.temperature_ = None, 1.0
    if head == "random":  # Section 4.2: W^LR ~ 0.01 N(0, 1)
        gen = generator(model.random_state)
        with torch.no_grad():
            W = model.module_.W
            W.copy_(0.01 * torch.randn(W.shape, generator=gen, dtype=torch.float64).to(W))
            model.module_.b.zero_()
            model.module_.project_()
    else:  # softmax layer <- one-vs-rest SVMs (the DKN's, or solved on (views, y))
        if y is None:
            sv_views, beta, b0 = dkn.support_views_, dkn.dual_coef_, dkn.intercept_
        else:
            y_idx = label_indices(model, y, n, min_classes=2, what="y: class {!r} is not a class of the DKN")
            K = dkn.output_kernel(views).double().cpu().numpy()
            K = 0.5 * (K + K.T)
            sw = None if dkn.class_weight is None else model._class_weights(y_idx, dkn.class_weight)[y_idx]
            beta, b0 = solve_ovr_svms(K, y_idx, len(model.classes_), float(dkn.C), sw)
            sv_views = views
        with torch.no_grad():
            phi = model.output_map(sv_views)
            beta = torch.as_tensor(beta, dtype=model.dtype_, device=model.device_)
            b0 = torch.as_tensor(b0, dtype=model.dtype_, device=model.device_)
            Wsv = beta @ phi
            if len(model.classes_) == 2:
                Wsv = torch.cat([-0.5 * Wsv, 0.5 * Wsv])
                b0 = torch.cat([-0.5 * b0, 0.5 * b0])
            model.module_.W.copy_(Wsv)
            model.module_.b.copy_(b0)
    model.loss_curve_ = []
    model.dkn_weights_ = [np.array(W) for W in dkn.weights_]
    if hasattr(dkn, "feature_names_in_"):
        model.feature_names_in_ = dkn.feature_names_in_
    return model
