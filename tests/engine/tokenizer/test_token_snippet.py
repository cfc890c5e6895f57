"""engine.tokenizer.snippet: a Python snippet that reproduces the exact call, and does when run."""

from engine.tokenizer.inspection import TokenInput, TokenizeOptions, inspect_tokens
from engine.tokenizer.snippet import python_snippet, tokenizer_source


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
