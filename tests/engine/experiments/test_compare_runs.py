"""engine.experiments.compare: select runs, show the settings they differ in, and name the best run with its margin
judged against the seed-to-seed spread."""

import pytest

from engine.common.errors import NotFoundError, StudioError
from engine.experiments.compare import (
    MAX_COMPARED_RUNS,
    RunFilter,
    compare_jobs,
    default_metric,
    greater_is_better,
    parallel_dimensions,
    pick_best,
    select_jobs,
    settings_rows,
)
from engine.training.events import EvalEvent
from tests.compared_runs import BASE, record_run


def _configs(*changes: dict) -> dict[int, dict]:
    return {number: {**BASE, **change} for number, change in enumerate(changes, start=1)}


def test_only_the_settings_that_differ_are_shown_unless_all_are_asked_for():
    configs = _configs({"learning_rate": 1e-4}, {"learning_rate": 5e-4, "name": "fast"})

    # The name heads each run's column: it is no setting.
    assert settings_rows(configs) == [["learning_rate", "0.0001", "0.0005"]]
    every = settings_rows(configs, show_all=True)
    assert [row[0] for row in every] == sorted(BASE)
    assert ["model", "scratch:tiny", "scratch:tiny"] in every


def test_losses_and_errors_are_better_low_and_scores_high():
    assert [greater_is_better(name) for name in ("f1", "accuracy", "r2", "loss", "rmse", "eval_loss")] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]


def test_a_margin_larger_than_the_seed_spread_is_called_more_than_luck():
    configs = _configs({"learning_rate": 1e-3}, {"seed": 1}, {"seed": 2}, {"seed": 3})
    values = {1: 0.90, 2: 0.80, 3: 0.82, 4: 0.81}

    verdict = pick_best(values, configs, "f1")

    assert verdict.best == 1 and [job_id for job_id, _ in verdict.ranking] == [1, 3, 4, 2]
    assert verdict.margin == pytest.approx(0.08)
    assert verdict.spread.value == pytest.approx(0.02) and verdict.spread.runs == [2, 3, 4]
    assert verdict.beyond_spread is True
    assert verdict.text.startswith("#1 is best by validation f1 (0.9), 0.08 above #3 (0.82): larger than")
    assert "seed-to-seed spread of 0.02 (runs #2, #3, #4, which differ only by seed)" in verdict.text


def test_a_margin_within_the_seed_spread_may_be_luck():
    configs = _configs({"learning_rate": 1e-3}, {"seed": 1}, {"seed": 2})
    values = {1: 0.83, 2: 0.80, 3: 0.86}

    verdict = pick_best(values, configs, "f1")

    assert (verdict.best, verdict.beyond_spread) == (3, False)
    assert "within the seed-to-seed spread of 0.06" in verdict.text and "may be luck" in verdict.text


def test_without_seed_repeats_the_spread_is_unknown_and_the_verdict_says_how_to_measure_it():
    verdict = pick_best({1: 0.8, 2: 0.7}, _configs({"learning_rate": 1e-3}, {}), "f1")

    assert verdict.spread is None and verdict.beyond_spread is None
    assert "The seed-to-seed spread is unknown" in verdict.text
    assert (
        "Measure it: repeat #1 with seeds (Repeat with seeds, or `python -m engine repeat 1 --seeds 3`)"
        in verdict.text
    )


def test_runs_of_one_setting_with_other_seeds_have_no_runner_up_only_a_spread():
    verdict = pick_best({1: 0.8, 2: 0.7}, _configs({"seed": 1}, {"seed": 2}), "f1")

    assert verdict.margin is None and verdict.spread.value == pytest.approx(0.1)
    assert verdict.text.startswith(
        "#1 is best by validation f1 (0.8). The other runs differ from it only by their seed"
    )
    assert "no other setting to compare with; the seed-to-seed spread of 0.1" in verdict.text


def test_the_runner_up_is_the_best_run_of_another_setting_not_a_repeat_of_the_best_one():
    configs = _configs({"learning_rate": 1e-3, "seed": 1}, {"learning_rate": 1e-3, "seed": 2}, {"seed": 1})
    values = {1: 0.90, 2: 0.88, 3: 0.84}

    verdict = pick_best(values, configs, "f1")

    assert verdict.margin == pytest.approx(0.06) and verdict.beyond_spread is True
    assert verdict.text.startswith("#1 is best by validation f1 (0.9), 0.06 above #3 (0.84, the best run of another")
    assert "larger than the seed-to-seed spread of 0.02 (runs #1, #2" in verdict.text


def test_a_loss_is_best_when_lowest():
    verdict = pick_best({1: 0.4, 2: 0.3}, _configs({"learning_rate": 1e-3}, {}), "loss")

    assert verdict.best == 2 and verdict.margin == pytest.approx(0.1)
    assert "0.1 below #1" in verdict.text


