"""The Datasets tab's task view through `gradio_client`: the bundled NER and QA samples and an uploaded CoNLL file
load, show their rows as the task reads them and answer the task checks."""

import json
import re
from pathlib import Path

from gradio_client import Client, handle_file


def load(client: Client, source: str) -> tuple:
    return client.predict(source, "", "", "", "", api_name="/load_dataset")


def test_sample_entities_answers_the_token_checks_and_shows_coloured_tags(client: Client):
    load(client, "sample:entities")

    text, tags, per_sentence, truncated = client.predict("scratch:tiny", 16, "", "train", "", api_name="/check_task")
    assert text.startswith("**Token classification**, 800 sentences")
    assert re.search(r"At max_length 16: \*\*[1-9][\d,]*\*\* sentences truncated", text)
    assert json.loads(tags["plot"])["data"][0]["x"][:3] == ["O", "B-LOC", "I-LOC"]
    assert json.loads(per_sentence["plot"])["layout"]["title"]["text"].startswith("Entities per sentence")
    assert truncated["headers"] == ["truncated row"] and truncated["data"]

    page = client.predict("train", 0, 10, "", api_name="/task_rows")
    assert page.count('class="task-row"') == 10 and 'data-tag="B-PER"' in page
    note = client.predict("scratch:tiny", 64, "train", api_name="/check_dataset")[0]
    assert "see the task checks below" in note


def test_sample_questions_counts_answers_outside_every_window_for_a_max_length_and_stride(client: Client):
    load(client, "sample:questions")

    text, windows, answers, misplaced = client.predict(
        "scratch:tiny", 64, 16, "validation", "question-answering", api_name="/check_task"
    )
    assert "**Question answering**, 82 questions" in text and "At max_length 64 and stride 16" in text
    assert "**0** answers are not at their `answer_start`" in text and misplaced["data"] == []
    bars = json.loads(answers["plot"])["data"][0]
    assert bars["x"] == ["held by a window", "outside every window", "not at answer_start"]
    assert json.loads(windows["plot"])["layout"]["title"]["text"].startswith("Windows per question")
    assert client.predict("validation", 0, 10, "", api_name="/task_rows").count('<mark class="answer">') == 10


def test_an_uploaded_conll_file_opens_with_tag_names_and_a_txt_one_when_chosen(client: Client, tmp_path: Path):
    upload = tmp_path / "news.conll"
    upload.write_text("-DOCSTART- O\n\nEU B-ORG\nrejects O\nGerman B-MISC\n\nPeter B-PER\nBlackburn I-PER\n")
    source = client.predict(handle_file(str(upload)), api_name="/upload_dataset")
    assert source.endswith("/news.conll")
    summary, features, *_ = load(client, source)
    assert "**train** 2 rows" in summary
    assert features["data"] == [["tokens", "List"], ["ner_tags", "List"]]
    _, rows, _ = client.predict("train", 0, 20, api_name="/browse")
    assert "'B-PER', 'I-PER'" in str(rows["data"][1])  # tag ids shown as their names
    assert 'data-tag="B-ORG">EU' in client.predict("train", 0, 20, "", api_name="/task_rows")

    text = tmp_path / "news.txt"
    text.write_text("Ada B-PER\nsang O\n")
    refused = client.submit(handle_file(str(text)), api_name="/upload_dataset")
    try:
        refused.result()
    except Exception as error:  # gradio_client's AppError carries the page's message
        assert "Read a txt upload as CoNLL: tick it to read news.txt" in str(error)
    else:
        raise AssertionError("a .txt upload was read without choosing CoNLL")
    kept = client.predict(handle_file(str(text)), conll_txt=True, api_name="/upload_dataset")
    assert kept.startswith("conll:") and kept.endswith("/news.txt")
    assert "**train** 1 rows" in load(client, kept)[0]


def test_a_malformed_conll_upload_is_named_by_file_and_line(client: Client, tmp_path: Path):
    upload = tmp_path / "broken.conll"
    upload.write_text("EU B-ORG\n\nlonely\n")
    source = client.predict(handle_file(str(upload)), api_name="/upload_dataset")
    try:
        load(client, source)
    except Exception as error:  # gradio_client's AppError carries the page's message
        assert "line 3 of broken.conll: 'lonely' has a word and no tag" in str(error)
    else:
        raise AssertionError("a malformed CoNLL file loaded")
