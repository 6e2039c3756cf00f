"""The data sets of the book: one loader per data set, its features, and their splits.

=====================  =========================================================================
module                 what it holds
=====================  =========================================================================
:mod:`.paths`          where the data root lives (:func:`~.paths.data_root`), paths in the checkout
:mod:`.splits`         every split of the protocols (random, fixed, 8:1:1, the piano split)
:mod:`.gtzan`          GTZAN: the feature table, the artist-filtered split, audio and its features
:mod:`.lyrics`         the lyrics + audio-descriptor stand-in for 4MuLA and its text features
:mod:`.fourmula`       4MuLA: lyrics + Mel spectrograms and their features
:mod:`.piano`          the piano genre set, rebuilt from public scores (a sub-package)
=====================  =========================================================================

A data set's module reads the staged sources and gives its feature matrices; it knows nothing
of kernels or of the methods that are compared on it (:mod:`kmnet.baselines`,
:mod:`kmnet.experiments`).
"""
