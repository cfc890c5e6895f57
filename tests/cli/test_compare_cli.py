"""`python -m engine compare`: the best run, its margin against the seed spread, the ranking and the differing
settings, as text or JSON; wrong input exits 2 with one line."""

import json

from tests.cli.conftest import run_main
from tests.compared_runs import record_run


def test_compare_prints_the_verdict_the_ranking_and_the_settings_that_differ(capsys, store):
    first = record_run(store, 0.80, name="seed 1", seed=1)
    second = record_run(store, 0.82, name="seed 2", seed=2)
    fast = record_run(store, 0.90, name="high lr", learning_rate=1e-3)

    code, out, _ = run_main(capsys, "compare", str(first.id), str(second.id), str(fast.id))

    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"#{fast.id} is best by validation f1 (0.9), 0.08 above #{second.id} (0.82): larger")
    assert lines[3].split() == ["1.", f"#{fast.id}", "high", "lr", "0.9"]
    assert "settings that differ:" in lines and any(line.startswith("learning_rate  0.0005") for line in lines)


def test_compare_by_filter_as_json(capsys, store):
    record_run(store, 0.80, name="seed 1", seed=1)
    fast = record_run(store, 0.90, name="high lr", learning_rate=1e-3)

    code, out, _ = run_main(capsys, "compare", "--name", "high", "--metric", "accuracy", "--json")

    result = json.loads(out.splitlines()[-1])
    assert code == 0 and result["best"] == fast.id and result["metric"] == "accuracy"
    assert [run["id"] for run in result["runs"]] == [fast.id]


def test_compare_with_nothing_selected_exits_2_naming_what_to_give(capsys, store):
    code, _, err = run_main(capsys, "compare")

    assert code == 2
    expected = "error: no runs to compare: pick runs, or filter them by name, status, dataset, model or sweep"
    assert err.strip() == expected
