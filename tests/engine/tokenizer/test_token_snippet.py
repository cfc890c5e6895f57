"""engine.tokenizer.snippet: a Python snippet that reproduces the exact call, and does when run."""

import pytest

from engine.tasks.alignment import label_alignment, sentence_setup
from engine.tasks.base import Tokenization
from engine.tasks.windows import answer_windows, question_setup
from engine.tokenizer.inspection import TokenInput, TokenizeOptions, inspect_tokens
from engine.tokenizer.snippet import alignment_snippet, python_snippet, tokenizer_source, windows_snippet
from tests import tiny_models


def run_snippet(snippet: str) -> dict:
    namespace: dict = {}
    exec(compile(snippet.replace("print(name, values)", "pass"), "<snippet>", "exec"), namespace)
    return dict(namespace["encoding"])


def test_the_snippet_reproduces_the_inspection_exactly(wordpiece_tokenizer, tmp_path):
    wordpiece_tokenizer.save_pretrained(tmp_path)
    lines = "the museum opens at nine the train leaves at noon\tthe train\nat noon\tthe 'zoo' closes"
    inputs = TokenInput.from_lines(lines)
    options = TokenizeOptions(
        padding="max_length", truncation="only_first", max_length=14, stride=1, return_overflowing_tokens=True
    )
    inspection = inspect_tokens(wordpiece_tokenizer, inputs, options)

    snippet = python_snippet("my-folder", str(tmp_path), inputs, options)

    encoding = run_snippet(snippet)
    assert len(inspection.sequences) > 2  # the first line overflows into windows
    assert encoding["input_ids"] == inspection.matrix("input_ids")
    assert encoding["attention_mask"] == inspection.matrix("attention_mask")
    assert "truncation='only_first'," in snippet and "stride=1," in snippet
    assert f"AutoTokenizer.from_pretrained({str(tmp_path)!r})  # my-folder" in snippet


def test_a_single_text_is_passed_as_a_string_and_no_truncation_as_false(tmp_path):
    snippet = python_snippet("x", "x", TokenInput.single("the museum"), TokenizeOptions(), is_fast=False)

    assert (
        "    'the museum',\n    add_special_tokens=True,\n    padding='do_not_pad',\n    truncation=False,\n"
        in snippet
    )
    assert "return_offsets_mapping" not in snippet  # a slow tokenizer would refuse it
    assert "# x" not in snippet


def test_a_scratch_reference_becomes_its_folder_and_a_hub_id_stays_an_id():
    assert tokenizer_source("scratch:tiny").endswith("-seed42")
    assert tokenizer_source("someone/some-model") == "someone/some-model"


def run_task_snippet(snippet: str) -> dict:
    namespace: dict = {"print": lambda *args: None}
    exec(compile(snippet, "<snippet>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("label_all", [False, True])
def test_the_alignment_snippet_gives_every_token_the_label_training_gives_it(tmp_path, label_all):
    tokenizer = tiny_models.tokenizer()
    tokenizer.save_pretrained(tmp_path)
    words, tags = ["Marlow", "is", "paris"], ["B-PER", "O", "B-LOC"]
    setup = sentence_setup([*words, "Ada", "Marlow"], [*tags, "B-PER", "I-PER"], label_all_subwords=label_all)
    alignment = label_alignment(words, tags, tokenizer, setup, Tokenization(max_length=9))

    snippet = alignment_snippet("x", str(tmp_path), words, tags, list(setup.labels), label_all, 9)

    namespace = run_task_snippet(snippet)
    assert namespace["label_ids"] == [token.label_id for token in alignment.tokens]
    assert namespace["encoding"].tokens() == [token.token for token in alignment.tokens]
    assert ("I-PER" in [token.label for token in alignment.tokens]) is label_all


@pytest.mark.parametrize("answer", ["paris", "capital of france", None])
def test_the_windows_snippet_finds_the_answer_tokens_training_finds(tmp_path, answer):
    tokenizer = tiny_models.tokenizer()
    tokenizer.save_pretrained(tmp_path)
    context = "the museum opens at nine . " * 12 + "paris is the capital of france ."
    question, start = "what is the capital of france", context.index(answer) if answer else None
    view = answer_windows(question, context, tokenizer, question_setup(), Tokenization(32, 8), answer, start)

    snippet = windows_snippet("x", str(tmp_path), question, context, answer, start, 32, 8)

    positions = run_task_snippet(snippet)["positions"]
    assert positions == [window.answer or (0, 0) for window in view.windows]
    assert len(positions) > 2 and (answer is None) is (view.holding == [])
