"""Fine-tune a multi-label classifier (any number of labels per text or pair): the Hugging Face course's `Trainer`
recipe with one sigmoid per label (`problem_type="multi_label_classification"`: binary cross-entropy), with one
Finetune Studio run's settings.

Plain `transformers`, `datasets` and `accelerate`; nothing here needs Finetune Studio. The run's settings are in
`SETTINGS` below (written by the studio's export, the same as `config.yaml`). A label is predicted when its
probability reaches `threshold`; the metrics are scored that way, as the studio scores them during training (the
studio then also tunes one threshold per label on validation for its predictions; that is not part of the scores).

    pip install -r requirements.txt && python train.py          # this machine (CPU or one GPU)
    accelerate launch train.py                                  # every GPU `accelerate config` describes

The model and its metrics land in `run/model` (or `--output-dir`).
"""

import argparse
import hashlib
import json
import math
import os
from pathlib import Path

import numpy as np
import torch
from datasets import ClassLabel, DatasetDict, List, Value, load_dataset, load_from_disk
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    EarlyStoppingCallback,
    Trainer,
    TrainingArguments,
    set_seed,
)

HERE = Path(__file__).resolve().parent
SETTINGS = {}  # filled in by the export
VALIDATION_FRACTION = 0.1  # carved from train, at random, when the dataset has no validation split
LOG_POINTS = 50  # about this many loss points per run, whatever its length
CPU_BF16_MIN_HIDDEN = 256  # bf16 autocast pays off on CPUs with native bf16 from about this width up


def load_splits(data: dict) -> DatasetDict:
    """The dataset as the run loaded it: data files (paths relative to this folder), a saved folder or a Hub id."""
    if "hub" in data:
        return load_dataset(data["hub"], data.get("config"))
    if "saved" in data:
        loaded = load_from_disk(str(HERE / data["saved"]))
        return loaded if isinstance(loaded, DatasetDict) else DatasetDict({"train": loaded})
    files = {split: [str(HERE / path) for path in paths] for split, paths in data["files"].items()}
    return load_dataset(data["builder"], data_files=files, **data.get("options", {}))


def fingerprint(splits: DatasetDict, columns: list[str]) -> str:
    """sha256 of every row's texts and labels, split by split: the same data gives the same digest anywhere."""
    digest = hashlib.sha256()
    for name in sorted(splits):
        digest.update(name.encode())
        for batch in splits[name].select_columns(columns).iter(batch_size=1000):
            for row in zip(*(batch[column] for column in columns), strict=True):
                digest.update(json.dumps(row, default=str).encode())
    return digest.hexdigest()


def ensure_validation(splits: DatasetDict, seed: int) -> DatasetDict:
    """Carve a validation split from train at random when there is none."""
    if "validation" in splits:
        return splits
    parts = splits["train"].train_test_split(test_size=VALIDATION_FRACTION, seed=seed)
    return DatasetDict({**splits, "train": parts["train"], "validation": parts["test"]})


def label_rows(split, settings: dict) -> list[list[str]]:
    """Each row's label names: from a list column (names or `ClassLabel` ids), a delimited string, or one 0/1 column
    per label."""
    if settings["layout"] == "columns":
        matrix = np.column_stack([np.asarray(split[name]) for name in settings["labels"]])
        return [[settings["labels"][j] for j in np.flatnonzero(row)] for row in matrix]
    column = settings["labels_column"]
    item = getattr(split.features[column], "feature", None)
    if settings["layout"] == "list":
        return [
            [item.int2str(v) if isinstance(item, ClassLabel) else str(v) for v in (value or []) if v is not None]
            for value in split[column]
        ]
    delimiter = settings["delimiter"]
    return [[part.strip() for part in str(value or "").split(delimiter) if part.strip()] for value in split[column]]


def multi_hot(rows: list[list[str]], names: list[str]) -> np.ndarray:
    """Rows of label names as a (rows, labels) 0/1 float32 matrix: BCE-with-logits takes float targets."""
    ids = {name: i for i, name in enumerate(names)}
    matrix = np.zeros((len(rows), len(names)), dtype=np.float32)
    for index, row in enumerate(rows):
        for name in row:
            matrix[index, ids[name]] = 1.0
    return matrix


