"""The helpers that replace repeated notebook cells: the setup call and the epoch-selection figure."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from kmnet.experiments import notebook_setup  # noqa: E402
from kmnet.experiments.plotting import plot_epoch_selection  # noqa: E402
from kmnet.experiments.protocols import ProtocolResult  # noqa: E402


def _curve(rng, n_checks):
    epochs = np.arange(n_checks) * int(rng.integers(1, 6))
    best = int(rng.integers(n_checks))
    return pd.DataFrame({"epoch": epochs, "val_loss": rng.uniform(0.2, 2.0, n_checks),
                         "val_accuracy": rng.uniform(0, 1, n_checks), "train_accuracy": rng.uniform(0, 1, n_checks),
                         "best": np.arange(n_checks) == best})


def test_epoch_selection_has_one_panel_per_run_and_marks_the_chosen_epoch(rng):
    runs = int(rng.integers(1, 5))
    curves = {r: _curve(rng, int(rng.integers(2, 8))) for r in range(runs)}
    info = {("p", r, "learned"): {"curve": c} for r, c in curves.items()}
    info.update({("p", r, "other"): {} for r in range(runs)})
    result = ProtocolResult(pd.DataFrame(), pd.DataFrame(), info, {})
    fig = plot_epoch_selection(result, "learned", held_out="validation", title="T")
    axes = fig.axes
    assert len(axes) == runs
    for ax, (r, c) in zip(axes, curves.items()):
        assert ax.get_title() == f"run {r}: T"
        lines = ax.get_lines()
        np.testing.assert_allclose(lines[0].get_ydata(), c["val_loss"])
        np.testing.assert_allclose(lines[1].get_ydata(), 1 - c["val_accuracy"])
        assert lines[-1].get_xdata()[0] == c.loc[c["best"], "epoch"].iloc[0]  # the chosen epoch
    assert [t.get_text() for t in axes[0].get_legend().get_texts()][:2] == ["validation cross-entropy",
                                                                            "validation error"]
    plt.close(fig)
    with pytest.raises(ValueError, match="no selection curve"):
        plot_epoch_selection(result, "other")


def test_notebook_setup_sets_options_and_prints_the_device(rng, capsys):
    threads = torch.get_num_threads()
    precision = int(rng.integers(1, 6))
    seed = int(rng.integers(1000))
    try:
        notebook_setup(device="cpu", torch_threads=1, seed=seed, precision=precision, max_colwidth=33,
                       extra=("| seeds:", [seed]), portable=False)  # MKL already ran in this process
        a = torch.rand(3)
        torch.manual_seed(seed)
        assert torch.equal(a, torch.rand(3))
        assert pd.get_option("display.precision") == precision
        assert pd.get_option("display.max_colwidth") == 33
        assert torch.get_num_threads() == 1
        line = capsys.readouterr().out.strip()
        assert line.startswith("kmnet ") and "| device: cpu | threads: 1 |" in line
        assert line.endswith(f"| seeds: [{seed}]")
        assert torch.are_deterministic_algorithms_enabled()
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(False)
        pd.reset_option("display.precision")
        pd.reset_option("display.max_colwidth")
