"""Fine-tune a token classifier (named entities, word tags): the Hugging Face course's recipe (chapter 7), with one
Finetune Studio run's settings.

Plain `transformers`, `datasets` and `accelerate`; nothing here needs Finetune Studio. The run's settings are in
`SETTINGS` below (written by the studio's export, the same as `config.yaml`). Each word's tag goes to its first
sub-word token through `word_ids()`; special tokens and later sub-words get -100, which the loss ignores. Entities
are scored as seqeval's strict mode does under the run's tagging scheme.

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

import torch
from datasets import ClassLabel, DatasetDict, load_dataset, load_from_disk
from transformers import (
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorForTokenClassification,
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
IGNORED = -100  # the label PyTorch's cross-entropy (and the metrics) skip
# When a tag starts an entity, continues one, and when the previous tag closed it, per scheme (seqeval 1.2.2's
# strict mode): (previous prefixes, this prefix, whether the types must be the same, differ, or either).
SCHEMES = {
    "IOB1": {
        "start": {("O", "I", "any"), ("I", "I", "diff"), ("B", "I", "any"), ("I", "B", "same"), ("B", "B", "same")},
        "inside": {("B", "I", "same"), ("I", "I", "same")},
        "end": {
            ("I", "I", "diff"),
            ("I", "O", "any"),
            ("I", "B", "any"),
            ("B", "O", "any"),
            ("B", "I", "diff"),
            ("B", "B", "same"),
        },
    },
    "IOB2": {
        "start": {("IOBES", "B", "any")},
        "inside": {("B", "I", "same"), ("I", "I", "same")},
        "end": {
            ("I", "O", "any"),
            ("I", "I", "diff"),
            ("I", "B", "any"),
            ("B", "O", "any"),
            ("B", "I", "diff"),
            ("B", "B", "any"),
        },
    },
    "IOBES": {
        "start": {("IOBES", "B", "any"), ("IOBES", "S", "any")},
        "inside": {("B", "I", "same"), ("B", "E", "same"), ("I", "I", "same"), ("I", "E", "same")},
        "end": {("S", "IOBES", "any"), ("E", "IOBES", "any")},
    },
}


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
    """sha256 of every row's words and tags, split by split: the same data gives the same digest anywhere."""
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


def tag_ids(split, settings: dict) -> list[list[int]]:
    """Every row's tags as ids of `SETTINGS['labels']` (tags given as names or as `ClassLabel` ids)."""
    item = getattr(split.features[settings["tags_column"]], "feature", None)
    ids = {name: i for i, name in enumerate(settings["labels"])}
    return [
        [ids[item.int2str(tag) if isinstance(item, ClassLabel) else tag] for tag in tags]
        for tags in split[settings["tags_column"]]
    ]


def align_labels(word_ids: list[int | None], word_labels: list[int], subword_labels: list[int] | None) -> list[int]:
    """The first sub-word of a word gets the word's label; special tokens -100; later sub-words -100, or the I- tag
    of a B- when every sub-word is labelled."""
    labels, previous = [], None
    for word in word_ids:
        if word is None:
            labels.append(IGNORED)
        elif word != previous:
            labels.append(word_labels[word])
        else:
            labels.append(IGNORED if subword_labels is None else subword_labels[word_labels[word]])
        previous = word
    return labels


def tokenize(splits: DatasetDict, tokenizer, settings: dict) -> DatasetDict:
    """Token ids of the words (`is_split_into_words`) with aligned labels, truncated to `max_length`, not padded:
    `DataCollatorForTokenClassification` pads each batch (the labels with -100)."""
    names = settings["labels"]
    ids = {name: i for i, name in enumerate(names)}
    inside = [ids.get("I-" + name[2:], i) if name.startswith("B-") else i for i, name in enumerate(names)]
    subword = inside if settings["label_all_subwords"] else None

    def features(split):
        sentences = tag_ids(split, settings)

        def encode(batch: dict, indices: list[int]) -> dict:
            encoded = tokenizer(
                batch[settings["tokens_column"]],
                is_split_into_words=True,
                truncation=True,
                max_length=settings["max_length"],
            )
            encoded["labels"] = [
                align_labels(encoded.word_ids(i), sentences[row], subword) for i, row in enumerate(indices)
            ]
            return encoded

        return split.map(encode, batched=True, with_indices=True, remove_columns=split.column_names)

    return DatasetDict({name: features(splits[name]) for name in ("train", "validation")})


