"""The comparison methods cited by the paper, re-implemented small, on the same views as kmnet.

Every classifier follows scikit-learn's conventions (``fit``/``predict``/``predict_proba``/
``score``, ``classes_``, ``get_params``/``set_params``/``clone``) and reads the multi-modal input
the kmnet networks read: a dict ``{"audio": (n, d_a), "text": (n, d_t), ...}`` or a
:class:`kmnet.views.MultiView` (row-indexable, for ``cross_val_score`` / ``GridSearchCV``).
Labels may be of any hashable type. Hyper-parameters that need validation data (early
stopping, fusion weights) take it from the training data passed to ``fit``.

=============================  ==========================================================  =======
class                          method                                                      ref.
=============================  ==========================================================  =======
:class:`CNNClassifier`         CNN from scratch on an MFCC / mel image                     [34]
:class:`MLPClassifier`         frozen encoder features + MLP                               [90]
:class:`CNNBOWClassifier`      CNN on the audio image + bag-of-words on text, early fusion [91]
:class:`DCNClassifier`         symmetric two-branch network, fused before the softmax      [44]
:class:`EarlyFusionClassifier` feature concatenation                                       [21]
:class:`LateFusionClassifier`  decision weighting                                          [21]
:class:`HybridFusionClassifier` early-fusion + per-modality probabilities, weighted        [21]
:class:`KernelSVC`             SVM on one elementary kernel (Table 3, Table 5)             paper
:func:`tuned_baselines`        grid-searched single-view SVM / HI-SVM / LR / MLP (Table 1)  -
=============================  ==========================================================  =======
"""

from .bow import bag_of_words
from .bow_view import BagOfWordsView, texts_view
from .cnn import CNNClassifier
from .cnn_bow import CNNBOWClassifier
from .dcn import DCNClassifier
from .fusion import EarlyFusionClassifier, HybridFusionClassifier, LateFusionClassifier
from .kernel_svm import KernelSVC
from .mlp import MLPClassifier
from .tuned import SelectView, tuned_baselines

__all__ = [
    "CNNClassifier",
    "MLPClassifier",
    "CNNBOWClassifier",
    "DCNClassifier",
    "EarlyFusionClassifier",
    "LateFusionClassifier",
    "HybridFusionClassifier",
    "KernelSVC",
    "tuned_baselines",
    "SelectView",
    "bag_of_words",
    "BagOfWordsView",
    "texts_view",
]
