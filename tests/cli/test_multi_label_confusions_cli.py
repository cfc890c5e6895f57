"""`python -m engine evaluate --task multi-label-classification`: the label confusions (label pairs and error
patterns) in the readable output and in `--json`, on a tiny model trained three steps
(tests/engine/inference/trained_tasks.py) and the bundled `sample:tags` split, counted again here from the data."""

import json
from collections import Counter
from itertools import permutations

import pytest

from engine.datasets.sources import load_raw
from tests.cli.conftest import run_main
from tests.engine.inference.trained_tasks import train_task_models

ROWS = 24


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> str:
    folders = train_task_models(tmp_path_factory.mktemp("cli-confusions"), ("multi-label-classification",))
    return str(folders["multi-label-classification"])


def evaluate(capsys, monkeypatch, model: str, *extra: str) -> tuple[int, str, str]:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    arguments = ["evaluate", "--model", model, "--task", "multi-label-classification", "--dataset", "sample:tags"]
    return run_main(capsys, *arguments, "--limit", str(ROWS), *extra)


def test_json_holds_the_label_pairs_with_the_datas_own_co_occurrence_and_the_patterns_of_the_errors(
    capsys, monkeypatch, model
):
    code, out, err = evaluate(capsys, monkeypatch, model, "--json")

    assert code == 0, err
    report = json.loads(out.splitlines()[-1])
    rows = load_raw("sample:tags")["test"][:ROWS]["labels"]
    gold = Counter(pair for labels in rows for pair in permutations(labels, 2))
    together = {(p["label"], p["other"]): p["gold_together"] for p in report["pairs"] if p["gold_together"]}
    assert together == dict(gold)
    # every wrong row is listed (fewer than 50) and each of its patterns is counted once
    marks = Counter(pattern for error in report["errors"] for pattern in error["patterns"])
    assert report["patterns"] and {row["pattern"]: row["rows"] for row in report["patterns"]} == dict(marks)
    assert all(error["patterns"] for error in report["errors"])


def test_the_readable_report_prints_the_pairs_with_mistakes_and_the_most_frequent_patterns(capsys, monkeypatch, model):
    _, out, _ = evaluate(capsys, monkeypatch, model, "--json")
    report = json.loads(out.splitlines()[-1])

    code, out, err = evaluate(capsys, monkeypatch, model)

    assert code == 0, err
    lines = out.splitlines()
    wrong = [p for p in report["pairs"] if p["instead"] + p["added"] + p["dropped"]]
    assert f"label pairs with mistakes ({len(wrong)}; A is the true label of the rows counted):" in lines
    first = wrong[0]
    assert any(
        line.startswith(f"  A {first['label']:<16} B {first['other']:<16} B instead of A {first['instead']},")
        for line in lines
    )
    top = report["patterns"][0]
    heading = lines.index("error patterns, most frequent first:")
    assert lines[heading + 1] == f"  {top['rows']:>5} rows  {top['pattern']}"
