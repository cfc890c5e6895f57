"""The Sweep panel's handlers without a server: the settings box read line by line, and a sweep shown as text."""

import pytest

from engine.common.errors import StudioError
from engine.experiments.seeds import SeedSpread
from engine.experiments.sweep_spec import Vary
from engine.experiments.sweeps import SweepReport, TrialRow
from ui.sweep_actions import _summary, _trials_table, vary_lines


def test_the_settings_box_takes_one_setting_per_line_and_skips_blank_lines():
    assert vary_lines("lr=1e-4,5e-4\n\n  batch-size=8:32  \n") == (
        Vary("learning_rate", values=(1e-4, 5e-4)),
        Vary("batch_size", low=8, high=32),
    )
    assert vary_lines("") == ()


def test_a_wrong_line_is_named_by_the_box_and_its_number():
    with pytest.raises(StudioError, match=r"^Settings to vary, line 2: cannot vary 'dropout'"):
        vary_lines("seed=1,2\ndropout=0.1")


def _report() -> SweepReport:
    best = TrialRow(
        job_id=4, number=2, status="completed", settings={"learning_rate": 1e-3}, value=0.9, step=9, total_steps=9
    )
    weak = TrialRow(
        job_id=3,
        number=1,
        status="pruned",
        settings={"learning_rate": 1e-6},
        value=None,
        step=3,
        total_steps=9,
        error="pruned by its sweep at step 3",
    )
    return SweepReport(
        sweep_id=1,
        name="lr",
        status="finished",
        strategy="grid",
        metric="f1",
        direction="maximize",
        description="grid over learning_rate=1e-06,0.001: 2 runs",
        trials=[best, weak],
        counts={"completed": 1, "pruned": 1},
        best=best,
        importance={"learning_rate": 1.0},
        importance_method="the range of the metric's mean per value",
        seeds=[SeedSpread({"learning_rate": 1e-3}, 2, 0.85, 0.07, 0.8, 0.9)],
    )


def test_the_summary_names_the_best_trial_the_importance_and_the_seed_spread():
    text = _summary(_report())
    assert "### Sweep #1 (lr): finished" in text and "1 completed, 1 pruned." in text
    assert "**Best: job #4, f1 0.9000** with learning_rate=0.001" in text
    assert "Importance of each setting (the range of the metric's mean per value): learning_rate 100%." in text
    assert "learning_rate=0.001 over seeds: f1 0.8500 ± 0.0700 (min 0.8000, max 0.9000) over 2 run(s)" in text


def test_the_trials_table_lists_the_best_first_with_each_varied_setting():
    table = _trials_table(_report())
    assert list(table.columns) == ["trial", "job", "status", "f1", "learning_rate", "step", "note"]
    assert table["job"].tolist() == [4, 3] and table["note"].tolist() == ["", "pruned by its sweep at step 3"]