def _matches(patterns: set, previous: tuple[str, str], current: tuple[str, str]) -> bool:
    for before, now, types in patterns:
        if previous[0] in before and current[0] in now:
            if types == "any" or (types == "same") == (previous[1] == current[1]):
                return True
    return False


def strict_entities(tags: list[str], scheme: str) -> list[tuple[str, int, int]]:
    """The entities the scheme's rules accept, as (type, first word, end exclusive): seqeval's strict mode."""
    rules = SCHEMES[scheme]
    tokens = [(tag[0], tag[1:].strip("-") or "_") for tag in tags] + [("O", "_")]
    entities, index, previous = [], 0, ("O", "_")
    while index < len(tokens):
        token = tokens[index]
        if _matches(rules["start"], previous, token):
            end, before = index + 1, token
            while end < len(tokens) and _matches(rules["inside"], before, tokens[end]):
                before, end = tokens[end], end + 1
            if end >= len(tokens):
                end = len(tokens) - 2
            if _matches(rules["end"], tokens[end - 1], tokens[end]):
                entities.append((token[1], index, end))
            index = end
        else:
            index += 1
        previous = tokens[index - 1]
    return entities


def compute_metrics(eval_prediction) -> dict[str, float]:
    """Entity precision / recall / F1 (micro over entities, strict) and the accuracy of the labelled tokens."""
    logits, label_ids = eval_prediction
    logits = logits[0] if isinstance(logits, tuple) else logits
    names, scheme = SETTINGS["labels"], SETTINGS["scheme"]
    truth, guess, correct, total = set(), set(), 0, 0
    for row, (predicted, labels) in enumerate(zip(logits.argmax(axis=-1), label_ids, strict=True)):
        kept = labels != IGNORED
        actual = [names[i] for i in labels[kept]]
        found = [names[i] for i in predicted[kept]]
        truth |= {(row, *entity) for entity in strict_entities(actual, scheme)}
        guess |= {(row, *entity) for entity in strict_entities(found, scheme)}
        correct += sum(a == p for a, p in zip(actual, found, strict=True))
        total += len(actual)
    hits = len(truth & guess)
    precision = hits / len(guess) if guess else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "accuracy": correct / total if total else 0.0}


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
        average_tokens_across_devices=False,  # the loss is a mean over this batch's labelled tokens already
        seed=settings["seed"],
        use_cpu=not torch.cuda.is_available(),
        train_sampling_strategy="group_by_length",  # batches of similar lengths waste less compute on padding
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
    found = fingerprint(splits, [settings["tokens_column"], settings["tags_column"]])
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
    model = AutoModelForTokenClassification.from_pretrained(
        model_path,
        use_safetensors=True,
        num_labels=len(names),
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
        data_collator=DataCollatorForTokenClassification(tokenizer),
        compute_metrics=compute_metrics,
        callbacks=[EarlyStoppingCallback(early_stopping_patience=patience)] if patience else [],
    )
    trainer.train()
    metrics = trainer.evaluate()
    trainer.save_model(str(output_dir / "model"))
    if trainer.is_world_process_zero():
        report = {"dataset_fingerprint": found, **{k.removeprefix("eval_"): v for k, v in metrics.items()}}
        (output_dir / "model" / "metrics.json").write_text(json.dumps(report, indent=2) + "\n")
        scores = ", ".join(f"{name} {metrics[f'eval_{name}']:.4f}" for name in ("f1", "accuracy"))
        print(f"{scores} -> {output_dir / 'model'}")


if __name__ == "__main__":
    main()
