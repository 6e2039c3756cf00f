"""Deep kernel network (DKN): paper Section 3.1, Eq. 1; Jiu & Sahbi, IEEE TIP 2017.

A DKN combines elementary kernels layer by layer,

.. math:: \\kappa^{(l)}_p = g\\Big(\\sum_q w^{(l-1)}_{p,q}\\,\\kappa^{(l-1)}_q\\Big),\\qquad w \\ge 0,

with :math:`g=\\tanh` in the hidden layers and :math:`g=\\exp` at the single output unit, and
classifies with one-vs-rest SVMs on the output kernel. It cannot be trained end to end (the SVMs
need the whole Gram matrix), so training alternates (METHOD.md Section 2):

1. fix :math:`w`, compute the output Gram matrix on the training set, solve the SVMs (dual
   coefficients :math:`\\alpha^c`);
2. fix :math:`\\alpha`, take the gradient of the summed SVM dual objectives
   :math:`J=\\sum_c\\big(\\sum_i\\alpha^c_i-\\tfrac12\\sum_{ij}\\alpha^c_i\\alpha^c_jy^c_iy^c_jK_{ij}\\big)`
   with respect to every :math:`w` (autograd through Eq. 1) and take a step that lowers
   :math:`J` while keeping :math:`w\\ge0` and each unit's weights on a set of fixed scale, which
   stops :math:`J` from being lowered by simply inflating the kernel (METHOD.md reading);
3. repeat until the optimal dual objective :math:`D(w)=\\max_\\alpha J` stops decreasing.

Three weight updates keep :math:`w\\ge0` (``update``), :math:`g` being the gradient and
:math:`\\eta` the step:

``"simplex"``
    projected gradient onto the simplex, :math:`w_p\\leftarrow\\Pi_\\Delta(w_p-\\eta g_p)`,
    :math:`\\sum_q w_{p,q}=1` (the METHOD.md reading, as in L1 multiple kernel learning). The
    Euclidean projection sets weights to exactly zero; a hidden unit whose output weight is zero
    gets no gradient any more and stays dead.
``"eg"``
    exponentiated gradient (mirror descent with the entropy) on the same simplex,
    :math:`w_{p,q}\\leftarrow w_{p,q}e^{-\\eta g_{p,q}}/\\sum_k w_{p,k}e^{-\\eta g_{p,k}}`:
    multiplicative, so a weight shrinks geometrically but never becomes exactly zero.
``"l2"``
    :math:`w\\ge0` with an L2 penalty in its constraint form: every unit's incoming weight vector
    keeps a fixed Euclidean norm :math:`\\lVert w_p\\rVert_2=1/\\sqrt{n_{\\rm in}}` (the norm of the
    uniform weights :math:`1/n_{\\rm in}`, the centre of the simplex), while its sum is free
    (between :math:`1/\\sqrt{n_{\\rm in}}` and 1, never above the simplex's 1):
    :math:`w_p\\leftarrow r\\,(w_p-\\eta r g_p)_+/\\lVert(w_p-\\eta r g_p)_+\\rVert`. A penalty
    :math:`\\lambda\\lVert w_p\\rVert^2` with free scale has its optimum on such a sphere (the
    radius set by :math:`\\lambda`), so fixing the radius replaces the hyper-parameter
    :math:`\\lambda`; as in L2-norm multiple kernel learning (Kloft et al., JMLR 2011) the
    weights stay dense where L1 (simplex) weights go sparse.

:math:`\\eta` is ``step`` divided by the largest gradient entry over all layers (times
:math:`r` for ``"l2"``), so that one step changes a weight by at most ``step`` (``"simplex"``;
:math:`r\\cdot` ``step`` for ``"l2"``) or by a factor of at most :math:`e^{\\rm step}`
(``"eg"``). For every update a step is accepted only if :math:`D` decreases after the SVMs are
re-solved, else it is halved (backtracking), so the recorded ``objective_`` is non-increasing.

Defaults. ``update="eg"``, ``center=True`` and ``sigma="knn"`` were chosen by five-fold
cross-validation on the training parts of the piano split and of a random GTZAN split
(:mod:`kmnet.experiments.dkn_study`): centring raised the GTZAN cross-validation accuracy for every
update and width (by 1.5 to 5.6 points) and left the piano one unchanged; the updates and widths did not
differ beyond the spread over folds, so the choice among them follows the units and kernels
that stay in use on the training data: with the simplex projection most hidden units end
with an output weight of exactly zero, with ``"l2"`` all units become the same mixture of
the input kernels, with ``"eg"`` every unit keeps a positive weight and its own mixture;
``"knn"`` gives the RBF kernels a share of the relative importance where the wider
``"std"`` width leaves them near zero. ``update="simplex", center=False, sigma="std"`` is
the earlier setting.

Layout. This module holds the estimator and its forward pass (Eq. 1); the SVM solves, the
weight initialisation, the updates and the gradient are in :mod:`kmnet._dkn_solver`.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm

from ._base import MultiModalClassifier, check_finite_kernels, check_scores
from ._input_layer import InputLayer
from ._dkn_solver import UPDATES, DKNSolver, kernel_network_forward
from ._linalg import CHUNK_ELEMS as _CHUNK_ELEMS
from ._params import COMMON_CONSTRAINTS, KERNEL_CONSTRAINTS, ClassWeight, Float, Int, StrOptions
from ._torch import resolve_device, resolve_dtype

__all__ = ["DeepKernelNetwork", "kernel_network_forward", "UPDATES"]


class DeepKernelNetwork(DKNSolver, MultiModalClassifier):
    """Multi-modal deep kernel network with one-vs-rest SVMs (Section 3.1, Eq. 1).

    Parameters
    ----------
    kernels : tuple of str or dict, default ("linear", "polynomial", "rbf", "hi")
        Elementary kernels of every modality (or a dict modality -> tuple). Two modalities with
        four kernels give the paper's eight input units.
    hidden : int or tuple of int, default 16
        Hidden layer widths. ``16`` is the paper's 3-layer network (Table 4); ``()`` gives a
        2-layer network (MKL-like), ``(16, 16)`` a 4-layer one.
    C : float, default 1.0
        SVM regularisation.
    normalize : bool, default True
        Cosine-normalise every elementary kernel (METHOD.md reading; ablated in the piano notebooks).
    center : bool, default True
        Centre every elementary kernel in its feature space on the training set,
        :math:`\\phi(x)-\\frac1n\\sum_i\\phi(x_i)`, before the cosine normalisation
        (:mod:`kmnet.maps`). The fitted input layer keeps the training statistics (mean map,
        second moments, sorted HI values, RBF anchors), so predicting against the support vectors
        alone is centred on the training set; :meth:`~kmnet.DeepKernelMapNetwork.from_dkn` reuses
        the same layer, so its maps are centred identically.
    standardize : bool, default True
        Standardise features before the linear, polynomial and RBF kernels.
    degree : int, default 2
        Polynomial degree ("two orders").
    levels : int, default 10
        Histogram-intersection quantisation levels :math:`Q` (used by the map network; the DKN uses
        the exact HI kernel).
    sigma : float, {"std", "median", "knn"} or None, default "knn"
        RBF width or the data-statistic rule that sets it (:func:`kmnet.maps.rbf_width`):
        ``"knn"``, the mean distance of a training sample to its 7th nearest neighbour;
        ``"std"`` (also ``None``), :math:`\\sigma^2` = the summed variance, i.e. the number of
        standardised features; ``"median"``, the median pairwise distance.
    update : {"simplex", "eg", "l2"}, default "eg"
        Weight update keeping :math:`w\\ge0` (module docstring): Euclidean projection onto the
        simplex, exponentiated gradient on the simplex, or fixed Euclidean norm per unit.

    max_iter : int, default 50
        Alternating iterations (SVM solve + weight step).
    step : float, default 0.5
        Initial step size, relative to the largest gradient entry (module docstring).
    tol : float, default 1e-4
        Stop when the relative decrease of the dual objective falls below ``tol``.
    class_weight : None, "balanced" or dict
        Per-class weights of the training samples in every SVM (``"balanced"``: inversely
        proportional to the class counts, as the paper does on the piano set).
    random_state : int, optional
        Seed of the random initial weights (uniform on the simplex, breaking the symmetry between
        hidden units).
    device : str, optional
        ``None``: CUDA when available, else CPU. SVMs always run on the CPU (libsvm).
    dtype : {"float32", "float64"}
    verbose : bool
        Show a progress bar.

    Attributes
    ----------
    classes_ : ndarray
    weights_ : list of ndarray
        ``weights_[l]`` has shape (n_{l+1}, n_l): input -> hidden, ..., hidden -> output.
    initial_weights_ : list of ndarray
        The random starting weights (uniform on the simplex; rescaled to the fixed norm for
        ``update="l2"``), to see how far each unit moved.
    unit_names_ : list of str
        Input units, ``"<modality>:<kernel>"``.
    objective_ : list of float
        Summed optimal SVM dual objective :math:`D(w)` after each accepted step.
    support_ : ndarray of int
        Training indices that are support vectors of at least one SVM.
    dual_coef_ : ndarray (n_svms, n_support)
        :math:`\\alpha^c_iy^c_i` of each SVM on ``support_``.
    intercept_ : ndarray (n_svms,)

    Examples
    --------
    >>> import numpy as np
    >>> from kmnet import DeepKernelNetwork
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 3, 90)
    >>> views = {"audio": rng.normal(size=(90, 5)) + y[:, None],
    ...          "text": rng.normal(size=(90, 4)) - y[:, None]}
    >>> dkn = DeepKernelNetwork(hidden=4, max_iter=5, random_state=0).fit(views, y)
    >>> dkn.score(views, y) > 0.9
    True
    """

    #: constructor parameters and what each may be (checked by ``_validate_params`` in :meth:`fit`)
    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        **KERNEL_CONSTRAINTS,
        "C": [Float(0, None, closed="neither")],
        "max_iter": [Int(0)],
        "step": [Float(0, None, closed="neither")],
        "tol": [Float(0, None, closed="left")],
        "class_weight": [ClassWeight()],
        "update": [StrOptions(set(UPDATES))],
    }

    def __init__(
        self,
        kernels=("linear", "polynomial", "rbf", "hi"),
        hidden=16,
        *,
        C=1.0,
        normalize=True,
        center=True,
        standardize=True,
        degree=2,
        levels=10,
        sigma="knn",
        update="eg",
        max_iter=50,
        step=0.5,
        tol=1e-4,
        class_weight=None,
        random_state=None,
        device=None,
        dtype="float32",
        verbose=False,
    ):
        self.kernels = kernels
        self.hidden = hidden
        self.C = C
        self.normalize = normalize
        self.center = center
        self.standardize = standardize
        self.degree = degree
        self.levels = levels
        self.sigma = sigma
        self.update = update
        self.max_iter = max_iter
        self.step = step
        self.tol = tol
        self.class_weight = class_weight
        self.random_state = random_state
        self.device = device
        self.dtype = dtype
        self.verbose = verbose

    # ------------------------------------------------------------------ helpers
    # ------------------------------------------------------------------ fit
    def fit(self, views, y):
        """Train the DKN by alternating SVM solves and projected gradient steps; returns ``self``.

        Parameters
        ----------
        views : mapping of str to array-like (n, d_m) or MultiView
        y : array-like of shape (n,), labels of any hashable type (at least two classes)
        """
        self._validate_params()
        views, y_idx = self._validate_fit(views, y)
        self.dtype_ = resolve_dtype(self.dtype)
        self.device_ = resolve_device(self.device)
        gen = torch.Generator().manual_seed(
            int(np.random.default_rng(self.random_state).integers(2**31 - 1))
        )
        t0 = time.perf_counter()
        self.input_layer_ = InputLayer(
            self.kernels, degree=self.degree, levels=self.levels, sigma=self.sigma,
            normalize=self.normalize, standardize=self.standardize, center=bool(self.center),
            dtype=self.dtype_, device=self.device_,
        ).fit(views)
        self.unit_names_ = self.input_layer_.unit_names
        G = check_finite_kernels(self.input_layer_.grams(views), self.unit_names_, views, self.dtype_)
        weights = self._init_weights(len(self.unit_names_), gen)
        self.initial_weights_ = [W.detach().cpu().numpy().copy() for W in weights]
        targets = self._svm_targets(y_idx)
        cw = self._class_weights(y_idx, self.class_weight)
        sample_weight = None if self.class_weight is None else cw[y_idx]

        def evaluate(ws):
            K = self._forward_chunked(G, ws).double().cpu().numpy()
            K = 0.5 * (K + K.T)
            return (*self._solve_svms(K, targets, sample_weight), K)

        betas, b0, D, _ = evaluate(weights)
        self.objective_ = [D]
        step = float(self.step)
        self.n_iter_ = 0
        bar = tqdm(range(int(self.max_iter)), disable=not self.verbose, desc="DKN", leave=False)
        for it in bar:
            betas_t = torch.as_tensor(betas, dtype=self.dtype_, device=self.device_)
            grads = self._grad(G, weights, betas_t)
            gmax = max(float(g.abs().max()) for g in grads)
            if gmax == 0.0 or not np.isfinite(gmax):
                break
            accepted = False
            while step > 1e-6:
                cand = [self._take_step(W, g, step / gmax) for W, g in zip(weights, grads)]
                cb, cb0, cD, _ = evaluate(cand)
                if cD < D:
                    accepted = True
                    break
                step *= 0.5
            if not accepted:
                break
            rel = (D - cD) / max(abs(D), 1e-12)
            weights, betas, b0, D = cand, cb, cb0, cD
            self.objective_.append(D)
            self.n_iter_ = it + 1
            step = min(step * 1.5, 1.0)
            bar.set_postfix(objective=f"{D:.4g}")
            if rel < self.tol:
                break
        self.weights_ = [W.detach().cpu().numpy() for W in weights]
        self._weights_t_ = [W.detach() for W in weights]
        support = np.flatnonzero(np.any(betas != 0, axis=0))
        self.support_ = support
        self.dual_coef_ = betas[:, support]
        self.intercept_ = b0
        self.support_views_ = {m: v[support] for m, v in views.items()}
        self.fit_time_ = time.perf_counter() - t0
        return self

    # ------------------------------------------------------------------ inference
    def _weights_tensors(self):
        return [torch.as_tensor(W, dtype=self.dtype_, device=self.device_) for W in self.weights_]

    def output_kernel(self, views_a, views_b=None) -> torch.Tensor:
        """Output kernel :math:`\\kappa^{(L)}_1` between two sets of views, shape (n_a, n_b).

        ``views_b=None`` gives the Gram matrix of ``views_a`` with itself.
        """
        check_is_fitted(self, "weights_")
        va = self._validate_predict(views_a)
        vb = None if views_b is None else self._validate_predict(views_b)
        ws = self._weights_tensors()
        n_b = (vb or va)[self.modalities_[0]].shape[0]
        n_units = len(self.unit_names_)
        width = max([W.shape[0] for W in ws] + [n_units])
        step = max(1, _CHUNK_ELEMS // max(1, width * n_b))
        n_a = va[self.modalities_[0]].shape[0]
        out = torch.empty(n_a, n_b, dtype=self.dtype_, device=self.device_)
        for i in range(0, n_a, step):
            part = {m: v[i : i + step] for m, v in va.items()}
            G = self.input_layer_.grams(part, vb)
            out[i : i + step] = kernel_network_forward(G, ws)
        return out

    def decision_function(self, views) -> np.ndarray:
        """One-vs-rest SVM scores: shape (n,) for two classes (positive: ``classes_[1]``), else (n, C)."""
        check_is_fitted(self, "weights_")
        K = self.output_kernel(views, self.support_views_).double().cpu().numpy()
        # einsum sums in a fixed order (no BLAS, whose kernels and threads vary by machine): the
        # class with the largest score must not change with the last bits of a near tie
        scores = check_scores(np.einsum("ij,cj->ic", K, self.dual_coef_) + self.intercept_[None, :], views,
                              self.dtype_)
        return scores[:, 0] if len(self.classes_) == 2 else scores

    def predict(self, views) -> np.ndarray:
        """Predicted labels (the SVM with the largest score)."""
        s = self.decision_function(views)
        idx = (s > 0).astype(np.int64) if s.ndim == 1 else s.argmax(1)
        return self._labels(idx)
