"""A non-classification task through the app's launch path: a queued job, its `accelerate launch` child, the
database's final metrics, `task.json` with the options and the model card's table (scratch:tiny, one epoch)."""

import json

import pytest

from engine.jobs.actions import clone_job, start_job, wait_for_job
from engine.jobs.store import COMPLETED
from engine.training.config import TrainConfig


def test_a_token_classification_job_records_entity_f1_its_options_and_a_card_with_the_entity_table(store):
    config = TrainConfig(
        dataset="sample:entities",
        model="scratch:tiny",
        task="auto",  # inferred, and recorded as what it trains
        epochs=1,
        max_length=64,
        label_all_tokens=True,
        scheme="IOB2",
    )

    job = wait_for_job(start_job(config, store).id, store)

    assert job.status == COMPLETED, job.error
    assert job.config["task"] == "token-classification"
    assert {"f1", "precision", "recall", "accuracy"} <= set(job.metrics)
    assert 0 <= job.metrics["f1"] <= 1
    saved = json.loads((job.model_dir / "task.json").read_text())
    assert saved["setup"]["options"]["label_all_subwords"] is True and saved["setup"]["options"]["scheme"] == "IOB2"
    assert saved["setup"]["columns"] == {"tokens": "tokens", "tags": "ner_tags"}
    card = (job.model_dir / "README.md").read_text()
    assert "| F1 (entities) |" in card and "### Per type\n\n| type | precision | recall | f1 | support |" in card
    assert "every sub-word of a word learnt the word's tag" in card
    # The per-type table comes from predictions matched to their own sentences: its entity counts give back the F1
    # the run scored (words cut by max length count as O there; none of these short sentences is cut).
    assert _micro_f1(card) == pytest.approx(job.metrics["f1"], abs=0.01)
    evaluations = [event for event in store.events(job.id) if event["kind"] == "eval"]
    assert evaluations and "f1" in evaluations[-1]  # the live chart's points


@pytest.mark.slow
def test_a_regression_job_standardises_its_target_and_its_clone_keeps_task_columns_and_options(store):
    config = TrainConfig(
        dataset="sample:similarity",
        model="scratch:tiny",
        task="regression",
        columns={"label": "score"},
        text_column="sentence1",
        text_pair_column="sentence2",
        epochs=1,
        max_length=64,
        standardize=True,
    )

    job = wait_for_job(start_job(config, store).id, store)

    assert job.status == COMPLETED, job.error
    assert {"mse", "rmse", "mae", "pearson", "spearman", "r2"} <= set(job.metrics)
    options = json.loads((job.model_dir / "task.json").read_text())["setup"]["options"]
    assert options["standardize"] is True and options["std"] > 0
    assert "mapped back to the original scale" in (job.model_dir / "README.md").read_text()
    clone = clone_job(job.id, store)
    assert {key: clone.config[key] for key in ("task", "columns", "standardize", "text_pair_column")} == {
        "task": "regression",
        "columns": {"label": "score"},
        "standardize": True,
        "text_pair_column": "sentence2",
    }
    assert wait_for_job(clone.id, store).status == COMPLETED


def _micro_f1(card: str) -> float:
    """The entity F1 over every type of a card's per-type table (true positives from recall and support, predicted
    entities from precision)."""
    rows = card.split("| type | precision | recall | f1 | support |\n|---|---|---|---|---|\n")[1].split("\n\n")[0]
    found = predicted = gold = 0.0
    for row in rows.strip().splitlines():
        _, precision, recall, _, support = (cell.strip() for cell in row.strip("|").split("|"))
        hits = float(recall) * int(support)
        found, gold = found + hits, gold + int(support)
        predicted += hits / float(precision) if float(precision) else 0.0
    return 2 * found / (predicted + gold) if predicted + gold else 0.0
