"""The Try tab through `gradio_client`: predictions, a file, an evaluation with its cells, comparison, other
tasks and sharing, against a launched app. Models are tiny biased classifiers (see tests/tiny_models.py), whose
every answer is known, so the checks are exact."""

import csv
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from tests.app.launch import LaunchedStudio, StudioClient
from tests.conftest import review_rows
from tests.tiny_models import biased_classifier, encoder_without_head, favoured_probability, masked_lm

LABELS = ["positive", "negative"]  # ids in the opposite order from sorted names


@pytest.fixture(scope="module")
def models(studio: LaunchedStudio) -> dict[str, str]:
    # Inside the app's data directory: the Share tab hands out only the app's own model folders.
    folder = studio.data_dir / "try-models"
    positive = biased_classifier(folder / "always-positive", LABELS, favour=0)
    (positive / "README.md").write_text("---\nlicense: cc0-1.0\n---\n# always positive\n")
    return {
        "positive": str(positive),
        "negative": str(biased_classifier(folder / "always-negative", LABELS, favour=1)),
        "encoder": str(encoder_without_head(folder / "encoder")),
        "mlm": str(masked_lm(folder / "mlm")),
    }


@pytest.fixture(scope="module")
def reviews(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dataset folder with a 20-row `test.csv`: 10 positive, 10 negative, labels as strings."""
    folder = tmp_path_factory.mktemp("try-reviews")
    rows = review_rows(20)
    with (folder / "test.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(zip(rows["text"], rows["label"], strict=True))
    return folder


def table_rows(table: dict) -> list[dict]:
    return [dict(zip(table["headers"], row, strict=True)) for row in table["data"]]


def test_a_prediction_shows_the_label_probabilities_and_the_tokens(client: StudioClient, models):
    label, chart, seen = client.predict(models["negative"], "a lovely film", "", api_name="/predict")

    assert label["label"] == "negative"
    scores = {item["label"]: item["confidence"] for item in label["confidences"]}
    assert scores["negative"] == pytest.approx(favoured_probability(2), abs=1e-4)
    assert json.loads(chart["plot"])["data"][0]["type"] == "bar"
    assert "`[CLS]` `a` `lovely` `film` `[SEP]`" in seen


def test_several_clients_predicting_at_once_all_get_their_own_answer(studio_url: str, models):
    texts = review_rows(8)["text"]

    def ask(index: int) -> tuple[str, str]:
        model = models["positive"] if index % 2 == 0 else models["negative"]  # two models, interleaved
        label, _, seen = StudioClient(studio_url).predict(model, texts[index], "", api_name="/predict")
        return label["label"], seen

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(ask, range(8)))

    assert [label for label, _ in answers] == ["positive", "negative"] * 4
    for (_, seen), text in zip(answers, texts, strict=True):
        assert f"`{text.split()[1].rstrip(',')}`" in seen  # each client saw the tokens of its own text


def test_a_file_comes_back_with_predictions_to_download(client: StudioClient, models, tmp_path):
    upload = tmp_path / "to label.csv"
    upload.write_text("id,review\n1,a lovely film\n2,an awful meal\n")

    download, preview = client.predict(
        models["positive"], handle_file(str(upload)), "review", "", api_name="/predict_file"
    )

    with open(download, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["id"] for row in rows] == ["1", "2"]
    assert {row["predicted_label"] for row in rows} == {"positive"}
    assert set(rows[0]) >= {"confidence", "prob_positive", "prob_negative"}
    assert Path(download).name.startswith("to-label-predicted-")
    assert table_rows(preview)[0]["predicted_label"] == "positive"


def test_a_file_with_a_missing_column_names_the_columns_it_has(client: StudioClient, models, tmp_path):
    upload = tmp_path / "reviews.csv"
    upload.write_text("id,review\n1,a lovely film\n")

    with pytest.raises(AppError, match="reviews.csv has no column 'text'; its columns are id, review"):
        client.predict(models["positive"], handle_file(str(upload)), "text", "", api_name="/predict_file")


def test_an_evaluation_gives_scores_charts_and_the_rows_of_any_confusion_cell(client: StudioClient, models, reviews):
    summary, per_class, heatmap, reliability, confusion, mistakes = client.predict(
        models["positive"], str(reviews), "", "test", "", "", "", api_name="/evaluate"
    )

    assert "accuracy **0.500**" in summary and "10 wrong" in summary
    assert [row["label"] for row in table_rows(per_class)] == LABELS
    assert json.loads(heatmap["plot"])["data"][0]["z"] == [[10, 0], [10, 0]]
    assert json.loads(reliability["plot"])["data"][1]["y"] == [0.5]
    assert table_rows(confusion) == [
        {"true \\ predicted": "positive", "positive": 10, "negative": 0},
        {"true \\ predicted": "negative", "positive": 10, "negative": 0},
    ]
    wrong = table_rows(mistakes)
    assert len(wrong) == 10 and all(row["true"] == "negative" for row in wrong)
    assert wrong[0]["tokens"].startswith("[CLS] ")

    cell = client.predict("negative", "positive", api_name="/confusion_examples")

    assert len(cell["data"]) == 10
    assert {row["predicted"] for row in table_rows(cell)} == {"positive"}


def test_a_model_without_a_classification_head_is_refused_in_the_page(client: StudioClient, models):
    with pytest.raises(AppError, match="has no text-classification head"):
        client.predict(models["encoder"], "hello", "", api_name="/predict")


def test_two_models_are_compared_on_a_text_and_on_a_split(client: StudioClient, models, reviews):
    note, table = client.predict(models["positive"], models["negative"], "a lovely film", "", api_name="/compare_text")

    assert "disagree" in note
    assert [row["label"] for row in table_rows(table)] == ["positive", "negative"]

    note, metrics, disagreements = client.predict(
        models["positive"], models["negative"], str(reviews), "", "test", "", "", "", api_name="/compare_split"
    )

    assert note.startswith("20 of 20 rows get different labels")
    accuracy = next(row for row in table_rows(metrics) if row["metric"] == "accuracy")
    assert accuracy[models["positive"]] == accuracy[models["negative"]] == 0.5
    assert len(disagreements["data"]) == 20


def test_a_fill_mask_model_runs_through_its_pipeline(client: StudioClient, models):
    output = client.predict("fill-mask", models["mlm"], "a lovely [MASK]", "", 8, api_name="/run_pipeline")

    assert len(output) == 5 and all(item["sequence"].startswith("a lovely") for item in output)


def test_the_card_and_the_zip_are_offered_and_a_push_offline_fails_fast(
    client: StudioClient, models, studio: LaunchedStudio
):
    # Only finished jobs are shared: the folder, published as a completed job's model is.
    shutil.copytree(models["positive"], studio.data_dir / "jobs" / "4242" / "model")
    card = client.predict("job:4242", api_name="/model_card")
    assert "license: cc0-1.0" in card.split("```yaml")[1]  # the metadata header, shown as YAML under the body
    archive = client.predict("job:4242", api_name="/download_model")

    assert "# always positive" in card
    assert Path(archive).suffix == ".zip"
    with pytest.raises(AppError, match="unreachable"):
        client.predict("job:4242", "me/always-positive", "hf_" + "x" * 30, True, api_name="/push_to_hub")
