"""engine.inference.share:

A model card to read, a zip to download, a Hub push that fails fast offline and keeps no token."""

import zipfile

import pytest

from engine.common.hub import HubUnreachableError
from engine.inference.share import PushRequest, card_for_reading, model_card, push_to_hub, zip_model
from tests.tiny_models import biased_classifier


@pytest.fixture
def model_folder(studio_data_dir):
    folder = biased_classifier(studio_data_dir / "models" / "my-model", ["a", "b"], 0)
    (folder / "README.md").write_text("---\nlicense: cc0-1.0\n---\n# my model\n")
    return folder


def test_the_model_card_is_read_from_the_folder(model_folder):
    assert "# my model" in model_card(str(model_folder))


def test_a_card_for_reading_moves_the_metadata_under_the_body(model_folder):
    text = card_for_reading(model_card(str(model_folder)))

    assert text.startswith("# my model")
    assert text.endswith("```yaml\nlicense: cc0-1.0\n```")


def test_a_folder_without_a_card_says_so(studio_data_dir):
    folder = biased_classifier(studio_data_dir / "no-card", ["a", "b"], 0)

    with pytest.raises(ValueError, match="has no model card"):
        model_card(str(folder))


def test_the_zip_holds_the_weights_tokenizer_config_and_card(model_folder, studio_data_dir):
    archive = zip_model(str(model_folder))

    assert archive.parent == studio_data_dir / "downloads" and archive.name == "my-model.zip"
    names = set(zipfile.ZipFile(archive).namelist())
    assert {"config.json", "model.safetensors", "tokenizer.json", "README.md"} <= names


def test_a_model_folder_outside_the_data_directory_is_not_handed_out(tmp_path):
    outside = biased_classifier(tmp_path / "elsewhere", ["a", "b"], 0)

    with pytest.raises(ValueError, match="is outside the app's data directory"):
        zip_model(str(outside))
    with pytest.raises(ValueError, match="is outside the app's data directory"):
        model_card(str(outside))


def test_scratch_and_hub_models_have_nothing_to_share():
    with pytest.raises(ValueError, match="untrained starter model"):
        zip_model("scratch:tiny")
    with pytest.raises(ValueError, match="is on the Hub already"):
        model_card("bert-base-uncased")


def test_a_push_without_a_token_asks_for_one(model_folder, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)

    with pytest.raises(ValueError, match="a Hub token with write access is needed"):
        push_to_hub(PushRequest(str(model_folder), "me/my-model"))


def test_a_push_offline_fails_within_seconds_and_the_token_is_nowhere_in_the_message(model_folder, hub_unreachable):
    secret = "hf_" + "x" * 30

    with pytest.raises(HubUnreachableError) as raised:
        push_to_hub(PushRequest(str(model_folder), "me/my-model"), token=secret)

    assert hub_unreachable in str(raised.value)
    assert secret not in str(raised.value)


@pytest.mark.parametrize("repo_id", ["my-model", "a/b/c", "me/", "/model", "me/bad name"])
def test_a_malformed_repository_id_is_refused(repo_id):
    with pytest.raises(ValueError, match="should look like user-or-org/model-name"):
        PushRequest("job:1", repo_id)
