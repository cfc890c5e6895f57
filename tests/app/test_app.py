"""The app's API, called through `gradio_client` against a launched server: what a page or a script gets back.

Every call here goes through the real queue, the real (de)serialisation and the real `gr.Error` path, so a message
asserted here is the message a user reads.
"""

import csv
import json
import math
import time
from dataclasses import astuple, dataclass
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from transformers import AutoTokenizer

from engine.common.paths import SAMPLES_DIR
from engine.jobs.store import ACTIVE, COMPLETED, JobStore
from engine.models.refs import parse_model_ref
from engine.training.config import resolve_precision
from engine.training.defaults import default_hyperparameters
from tests.app.launch import LaunchedStudio, StudioClient, wait_for_status
from tests.app.tokenizer_client import TokenizeCall
from tests.app.tokenizer_client import tokenize as tokenize_tab

LABELS = {
    "sentiment": ["negative", "positive"],
    "paraphrase": ["equivalent", "not_equivalent"],
    "topics": ["business", "health", "science", "sports", "world"],
}
SPLITS = ["train", "validation", "test"]
PREVIEW_ROWS = 20
HUB_ERROR_SECONDS = 5.0  # the engine promises "about a second"; a refused connection is instant
TRAINING_TIMEOUT_S = 180.0


def csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """Return a CSV file's header and rows, as strings."""
    with path.open(newline="") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def error_of(client: Client, *args, api_name: str) -> tuple[str, float]:
    """Call an endpoint that must fail; return the message the page would show and how long the answer took."""
    start = time.monotonic()
    with pytest.raises(AppError) as raised:
        client.predict(*args, api_name=api_name)
    return str(raised.value), time.monotonic() - start


def start_training_args(dataset: str, *, text_column: str = "", label_column: str = "", lr=None, max_length=32):
    """The 11 inputs of /start_training: scratch:tiny, one epoch, batch 16, seed 0."""
    return (dataset, "", text_column, "", label_column, "scratch:tiny", 1, 16, lr, max_length, 0)


def tokenize(client: Client, text: str, model="scratch:tiny") -> list[dict]:
    """Call /tokenize with the page's default options; return the table rows as dicts (tests/app/test_tokenizer_tab.py
    covers the tab itself)."""
    return tokenize_tab(client, model=model, text=text).rows


# --- Datasets tab -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sample", sorted(LABELS))
def test_loading_a_sample_shows_its_splits_label_names_and_first_rows(client: Client, sample: str):
    summary, features, split_choice, rows = client.predict(f"sample:{sample}", "", api_name="/load_dataset")

    for split in SPLITS:
        _, split_rows = csv_rows(SAMPLES_DIR / sample / f"{split}.csv")
        assert f"**{split}** {len(split_rows):,} rows" in summary
    assert "Labels: " + ", ".join(f"`{name}`" for name in LABELS[sample]) in summary
    assert split_choice["choices"] == [[split, split] for split in SPLITS]
    assert split_choice["value"] == "train"
    header, train_rows = csv_rows(SAMPLES_DIR / sample / "train.csv")
    assert [row[0] for row in features["data"]] == header
    assert rows["headers"] == header
    assert rows["data"] == train_rows[:PREVIEW_ROWS]


def test_choosing_another_split_previews_its_first_rows(client: Client):
    client.predict("sample:paraphrase", "", api_name="/load_dataset")

    rows = client.predict("sample:paraphrase", "", "test", api_name="/preview_split")

    header, test_rows = csv_rows(SAMPLES_DIR / "paraphrase" / "test.csv")
    assert rows["headers"] == header
    assert rows["data"] == test_rows[:PREVIEW_ROWS]


def test_a_split_can_be_previewed_without_loading_the_dataset_first(client: Client):
    rows = client.predict("sample:sentiment", "", "validation", api_name="/preview_split")

    _, validation_rows = csv_rows(SAMPLES_DIR / "sentiment" / "validation.csv")
    assert rows["data"] == validation_rows[:PREVIEW_ROWS]


