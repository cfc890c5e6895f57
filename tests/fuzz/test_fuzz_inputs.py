"""Fuzzing the settings users type: column choice, training config, tokenizer options and SQL.

A refused training config must leave no trace: the jobs table is the same before and after.
"""

import math

import pytest
from datasets import Dataset, DatasetDict
from hypothesis import example, given, settings
from hypothesis import strategies as st

import engine.jobs.queue
from engine.common.errors import USER_ERRORS
from engine.datasets.sources import resolve_columns
from engine.datasets.sql import run_sql
from engine.jobs.actions import start_job
from engine.jobs.store import JobStore
from engine.models.scratch import train_wordpiece
from engine.tokenizer.inspection import (
    PADDING_CHOICES,
    TRUNCATION_CHOICES,
    TokenInput,
    TokenizeOptions,
    inspect_tokens,
)
from engine.training.config import (
    BEST_MODEL_METRICS,
    EVAL_STRATEGIES,
    PRECISIONS,
    SCHEDULERS,
    TrainConfig,
)

CORPUS = [
    "a great film, truly lovely",
    "an awful meal, truly boring",
    "the museum opens at nine",
    "at noon the train departs",
] * 5
NAMES = st.text(max_size=10)
NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10_000))


def assert_user_error(error: Exception) -> None:
    assert isinstance(error, USER_ERRORS), f"{type(error).__name__}: {error}"
    assert str(error).strip(), f"{type(error).__name__} without a message"


@pytest.fixture(scope="module")
def tokenizer():
    """A BERT-style tokenizer learned from a few sentences, built once for the module (milliseconds)."""
    return train_wordpiece(CORPUS, vocab_size=200)


@given(
    columns=st.lists(st.sampled_from(["text", "label", "sentence", "sentence1", "sentence2", "x", ""]), unique=True),
    text=st.one_of(st.none(), NAMES, st.sampled_from(["text", "sentence1"])),
    pair=st.one_of(st.none(), NAMES, st.sampled_from(["sentence2", "text"])),
    label=st.one_of(st.none(), NAMES, st.sampled_from(["label", "text"])),
)
def test_column_choice_names_three_distinct_existing_columns_or_says_why_not(columns, text, pair, label):
    try:
        chosen = resolve_columns(columns, text, pair, label)
    except Exception as error:
        assert_user_error(error)
    else:
        assert set(chosen.texts) | {chosen.label} <= set(columns)
        assert len({*chosen.texts, chosen.label}) == len(chosen.texts) + 1


CONFIG_VALUES = st.fixed_dictionaries(
    {},
    optional={
        "dataset": NAMES,
        "model": st.one_of(NAMES, st.sampled_from(["scratch:tiny", "scratch:huge", "job:x", "job:-1", "org/model"])),
        "epochs": st.one_of(st.none(), NUMBERS),
        "batch_size": st.integers(-5, 10_000),
        "learning_rate": st.one_of(st.none(), NUMBERS),
        "max_length": st.integers(-5, 10_000),
        "scheduler": st.one_of(st.sampled_from(SCHEDULERS), NAMES),
        "warmup_ratio": NUMBERS,
        "weight_decay": NUMBERS,
        "gradient_accumulation_steps": NUMBERS,
        "max_grad_norm": NUMBERS,
        "eval_strategy": st.one_of(st.sampled_from(EVAL_STRATEGIES), NAMES),
        "eval_steps": st.one_of(st.none(), NUMBERS),
        "metric_for_best_model": st.one_of(st.sampled_from(BEST_MODEL_METRICS), NAMES),
        "load_best_model_at_end": st.booleans(),
        "early_stopping_patience": st.one_of(st.none(), NUMBERS),
        "precision": st.one_of(st.sampled_from(PRECISIONS), NAMES),
        "name": st.one_of(st.none(), st.text(max_size=120)),
        "resume_from_checkpoint": st.one_of(st.none(), NAMES),
    },
)


@given(values=CONFIG_VALUES)
@example(values={"dataset": "d", "model": "scratch:tiny", "warmup_ratio": math.nan})
def test_a_training_config_is_valid_with_defaults_filled_or_refused_with_a_message(values):
    values = {"dataset": "sample:topics", "model": "scratch:tiny", **values}
    try:
        config = TrainConfig.from_dict(values).with_defaults()
    except Exception as error:
        assert_user_error(error)
    else:
        assert config.epochs is not None and 0 < config.epochs <= 1000
        assert config.learning_rate is not None and 0 < config.learning_rate < 1


