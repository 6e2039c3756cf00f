"""kmnet: elementary kernel maps, deep kernel networks and deep multi-modal kernel map networks.

Reproduces and extends Q. Wang and M. Jiu, "Deep Multi-Modal Kernel Map Network for Music
Genre Classification", Algorithms 19(6), 467 (2026), doi:10.3390/a19060467.

Public names
------------
- :mod:`kmnet.maps`: ``LinearMap``, ``PolynomialMap``, ``RBFMap``, ``HistogramIntersectionMap``
- :class:`DeepKernelNetwork` (Section 3.1) and :class:`DeepKernelMapNetwork` (Sections 3.2-3.4)
- :mod:`kmnet.metrics`: ``relative_error`` (Eq. 17), ``relative_importance`` (Eq. 18), ...
- :class:`MultiView`: multi-modal input that scikit-learn's model selection can split

Layout
------
This top level is the core (the modules above, :mod:`kmnet.gradients` and private helpers); the
sub-packages build on it, each importing only those before it: :mod:`kmnet.features` (audio and
text features), :mod:`kmnet.datasets` (loaders, splits, the piano rebuild), :mod:`kmnet.baselines`
(the cited comparison methods) and :mod:`kmnet.experiments` (the compendium's protocols and tables).
"""

__version__ = "0.1.0"

import warnings as _warnings  # noqa: E402

# tqdm.auto, imported by the progress bars, warns inside Jupyter without ipywidgets that it falls
# back to text bars; the warning names the install path. Only that message is silenced.
_warnings.filterwarnings("ignore", message=".*IProgress not found.*")

from . import maps, metrics  # noqa: E402
from .dkn import DeepKernelNetwork  # noqa: E402
from .dm2kmn import DeepKernelMapNetwork  # noqa: E402
from .views import MultiView  # noqa: E402

__all__ = [
    "DeepKernelNetwork",
    "DeepKernelMapNetwork",
    "MultiView",
    "maps",
    "metrics",
    "__version__",
]