def test_an_uploaded_csv_is_kept_in_the_data_directory_and_loads_as_a_train_split(
    client: Client, studio: LaunchedStudio, tmp_path: Path
):
    upload = tmp_path / "tickets.csv"
    kinds = ["bug", "feature", "question"]
    upload.write_text("text,label\n" + "".join(f"ticket number {i},{kinds[i % 3]}\n" for i in range(30)))

    source = client.predict(handle_file(str(upload)), api_name="/upload_dataset")

    # uploads/<owner>/<unique>/tickets.csv: its owner's own folder, never overwritten by another upload
    assert Path(source).name == "tickets.csv" and Path(source).parents[2] == studio.data_dir / "uploads"
    assert Path(source).read_text() == upload.read_text()
    summary, _, split_choice, rows = client.predict(source, "", api_name="/load_dataset")
    assert "**train** 30 rows" in summary
    assert "Labels: `bug`, `feature`, `question`" in summary
    assert "No validation split" in summary
    assert split_choice["choices"] == [["train", "train"]]
    assert rows["data"][0] == ["ticket number 0", "bug"]


def test_an_upload_that_is_not_a_table_is_refused_with_the_accepted_formats(client: Client, tmp_path: Path):
    notes = tmp_path / "notes.md"  # (.txt is accepted now: CoNLL word / tag lines, when chosen)
    notes.write_text("not a table\n")

    message, _ = error_of(client, handle_file(str(notes)), api_name="/upload_dataset")

    assert "Invalid file type" in message
    assert ".csv" in message and ".parquet" in message


# --- Wrong input: a message that names the problem --------------------------------------------------------------

WRONG_INPUT = {
    "unknown sample": ("/load_dataset", ("sample:weather", ""), ["unknown sample 'weather'", "sentiment"]),
    "missing file": (
        "/load_dataset",
        ("/no/such/folder/reviews.csv", ""),
        ["no such file or folder", "/no/such/folder/reviews.csv"],
    ),
    "no dataset": ("/load_dataset", ("", ""), ["no dataset given"]),
    "unknown text column": (
        "/start_training",
        start_training_args("sample:sentiment", text_column="review"),
        ["text column 'review' not found", "columns are text, label"],
    ),
    "unknown label column": (
        "/start_training",
        start_training_args("sample:topics", label_column="topic"),
        ["label column 'topic' not found", "columns are text, label"],
    ),
    "learning rate out of range": (
        "/start_training",
        start_training_args("sample:sentiment", lr=2),
        ["learning_rate must be in (0, 1)"],
    ),
    "max_length below the minimum": (
        "/start_training",
        start_training_args("sample:sentiment", max_length=4),
        ["Max length: 4 is out of range; type a whole number from 8 to 8192"],
    ),
    "batch size 0": (
        "/plan_training",
        ("sample:sentiment", "", "", "", "", "scratch:tiny", 1, 0, None, 32, 0),
        ["Batch size: 0 is out of range; type a whole number from 1 to 4096"],
    ),
    "unknown job as model": ("/predict", ("job:9999", "hello", ""), ["no training job 9999"]),
    "malformed job reference": ("/predict", ("job:latest", "hello", ""), ["malformed job reference 'job:latest'"]),
}


@pytest.mark.parametrize("case", list(WRONG_INPUT))
def test_wrong_input_gives_a_message_naming_the_problem(client: Client, case: str):
    api_name, args, fragments = WRONG_INPUT[case]

    message, _ = error_of(client, *args, api_name=api_name)

    for fragment in fragments:
        assert fragment in message
    assert "Traceback" not in message and "Internal error" not in message


def test_a_rejected_training_config_records_no_job(client: Client, studio: LaunchedStudio):
    before = [job.id for job in JobStore(studio.database).list()]

    error_of(client, *start_training_args("sample:sentiment", label_column="stars"), api_name="/start_training")

    assert [job.id for job in JobStore(studio.database).list()] == before


HUB_IDS = {
    "dataset": ("/load_dataset", ("studio-tests/no-such-dataset", ""), "dataset 'studio-tests/no-such-dataset'"),
    "model": (
        "/tokenize",
        astuple(TokenizeCall(model="studio-tests/no-such-model")),
        "model 'studio-tests/no-such-model'",
    ),
}


@pytest.mark.parametrize("kind", list(HUB_IDS))
def test_a_hub_id_while_the_hub_is_unreachable_fails_fast_and_offers_the_offline_choices(
    client: Client, studio: LaunchedStudio, kind: str
):
    api_name, args, what = HUB_IDS[kind]

    message, seconds = error_of(client, *args, api_name=api_name)

    assert what in message
    assert f"the Hugging Face Hub ({studio.environ['HF_ENDPOINT']}) is unreachable" in message
    assert "sample:sentiment" in message and "scratch:tiny" in message
    assert seconds < HUB_ERROR_SECONDS


