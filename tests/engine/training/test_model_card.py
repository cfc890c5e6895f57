"""engine.training.model_card:

A Hub-style model card with metadata, the data, the settings, the hardware and the scores."""

import socket

import pytest
from huggingface_hub import ModelCard

from engine.training.config import TrainConfig
from engine.training.data import TrainingData, prepare_training_data
from engine.training.model_card import write_model_card

METRICS = {"loss": 0.41234, "accuracy": 0.9, "f1": 0.8912, "precision": 0.88, "recall": 0.9011}


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection attempt fails the test: writing a card must never reach the Hub."""

    def refuse(*args, **kwargs):
        raise AssertionError("the model card tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture
def reviews(tiny_csv_folder) -> TrainingData:
    return prepare_training_data(TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny"))


def config(dataset: str, **changes) -> TrainConfig:
    return TrainConfig(dataset=dataset, model="scratch:tiny", epochs=2.0, learning_rate=5e-4, **changes)


def write(tmp_path, train_config: TrainConfig, data: TrainingData, **kwargs) -> ModelCard:
    path = write_model_card(tmp_path, train_config, data, METRICS, **kwargs)
    assert path == tmp_path / "README.md"
    return ModelCard.load(path)


def test_the_metadata_says_what_the_model_is_for(tmp_path, tiny_csv_folder, reviews):
    card = write(tmp_path, config(str(tiny_csv_folder)), reviews)

    assert card.data.library_name == "transformers"
    assert card.data.pipeline_tag == "text-classification"
    assert "finetune-studio" in card.data.tags
    assert card.data.metrics == ["accuracy", "f1", "precision", "recall"]


def test_the_scores_are_in_the_model_index(tmp_path, tiny_csv_folder, reviews):
    card = write(tmp_path, config(str(tiny_csv_folder)), reviews)

    scores = {result.metric_type: result.metric_value for result in card.data.eval_results}
    assert scores == {"accuracy": 0.9, "f1": 0.8912, "precision": 0.88, "recall": 0.9011}
    assert {result.dataset_split for result in card.data.eval_results} == {"validation"}


def test_local_data_and_a_scratch_model_are_not_named_as_hub_ids(tmp_path, tiny_csv_folder, reviews):
    card = write(tmp_path, config(str(tiny_csv_folder)), reviews)

    assert card.data.base_model is None
    assert card.data.datasets is None
    assert str(tiny_csv_folder.parent) not in card.content  # a local path is named by its last part only
    assert f"`{tiny_csv_folder.name}`" in card.text


def test_a_hub_model_and_a_hub_dataset_are_named_as_base_model_and_dataset(tmp_path, reviews):
    hub_config = TrainConfig(dataset="stanfordnlp/imdb", model="bert-base-uncased", epochs=3.0, learning_rate=5e-5)

    card = write(tmp_path, hub_config, reviews)

    assert card.data.base_model == "bert-base-uncased"
    assert card.data.datasets == ["stanfordnlp/imdb"]
    assert {result.dataset_type for result in card.data.eval_results} == {"stanfordnlp/imdb"}


def test_the_body_lists_labels_splits_settings_time_hardware_and_results(tmp_path, tiny_csv_folder, reviews):
    train_config = config(str(tiny_csv_folder), scheduler="cosine", load_best_model_at_end=True)

    text = write(tmp_path, train_config, reviews, train_seconds=43.21, hardware="CPU: Test CPU (2 cores)").text

    assert "Labels: negative, positive" in text
    assert "| train | 54 |" in text and "| validation | 6 |" in text
    assert "carved" in text  # the note saying where the validation split came from
    assert "| learning rate | 0.0005 |" in text
    assert "| schedule | cosine, warm-up 10% of the steps |" in text
    assert "| model kept | best F1 (macro) |" in text
    assert "Training time: 43.2 s. Hardware: CPU: Test CPU (2 cores)." in text
    assert "| F1 (macro) | 0.8912 |" in text and "| loss | 0.4123 |" in text


def test_a_long_run_shows_its_time_in_hours_minutes_and_seconds(tmp_path, tiny_csv_folder, reviews):
    text = write(tmp_path, config(str(tiny_csv_folder)), reviews, train_seconds=3725.4).text

    assert "Training time: 1:02:05 (h:mm:ss)." in text


def test_time_and_hardware_left_out_are_said_to_be_unrecorded(tmp_path, tiny_csv_folder, reviews):
    text = write(tmp_path, config(str(tiny_csv_folder)), reviews).text

    assert "Training time: not recorded. Hardware: not recorded." in text


def test_a_named_run_gives_the_card_its_title_and_model_name(tmp_path, tiny_csv_folder, reviews):
    card = write(tmp_path, config(str(tiny_csv_folder), name="reviews baseline"), reviews)

    assert card.text.lstrip().startswith("# reviews baseline")
    assert card.content.count("name: reviews baseline") == 1  # the model-index entry


def test_precision_auto_is_written_with_what_the_run_computed_in(tmp_path, tiny_csv_folder, reviews):
    text = write(tmp_path, config(str(tiny_csv_folder)), reviews, precision="bf16").text

    assert "| precision | auto (bf16) |" in text


def test_a_token_classification_card_names_the_task_its_use_and_the_per_entity_type_table(tmp_path):
    entities = config("sample:entities", task="token-classification", label_all_tokens=True)
    data = prepare_training_data(entities)
    metrics = {"loss": 0.3, "precision": 0.71, "recall": 0.69, "f1": 0.7, "accuracy": 0.93}
    table = [
        {"type": "LOC", "precision": 0.8, "recall": 0.75, "f1": 0.7742, "support": 40},
        {"type": "PER", "precision": 0.6, "recall": 0.65, "f1": 0.624, "support": 31},
    ]

    card = ModelCard.load(write_model_card(tmp_path, entities, data, metrics, table=table))

    assert card.data.pipeline_tag == "token-classification"
    assert "Task: `token-classification`" in card.text and "Tag each word of a sentence" in card.text
    assert "| F1 (entities) | 0.7000 |" in card.text and "| accuracy (tokens) | 0.9300 |" in card.text
    assert "### Per type\n\n| type | precision | recall | f1 | support |" in card.text
    assert "| LOC | 0.8000 | 0.7500 | 0.7742 | 40 |" in card.text
    assert "every sub-word of a word learnt the word's tag" in card.text


def test_a_regression_card_says_plainly_that_targets_were_standardised_and_mapped_back(tmp_path):
    similarity = config("sample:similarity", task="regression", standardize=True)
    data = prepare_training_data(similarity)
    metrics = {"loss": 0.5, "mse": 0.8, "rmse": 0.8944, "mae": 0.7, "pearson": 0.6, "spearman": 0.58, "r2": 0.35}

    card = ModelCard.load(write_model_card(tmp_path, similarity, data, metrics))

    assert f"mean {data.setup.option('mean'):.4g}, standard deviation" in card.text
    assert "mapped back to the original scale" in card.text
    assert (
        "| RMSE (root mean squared error) | 0.8944 |" in card.text and "| Spearman correlation | 0.5800 |" in card.text
    )
    assert "### Per" not in card.text  # regression has no per-label table; its scores are the metrics above


def test_a_multi_label_card_lists_the_thresholds_tuned_on_validation(tmp_path):
    tags = config("sample:tags", task="multi-label-classification")
    data = prepare_training_data(tags)
    tuned = data.setup.with_options(thresholds=[0.35] * len(data.setup.labels))
    metrics = {"loss": 0.2, "f1_micro": 0.8, "f1_macro": 0.7, "f1_samples": 0.75, "subset_accuracy": 0.5}

    card = ModelCard.load(write_model_card(tmp_path, tags, data, metrics, setup=tuned))

    assert f"tuned on the validation split: {data.setup.labels[0]} 0.35" in card.text
    assert "| F1 (macro) | 0.7000 |" in card.text
    assert {r.metric_args.get("average") for r in card.data.eval_results if r.metric_type == "f1_macro"} == {"macro"}
