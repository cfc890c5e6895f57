"""engine.models.refs: one parser for every model reference, and what each kind resolves to."""

import re
import time

import pytest

from engine.common.hub import HubUnreachableError
from engine.jobs.store import JobStore
from engine.models.loading import load_tokenizer, resolve_model
from engine.models.refs import HUB, JOB, LOCAL, SCRATCH, ModelRef, parse_model_ref
from engine.training.defaults import default_hyperparameters


def no_corpus() -> list[str]:
    raise AssertionError("only scratch: models need a corpus")


@pytest.fixture
def saved_model_folder(tmp_path):
    """A folder that looks like a `save_pretrained` output (config.json and a tokenizer file are what is checked)."""
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "tokenizer.json").write_text("{}")
    return folder


# parse_model_ref


@pytest.mark.parametrize(
    ("reference", "kind", "name"),
    [
        ("scratch:tiny", SCRATCH, "tiny"),
        ("scratch:small", SCRATCH, "small"),
        ("job:12", JOB, "12"),
        ("distilbert-base-uncased", HUB, "distilbert-base-uncased"),
        ("someone/their-model", HUB, "someone/their-model"),
        ("  scratch:tiny  ", SCRATCH, "tiny"),
    ],
)
def test_each_kind_of_reference_is_recognised(reference, kind, name):
    ref = parse_model_ref(reference)

    assert (ref.kind, ref.name) == (kind, name)


def test_a_saved_model_folder_is_local_and_resolved_to_an_absolute_path(saved_model_folder, monkeypatch):
    monkeypatch.chdir(saved_model_folder.parent)

    ref = parse_model_ref("./my-model")

    assert ref == ModelRef("./my-model", LOCAL, str(saved_model_folder.resolve()))


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("", "no model given"),
        ("   ", "no model given"),
        ("scratch:huge", "unknown scratch model 'scratch:huge'; use scratch:tiny, scratch:small"),
        ("job:abc", "malformed job reference 'job:abc'; expected job:<number>"),
        ("job:", "malformed job reference"),
        ("job:²", "malformed job reference 'job:²'; expected job:<number>"),  # str.isdigit says yes, int says no
        ("job:١", "malformed job reference"),  # an Arabic-Indic one, which int() reads as 1
    ],
)
def test_malformed_references_are_rejected_with_what_to_use(reference, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_model_ref(reference)


def test_a_folder_without_config_json_is_not_a_saved_model(tmp_path):
    with pytest.raises(ValueError, match="has no config.json; save a model into it with save_pretrained"):
        parse_model_ref(str(tmp_path))


def test_a_model_folder_without_tokenizer_files_is_refused(saved_model_folder):
    (saved_model_folder / "tokenizer.json").unlink()

    with pytest.raises(ValueError, match="has no tokenizer files; save the tokenizer into it with save_pretrained"):
        parse_model_ref(str(saved_model_folder))


@pytest.mark.parametrize("reference", ["./missing-model", "/no/such/model", "~/no-such-model-here", "a/b/c"])
def test_a_path_like_reference_that_does_not_exist_is_a_file_not_found_error(reference, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    with pytest.raises(FileNotFoundError, match=re.escape(f"no such model folder: {reference}")):
        parse_model_ref(reference)


def test_an_unknown_kind_cannot_be_constructed():
    with pytest.raises(ValueError, match="unknown model kind 'ftp'"):
        ModelRef("ftp://x", "ftp", "x")


# resolve_model


def test_a_local_folder_resolves_to_itself_without_a_corpus(saved_model_folder):
    assert resolve_model(parse_model_ref(str(saved_model_folder)), no_corpus) == str(saved_model_folder.resolve())


def test_a_completed_job_resolves_to_its_model_folder():
    store = JobStore()
    job = store.create({"model": "scratch:tiny", "dataset": "x"})
    store.mark_completed(job.id, {"accuracy": 1.0})
    job.model_dir.mkdir()  # the training child publishes the whole model there before marking the job completed
    (job.model_dir / "config.json").write_text("{}")

    assert resolve_model(parse_model_ref(f"job:{job.id}"), no_corpus) == str(job.model_dir)


def test_a_job_that_has_not_completed_has_no_model_to_use():
    job = JobStore().create({"model": "scratch:tiny", "dataset": "x"})

    with pytest.raises(ValueError, match=f"job {job.id} has no saved model: it has not completed"):
        resolve_model(parse_model_ref(f"job:{job.id}"), no_corpus)


def test_an_unknown_job_has_no_model_folder():
    with pytest.raises(FileNotFoundError, match="no training job 404 here: the model folder of job 404 is missing"):
        resolve_model(parse_model_ref("job:404"), no_corpus)


def test_a_scratch_reference_builds_a_model_from_the_corpus(corpus, studio_data_dir):
    path = resolve_model(parse_model_ref("scratch:tiny"), lambda: corpus, seed=3)

    assert path.startswith(str(studio_data_dir))
    assert path.endswith("-seed3")


def test_a_hub_model_fails_fast_when_the_hub_is_unreachable_and_nothing_is_cached(hub_unreachable):
    started = time.monotonic()

    with pytest.raises(HubUnreachableError, match="cannot fetch model 'nobody-xyz/no-such-model'"):
        resolve_model(parse_model_ref("nobody-xyz/no-such-model"), no_corpus)

    assert time.monotonic() - started < 10


def test_a_hub_model_with_hf_hub_offline_says_the_flag_is_set(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    with pytest.raises(HubUnreachableError, match="HF_HUB_OFFLINE is set"):
        load_tokenizer("nobody-xyz/no-such-model")


# defaults


def test_scratch_models_default_to_more_epochs_and_a_bigger_learning_rate():
    scratch = default_hyperparameters(parse_model_ref("scratch:tiny"))
    pretrained = default_hyperparameters(parse_model_ref("bert-base-uncased"))

    assert scratch == {"epochs": 10.0, "learning_rate": 5e-4}
    assert pretrained == {"epochs": 3.0, "learning_rate": 5e-5}