@settings(max_examples=25)  # each example loads the sample dataset
@given(
    text=st.one_of(st.none(), NAMES, st.just("text")),
    label=st.one_of(st.none(), NAMES, st.just("label")),
    max_length=st.integers(8, 8192),
    batch_size=st.integers(1, 4096),
    patience=st.one_of(st.none(), st.integers(1, 50)),
)
@example(text=None, label=None, max_length=64, batch_size=8, patience=None)  # accepted: one job queued
def test_starting_a_job_either_queues_one_or_refuses_and_writes_nothing(
    monkeypatch, text, label, max_length, batch_size, patience
):
    started = []
    # No training child in a fuzz test: an accepted config is only queued; `advance_queue` is what would start it.
    monkeypatch.setattr(engine.jobs.queue, "advance_queue", lambda store, **_: started.append(store) or [])
    store = JobStore()
    before = [job.to_dict() for job in store.list()]
    config = TrainConfig(
        dataset="sample:topics",
        model="scratch:tiny",
        text_column=text,
        label_column=label,
        max_length=max_length,
        batch_size=batch_size,
        epochs=1,
        early_stopping_patience=patience,
        load_best_model_at_end=patience is not None,
    )
    try:
        job = start_job(config, store)
    except Exception as error:
        assert_user_error(error)
        assert [job.to_dict() for job in store.list()] == before  # a refused config leaves no half-written job
        assert not started
    else:
        assert [j.id for j in store.list()] == [job.id] + [j["id"] for j in before]
        assert job.config["max_length"] == max_length


TOKEN_OPTIONS = st.builds(
    dict,
    add_special_tokens=st.booleans(),
    padding=st.one_of(st.sampled_from(PADDING_CHOICES), NAMES),
    truncation=st.one_of(st.sampled_from(TRUNCATION_CHOICES), NAMES),
    max_length=st.one_of(st.none(), st.integers(-2, 40)),
    stride=st.integers(-2, 40),
    return_overflowing_tokens=st.booleans(),
)
TEXTS = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)


@given(text=TEXTS, pair=st.one_of(st.none(), TEXTS), batch=st.booleans(), options=TOKEN_OPTIONS)
@example(
    text="a great film " * 5,
    pair="the museum",
    batch=False,
    options={
        "truncation": "only_second",
        "max_length": 12,
        "stride": 2,
        "return_overflowing_tokens": True,
        "add_special_tokens": True,
        "padding": "do_not_pad",
    },
)
def test_tokenizer_options_tokenize_or_are_refused_with_a_message(tokenizer, text, pair, batch, options):
    try:
        inputs = (
            TokenInput.from_lines(f"{text}\t{pair}" if pair is not None else text)
            if batch
            else (TokenInput.single(text, pair))
        )
        inspection = inspect_tokens(tokenizer, inputs, TokenizeOptions(**options))
    except Exception as error:
        assert_user_error(error)
    else:
        assert inspection.sequences
        limit = options["max_length"]
        if limit and options["truncation"] != "none":
            assert all(len(sequence.input_ids) <= limit for sequence in inspection.sequences)


@pytest.fixture(scope="module")
def splits() -> DatasetDict:
    rows = {"text": ["a great film", "an awful meal", "it will rain"], "label": [1, 0, 1]}
    return DatasetDict({"train": Dataset.from_dict(rows), "test": Dataset.from_dict(rows)})


SQL_WORDS = st.sampled_from(
    [
        "SELECT",
        "*",
        "FROM",
        "data",
        "train",
        "test",
        "WHERE",
        "label",
        "=",
        "1",
        "text",
        "LIKE",
        "'%a%'",
        ";",
        "LIMIT",
        "ORDER BY",
        "COUNT(*)",
        "GROUP BY",
        "read_csv('/etc/passwd')",
        "COPY",
        "ATTACH",
        "INSTALL httpfs",
        "'",
        "(",
        ")",
        ",",
        "WITH t AS (SELECT 1)",
        "UNION",
        "DROP TABLE data",
        "SET",
        "PRAGMA",
        "--",
        "/*",
    ]
)
SQL = st.one_of(st.text(max_size=40), st.lists(SQL_WORDS, max_size=10).map(" ".join))


@given(
    query=SQL, split=st.sampled_from(["train", "test", "nope"]), offset=st.integers(-1, 5), limit=st.integers(0, 1001)
)
@example(query="SELECT * FROM read_csv('/etc/passwd')", split="train", offset=0, limit=20)
def test_sql_returns_a_page_or_a_clear_error_and_never_reaches_files(splits, query, split, offset, limit):
    try:
        result = run_sql(splits, split, query, offset=offset, limit=limit)
    except Exception as error:
        assert_user_error(error)
    else:
        assert len(result.rows) <= limit and result.total >= len(result.rows)
        assert "root:" not in repr(result.rows)
