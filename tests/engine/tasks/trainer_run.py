"""Train a bundled task sample with a plain `transformers.Trainer` built only from the task's protocol.

What the tests and the README's figures use: nothing here knows which task it trains.
"""

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasets.utils.logging import disable_progress_bar
from transformers import AutoTokenizer, Trainer, TrainingArguments

from engine.datasets.sources import load_raw
from engine.models.loading import resolve_model
from engine.models.refs import parse_model_ref
from engine.tasks.base import EvaluationReport, TaskSetup, Tokenization, load_model
from engine.tasks.registry import get_task
from engine.tasks.saved import save_task

disable_progress_bar()


@dataclass
class TaskRun:
    setup: TaskSetup
    before: dict[str, float]  # validation metrics of the untrained head
    after: dict[str, float]
    report: EvaluationReport
    predictions: list[Any]
    examples: Any  # the validation split as loaded
    seconds: float


def train_sample(
    task_name: str,
    sample: str,
    output_dir: Path,
    *,
    model: str = "scratch:tiny",
    epochs: float = 1.0,
    max_steps: int = -1,
    learning_rate: float = 1e-3,
    batch_size: int = 16,
    tokenization: Tokenization | None = None,
    save_to: Path | None = None,
    **options: Any,
) -> TaskRun:
    """Set up, tokenize, train and evaluate `sample:<sample>` as `task_name`, through the task protocol only;
    with `save_to`, save the model, its tokenizer and its `task.json` (calibrated setup) there."""
    started = time.perf_counter()
    tokenization = tokenization or Tokenization(max_length=128)
    task = get_task(task_name)
    splits = load_raw(f"sample:{sample}")
    setup = task.setup(splits["train"], **options)
    examples = splits["validation"]
    task.validate(examples, setup, "validation")
    path = resolve_model(parse_model_ref(model), lambda: task.corpus(splits["train"], setup), seed=0)
    tokenizer = AutoTokenizer.from_pretrained(path)
    train = task.preprocess(splits["train"], tokenizer, setup, tokenization)
    features = task.preprocess(examples, tokenizer, setup, tokenization)
    arguments = TrainingArguments(
        output_dir=str(output_dir),
        num_train_epochs=epochs,
        max_steps=max_steps,
        learning_rate=learning_rate,
        warmup_steps=0.1,
        per_device_train_batch_size=batch_size,
        per_device_eval_batch_size=64,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        seed=0,
        disable_tqdm=True,
    )
    trainer = Trainer(
        model=load_model(task, path, setup),
        args=arguments,
        train_dataset=train,
        eval_dataset=features,
        data_collator=task.collator(tokenizer),
        compute_metrics=task.metrics(setup, examples, features),
    )
    before = trainer.evaluate()
    trainer.train()
    after = trainer.evaluate()
    outputs = trainer.predict(features).predictions
    setup = task.calibrate(setup, outputs, examples, features)
    report = task.report(setup, outputs, examples, features)
    predictions = task.postprocess(setup, outputs, examples, features)
    if save_to is not None:
        trainer.save_model(str(save_to))
        tokenizer.save_pretrained(save_to)
        save_task(save_to, setup, tokenization)
    return TaskRun(setup, before, after, report, predictions, examples, time.perf_counter() - started)
