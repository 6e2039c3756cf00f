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
"""

from __future__ import annotations

import time

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm

from ._base import MultiModalClassifier, hidden_sizes
from ._inputs import InputLayer
from ._mapnet import PAPER, SHARED, MapNetModule, build_map_network
from ._torch import resolve_device, resolve_dtype
from .maps import HistogramIntersectionMap, KernelMap, nystroem_projection

__all__ = ["DeepKernelMapNetwork"]

_CHUNK_ELEMS = 1 << 24
_TRAINABLE = ("anchors", "projections", "weights", "classifier")


def _unit_kernel(mp: KernelMap, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """Kernel represented by a Nystrom input unit, on prepared inputs.

    Linear, polynomial, RBF: the exact kernel. Histogram intersection: the inner products of
    the quantised map (App. A.1), computed in row chunks without keeping the wide map.
    """
    if isinstance(mp, HistogramIntersectionMap):
        PB = mp._map_prepared(B)
        out = torch.empty(A.shape[0], B.shape[0], dtype=A.dtype, device=A.device)
        step = max(1, _CHUNK_ELEMS // max(1, PB.shape[1]))
        for i in range(0, A.shape[0], step):
            out[i : i + step] = mp._map_prepared(A[i : i + step]) @ PB.T
        return out
    return mp._kernel_prepared(A, B)


class DeepKernelMapNetwork(MultiModalClassifier):
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

    def __init__(
        self,
        kernels=("linear", "polynomial", "rbf", "hi"),
        hidden=16,
        *,
        energy=0.99,
        anchors=None,
        parameterization="shared",
        normalize=True,
        standardize=True,
        degree=2,
        levels=10,
        sigma=None,
        max_explicit_dim=None,
        epochs=50,
        lr=None,
        lr_classifier=None,
        optimizer="adam",
        batch_size=128,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        alpha_classifier=None,
        alpha_weights=None,
        class_weight="balanced",
        trainable=_TRAINABLE,
        warm_start=False,
        callback=None,
        random_state=None,
        device=None,
        dtype="float32",
        verbose=False,
    ):
        self.kernels = kernels
        self.hidden = hidden
        self.energy = energy
        self.anchors = anchors
        self.parameterization = parameterization
        self.normalize = normalize
        self.standardize = standardize
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
    def _check_params(self):
        if not (0.0 < float(self.energy) <= 1.0):
            raise ValueError(f"energy must be in (0, 1], got {self.energy!r}")
        if self.parameterization not in (SHARED, PAPER):
            raise ValueError(f"parameterization must be 'shared' or 'paper', got {self.parameterization!r}")
        if self.optimizer not in ("adam", "sgd"):
            raise ValueError(f"optimizer must be 'adam' or 'sgd', got {self.optimizer!r}")
        bad = [t for t in self.trainable if t not in _TRAINABLE]
        if bad:
            raise ValueError(f"trainable: unknown group {bad[0]!r}; expected a subset of {_TRAINABLE}")
        if int(self.epochs) < 0:
            raise ValueError(f"epochs must be >= 0, got {self.epochs!r}")

    def _anchor_indices(self, n: int, rng: np.random.Generator) -> np.ndarray:
        a = self.anchors
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

    def _setup_inputs(self, views, input_layer: InputLayer, anchor_index: np.ndarray):
        """Decide explicit / Nystrom per input unit and fit the Nystrom projections on the anchors."""
        self.input_layer_ = input_layer
        self.unit_names_ = input_layer.unit_names
        self.anchor_index_ = anchor_index
        self.anchor_views_ = {m: v[anchor_index] for m, v in views.items()}
        M = len(anchor_index)
        max_dim = M if self.max_explicit_dim is None else int(self.max_explicit_dim)
        self.input_units_ = []
        self._nystroem_ = {}
        for name in self.unit_names_:
            m = name.split(":", 1)[0]
            mp = input_layer.maps[name]
            explicit = mp.exact or isinstance(mp, HistogramIntersectionMap)
            width = mp.n_output_features_ if explicit else None
            if explicit and width <= max_dim:
                self.input_units_.append({"name": name, "kind": "explicit", "width": int(width)})
                continue
            S = mp._prepare(self.anchor_views_[m])
            U, _ = nystroem_projection(_unit_kernel(mp, S, S), float(self.energy))
            self._nystroem_[name] = U
            self.input_units_.append({"name": name, "kind": "nystroem", "width": int(U.shape[1])})

    def _input_reps(self, views) -> list[torch.Tensor]:
        """Input-unit representations :math:`z_q(X)` (explicit maps or Nystrom coordinates)."""
        prepared = {}
        Z = []
        for unit in self.input_units_:
            name = unit["name"]
            m = name.split(":", 1)[0]
            mp = self.input_layer_.maps[name]
            A = mp._prepare(views[m])
            if unit["kind"] == "explicit":
                Z.append(mp._map_prepared(A))
            else:
                key = (name,)
                if key not in prepared:
                    prepared[key] = mp._prepare(self.anchor_views_[m])
                Z.append(_unit_kernel(mp, A, prepared[key]) @ self._nystroem_[name])
        return Z

    def _init_classifier_random(self, gen: torch.Generator):
        W = self.module_.W
        with torch.no_grad():
            W.copy_(0.01 * torch.randn(W.shape, generator=gen, dtype=torch.float64).to(W))
            self.module_.b.zero_()
            self.module_.project_()

    @classmethod
    def from_dkn(cls, dkn, views, energy=0.99, anchors=None, **params):
        r"""Build the initial DM2KMN from a trained :class:`~kmnet.DeepKernelNetwork` (Eqs. 2-4).

        The DKN's elementary maps and weights :math:`w` are reused; every unit's projection
        :math:`U_p` comes from the eigen-decomposition of its anchor Gram matrix (unsupervised).
        The softmax layer takes over the DKN's SVMs: :math:`W^{LR}_c=\sum_i\alpha^c_iy^c_i
        \hat\phi^{(L)}_1(x_i)` and the SVM intercepts, so that its scores approximate the DKN's
        SVM scores with the approximate kernel. The returned model has ``warm_start=True``:
        :meth:`fit` continues from these parameters (end-to-end learning, Section 3.4), and
        unless given, ``alpha_classifier`` is the SVMs' own penalty, :math:`1/(2Cn)` (a C-SVM
        minimises :math:`\lVert w\rVert^2/(2Cn)` plus the mean hinge loss), so that learning does
        not begin by shrinking the inherited layer.

        Parameters
        ----------
        dkn : DeepKernelNetwork
            A fitted DKN.
        views : mapping of str to array-like
            The DKN's training views (their rows are the candidate anchors).
        energy : float, default 0.99
        anchors : None, int or array of int
            All of ``views`` (default), ``M`` random landmarks, or given row indices.
        **params
            Other constructor parameters (epochs, lr, ...). The kernel settings are taken from
            the DKN.
        """
        check_is_fitted(dkn, "weights_")
        shared = dict(kernels=dkn.kernels, hidden=dkn.hidden, normalize=dkn.normalize,
                      standardize=dkn.standardize, degree=dkn.degree, levels=dkn.levels,
                      sigma=dkn.sigma, dtype=dkn.dtype)
        shared.update(device=params.pop("device", dkn.device))
        for k in list(shared):
            if k in params:
                raise ValueError(f"from_dkn: {k!r} is taken from the DKN and cannot be overridden")
        params.setdefault("random_state", dkn.random_state)
        n_fit = next(iter(dkn._validate_predict(views).values())).shape[0]
        # the softmax layer starts as the DKN's SVMs: penalise it as they were penalised
        # (C-SVM: 1/2 |w|^2 + C sum hinge  <=>  |w|^2 / (2 C n) + mean hinge)
        params.setdefault("alpha_classifier", 1.0 / (2.0 * float(dkn.C) * n_fit))
        params["warm_start"] = True
        model = cls(energy=energy, anchors=anchors, **shared, **params)
        model._check_params()
        views = dkn._validate_predict(views)
        model.classes_ = dkn.classes_
        model.modalities_ = list(dkn.modalities_)
        model.n_features_ = dict(dkn.n_features_)
        model.dtype_ = dkn.dtype_
        model.device_ = dkn.device_
        rng = np.random.default_rng(model.random_state)
        n = next(iter(views.values())).shape[0]
        model._setup_inputs(views, dkn.input_layer_, model._anchor_index(n, rng))
        weights = [torch.as_tensor(W, dtype=model.dtype_, device=model.device_) for W in dkn.weights_]
        model._build(weights)
        # softmax layer <- the DKN's one-vs-rest SVMs
        with torch.no_grad():
            phi = model.output_map(dkn.support_views_)
            beta = torch.as_tensor(dkn.dual_coef_, dtype=model.dtype_, device=model.device_)
            b0 = torch.as_tensor(dkn.intercept_, dtype=model.dtype_, device=model.device_)
            Wsv = beta @ phi
            if len(model.classes_) == 2:
                Wsv = torch.cat([-0.5 * Wsv, 0.5 * Wsv])
                b0 = torch.cat([-0.5 * b0, 0.5 * b0])
            model.module_.W.copy_(Wsv)
            model.module_.b.copy_(b0)
        model.loss_curve_ = []
        model.dkn_weights_ = [np.array(W) for W in dkn.weights_]
        return model

    def _anchor_index(self, n, rng):
        return self._anchor_indices(n, rng)

    def _build(self, weights):
        Zs = self._input_reps(self.anchor_views_)
        self.module_ = build_map_network(
            Zs, weights, energy=float(self.energy), n_classes=len(self.classes_),
            parameterization=self.parameterization,
        )
        self.ranks_ = [list(r) for r in self.module_.ranks]

    # ================================================================== learning
    def _loss(self, logits, y, sw, n_total):
        ce = torch.nn.functional.cross_entropy(logits, y, reduction="none")
        data = (sw * ce).mean()
        net = self.module_
        a_c = (1.0 / n_total) if self.alpha_classifier is None else float(self.alpha_classifier)
        a_w = (1.0 / n_total) if self.alpha_weights is None else float(self.alpha_weights)
        reg = a_c * (net.W**2).sum() + a_w * sum((w**2).sum() for w in net.w)
        return data + reg

    def _param_groups(self):
        net = self.module_
        groups = {
            "anchors": list(net.A0) + list(net.A),
            "projections": list(net.U),
            "weights": list(net.w),
            "classifier": [net.W, net.b],
        }
        params = []
        for name, ps in groups.items():
            on = name in self.trainable
            for p in ps:
                p.requires_grad_(on)
                if on:
                    params.append(p)
        return params

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
        self._check_params()
        t0 = time.perf_counter()
        rng = np.random.default_rng(self.random_state)
        gen = torch.Generator().manual_seed(int(rng.integers(2**31 - 1)))
        if self.warm_start and hasattr(self, "module_"):
            views = self._validate_predict(views)
            n = next(iter(views.values())).shape[0]
            classes = self.classes_
            from ._validation import check_labels

            classes_y, y_idx = check_labels(y, n)
            missing = [c for c in classes_y.tolist() if c not in set(classes.tolist())]
            if missing:
                raise ValueError(f"y: class {missing[0]!r} was not seen when the network was built")
            lookup = {c: i for i, c in enumerate(classes.tolist())}
            y_idx = np.asarray([lookup[c] for c in classes_y[y_idx].tolist()], dtype=np.int64)
        else:
            views, y_idx = self._validate_fit(views, y)
            self.dtype_ = resolve_dtype(self.dtype)
            self.device_ = resolve_device(self.device)
            n = next(iter(views.values())).shape[0]
            layer = InputLayer(
                self.kernels, degree=self.degree, levels=self.levels, sigma=self.sigma,
                normalize=self.normalize, standardize=self.standardize, dtype=self.dtype_,
                device=self.device_,
            ).fit(views)
            self._setup_inputs(views, layer, self._anchor_indices(n, rng))
            sizes = [len(self.unit_names_), *hidden_sizes(self.hidden), 1]
            weights = []
            for a, b in zip(sizes[:-1], sizes[1:]):
                W = torch.rand(b, a, generator=gen, dtype=torch.float64)
                weights.append((W / W.sum(1, keepdim=True)).to(self.dtype_).to(self.device_))
            self._build(weights)
            self._init_classifier_random(gen)
            self.loss_curve_ = []
        val = None
        if validation is not None:
            if not (isinstance(validation, (tuple, list)) and len(validation) == 2):
                raise ValueError("validation must be a tuple (views, y)")
            vviews = self._validate_predict(validation[0])
            nv = next(iter(vviews.values())).shape[0]
            from ._validation import check_labels

            vc, vidx = check_labels(validation[1], nv, min_classes=1)
            lookup = {c: i for i, c in enumerate(self.classes_.tolist())}
            unknown = [c for c in vc.tolist() if c not in lookup]
            if unknown:
                raise ValueError(f"validation: class {unknown[0]!r} is not a training class")
            val = (vviews, np.asarray([lookup[c] for c in vc[vidx].tolist()], dtype=np.int64))
        self._train(views, y_idx, gen, validation=val)
        self.fit_time_ = time.perf_counter() - t0
        return self

    def _optimizer(self, params):
        """Adam with per-tensor step sizes relative to each map parameter's scale; or plain SGD.

        Anchors, projections and weights differ in scale by orders of magnitude (the entries of
        :math:`U_p=V_r\\Lambda_r^{-1/2}` scale with the eigenvalues), so with Adam every map tensor
        gets the learning rate ``lr * rms(tensor)``: a step changes each tensor by about ``lr`` of
        its size. The softmax layer uses ``lr_classifier`` times its RMS (at least 1). SGD (the
        paper's optimiser) uses constant rates.
        """
        net = self.module_
        head = {id(net.W), id(net.b)}
        if self.optimizer == "sgd":
            lr = 1e-4 if self.lr is None else float(self.lr)
            lr_c = lr if self.lr_classifier is None else float(self.lr_classifier)
            return torch.optim.SGD([
                {"params": [p for p in params if id(p) not in head], "lr": lr},
                {"params": [p for p in params if id(p) in head], "lr": lr_c},
            ])
        lr = 3e-4 if self.lr is None else float(self.lr)
        lr_c = 3e-3 if self.lr_classifier is None else float(self.lr_classifier)
        groups = []
        for p in params:
            if id(p) in head:
                # relative to the layer's scale when it is large (the SVM-transferred layer of
                # from_dkn), absolute for a freshly initialised one (0.01 N(0, 1))
                scale = float(net.W.detach().pow(2).mean().sqrt())
                groups.append({"params": [p], "lr": lr_c * max(scale, 1.0)})
            else:
                d = p.detach()
                nnz = int((d != 0).sum())
                scale = float((d.pow(2).sum() / nnz).sqrt()) if nnz else 1.0
                groups.append({"params": [p], "lr": lr * max(scale, 1e-8)})
        try:  # the fused kernel is several times faster on the CPU (torch >= 2.4)
            return torch.optim.Adam(groups, fused=True)
        except (RuntimeError, TypeError, ValueError):
            return torch.optim.Adam(groups)

    def _split_validation(self, y_idx, gen):
        """Stratified hold-out of the training samples for early stopping."""
        frac = float(self.validation_fraction)
        if not (0.0 < frac < 1.0):
            raise ValueError(f"validation_fraction must be in (0, 1), got {self.validation_fraction!r}")
        rng = np.random.default_rng(int(torch.randint(2**31 - 1, (1,), generator=gen)))
        val = []
        for c in np.unique(y_idx):
            members = np.flatnonzero(y_idx == c)
            k = int(round(frac * len(members)))
            if k >= 1 and len(members) - k >= 1:
                val.extend(rng.choice(members, k, replace=False).tolist())
        val = np.sort(np.asarray(val, dtype=np.int64))
        if val.size == 0:
            raise ValueError("early_stopping: too few samples per class for a validation split")
        train = np.setdiff1d(np.arange(len(y_idx)), val)
        return train, val

    def _train(self, views, y_idx, gen, validation=None):
        epochs = int(self.epochs)
        net = self.module_
        Z_all = [z.detach() for z in self._input_reps(views)]
        y_all = torch.as_tensor(y_idx, device=self.device_)
        cw = torch.as_tensor(self._class_weights(y_idx, self.class_weight), dtype=self.dtype_,
                             device=self.device_)
        sw_all = cw[y_all]
        if epochs == 0:
            return
        params = self._param_groups()
        if not params:
            return
        if self.early_stopping and validation is not None:
            Z, y_t, sw = Z_all, y_all, sw_all
            Z_val = [z.detach() for z in self._input_reps(validation[0])]
            y_val = torch.as_tensor(validation[1], device=self.device_)
            sw_val = cw[y_val]
            self.validation_index_ = None
            self.validation_loss_ = []
        elif self.early_stopping:
            tr, va = self._split_validation(y_idx, gen)
            tr_t = torch.as_tensor(tr, device=self.device_)
            va_t = torch.as_tensor(va, device=self.device_)
            Z, y_t, sw = [z[tr_t] for z in Z_all], y_all[tr_t], sw_all[tr_t]
            Z_val, y_val, sw_val = [z[va_t] for z in Z_all], y_all[va_t], sw_all[va_t]
            self.validation_index_ = va
            self.validation_loss_ = []
        else:
            Z, y_t, sw = Z_all, y_all, sw_all
        n = y_t.shape[0]
        opt = self._optimizer(params)
        bs = n if self.batch_size is None else max(1, min(int(self.batch_size), n))
        bar = tqdm(range(epochs), disable=not self.verbose, desc="DM2KMN", leave=False)
        best, best_state, stale = np.inf, None, 0
        if self.early_stopping:  # epoch 0 (no learning) is a candidate too
            with torch.no_grad():
                ce = torch.nn.functional.cross_entropy(net(Z_val), y_val, reduction="none")
                best = float((sw_val * ce).mean())
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            self.initial_validation_loss_ = best
        net.train()
        for epoch in bar:
            order = torch.randperm(n, generator=gen).to(self.device_) if bs < n else None
            total = 0.0
            for s in range(0, n, bs):
                idx = order[s : s + bs] if order is not None else slice(None)
                Zb = [z[idx] for z in Z]
                opt.zero_grad(set_to_none=True)
                loss = self._loss(net(Zb), y_t[idx], sw[idx], n)
                if not torch.isfinite(loss):
                    raise FloatingPointError(
                        f"DM2KMN training diverged at epoch {epoch} (loss {float(loss)}); lower lr"
                    )
                loss.backward()
                opt.step()
                net.project_()
                total += float(loss.detach()) * (len(Zb[0]) / n)
            self.loss_curve_.append(total)
            self.n_epochs_ = len(self.loss_curve_)
            if self.early_stopping:
                # the data term only: the penalties of Eq. 6 say nothing about generalisation
                with torch.no_grad():
                    ce = torch.nn.functional.cross_entropy(net(Z_val), y_val, reduction="none")
                    vl = float((sw_val * ce).mean())
                self.validation_loss_.append(vl)
                if vl < best - 1e-6:
                    best, stale = vl, 0
                    best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
                else:
                    stale += 1
            bar.set_postfix(loss=f"{total:.4g}")
            if self.callback is not None:
                self.callback(self, epoch, total)
            if self.early_stopping and stale >= int(self.n_iter_no_change):
                break
        if best_state is not None:
            net.load_state_dict(best_state)
            losses = [self.initial_validation_loss_] + list(self.validation_loss_)
            self.best_epoch_ = int(np.argmin(losses))  # 0: learning did not help
        net.eval()
        for p in net.parameters():
            p.requires_grad_(False)

    # ================================================================== inference
    @property
    def weights_(self) -> list[np.ndarray]:
        check_is_fitted(self, "module_")
        return [w.detach().cpu().numpy().copy() for w in self.module_.w]

    def _batched(self, views, fn, batch=None):
        views = self._validate_predict(views)
        n = next(iter(views.values())).shape[0]
        M = len(self.anchor_index_)
        width = max(self.module_.widths + [len(self.unit_names_)])
        bs = batch or max(1, _CHUNK_ELEMS // max(1, M * width))
        outs = []
        with torch.no_grad():
            for i in range(0, n, bs):
                part = {m: v[i : i + bs] for m, v in views.items()}
                outs.append(fn(self._input_reps(part)))
        return torch.cat(outs)

    def output_map(self, views) -> torch.Tensor:
        """Output-layer map :math:`\\hat\\phi^{(L)}_1(X)`, shape (n, r_L) (Eq. 4 at the last layer)."""
        check_is_fitted(self, "module_")
        return self._batched(views, self.module_.output_map)

    def output_kernel(self, views_a, views_b=None) -> torch.Tensor:
        """:math:`\\langle\\hat\\phi^{(L)}_1(a),\\hat\\phi^{(L)}_1(b)\\rangle`, the map network's output kernel."""
        Pa = self.output_map(views_a)
        Pb = Pa if views_b is None else self.output_map(views_b)
        return Pa @ Pb.T

    def decision_function(self, views) -> np.ndarray:
        """Logits of the softmax layer (Eq. 5), shape (n, n_classes)."""
        check_is_fitted(self, "module_")
        return self._batched(views, self.module_).double().cpu().numpy()

    def predict_proba(self, views) -> np.ndarray:
        """Class probabilities (softmax of the logits), shape (n, n_classes)."""
        s = self.decision_function(views)
        s = s - s.max(1, keepdims=True)
        e = np.exp(s)
        return e / e.sum(1, keepdims=True)

    def predict(self, views) -> np.ndarray:
        """Predicted labels."""
        return self._labels(self.decision_function(views).argmax(1))
