"""The compendium's experiment harness: protocols, method recipes, the paper's numbers, one module
per chapter's tables, reporting, plotting and verdicts.

==================================  =================================================================
module                              what it holds
==================================  =================================================================
:mod:`.protocols`                   fit methods on splits, score and time the test part once; the
                                    DKN / DM2KMN recipes with training-only model selection
:mod:`.dm2kmn_learning`             the DM2KMN's calibration, epochs by cross-validation, final fit;
                                    the parameter-group ablation and the paper's setting
:mod:`.method_names`                the names of the compared methods (rows of Tables 5 and 6)
:mod:`.views`                       each data set's views as the comparisons read them
:mod:`.paper`                       the paper's published numbers (Tables 1-6, A1, Figure 2)
:mod:`.reporting`                   run summaries, ``results/*.csv``, timings
:mod:`.plotting`                    confusion matrices, relative importance, epoch selection
:mod:`.display`                     styled tables, "mean ± std", dropdowns, glued numbers
:mod:`.notebook`                    the setup cell the chapters share (:func:`notebook_setup`)
:mod:`.piano_dataset`               chapter 03: the piano set's construction shown (scores, audio, checks)
:mod:`.piano_ablations`             chapter 04: Tables 3 and 4, energy and anchor sweeps
:mod:`.dkn_study`                   chapter 04: weight updates, centring and RBF widths of the DKN
:mod:`.piano_comparison`            chapters 05-06: Table 5, Figure 2-3, RE during learning
:mod:`.audio_view`                  chapter 05, section 6: Table 5's claims with another audio view
:mod:`.kernel_importance`           chapter 06: Figure 2's relative importance per run, kernel alignment
:mod:`.multimodal_comparison`       chapter 07: Table 6 (its methods are also Table 5's)
:mod:`.gtzan_protocols`             chapter 02: Table 1's methods and the protocols behind 3-s windows
:mod:`.piano_splits`                the findings page: Table 5's methods over repeated random splits
:mod:`.findings`                    the findings page: the paper's claims beside our verdicts
:mod:`.verdicts`                    the rules that turn intervals into verdicts on the paper's claims
:mod:`.reproduce`                   cell-by-cell comparison of re-executed result tables
==================================  =================================================================

The chapter modules name the notebooks that use them ("Notebook: ..."). Nothing below this
package (the core, :mod:`kmnet.features`, :mod:`kmnet.datasets`, :mod:`kmnet.baselines`) imports
it.
"""

from .notebook import notebook_setup

__all__ = ["notebook_setup"]
