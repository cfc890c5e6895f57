"""engine.inference.pipelines: models of other tasks through `transformers.pipeline`, with forms checked first."""

import pytest

from engine.inference.pipelines import TASKS, TaskRequest, candidate_labels, instruction, run_task, suggest_task
from tests.tiny_models import biased_classifier, causal_lm, masked_lm, token_classifier


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("task-models")


def test_the_task_is_suggested_from_the_architecture(folder):
    assert suggest_task(str(masked_lm(folder / "mlm"))) == "fill-mask"
    assert suggest_task(str(causal_lm(folder / "gpt"))) == "text-generation"
    assert suggest_task(str(token_classifier(folder / "ner"))) == "token-classification"
    assert suggest_task(str(biased_classifier(folder / "clf", ["a", "b"], 0))) == "text-classification"
    nli = biased_classifier(folder / "nli", ["contradiction", "neutral", "entailment"], 2)
    assert suggest_task(str(nli)) == "zero-shot-classification"


def test_fill_mask_returns_ranked_candidates_for_the_mask(folder):
    results = run_task(TaskRequest("fill-mask", str(masked_lm(folder / "mlm2")), {"text": "a lovely [MASK]"}))

    assert len(results) == 5
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    assert all(r["sequence"].startswith("a lovely") for r in results)


def test_fill_mask_without_the_mask_token_says_where_to_put_it(folder):
    with pytest.raises(ValueError, match=r"put the mask token \[MASK\] where"):
        run_task(TaskRequest("fill-mask", str(masked_lm(folder / "mlm3")), {"text": "a lovely film"}))


def test_zero_shot_scores_every_candidate_label(folder):
    nli = biased_classifier(folder / "nli2", ["contradiction", "neutral", "entailment"], 2)

    result = run_task(
        TaskRequest("zero-shot-classification", str(nli), {"text": "a lovely film", "candidate_labels": "film, sport"})
    )

    assert sorted(result["labels"]) == ["film", "sport"]
    assert sum(result["scores"]) == pytest.approx(1.0)


def test_text_classification_returns_every_label(folder):
    model = biased_classifier(folder / "clf2", ["a", "b"], 1)

    result = run_task(TaskRequest("text-classification", str(model), {"text": "hello", "text_pair": "there"}))

    assert {item["label"] for item in result} == {"a", "b"}


def test_token_classification_returns_plain_numbers(folder):
    result = run_task(TaskRequest("token-classification", str(token_classifier(folder / "ner2")), {"text": "paris"}))

    assert isinstance(result, list)
    assert all(isinstance(entity["score"], float) for entity in result)


def test_generation_and_instruction_tasks_run_on_a_causal_model(folder):
    model = str(causal_lm(folder / "gpt2"))

    generated = run_task(TaskRequest("text-generation", model, {"text": "a lovely"}, max_new_tokens=4))
    summary = run_task(TaskRequest("summarization", model, {"text": "a lovely film"}, max_new_tokens=4))

    assert isinstance(generated[0]["generated_text"], str)
    assert isinstance(summary[0]["generated_text"], str)


def test_instructions_carry_every_input():
    text = instruction("question-answering", {"context": "Paris is in France.", "question": "Where is Paris?"})
    assert "Context: Paris is in France." in text and "Question: Where is Paris?" in text
    assert "into French" in instruction("translation", {"text": "hello", "target_language": "French"})


@pytest.mark.parametrize(
    ("task", "inputs", "message"),
    [
        ("summarise", {"text": "x"}, "unknown task 'summarise'"),
        ("fill-mask", {"text": " "}, "fill-mask needs a text"),
        ("zero-shot-classification", {"text": "x", "candidate_labels": " , "}, "needs candidate labels"),
        ("question-answering", {"context": "x"}, "needs a question"),
        ("translation", {"text": "x"}, "needs a target language"),
    ],
)
def test_incomplete_forms_are_refused_before_any_model_loads(task, inputs, message):
    with pytest.raises(ValueError, match=message):
        TaskRequest(task, "scratch:tiny", inputs)


def test_every_task_has_a_form_and_labels_are_split_on_commas():
    assert set(TASKS) >= {"text-classification", "zero-shot-classification", "fill-mask", "question-answering"}
    assert candidate_labels(" sport, politics ,,tech ") == ["sport", "politics", "tech"]


def test_a_pipeline_loads_whole_while_other_threads_load_classifiers(folder):
    """transformers 5 leaves a model's tied weights on the meta device when another thread loads a model at the
    same time; the engine serialises its loads, so a pipeline loaded next to busy classifier loads still works."""
    import threading

    from engine.inference import pipelines as task_pipelines
    from engine.models import classifier as classifiers

    model = str(masked_lm(folder / "mlm-threads"))
    classifier = str(biased_classifier(folder / "clf-threads", ["a", "b"], 0))
    stop = threading.Event()

    def load_classifiers_again_and_again():
        while not stop.is_set():
            classifiers._load.cache_clear()  # a fresh load each time, like the pipeline below
            classifiers.load_classifier(classifier)

    others = [threading.Thread(target=load_classifiers_again_and_again) for _ in range(2)]
    for thread in others:
        thread.start()
    try:
        for _ in range(5):
            task_pipelines._pipeline.cache_clear()  # a fresh load each time, racing the other threads
            results = run_task(TaskRequest("fill-mask", model, {"text": "a lovely [MASK]"}))
            assert len(results) == 5
    finally:
        stop.set()
        for thread in others:
            thread.join()


def test_an_instruction_task_goes_to_a_chat_model_as_a_message(folder, monkeypatch):
    from transformers import AutoTokenizer

    from engine.inference import pipelines as task_pipelines

    model = causal_lm(folder / "chat")
    tokenizer = AutoTokenizer.from_pretrained(model)
    # The smallest chat template: the user's message, then the assistant's turn to answer.
    tokenizer.chat_template = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}assistant:"
    tokenizer.save_pretrained(model)
    inputs = {"text": "a lovely film", "target_language": "French"}

    answer = run_task(TaskRequest("translation", str(model), inputs, 4))

    assert isinstance(answer[0]["generated_text"], str)  # the real pipeline took the chat input
    runner = task_pipelines._pipeline("text-generation", str(model))
    sent = []
    monkeypatch.setattr(
        task_pipelines, "_pipeline", lambda task, path: type("Spy", (), {
            "tokenizer": runner.tokenizer, "__call__": lambda self, prompt, **kw: sent.append(prompt) or [],
        })()
    )  # fmt: skip
    run_task(TaskRequest("translation", str(model), inputs, 4))
    assert sent == [[{"role": "user", "content": instruction("translation", inputs)}]]