def tokenize(splits: DatasetDict, tokenizer, settings: dict) -> DatasetDict:
    """Token ids, truncated to `max_length` but not padded (`DataCollatorWithPadding` pads each batch), and the
    labels as a multi-hot `labels` column."""
    text, pair = settings["text_column"], settings["text_pair_column"]

    def encode(batch: dict) -> dict:
        return tokenizer(
            batch[text], batch[pair] if pair else None, truncation=True, max_length=settings["max_length"]
        )

    def features(split):
        targets = multi_hot(label_rows(split, settings), settings["labels"])
        encoded = split.map(encode, batched=True, remove_columns=split.column_names)
        return encoded.add_column("labels", targets.tolist(), feature=List(Value("float32")))

    return DatasetDict({name: features(splits[name]) for name in ("train", "validation")})


def divide(numerator, denominator) -> np.ndarray:
    """numerator / denominator, 0.0 where the denominator is 0 (scikit-learn's `zero_division=0`)."""
    numerator, denominator = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    return np.divide(numerator, denominator, out=np.zeros_like(numerator * denominator), where=denominator != 0)


def compute_metrics(eval_prediction) -> dict[str, float]:
    """Micro, macro and samples F1, subset accuracy, micro precision and recall, at the run's threshold."""
    logits, labels = eval_prediction
    logits = logits[0] if isinstance(logits, tuple) else logits
    predicted = 1 / (1 + np.exp(-logits)) >= SETTINGS["threshold"]
    actual = np.asarray(labels) > 0.5
    hits = (predicted & actual).sum(axis=0)
    precision, recall = divide(hits, predicted.sum(axis=0)), divide(hits, actual.sum(axis=0))
    f1 = divide(2 * precision * recall, precision + recall)
    overlap = (predicted & actual).sum()
    micro_precision, micro_recall = float(divide(overlap, predicted.sum())), float(divide(overlap, actual.sum()))
    row_sizes = predicted.sum(axis=1) + actual.sum(axis=1)
    row_f1 = np.where(row_sizes == 0, 1.0, divide(2 * (predicted & actual).sum(axis=1), row_sizes))
    return {
        "f1_micro": float(divide(2 * micro_precision * micro_recall, micro_precision + micro_recall)),
        "f1_macro": float(f1.mean()),
        "f1_samples": float(row_f1.mean()) if len(row_f1) else 0.0,
        "subset_accuracy": float((predicted == actual).all(axis=1).mean()) if len(actual) else 0.0,
        "precision_micro": micro_precision,
        "recall_micro": micro_recall,
    }


def cpu_native_bf16() -> bool:
    cpuinfo = Path("/proc/cpuinfo")
    flags = cpuinfo.read_text(errors="replace") if cpuinfo.is_file() else ""
    return "avx512_bf16" in flags or "amx_bf16" in flags


def precision_for(setting: str, hidden_size: int | None) -> str:
    """`auto`: bf16 on GPUs with native bf16, else fp16 on a GPU; on a CPU bf16 only for wide models on CPUs with
    native bf16 (narrow ones train faster in fp32), else fp32."""
    if setting != "auto":
        return setting
    if torch.cuda.is_available():
        return "bf16" if torch.cuda.is_bf16_supported(including_emulation=False) else "fp16"
    wide = (hidden_size or 0) >= CPU_BF16_MIN_HIDDEN
    return "bf16" if wide and cpu_native_bf16() else "fp32"


