"""engine.inference.share:

A model card to read, a zip to download, a Hub push that fails fast offline and keeps no token."""

import zipfile

import pytest

from engine.common.hub import HubUnreachableError
from engine.common.paths import jobs_dir
from engine.inference.share import PushRequest, card_for_reading, model_card, push_to_hub, zip_model
from tests.tiny_models import biased_classifier

JOB = "job:7"


@pytest.fixture
def model_folder(studio_data_dir):
    """The published model of finished job 7 (what a completed run leaves in jobs/7/model)."""
    folder = biased_classifier(jobs_dir() / "7" / "model", ["a", "b"], 0)
    (folder / "README.md").write_text("---\nlicense: cc0-1.0\n---\n# my model\n")
    return folder


def test_the_model_card_is_read_from_the_folder(model_folder):
    assert "# my model" in model_card(JOB)


def test_a_card_for_reading_moves_the_metadata_under_the_body(model_folder):
    text = card_for_reading(model_card(JOB))

    assert text.startswith("# my model")
    assert text.endswith("```yaml\nlicense: cc0-1.0\n```")


def test_a_job_without_a_card_says_so(studio_data_dir):
    biased_classifier(jobs_dir() / "8" / "model", ["a", "b"], 0)

    with pytest.raises(ValueError, match="has no model card"):
        model_card("job:8")


def test_the_zip_holds_the_weights_tokenizer_config_and_card(model_folder, studio_data_dir):
    archive = zip_model(JOB)

    assert archive.parent == studio_data_dir / "downloads" and archive.name == "job-7.zip"
    names = set(zipfile.ZipFile(archive).namelist())
    assert {"config.json", "model.safetensors", "tokenizer.json", "README.md"} <= names


@pytest.mark.parametrize("where", ["inside", "outside"])
def test_a_typed_model_folder_is_never_handed_out_only_a_finished_job(where, model_folder, studio_data_dir, tmp_path):
    root = studio_data_dir / "models" if where == "inside" else tmp_path / "elsewhere"
    folder = biased_classifier(root / "my-model", ["a", "b"], 0)

    for share in (zip_model, model_card, lambda ref: push_to_hub(PushRequest(ref, "me/my-model"), token="hf_x")):
        with pytest.raises(ValueError, match=r"is a folder; only a finished training job \(job:<id>\) can be shared"):
            share(str(folder))


def test_scratch_and_hub_models_have_nothing_to_share():
    with pytest.raises(ValueError, match="untrained starter model"):
        zip_model("scratch:tiny")
    with pytest.raises(ValueError, match="is on the Hub already"):
        model_card("bert-base-uncased")


def test_a_push_without_a_token_asks_for_one(model_folder, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)

    with pytest.raises(ValueError, match="a Hub token with write access is needed"):
        push_to_hub(PushRequest(JOB, "me/my-model"))


def test_a_push_offline_fails_within_seconds_and_the_token_is_nowhere_in_the_message(model_folder, hub_unreachable):
    secret = "hf_" + "x" * 30

    with pytest.raises(HubUnreachableError) as raised:
        push_to_hub(PushRequest(JOB, "me/my-model"), token=secret)

    assert hub_unreachable in str(raised.value)
    assert secret not in str(raised.value)


@pytest.mark.parametrize("repo_id", ["my-model", "a/b/c", "me/", "/model", "me/bad name"])
def test_a_malformed_repository_id_is_refused(repo_id):
    with pytest.raises(ValueError, match="should look like user-or-org/model-name"):
        PushRequest("job:1", repo_id)
