"""Fine-tune a text classifier: the Hugging Face course's `Trainer` recipe, with one Finetune Studio run's settings.

Plain `transformers`, `datasets` and `accelerate`; nothing here needs Finetune Studio. The run's settings are in
`SETTINGS` below (written by the studio's export, the same as `config.yaml`).

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
from datasets import ClassLabel, DatasetDict, Features, load_dataset, load_from_disk
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
VALIDATION_FRACTION = 0.1  # carved from train, stratified by label, when the dataset has no validation split
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
    """sha256 of every row's text and label values, split by split: the same data gives the same digest anywhere."""
    digest = hashlib.sha256()
    for name in sorted(splits):
        digest.update(name.encode())
        for batch in splits[name].select_columns(columns).iter(batch_size=1000):
            for row in zip(*(batch[column] for column in columns), strict=True):
                digest.update(json.dumps(row, default=str).encode())
    return digest.hexdigest()


def encode_labels(splits: DatasetDict, column: str) -> DatasetDict:
    """Labels as `ClassLabel` ids: string labels in sorted order, whole numbers in numeric order."""
    if isinstance(splits["train"].features[column], ClassLabel):
        return splits
    values = set().union(*(split.unique(column) for split in splits.values()))
    ordered = sorted(values, key=lambda v: (0, v, "") if isinstance(v, (int, float)) else (1, 0, str(v)))
    ids = {value: index for index, value in enumerate(ordered)}
    feature = ClassLabel(names=[str(value) for value in ordered])
    return DatasetDict(
        {
            name: split.map(
                lambda batch: {column: [ids[v] for v in batch[column]]},
                batched=True,
                features=Features({**split.features, column: feature}),
            )
            for name, split in splits.items()
        }
    )


def ensure_validation(splits: DatasetDict, column: str, seed: int) -> DatasetDict:
    """Carve a validation split from train (stratified when every class has two rows) when there is none."""
    if "validation" in splits:
        return splits
    train = splits["train"]
    stratify = min(np.unique(train[column], return_counts=True)[1]) >= 2
    parts = train.train_test_split(
        test_size=VALIDATION_FRACTION, seed=seed, stratify_by_column=column if stratify else None
    )
    return DatasetDict({**splits, "train": parts["train"], "validation": parts["test"]})


def tokenize(splits: DatasetDict, tokenizer, settings: dict) -> DatasetDict:
    """Token ids, truncated to `max_length` but not padded: `DataCollatorWithPadding` pads each batch."""
    text, pair, label = settings["text_column"], settings["text_pair_column"], settings["label_column"]

    def encode(batch: dict) -> dict:
        pairs = [t or "" for t in batch[pair]] if pair else None
        return tokenizer([t or "" for t in batch[text]], pairs, truncation=True, max_length=settings["max_length"])

    chosen = DatasetDict({name: splits[name] for name in ("train", "validation")})
    removed = [c for c in chosen["train"].column_names if c != label]
    return chosen.map(encode, batched=True, remove_columns=removed).rename_column(label, "labels")


def compute_metrics(eval_prediction) -> dict[str, float]:
    """Accuracy, and precision / recall / F1 averaged over the classes seen (macro, as scikit-learn does)."""
    logits, labels = eval_prediction
    predictions = np.argmax(logits, axis=-1)
    scores = {"precision": [], "recall": [], "f1": []}
    for label in np.union1d(predictions, labels):
        hits = np.sum((predictions == label) & (labels == label))
        predicted, actual = np.sum(predictions == label), np.sum(labels == label)
        precision = hits / predicted if predicted else 0.0
        recall = hits / actual if actual else 0.0
        scores["precision"].append(precision)
        scores["recall"].append(recall)
        scores["f1"].append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return {"accuracy": float(np.mean(predictions == labels))} | {k: float(np.mean(v)) for k, v in scores.items()}


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
        # A classification loss is a per-example mean: scaling it by the number of processes would double it on 2.
        average_tokens_across_devices=False,
        seed=settings["seed"],
        use_cpu=not torch.cuda.is_available(),
        train_sampling_strategy="group_by_length",  # batches of similar lengths waste less compute on padding
        eval_strategy=evaluation,
        save_strategy=evaluation,
        save_total_limit=2,
        load_best_model_at_end=settings["load_best_model_at_end"],
        metric_for_best_model=settings["metric_for_best_model"],
        greater_is_better=settings["metric_for_best_model"] != "loss",
        **steps,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", default="run", help="where the checkpoints and the model go (default: run)")
    output_dir = Path(parser.parse_args().output_dir)
    settings = SETTINGS
    set_seed(settings["seed"])
    label = settings["label_column"]
    splits = load_splits(settings["data"])
    columns = [c for c in (settings["text_column"], settings["text_pair_column"], label) if c]
    found = fingerprint(splits, columns)
    if found != settings["dataset_fingerprint"]:
        print(
            f"warning: the dataset differs from the exported run's (fingerprint {found[:12]}, not "
            f"{settings['dataset_fingerprint'][:12]}): expect other scores"
        )
    splits = ensure_validation(encode_labels(splits, label), label, settings["seed"])
    label_names = splits["train"].features[label].names
    model_path = str(HERE / settings["model"]) if (HERE / settings["model"]).is_dir() else settings["model"]
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    tokenized = tokenize(splits, tokenizer, settings)
    model = AutoModelForSequenceClassification.from_pretrained(
        model_path,
        use_safetensors=True,
        num_labels=len(label_names),
        id2label=dict(enumerate(label_names)),
        label2id={name: i for i, name in enumerate(label_names)},
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
        scores = ", ".join(f"{name} {metrics[f'eval_{name}']:.4f}" for name in ("accuracy", "f1"))
        print(f"{scores} -> {output_dir / 'model'}")


if __name__ == "__main__":
    main()
