"""The sweep spec: what may vary, how values and ranges are read, and how many runs each strategy makes."""

import pytest

from engine.common.errors import StudioError
from engine.experiments.seeds import seed_spreads
from engine.experiments.study import breakdown, breakdown_importance
from engine.experiments.sweep_spec import SweepSpec, Vary, parse_vary
from engine.training.config import TrainConfig

BASE = TrainConfig(dataset="sample:sentiment", model="scratch:tiny", seed=7)


def test_values_and_ranges_are_read_from_the_command_line_shape():
    assert parse_vary("learning_rate=1e-4,5e-4") == Vary("learning_rate", values=(1e-4, 5e-4))
    assert parse_vary("learning_rate=1e-5:1e-3:log") == Vary("learning_rate", low=1e-5, high=1e-3, log=True)
    assert parse_vary("batch_size=8:32") == Vary("batch_size", low=8, high=32)
    assert parse_vary("model=scratch:tiny,scratch:small").values == ("scratch:tiny", "scratch:small")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("learning_rate", "--vary takes SETTING=V1,V2"),
        ("dropout=0.1,0.2", "cannot vary 'dropout'"),
        ("batch_size=8,12.5", "batch_size takes whole numbers"),
        ("learning_rate=1e-3:1e-5", "low must be below its high"),
        ("learning_rate=0:1e-3:log", "a log range needs a low above 0"),
        ("learning_rate=1e-4:1e-3:ln", "a range is LOW:HIGH or LOW:HIGH:log"),
        ("learning_rate=1e-4,1e-4", "listed twice"),
        ("seed=a,b", "'a' is not a number"),
    ],
)
def test_bad_vary_text_names_the_setting_and_the_shape(text, named):
    with pytest.raises(StudioError, match=named):
        parse_vary(text)


def test_a_value_a_run_cannot_take_is_refused_with_the_runs_own_range():
    with pytest.raises(StudioError, match=r"vary learning_rate: learning_rate must be in \(0, 1\), not 2.0"):
        SweepSpec(BASE, (Vary("learning_rate", values=(1e-4, 2)),))
    with pytest.raises(StudioError, match=r"vary max_length: max_length must be in \[8, 8192\], not 4"):
        SweepSpec(BASE, (Vary("max_length", values=(4, 64)),), strategy="random", trials=2)


def test_a_grid_runs_every_combination_times_the_seeds():
    spec = SweepSpec(
        BASE, (Vary("learning_rate", values=(1e-4, 5e-4)), Vary("batch_size", values=(8, 16, 32))), seeds=2
    )
    settings = spec.trial_settings()
    assert spec.job_count() == len(settings) == 12
    assert settings[0] == {"learning_rate": 1e-4, "batch_size": 8, "seed": 7}
    assert settings[1] == {"learning_rate": 1e-4, "batch_size": 8, "seed": 8}
    assert len({tuple(sorted(s.items())) for s in settings}) == 12


def test_random_draws_stay_in_the_range_and_repeat_for_the_same_seed():
    spec = SweepSpec(
        BASE,
        (Vary("learning_rate", low=1e-5, high=1e-3, log=True), Vary("batch_size", low=8, high=32)),
        strategy="random",
        trials=20,
    )
    drawn = spec.trial_settings()
    assert len(drawn) == 20 and drawn == spec.trial_settings()
    assert all(1e-5 <= s["learning_rate"] <= 1e-3 and 8 <= s["batch_size"] <= 32 for s in drawn)
    assert all(isinstance(s["batch_size"], int) for s in drawn)
    assert len({s["learning_rate"] for s in drawn}) > 10


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"vary": (Vary("learning_rate", low=1e-5, high=1e-3),)}, "a grid needs a list of values for learning_rate"),
        ({"vary": (Vary("seed", values=(1, 2)),), "trials": 3}, "trials is for random and tpe"),
        ({"vary": (Vary("seed", values=(1, 2)),), "strategy": "tpe"}, r"trials must be a whole number in \[1, 100\]"),
        ({"vary": (Vary("seed", values=(1, 2)),), "strategy": "bayes"}, "strategy must be one of grid, random, tpe"),
        ({"vary": ()}, "vary at least one setting, or repeat the run with seeds"),
        ({"vary": (Vary("seed", values=(1, 2)),), "seeds": 3}, "vary seed or repeat with seeds, not both"),
        ({"vary": (Vary("epochs", values=(1, 2)),), "seeds": 11}, r"seeds must be a whole number in \[1, 10\]"),
        ({"vary": (Vary("epochs", values=(1, 2)),), "metric": "bleu"}, "metric must be one of accuracy"),
        ({"vary": (Vary("epochs", values=tuple(range(1, 102))),)}, "a sweep makes at most 100"),
    ],
)
def test_a_sweep_that_cannot_run_is_refused_naming_what_to_change(arguments, named):
    with pytest.raises(StudioError, match=named):
        SweepSpec(BASE, **arguments)


def test_repeating_a_run_with_seeds_is_a_sweep_without_varied_settings():
    spec = SweepSpec(BASE, seeds=3)
    assert spec.trial_settings() == [{"seed": 7}, {"seed": 8}, {"seed": 9}]
    assert spec.varied() == ["seed"]


def test_a_spec_round_trips_through_its_stored_form():
    spec = SweepSpec(BASE, (Vary("learning_rate", low=1e-5, high=1e-3, log=True),), strategy="tpe", trials=5)
    assert SweepSpec.from_dict(spec.to_dict()) == spec


def test_seed_spread_groups_runs_by_their_other_settings():
    results = [({"lr": 1, "seed": 1}, 0.8), ({"lr": 1, "seed": 2}, 0.9), ({"lr": 2, "seed": 1}, 0.5)]
    first, second = seed_spreads(results)
    assert first.settings == {"lr": 1} and first.runs == 2 and first.mean == pytest.approx(0.85)
    assert first.std == pytest.approx(0.0707, abs=1e-4) and (first.low, first.high) == (0.8, 0.9)
    assert second.runs == 1 and second.std == 0.0
    assert "0.8500 ± 0.0707 (min 0.8000, max 0.9000) over 2 run(s)" == first.describe()


def test_the_breakdown_ranks_the_setting_whose_values_change_the_metric_most():
    results = [({"lr": 1, "batch": 8}, 0.9), ({"lr": 1, "batch": 16}, 0.8), ({"lr": 2, "batch": 8}, 0.5)]
    table = breakdown(results, ["lr", "batch"])
    assert [(row.value, row.mean, row.runs) for row in table["lr"]] == [(1, pytest.approx(0.85), 2), (2, 0.5, 1)]
    importance = breakdown_importance(table)
    assert list(importance) == ["lr", "batch"] and sum(importance.values()) == pytest.approx(1.0)
