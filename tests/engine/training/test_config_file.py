"""engine.training.config_file: a run's settings as config.yaml, read back field by field."""

import pytest

from engine.common.errors import MissingFileError, StudioError
from engine.training.config import TrainConfig
from engine.training.config_file import config_yaml, is_config_file, read_config, write_config

FULL = TrainConfig(
    dataset="sample:paraphrase",
    model="scratch:tiny",
    dataset_config=None,
    text_column="sentence1",
    text_pair_column="sentence2",
    label_column="label",
    epochs=2.5,
    batch_size=8,
    learning_rate=3e-5,
    max_length=64,
    seed=7,
    scheduler="cosine",
    warmup_ratio=0.0,
    weight_decay=0.0,
    gradient_accumulation_steps=2,
    max_grad_norm=0.5,
    eval_strategy="steps",
    eval_steps=10,
    metric_for_best_model="loss",
    load_best_model_at_end=True,
    early_stopping_patience=2,
    precision="fp32",
    auto_find_batch_size=True,
    gradient_checkpointing=True,
    name="pairs: 'quoted' #1",
)


@pytest.mark.parametrize("config", [FULL, TrainConfig(dataset="sample:sentiment", model="scratch:tiny")])
def test_a_written_config_reads_back_identical(tmp_path, config):
    assert read_config(write_config(config, tmp_path / "config.yaml")) == config


def test_every_field_is_spelled_out_even_when_unset_but_never_the_checkpoint_to_resume():
    text = config_yaml(TrainConfig(dataset="d.csv", model="scratch:tiny", resume_from_checkpoint="/x/checkpoint-5"))

    assert "epochs: null\n" in text and "learning_rate: null\n" in text
    assert "resume_from_checkpoint" not in text


def test_a_file_with_only_dataset_and_model_takes_the_defaults(tmp_path):
    path = tmp_path / "c.yml"
    path.write_text("dataset: sample:sentiment\nmodel: scratch:tiny\n")

    assert read_config(path) == TrainConfig(dataset="sample:sentiment", model="scratch:tiny")


def test_whole_numbers_and_exponents_yaml_reads_as_text_become_the_floats_they_mean(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("dataset: d.csv\nmodel: scratch:tiny\nepochs: 3\nlearning_rate: 1e-4\n")

    config = read_config(path)

    assert (config.epochs, config.learning_rate) == (3.0, 1e-4)
    assert isinstance(config.epochs, float)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("model: scratch:tiny\n", "no dataset given"),
        ("dataset: d.csv\nmodel: scratch:tiny\nlr: 0.1\n", "unknown setting 'lr'; settings are dataset, model"),
        ("dataset: d.csv\nmodel: scratch:tiny\nbatch_size: 2.5\n", "batch_size must be a whole number, not 2.5"),
        ("dataset: d.csv\nmodel: scratch:tiny\nseed: true\n", "seed must be a whole number, not True"),
        ("dataset: d.csv\nmodel: scratch:tiny\nepochs: many\n", "epochs must be a number or null, not 'many'"),
        ("dataset: d.csv\nmodel: scratch:tiny\nname: 12\n", "name must be text or null, not 12"),
        ("dataset: d.csv\nmodel: scratch:tiny\nbatch_size: 0\n", "batch_size must be in [1, 4096], not 0"),
        ("dataset: d.csv\nmodel: scratch:tiny\nscheduler: step\n", "scheduler must be one of linear, cosine"),
        ("dataset: d.csv\nmodel: scratch:tiny\nresume_from_checkpoint: /c\n", "unknown setting 'resume_from"),
        ("- dataset\n- model\n", "must hold one setting per line"),
        ("dataset: [d.csv\n", "is not a YAML file"),
    ],
)
def test_a_wrong_file_is_refused_naming_the_file_and_the_field(tmp_path, body, message):
    path = tmp_path / "c.yaml"
    path.write_text(body)

    with pytest.raises(StudioError) as error:
        read_config(path)

    assert message in str(error.value)
    assert str(path) in str(error.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(MissingFileError, match="no such config file"):
        read_config(tmp_path / "none.yaml")


@pytest.mark.parametrize(
    ("value", "is_file"), [("run/config.yaml", True), ("c.YML", True), ("mrpc", False), (None, False)]
)
def test_a_config_value_names_a_file_by_its_yaml_suffix_else_a_hub_configuration(value, is_file):
    assert is_config_file(value) is is_file


def test_every_unknown_key_is_named_at_once(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("dataset: d.csv\nmodel: scratch:tiny\nlr: 0.1\noptimizer: adam\n")

    with pytest.raises(StudioError, match="unknown settings 'lr', 'optimizer'; settings are dataset, model"):
        read_config(path)


def test_an_upload_is_named_by_its_own_name_not_the_servers_copy(tmp_path):
    path = tmp_path / "gradio-upload-1234" / "config.yaml"
    path.parent.mkdir()
    path.write_text("dataset: d.csv\nmodel: scratch:tiny\nbatch_size: 0\n")

    with pytest.raises(StudioError) as error:
        read_config(path, name="config.yaml")

    assert str(error.value).startswith("config.yaml: batch_size must be in [1, 4096]")
    assert "gradio-upload-1234" not in str(error.value)


def test_a_tasks_columns_by_role_read_back_from_yaml(tmp_path):
    run = TrainConfig(
        dataset="sample:entities", model="scratch:tiny", task="token-classification", columns={"tags": "ner_tags"}
    )

    assert read_config(write_config(run, tmp_path / "config.yaml")) == run
    (tmp_path / "bad.yaml").write_text("dataset: d\nmodel: m\ncolumns: {tags: 3}\n")
    with pytest.raises(StudioError, match=r"columns must be a mapping of names to text \(`role: column`\) or null"):
        read_config(tmp_path / "bad.yaml")