def test_with_one_or_no_scored_run_the_verdict_says_what_is_missing():
    configs = _configs({}, {"seed": 1})

    assert pick_best({}, configs, "f1").text.startswith("No run has a validation f1 yet")
    assert pick_best({2: 0.7}, configs, "f1").text.startswith("Only #2 has a validation f1 (0.7)")


def test_parallel_coordinates_hold_the_differing_settings_then_the_metric():
    configs = _configs({"learning_rate": 1e-4, "model": "scratch:small"}, {"learning_rate": 5e-4}, {"seed": 7})

    dimensions = parallel_dimensions(configs, {1: 0.7, 2: 0.8}, "f1")

    # Run 3 has no f1, so only the settings runs 1 and 2 differ in are axes.
    assert [d.name for d in dimensions] == ["learning_rate", "model", "f1"]
    assert dimensions[0].values == [1e-4, 5e-4] and dimensions[0].labels is None
    assert dimensions[1].labels == ["scratch:small", "scratch:tiny"] and dimensions[1].values == [0.0, 1.0]
    assert dimensions[2].values == [0.7, 0.8]


def test_runs_are_selected_by_id_and_by_filter_oldest_first(store):
    first = record_run(store, 0.8, name="base lr")
    second = record_run(store, 0.85, name="high lr", learning_rate=1e-3)
    other = record_run(store, 0.7, dataset="sample:topics")

    assert [j.id for j in select_jobs(store, [second.id, first.id])] == [first.id, second.id]
    assert [j.id for j in select_jobs(store, run_filter=RunFilter(name="LR"))] == [first.id, second.id]
    assert [j.id for j in select_jobs(store, run_filter=RunFilter(dataset="topics"))] == [other.id]
    assert [j.id for j in select_jobs(store, [other.id], RunFilter(status="completed", model="tiny"))] == [
        first.id,
        second.id,
        other.id,
    ]


def test_a_sweep_filter_matches_nothing_in_a_database_without_sweeps(store):
    record_run(store, 0.8)

    with pytest.raises(StudioError, match="no runs to compare"):
        select_jobs(store, run_filter=RunFilter(sweep_id="1"))


def test_an_empty_selection_an_unknown_id_and_too_many_runs_are_refused(store, monkeypatch):
    with pytest.raises(StudioError, match="no runs to compare: pick runs, or filter them"):
        select_jobs(store, [], RunFilter())
    with pytest.raises(NotFoundError, match="no training job 99"):
        select_jobs(store, [99])
    monkeypatch.setattr("engine.experiments.compare.MAX_COMPARED_RUNS", 1)
    ids = [record_run(store, 0.8).id, record_run(store, 0.8).id]
    with pytest.raises(StudioError, match="the selection holds 2 runs; compare at most 1"):
        select_jobs(store, ids)
    assert MAX_COMPARED_RUNS == 50


def test_a_comparison_of_stored_runs_has_curves_a_table_and_a_verdict(store):
    jobs = [
        record_run(store, 0.80, name="seed 1", seed=1),
        record_run(store, 0.81, name="seed 2", seed=2),
        record_run(store, 0.90, name="high lr", learning_rate=1e-3),
    ]

    comparison = compare_jobs(store, jobs, axis="epoch", smoothing=0.5)

    assert comparison.verdict.metric == default_metric(jobs) == "f1"
    assert comparison.verdict.best == jobs[2].id and comparison.verdict.beyond_spread is True
    labels = [f"#{jobs[0].id} seed 1", f"#{jobs[1].id} seed 2", f"#{jobs[2].id} high lr"]
    assert comparison.columns == ["setting", *labels]
    assert [row[0] for row in comparison.settings] == ["learning_rate", "seed"]
    loss = next(s for s in comparison.runs[0].series if s.name == "train/loss")
    assert loss.x == [0.5, 1.0, 1.5, 2.0] and loss.raw == [0.69, 0.6, 0.5, 0.45]
    assert {s.name for s in comparison.runs[0].series} >= {"eval/loss", "eval/f1", "eval/accuracy"}
    summary = comparison.to_dict()
    assert summary["best"] == jobs[2].id and summary["margin"] == pytest.approx(0.09)
    assert summary["seed_spread"] == pytest.approx(0.01) and summary["margin_beyond_spread"] is True
    assert summary["settings"][0] == {"setting": "learning_rate"} | {c: "0.0005" for c in comparison.columns[1:3]} | {
        comparison.columns[3]: "0.001"
    }


def test_a_run_that_has_not_finished_is_scored_by_its_latest_evaluation(store):
    done = record_run(store, 0.8)
    running = store.create({**BASE, "seed": 5})
    store.add_event(running.id, EvalEvent(10, 1.0, {"loss": 0.5, "f1": 0.75}))

    comparison = compare_jobs(store, [done, store.get(running.id)], metric="f1")

    assert [run.value for run in comparison.runs] == [0.8, 0.75]
