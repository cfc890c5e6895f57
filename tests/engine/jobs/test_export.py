"""engine.jobs.export: a run as a standalone folder (config.yaml, train.py, requirements.txt, README.md)."""

import ast
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.common.errors import StudioError
from engine.common.paths import REPO_ROOT, SAMPLES_DIR, downloads_dir, jobs_dir
from engine.jobs.export import ExportedRun, export_job, export_run, export_zip, reproducing_script
from engine.jobs.store import JobStore
from engine.training.config import TrainConfig
from engine.training.config_file import read_config
from tests.tiny_models import biased_classifier

SENTIMENT = TrainConfig(dataset="sample:sentiment", model="scratch:tiny", epochs=1.0, batch_size=32, seed=3)


@pytest.fixture
def exported(tmp_path) -> ExportedRun:
    return export_run(SENTIMENT, tmp_path / "run-export")


def _imported_modules(script: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module.split(".")[0])
    return names


def test_the_folder_holds_the_settings_the_script_the_pins_the_readme_the_sample_and_the_scratch_model(exported):
    assert {"config.yaml", "train.py", "requirements.txt", "README.md"} <= set(exported.files)
    assert {"data/train.csv", "data/validation.csv", "data/test.csv", "model/model.safetensors"} <= set(exported.files)
    assert "model/tokenizer.json" in exported.files
    assert exported.notes == ()  # a bundled sample and a scratch model both travel inside the folder
    for split in ("train", "validation", "test"):
        assert (exported.folder / "data" / f"{split}.csv").read_bytes() == (
            SAMPLES_DIR / "sentiment" / f"{split}.csv"
        ).read_bytes()


def test_the_config_round_trip_gives_an_identical_config(exported):
    assert read_config(exported.folder / "config.yaml") == SENTIMENT


def test_the_script_imports_only_the_standard_library_and_the_pinned_packages(exported):
    imported = _imported_modules(exported.folder / "train.py")

    assert "engine" not in imported
    third_party = imported - set(sys.stdlib_module_names)
    assert third_party == {"numpy", "torch", "datasets", "transformers"}


def test_the_requirements_pin_what_the_script_needs_at_this_projects_versions(exported):
    pins = dict(line.split("==") for line in (exported.folder / "requirements.txt").read_text().splitlines())
    project = (REPO_ROOT / "requirements.txt").read_text()

    assert set(pins) == {"torch", "transformers", "datasets", "accelerate", "numpy"}
    for name, version in pins.items():
        assert f"\n{name}=={version}\n" in f"\n{project}"


def test_the_script_carries_the_resolved_columns_the_data_the_model_and_the_fingerprint(exported):
    script = (exported.folder / "train.py").read_text()
    settings = ast.literal_eval(script.split("SETTINGS = ", 1)[1].split("\n}\n", 1)[0] + "\n}")

    assert (settings["text_column"], settings["text_pair_column"], settings["label_column"]) == ("text", None, "label")
    assert settings["model"] == "model"
    assert settings["data"]["files"]["validation"] == ["data/validation.csv"]
    assert settings["learning_rate"] == SENTIMENT.with_defaults().learning_rate  # the default, spelled out
    assert settings["dataset_fingerprint"] == exported.dataset_fingerprint
    assert len(exported.dataset_fingerprint) == 64


def test_the_readme_gives_the_commands_for_one_machine_many_gpus_and_a_cluster(exported):
    readme = (exported.folder / "README.md").read_text()

    assert "pip install -r requirements.txt && python train.py" in readme
    assert "accelerate launch --multi_gpu --num_processes 8 train.py" in readme
    assert "--num_machines 2" in readme
    assert "python -m engine train --config config.yaml" in readme
    assert exported.dataset_fingerprint in readme


