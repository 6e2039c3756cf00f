"""Inference with a fitted map network and what it represents: logits, probabilities, labels,
output maps and kernels, encodings, effective weights.

:class:`MapNetworkInspection` is a mixin of :class:`~kmnet.DeepKernelMapNetwork`.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from ._base import check_scores
from ._dm2kmn_train import label_indices
from ._linalg import CHUNK_ELEMS

__all__ = ["MapNetworkInspection", "batched"]


def batched(model, views, fn, batch=None) -> torch.Tensor:
    """``fn`` of the input representations of ``views``, in batches that fit :data:`CHUNK_ELEMS`."""
    views = model._validate_predict(views)
    n = next(iter(views.values())).shape[0]
    M = len(model.anchor_index_)
    width = max(model.module_.widths + [len(model.unit_names_)])
    bs = batch or max(1, CHUNK_ELEMS // max(1, M * width))
    outs = []
    with torch.no_grad():
        for i in range(0, n, bs):
            part = {m: v[i : i + bs] for m, v in views.items()}
            outs.append(fn(model._input_reps(part)))
    return torch.cat(outs)


class MapNetworkInspection:
    """Inference and inspection methods of :class:`~kmnet.DeepKernelMapNetwork` (mixin)."""

    def encode(self, views, y) -> tuple[list[torch.Tensor], torch.Tensor]:
        """Input representations and label indices of labelled samples, for ``LearningRun.score``.

        The input representations do not change during learning, so held-out rows are encoded
        once.
        """
        check_is_fitted(self, "module_")
        views = self._validate_predict(views)
        n = next(iter(views.values())).shape[0]
        y_idx = label_indices(self, y, n, min_classes=1, what="y: class {!r} is not a training class")
        Z = [z.detach() for z in self._input_reps(views)]
        return Z, torch.as_tensor(y_idx, device=self.device_)

    def effective_weights(self) -> list[np.ndarray]:
        """Layer weights with the scale that anchors and projections absorbed put back on them.

        In the ``"shared"`` parameterisation the pre-activation of unit :math:`p` is
        :math:`\\sum_q w_{p,q}\\langle\\hat\\phi_q(x),A_q[i]\\rangle` with
        :math:`\\hat\\phi_q=g(f_q)U_q` (Eqs. 2-4), so :math:`(w_{\\cdot,q},A_q)\\to(c\\,w_{\\cdot,q},A_q/c)`
        and :math:`(w_{\\cdot,q},U_q)\\to(c\\,w_{\\cdot,q},U_q/c)` leave the network unchanged: after
        learning, :math:`w` alone does not say how much unit :math:`q` contributes, and Eq. 18
        computed from it is ill defined. The effective weight

        .. math:: \\tilde w_{p,q}=w_{p,q}\\,\\frac{\\lVert A_q\\rVert_F}{\\lVert\\hat\\phi^0_q(S)\\rVert_F}
            \\,\\frac{\\lVert U_q\\rVert_F}{\\lVert U^0_q\\rVert_F}

        (no :math:`U` factor for input units, whose maps are fixed; superscript 0: as built from
        the DKN) is invariant under both rescalings and equals :math:`w` before learning. In the
        ``"paper"`` parameterisation the term is :math:`\\sqrt{w_{p,q}}\\langle\\hat\\phi_q(x),A_{p,q}[i]\\rangle`
        and :math:`\\tilde w_{p,q}=\\sqrt{w_{p,q}}\\,\\lVert A_{p,q}\\rVert_F/\\lVert\\hat\\phi^0_q(S)\\rVert_F`
        times the same :math:`U` factor, again :math:`w` before learning. The norms measure the
        absorbed scale exactly; a rotation of the anchors (a change of what a unit computes, not
        of how much) is not a scale and is not counted.

        :func:`kmnet.metrics.relative_importance` uses these weights for a map network.

        Returns
        -------
        list of ndarray
            Like :attr:`weights_`.
        """
        check_is_fitted(self, "module_")
        net, ref = self.module_, getattr(self, "reference_norms_", None)
        if ref is None:
            raise ValueError("effective_weights: the network has no reference norms (built by an older kmnet)")

        def ratio(a, b):
            return a / b if b > 0 else 0.0

        out = []
        with torch.no_grad():
            for l, w in enumerate(net.w):
                w = w.detach().double().cpu().numpy()
                n_out, n_in = w.shape
                eff = np.zeros_like(w)
                if l == 0:
                    anchors, ref_q, u = net.A0, ref["inputs"], [1.0] * n_in
                else:
                    anchors, ref_q = net.A[l - 1], ref["maps"][l - 1]
                    u = [ratio(float(torch.linalg.vector_norm(net.U[l - 1][q])), ref["projections"][l - 1][q])
                         for q in range(n_in)]
                for q in range(n_in):
                    if net.parameterization == "shared":  # A0[q]: (M, d_q); A[l-1][q]: (M, R)
                        eff[:, q] = w[:, q] * ratio(float(torch.linalg.vector_norm(anchors[q])), ref_q[q]) * u[q]
                        continue
                    for p in range(n_out):  # A0[q]: (n_1, M, d_q); A[l-1]: (n_l, n_{l-1}, M, R)
                        a = anchors[q][p] if l == 0 else anchors[p, q]
                        eff[p, q] = np.sqrt(max(w[p, q], 0.0)) * ratio(float(torch.linalg.vector_norm(a)),
                                                                      ref_q[q]) * u[q]
                out.append(eff)
        return out

    @property
    def weights_(self) -> list[np.ndarray]:
        check_is_fitted(self, "module_")
        return [w.detach().cpu().numpy().copy() for w in self.module_.w]

    def output_map(self, views) -> torch.Tensor:
        """Output-layer map :math:`\\hat\\phi^{(L)}_1(X)`, shape (n, r_L) (Eq. 4 at the last layer)."""
        check_is_fitted(self, "module_")
        return batched(self, views, self.module_.output_map)

    def output_kernel(self, views_a, views_b=None) -> torch.Tensor:
        """:math:`\\langle\\hat\\phi^{(L)}_1(a),\\hat\\phi^{(L)}_1(b)\\rangle`, the map network's output kernel."""
        Pa = self.output_map(views_a)
        Pb = Pa if views_b is None else self.output_map(views_b)
        return Pa @ Pb.T

    def _logits(self, views) -> np.ndarray:
        check_is_fitted(self, "module_")
        return check_scores(batched(self, views, self.module_).double().cpu().numpy(), views, self.dtype_)

    def decision_function(self, views) -> np.ndarray:
        """Logits of the softmax layer (Eq. 5), shape (n, n_classes); for two classes, shape (n,):
        the logit of ``classes_[1]`` minus that of ``classes_[0]`` (positive: ``classes_[1]``)."""
        s = self._logits(views)
        return s[:, 1] - s[:, 0] if s.shape[1] == 2 else s

    def predict_proba(self, views) -> np.ndarray:
        """Class probabilities (softmax of the logits), shape (n, n_classes)."""
        s = self._logits(views)
        s = s - s.max(1, keepdims=True)
        e = np.exp(s)
        return e / e.sum(1, keepdims=True)

    def predict(self, views) -> np.ndarray:
        """Predicted labels."""
        return self._labels(self._logits(views).argmax(1))