def test_the_status_of_an_unknown_job_names_the_job(client: Client):
    message, _ = error_of(client, 424242, api_name="/job_status")

    assert "no training job 424242" in message


# --- Train and Try tabs: one background run of scratch:tiny on sample:topics ---------------------------------------


@dataclass
class TrainingRun:
    """What a client saw while a job trained: the start, a call made meanwhile, every status polled, the end."""

    job_choices: dict
    started: dict
    start_seconds: float
    tokens_while_running: list[dict]
    status_after_tokenize: str
    statuses: list[str]
    final: dict


@pytest.fixture(scope="module")
def topics_run(studio_url: str) -> TrainingRun:
    """Start scratch:tiny on sample:topics for one epoch (max_length 32), use the app meanwhile, wait for the end."""
    client = StudioClient(studio_url)
    start = time.monotonic()
    job_choices, started = client.predict(*start_training_args("sample:topics"), api_name="/start_training")
    start_seconds = time.monotonic() - start
    tokens = tokenize(client, "Striker scores twice in the cup final")
    status_after_tokenize = client.predict(started["id"], api_name="/job_status")["status"]
    statuses, deadline = [], time.monotonic() + TRAINING_TIMEOUT_S
    while True:
        status = client.predict(started["id"], api_name="/job_status")
        statuses.append(status["status"])
        if status["status"] not in ACTIVE or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    return TrainingRun(job_choices, started, start_seconds, tokens, status_after_tokenize, statuses, status)


def test_starting_a_job_returns_at_once_and_selects_it(topics_run: TrainingRun):
    job_id = topics_run.started["id"]

    assert topics_run.start_seconds < 10
    assert topics_run.started["status"] in ACTIVE
    assert topics_run.job_choices["value"] == job_id
    labels = {value: label for label, value in topics_run.job_choices["choices"]}
    assert labels[job_id].startswith(f"#{job_id} ")
    assert labels[job_id].endswith("scratch:tiny on sample:topics")


def test_the_job_records_its_settings_with_the_model_defaults_filled_in(topics_run: TrainingRun):
    config = topics_run.started["config"]

    assert config["dataset"] == "sample:topics" and config["model"] == "scratch:tiny"
    assert config["epochs"] == 1.0 and config["batch_size"] == 16 and config["max_length"] == 32
    assert config["learning_rate"] == default_hyperparameters(parse_model_ref("scratch:tiny"))["learning_rate"]


def test_the_app_answers_other_calls_while_the_job_runs(topics_run: TrainingRun):
    assert topics_run.tokens_while_running[0]["token"] == "[CLS]"
    assert topics_run.status_after_tokenize in ACTIVE


def test_the_job_completes_with_validation_metrics(topics_run: TrainingRun):
    final = topics_run.final

    assert final["status"] == COMPLETED, final["error"]
    assert final["error"] is None
    for name in ("accuracy", "f1", "precision", "recall"):
        assert 0.0 <= final["metrics"][name] <= 1.0
    assert math.isfinite(final["metrics"]["loss"])
    assert topics_run.statuses[-1] == COMPLETED
    assert set(topics_run.statuses[:-1]) <= set(ACTIVE)


def test_one_epoch_is_one_optimizer_step_per_batch_and_reports_a_loss(topics_run: TrainingRun):
    _, train_rows = csv_rows(SAMPLES_DIR / "topics" / "train.csv")

    assert topics_run.final["total_steps"] == math.ceil(len(train_rows) / 16)
    assert topics_run.final["step"] == topics_run.final["total_steps"]
    assert math.isfinite(topics_run.final["loss"]) and topics_run.final["loss"] > 0


def test_predicting_with_the_finished_job_gives_probabilities_over_its_labels(client: Client, topics_run: TrainingRun):
    job_id = topics_run.final["id"]

    prediction, chart, seen = client.predict(
        f"job:{job_id}", "Striker scores twice in the cup final", "", api_name="/predict"
    )

    scores = {item["label"]: item["confidence"] for item in prediction["confidences"]}
    assert sorted(scores) == LABELS["topics"]
    assert sum(scores.values()) == pytest.approx(1.0, abs=1e-4)
    assert all(0.0 <= score <= 1.0 for score in scores.values())
    assert prediction["label"] == max(scores, key=scores.get)
    assert chart["type"] == "plotly"
    figure = json.loads(chart["plot"])
    assert sorted(figure["data"][0]["y"]) == LABELS["topics"]
    assert "`[CLS]`" in seen and " ms " in seen