def test_a_folder_that_already_holds_files_is_refused(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")

    with pytest.raises(StudioError, match="already holds files"):
        export_run(SENTIMENT, tmp_path / "taken")
    assert os.listdir(tmp_path / "taken") == ["notes.txt"]


def test_a_run_that_cannot_load_its_data_leaves_no_folder_behind(tmp_path):
    with pytest.raises(StudioError, match="unknown sample 'nothing'"):
        export_run(TrainConfig(dataset="sample:nothing", model="scratch:tiny"), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_failure_while_writing_empties_the_folder(tmp_path, monkeypatch):
    def no_room(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("engine.jobs.export._requirements", no_room)
    (tmp_path / "out").mkdir()

    with pytest.raises(OSError, match="No space left"):
        export_run(SENTIMENT, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_a_local_dataset_is_named_where_it_is_with_a_note(tmp_path, tiny_csv_folder):
    config = TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny")

    exported = export_run(config, tmp_path / "out")

    script = (exported.folder / "train.py").read_text()
    assert str(tiny_csv_folder / "train.csv") in script
    assert not any(name.startswith("data/") for name in exported.files)
    assert any(str(tiny_csv_folder) in note for note in exported.notes)


def test_a_job_model_is_copied_with_a_note_that_it_exists_only_here(tmp_path):
    biased_classifier(jobs_dir() / "5" / "model", ["negative", "positive"], favour=1)
    config = TrainConfig(dataset="sample:sentiment", model="job:5")

    exported = export_run(config, tmp_path / "out")

    assert "model/model.safetensors" in exported.files
    assert any("job:5" in note and "model/" in note for note in exported.notes)
    assert "job:5" in (exported.folder / "README.md").read_text()


def test_a_job_exports_its_stored_settings_trained_from_the_start_with_its_scores(tmp_path, store: JobStore):
    settings = SENTIMENT.to_dict() | {"resume_from_checkpoint": "/elsewhere/checkpoint-8"}
    job = store.create(settings)
    store.claim_next("cpu", 1)
    store.mark_completed(job.id, {"accuracy": 0.8125, "f1": 0.8}, expected=("running",))

    exported = export_job(job.id, tmp_path / "out", store)

    assert read_config(exported.folder / "config.yaml") == SENTIMENT
    readme = (exported.folder / "README.md").read_text()
    assert f"Job {job.id}" in readme and "accuracy 0.8125" in readme


def _run_both(exported: ExportedRun, tmp_path: Path) -> tuple[dict, dict, str]:
    """The studio's own run of the exported config (in this process) and the exported train.py's run in a folder
    moved elsewhere, where `engine` cannot be imported: their metrics, and the script's output."""
    arguments = ["train", "--config", str(exported.folder / "config.yaml"), "--output-dir", str(tmp_path / "direct")]
    assert main(arguments) == 0
    direct = json.loads((tmp_path / "direct" / "model" / "metrics.json").read_text())
    moved = tmp_path / "elsewhere" / exported.folder.name
    moved.parent.mkdir()
    exported.folder.rename(moved)
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "STUDIO_DATA_DIR")}
    probe = (
        "import importlib.util, runpy, sys\n"
        "assert importlib.util.find_spec('engine') is None, 'the repository is reachable'\n"
        "runpy.run_path('train.py', run_name='__main__')\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'engine'], 'train.py imported the studio'\n"
    )
    finished = subprocess.run(
        [sys.executable, "-I", "-c", probe], cwd=moved, env=environment, capture_output=True, text=True, timeout=600
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    again = json.loads((moved / "run" / "model" / "metrics.json").read_text())
    return direct, again, finished.stdout


def test_the_exported_script_reproduces_a_direct_runs_validation_scores_in_a_folder_without_the_studio(
    tmp_path, exported, capsys
):
    direct, again, output = _run_both(exported, tmp_path)

    assert "warning" not in output  # the fingerprint matched
    assert again["dataset_fingerprint"] == exported.dataset_fingerprint
    for name in ("accuracy", "f1", "loss"):
        assert again[name] == pytest.approx(direct[name], abs=0.02), name


def test_an_exported_token_classification_run_reproduces_its_entity_scores_without_the_studio(tmp_path, capsys):
    # One epoch at a high rate: a scratch encoder then finds most entities but not all (F1 0.95 measured), so the
    # scores compared are neither a trivial 0 = 0 nor a saturated 1 = 1.
    config = TrainConfig(
        dataset="sample:entities",
        model="scratch:tiny",
        task="token-classification",
        epochs=1.0,
        learning_rate=5e-3,
        batch_size=16,
        seed=7,
    )
    exported = export_run(config, tmp_path / "entities-export")
    script = (exported.folder / "train.py").read_text()
    assert "DataCollatorForTokenClassification" in script and "is_split_into_words=True" in script

    direct, again, output = _run_both(exported, tmp_path)

    assert "warning" not in output
    assert again["dataset_fingerprint"] == exported.dataset_fingerprint
    assert 0.5 < direct["f1"] < 1
    for name in ("precision", "recall", "f1", "accuracy", "loss"):
        assert again[name] == pytest.approx(direct[name], abs=0.02), name


def test_an_exported_regression_run_reproduces_its_error_and_correlation_without_the_studio(tmp_path, capsys):
    config = TrainConfig(
        dataset="sample:similarity", model="scratch:tiny", task="regression", epochs=2.0, batch_size=16, seed=11
    )
    exported = export_run(config, tmp_path / "similarity-export")
    assert 'problem_type="regression"' in (exported.folder / "train.py").read_text()

    direct, again, output = _run_both(exported, tmp_path)

    assert "warning" not in output
    for name in ("mse", "rmse", "mae", "pearson", "spearman", "r2", "loss"):
        assert again[name] == pytest.approx(direct[name], abs=0.02), name


def test_an_exported_multi_label_run_reproduces_its_f1_scores_without_the_studio(tmp_path, capsys):
    config = TrainConfig(
        dataset="sample:tags",
        model="scratch:tiny",
        task="multi-label-classification",
        epochs=2.0,
        learning_rate=3e-3,
        batch_size=16,
        seed=2,
    )
    exported = export_run(config, tmp_path / "tags-export")
    assert 'problem_type="multi_label_classification"' in (exported.folder / "train.py").read_text()

    direct, again, output = _run_both(exported, tmp_path)

    assert "warning" not in output
    for name in ("f1_micro", "f1_macro", "f1_samples", "subset_accuracy", "loss"):
        assert again[name] == pytest.approx(direct[name], abs=0.02), name


def test_an_exported_question_answering_run_reproduces_its_exact_match_and_f1_without_the_studio(tmp_path, capsys):
    # max_length 64: the sample's contexts overflow into several windows, so the stride and the n-best search over
    # windows are both exercised.
    config = TrainConfig(
        dataset="sample:questions",
        model="scratch:tiny",
        task="question-answering",
        epochs=2.0,
        learning_rate=3e-3,
        batch_size=16,
        max_length=64,
        seed=5,
    )
    exported = export_run(config, tmp_path / "questions-export")
    script = (exported.folder / "train.py").read_text()
    assert "return_overflowing_tokens=True" in script and "'stride': 16" in script

    direct, again, output = _run_both(exported, tmp_path)

    assert "warning" not in output
    # Measured: exact match 0.146, F1 0.189 in both; with the windows scored in length-grouped order (the answers
    # read from other questions' windows) 0.0 and 0.043, which a script with the same fault would have matched.
    assert direct["f1"] > 0.1
    for name in ("exact_match", "f1", "loss"):
        assert again[name] == pytest.approx(direct[name], abs=0.02), name


def test_a_job_whose_settings_cannot_be_read_is_refused_before_any_folder_is_made(tmp_path, store: JobStore):
    job = store.create({"dataset": "sample:sentiment", "model": "scratch:tiny", "batch_size": "sixteen"})

    with pytest.raises(StudioError, match=f"job {job.id}'s settings cannot be read"):
        export_job(job.id, tmp_path / "out", store)
    assert not (tmp_path / "out").exists()


def test_the_readme_of_a_regression_job_gives_its_own_scores(tmp_path, store: JobStore):
    config = TrainConfig(dataset="sample:similarity", model="scratch:tiny", task="regression")
    job = store.create(config.to_dict())
    store.claim_next("cpu", 1)
    store.mark_completed(job.id, {"loss": 0.5, "rmse": 0.7071, "pearson": 0.25}, expected=("running",))

    exported = export_job(job.id, tmp_path / "out", store)

    assert (
        "it scored rmse 0.7071, pearson 0.2500 on the validation split" in (exported.folder / "README.md").read_text()
    )


def test_the_reproducing_script_is_the_exported_train_py_and_writes_nothing(tmp_path, exported):
    before = sorted(Path(jobs_dir().parent).rglob("*"))

    script = reproducing_script(SENTIMENT)

    assert script == (exported.folder / "train.py").read_text()
    assert sorted(Path(jobs_dir().parent).rglob("*")) == before


def test_a_job_exports_as_a_zip_of_its_folder_in_the_downloads_folder_under_a_name_of_its_own(store: JobStore):
    job = store.create(SENTIMENT.to_dict())

    first, second = export_zip(job.id, store), export_zip(job.id, store)

    assert first != second and first.parent == downloads_dir() and first.suffix == ".zip"
    names = zipfile.ZipFile(first).namelist()
    assert {f"job-{job.id}/config.yaml", f"job-{job.id}/train.py", f"job-{job.id}/model/model.safetensors"} <= set(
        names
    )
    assert [path.name for path in downloads_dir().iterdir() if path.is_dir()] == []  # no staging folder left


def test_a_zip_of_a_job_whose_data_is_gone_is_refused_and_leaves_nothing(store: JobStore):
    job = store.create(TrainConfig(dataset="sample:nothing", model="scratch:tiny").to_dict())

    with pytest.raises(StudioError, match="unknown sample 'nothing'"):
        export_zip(job.id, store)
    assert list(downloads_dir().iterdir()) == []