def training_arguments(
    settings: dict, output_dir: Path, train_rows: int, hidden_size: int | None
) -> TrainingArguments:
    """The studio's `TrainingArguments` for these settings."""
    devices = int(os.environ.get("WORLD_SIZE", "0")) or max(1, torch.cuda.device_count())
    batches = math.ceil(train_rows / (settings["batch_size"] * devices))
    updates = math.ceil(settings["epochs"] * max(1, math.ceil(batches / settings["gradient_accumulation_steps"])))
    precision = precision_for(settings["precision"], hidden_size)
    evaluation = settings["eval_strategy"]
    steps = (
        {"eval_steps": settings["eval_steps"], "save_steps": settings["eval_steps"]} if evaluation == "steps" else {}
    )
    return TrainingArguments(
        output_dir=str(output_dir / "checkpoints"),
        num_train_epochs=settings["epochs"],
        per_device_train_batch_size=settings["batch_size"],
        per_device_eval_batch_size=settings["batch_size"] * 2,  # no gradients kept: twice the rows fit
        auto_find_batch_size=settings["auto_find_batch_size"],
        gradient_accumulation_steps=settings["gradient_accumulation_steps"],
        learning_rate=settings["learning_rate"],
        lr_scheduler_type=settings["scheduler"],
        warmup_steps=settings["warmup_ratio"],  # a float below 1 is a share of all steps
        weight_decay=settings["weight_decay"],
        max_grad_norm=settings["max_grad_norm"],
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        activation_checkpointing=settings["gradient_checkpointing"],
        logging_strategy="steps",
        logging_steps=max(1, updates // LOG_POINTS),
        report_to="none",
        average_tokens_across_devices=False,  # the loss is a per-example mean already
        seed=settings["seed"],
        use_cpu=not torch.cuda.is_available(),
        # Not grouped by length: texts with more labels are longer, and batches of one length would hold one
        # label count, which the model then learns instead of the labels (the studio trains this task so too).
        train_sampling_strategy="random",
        eval_strategy=evaluation,
        save_strategy=evaluation,
        save_total_limit=2,
        load_best_model_at_end=settings["load_best_model_at_end"],
        metric_for_best_model=settings["metric_for_best_model"],
        greater_is_better=settings["greater_is_better"],
        **steps,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", default="run", help="where the checkpoints and the model go (default: run)")
    output_dir = Path(parser.parse_args().output_dir)
    settings = SETTINGS
    set_seed(settings["seed"])
    splits = load_splits(settings["data"])
    columns = [c for c in (settings["text_column"], settings["text_pair_column"], settings["labels_column"]) if c]
    found = fingerprint(splits, columns + settings["label_columns"])
    if found != settings["dataset_fingerprint"]:
        print(
            f"warning: the dataset differs from the exported run's (fingerprint {found[:12]}, not "
            f"{settings['dataset_fingerprint'][:12]}): expect other scores"
        )
    splits = ensure_validation(splits, settings["seed"])
    names = settings["labels"]
    model_path = str(HERE / settings["model"]) if (HERE / settings["model"]).is_dir() else settings["model"]
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    tokenized = tokenize(splits, tokenizer, settings)
    model = AutoModelForSequenceClassification.from_pretrained(
        model_path,
        use_safetensors=True,
        num_labels=len(names),
        problem_type="multi_label_classification",
        id2label=dict(enumerate(names)),
        label2id={name: i for i, name in enumerate(names)},
        ignore_mismatched_sizes=True,  # a model fine-tuned on other labels gets a fresh head of the right size
    )
    patience = settings["early_stopping_patience"]
    trainer = Trainer(
        model=model,
        args=training_arguments(
            settings, output_dir, len(tokenized["train"]), getattr(model.config, "hidden_size", None)
        ),
        train_dataset=tokenized["train"],
        eval_dataset=tokenized["validation"],
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=compute_metrics,
        callbacks=[EarlyStoppingCallback(early_stopping_patience=patience)] if patience else [],
    )
    trainer.train()
    metrics = trainer.evaluate()
    trainer.save_model(str(output_dir / "model"))
    if trainer.is_world_process_zero():
        report = {"dataset_fingerprint": found, **{k.removeprefix("eval_"): v for k, v in metrics.items()}}
        (output_dir / "model" / "metrics.json").write_text(json.dumps(report, indent=2) + "\n")
        scores = ", ".join(f"{name} {metrics[f'eval_{name}']:.4f}" for name in ("f1_micro", "f1_macro"))
        print(f"{scores} -> {output_dir / 'model'}")


if __name__ == "__main__":
    main()