def test_the_tokenizer_tab_shows_the_finished_jobs_own_tokenizer(client: Client, topics_run: TrainingRun):
    headline = "Striker scores twice in the cup final"
    saved = AutoTokenizer.from_pretrained(topics_run.final["output_dir"])

    rows = tokenize(client, headline, model=f"job:{topics_run.final['id']}")

    assert [row["input_id"] for row in rows] == saved(headline)["input_ids"]
    assert [row["token"] for row in rows] == saved.convert_ids_to_tokens(saved(headline)["input_ids"])


def test_a_reloaded_page_still_sees_the_job(studio_url: str, topics_run: TrainingRun):
    reloaded = StudioClient(studio_url)  # a new session: nothing of the first one is kept in the page

    status = reloaded.predict(topics_run.final["id"], api_name="/job_status")

    assert status["status"] == COMPLETED
    assert status["metrics"] == topics_run.final["metrics"]
    assert status["config"] == topics_run.started["config"]


def test_a_script_acts_on_a_job_by_its_id_without_listing_the_jobs_first(studio_url: str, topics_run: TrainingRun):
    script = StudioClient(studio_url)  # its first call: no event has listed this session's job choices
    job_id = topics_run.final["id"]

    message, _ = error_of(script, job_id, api_name="/stop_job")
    # The engine's answer (another session's job), not the dropdown's "not in the list of choices".
    assert f"job {job_id} was started by someone else" in message
    message, _ = error_of(StudioClient(studio_url), "seven", api_name="/stop_job")
    assert "Job: 'seven' is not a job id" in message


# --- Stop, resume, delete ----------------------------------------------------------------------------------------


def test_a_running_job_stops_from_the_page_and_can_then_be_deleted(client: Client, studio: LaunchedStudio):
    args = list(start_training_args("sample:sentiment"))
    args[6] = 30  # epochs: long enough to be stopped halfway
    _, started = client.predict(*args, api_name="/start_training")
    job_id = started["id"]
    wait_for_status(client, job_id, lambda s: s["step"] > 0, "the first step", TRAINING_TIMEOUT_S)

    client.predict(job_id, api_name="/stop_job")
    stopped = wait_for_status(
        client, job_id, lambda s: s["status"] not in ACTIVE, "the job to stop", TRAINING_TIMEOUT_S
    )

    assert stopped["status"] == "cancelled" and stopped["error_category"] == "stopped"
    assert stopped["step"] < stopped["total_steps"]
    message, _ = error_of(client, job_id, False, api_name="/delete_job")
    assert "tick 'yes, delete its files' first" in message
    client.predict(job_id, True, api_name="/delete_job")
    message, _ = error_of(client, job_id, api_name="/job_status")
    assert f"no training job {job_id}" in message


def test_checking_the_settings_says_where_and_how_long_before_anything_starts(client: Client, studio: LaunchedStudio):
    jobs_before = len(JobStore(studio.database).list())

    summary = client.predict(*start_training_args("sample:topics"), api_name="/plan_training")

    # In bf16 on a CPU with native bf16 (AVX512-BF16, AMX), else fp32: the plan says which.
    assert summary.startswith(f"Trains on the CPU in {resolve_precision('auto')}: it works, slowly.")
    assert "880 training rows, 55 updates, 1 evaluations" in summary
    assert len(JobStore(studio.database).list()) == jobs_before


def test_a_question_answering_run_is_checked_through_the_api_by_its_task_columns_and_options(client: Client):
    summary = client.predict(
        *start_training_args("sample:questions", max_length=128),
        task="question-answering",
        question_column="question",
        context_column="context",
        answers_column="answers",
        stride=32,
        api_name="/plan_training",
    )

    # One epoch of batches of 16 over the windows (987 of them at 128 tokens, stride 32), not over the 712 rows.
    assert "712 training rows (987 windows), 62 updates, 1 evaluations" in summary


def test_a_bad_task_option_is_refused_through_the_api_naming_it(client: Client):
    with pytest.raises(AppError, match="scheme must be one of IOB1, IOB2, BIOES, IOBES"):
        client.predict(
            *start_training_args("sample:entities"),
            task="token-classification",
            tokens_column="tokens",
            tags_column="ner_tags",
            scheme="BILOU",
            api_name="/plan_training",
        )
