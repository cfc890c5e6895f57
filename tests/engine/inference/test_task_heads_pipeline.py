"""The studio's models of the new heads through `transformers.pipeline`: a plain `pipeline(task, model=folder)` reads
the saved config as the studio does (same labels and scores within 1e-4, same entities), and the Try tab's Other
tasks panel (`engine.inference.pipelines`) suggests and runs the right call. Models: tiny ones trained three steps
(tests/engine/inference/trained_tasks.py); the checks compare two readings of the same outputs, not quality."""

import pytest
from transformers import AutoConfig, pipeline

from engine.common.errors import StudioError
from engine.inference.pipelines import TaskRequest, pipeline_arguments, pipeline_call, run_task, suggest_task
from engine.inference.task_predict import predict_reference
from tests.engine.inference.trained_tasks import SAMPLES, TOKENIZATION
from tests.engine.tasks.trainer_run import train_sample

TEXT = "Ada Marlow joined Orion Labs in Port Arlen as the storm closed the stadium."
FIRST, SECOND = "A man is playing a guitar.", "Someone plays an instrument."


def studio_scores(folder, **inputs) -> dict[str, float]:
    return {row["label"]: row["probability"] for row in predict_reference(str(folder), **inputs).result["scores"]}


def test_transformers_5_has_no_question_answering_pipeline_and_a_studio_qa_model_is_sent_to_the_try_tab(
    task_models,
):
    from transformers.pipelines import SUPPORTED_TASKS

    assert "question-answering" not in SUPPORTED_TASKS
    assert suggest_task(str(task_models["question-answering"])) is None
    inputs = {"context": "Ada founded Orion Labs.", "question": "Who founded it?"}
    with pytest.raises(StudioError, match="extractive question-answering model: transformers 5 has no"):
        run_task(TaskRequest("question-answering", str(task_models["question-answering"]), inputs))


def test_a_multi_label_model_reads_through_a_plain_text_classification_pipeline_with_sigmoid_scores(task_models):
    folder = task_models["multi-label-classification"]
    config = AutoConfig.from_pretrained(folder)
    assert config.problem_type == "multi_label_classification" and len(config.id2label) == config.num_labels > 1

    plain = pipeline("text-classification", model=str(folder))(TEXT, top_k=None)  # transformers picks sigmoid itself
    explicit = pipeline("text-classification", model=str(folder))(TEXT, top_k=None, function_to_apply="sigmoid")

    expected = studio_scores(folder, text=TEXT)
    for result in (plain, explicit):
        assert {item["label"]: item["score"] for item in result} == pytest.approx(expected, abs=1e-4)
    assert sum(expected.values()) != pytest.approx(1.0, abs=1e-3)  # independent sigmoids, not a softmax


def test_a_regression_model_reads_through_text_classification_with_no_function_applied(task_models):
    folder = task_models["regression"]
    config = AutoConfig.from_pretrained(folder)
    assert config.problem_type == "regression" and config.num_labels == 1

    (item,) = pipeline("text-classification", model=str(folder))({"text": FIRST, "text_pair": SECOND}, top_k=None)

    value = predict_reference(str(folder), text=FIRST, text_pair=SECOND).result["value"]
    assert item["score"] == pytest.approx(value, abs=1e-4)


def test_a_token_classification_model_groups_the_same_entities_as_the_studio_with_first_sub_word_aggregation(
    task_models,
):
    folder = task_models["token-classification"]

    groups = pipeline("token-classification", model=str(folder))(TEXT, aggregation_strategy="first")

    entities = predict_reference(str(folder), text=TEXT).result["entities"]
    assert entities  # near chance, the tiny model still tags a few words: the comparison below has rows
    assert [(g["entity_group"], TEXT[g["start"] : g["end"]]) for g in groups] == [
        (e["type"], e["text"]) for e in entities
    ]
    assert [float(g["score"]) for g in groups] == pytest.approx([e["score"] for e in entities], abs=1e-4)


def test_the_other_tasks_panel_suggests_and_runs_the_call_each_head_needs(task_models):
    calls = {}
    for task in ("multi-label-classification", "regression", "token-classification"):
        folder = str(task_models[task])
        suggested = suggest_task(folder)
        arguments = pipeline_arguments(suggested, AutoConfig.from_pretrained(folder), {"task": task, "options": {}})
        calls[task] = pipeline_call(suggested, arguments)
    assert calls == {
        "multi-label-classification": (
            "pipeline(\"text-classification\", model=folder)(text, top_k=None, function_to_apply='sigmoid')"
        ),
        "regression": "pipeline(\"text-classification\", model=folder)(text, top_k=None, function_to_apply='none')",
        "token-classification": "pipeline(\"token-classification\", model=folder)(text, aggregation_strategy='first')",
    }

    multi_label = str(task_models["multi-label-classification"])
    multi = run_task(TaskRequest("text-classification", multi_label, {"text": TEXT}))
    expected = studio_scores(multi_label, text=TEXT)
    assert {item["label"]: item["score"] for item in multi} == pytest.approx(expected, abs=1e-4)
    entities = run_task(TaskRequest("token-classification", str(task_models["token-classification"]), {"text": TEXT}))
    studio = predict_reference(str(task_models["token-classification"]), text=TEXT).result["entities"]
    assert [(e["entity_group"], e["start"], e["end"]) for e in entities] == [
        (e["type"], e["start"], e["end"]) for e in studio
    ]


def test_a_model_made_elsewhere_keeps_the_courses_simple_aggregation_and_softmax_for_single_labels(task_models):
    config = AutoConfig.from_pretrained(task_models["token-classification"])
    assert pipeline_arguments("token-classification", config, None) == {"aggregation_strategy": "simple"}
    classifier = AutoConfig.from_pretrained(task_models["text-classification"])
    assert pipeline_arguments("text-classification", classifier) == {"top_k": None, "function_to_apply": "softmax"}


def test_a_regression_model_trained_on_standardised_targets_is_mapped_back_to_their_scale(tmp_path):
    folder = tmp_path / "standardised" / "model"
    train_sample(
        "regression", SAMPLES["regression"], tmp_path / "run", max_steps=3, tokenization=TOKENIZATION,
        save_to=folder, standardize=True,
    )  # fmt: skip
    value = predict_reference(str(folder), text=FIRST, text_pair=SECOND).result["value"]
    inputs = {"text": FIRST, "text_pair": SECOND}

    (raw,) = pipeline("text-classification", model=str(folder))(inputs, top_k=None)
    (mapped,) = run_task(TaskRequest("text-classification", str(folder), inputs))

    assert raw["score"] != pytest.approx(value, abs=1e-3)  # the pipeline alone gives the standardised value
    assert mapped["score"] == pytest.approx(value, abs=1e-4)
