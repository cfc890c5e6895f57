"""Fine-tune an extractive question answerer: the Hugging Face course's recipe (chapter 7), with one Finetune Studio
run's settings.

Plain `transformers`, `datasets` and `accelerate`; nothing here needs Finetune Studio. The run's settings are in
`SETTINGS` below (written by the studio's export, the same as `config.yaml`). A long context is split into overflow
windows of `max_length` tokens sharing `stride` tokens; a window that does not hold the whole answer points at the
CLS token. An answer is the best of the `n_best` start and end logits of every window of its question, inside the
context and at most `max_answer_length` tokens long, scored with SQuAD v1.1's exact match and F1.

    pip install -r requirements.txt && python train.py          # this machine (CPU or one GPU)
    accelerate launch train.py                                  # every GPU `accelerate config` describes

The model and its metrics land in `run/model` (or `--output-dir`).
"""

import argparse
import hashlib
import json
import math
import os
import re
import string
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import torch
from datasets import DatasetDict, load_dataset, load_from_disk
from torch.utils.data import SequentialSampler
from transformers import (
    AutoModelForQuestionAnswering,
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
ARTICLES = re.compile(r"\b(a|an|the)\b")


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
    """sha256 of every row's question, context and answers, split by split: the same data, the same digest."""
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


def answer_positions(offsets: list, sequence_ids: list, answer: tuple[str, int] | None, cls: int) -> tuple[int, int]:
    """The answer's first and last token in one window, or (cls, cls) when the window does not hold all of it."""
    if answer is None:
        return cls, cls
    first_char, end_char = answer[1], answer[1] + len(answer[0])
    context = [i for i, sequence in enumerate(sequence_ids) if sequence == 1]
    first, last = context[0], context[-1]
    if offsets[first][0] > first_char or offsets[last][1] < end_char:
        return cls, cls
    start = first
    while start <= last and offsets[start][0] <= first_char:
        start += 1
    end = last
    while end >= first and offsets[end][1] >= end_char:
        end -= 1
    return start - 1, end + 1


def windows(split, tokenizer, settings: dict):
    """Overflow windows of (question, context) with `start_positions` / `end_positions` (the first answer's), and
    per window its row (`example_index`) and the offsets of its context tokens (None elsewhere)."""
    question, context, answers = settings["question_column"], settings["context_column"], settings["answers_column"]

    def encode(batch: dict, indices: list[int]) -> dict:
        encoded = tokenizer(
            [text.strip() for text in batch[question]],
            batch[context],
            truncation="only_second",
            max_length=settings["max_length"],
            stride=settings["stride"],
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
        )
        rows = encoded.pop("overflow_to_sample_mapping")
        starts, ends, offsets = [], [], []
        for i, row in enumerate(rows):
            sequence_ids, ids = encoded.sequence_ids(i), encoded["input_ids"][i]
            cls = ids.index(tokenizer.cls_token_id) if tokenizer.cls_token_id in ids else 0
            gold = batch[answers][row]
            first = (gold["text"][0], gold["answer_start"][0]) if gold["text"] else None
            start, end = answer_positions(encoded["offset_mapping"][i], sequence_ids, first, cls)
            starts.append(start)
            ends.append(end)
            offsets.append([o if sequence_ids[k] == 1 else None for k, o in enumerate(encoded["offset_mapping"][i])])
        encoded["start_positions"], encoded["end_positions"] = starts, ends
        encoded["offset_mapping"] = offsets
        encoded["example_index"] = [indices[row] for row in rows]
        return encoded

    return split.map(encode, batched=True, batch_size=None, with_indices=True, remove_columns=split.column_names)


def best_answer(context: str, start_logits, end_logits, offsets: list, settings: dict) -> str:
    """The best span over a question's windows: start + end logit, inside the context, not reversed, at most
    `max_answer_length` tokens; "" when there is none."""
    best, found = -np.inf, ""
    for window, starts, ends in zip(offsets, start_logits, end_logits, strict=True):
        size = len(window)
        for s in np.argsort(starts[:size])[::-1][: settings["n_best"]]:
            for e in np.argsort(ends[:size])[::-1][: settings["n_best"]]:
                if window[s] is None or window[e] is None or e < s or e - s + 1 > settings["max_answer_length"]:
                    continue
                score = float(starts[s] + ends[e])
                if score > best:
                    best, found = score, context[window[s][0] : window[e][1]]
    return found


def normalize(text: str) -> str:
    """SQuAD's normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    return " ".join(ARTICLES.sub(" ", text).split())


def word_f1(prediction: str, gold: str) -> float:
    predicted, actual = normalize(prediction).split(), normalize(gold).split()
    common = sum((Counter(predicted) & Counter(actual)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(actual)
    return 2 * precision * recall / (precision + recall)


def squad_scores(predictions: list[str], golds: list[list[str]]) -> dict[str, float]:
    """Mean exact match and F1 over questions (fractions), each the best over its gold answers; a question with no
    gold answer scores 1 only for an empty prediction."""

    def best(metric, prediction: str, answers: list[str]) -> float:
        if not answers:
            return float(not normalize(prediction))
        return max(metric(prediction, gold) for gold in answers)

    exact = [
        best(lambda p, g: float(normalize(p) == normalize(g)), p, g) for p, g in zip(predictions, golds, strict=True)
    ]
    f1 = [best(word_f1, p, g) for p, g in zip(predictions, golds, strict=True)]
    return (
        {"exact_match": float(np.mean(exact)), "f1": float(np.mean(f1))}
        if predictions
        else {"exact_match": 0.0, "f1": 0.0}
    )


class RowOrderTrainer(Trainer):
    """`Trainer`, evaluating the windows in their own order. Under `group_by_length` it also evaluates in batches of
    similar lengths and hands the logits back in that order, while the answers are read from each window's offsets
    and question by position; scored so, the windows meet the wrong questions."""

    def _get_eval_sampler(self, eval_dataset):
        # One process: in order. Several: None, and accelerate gives each process its share in order.
        return SequentialSampler(eval_dataset) if self.args.world_size <= 1 else None


def metrics_for(examples, features, settings: dict):
    """`compute_metrics` for the validation split: answers from the windows' logits, scored against the gold ones."""
    windows_of = defaultdict(list)
    for window, row in enumerate(features["example_index"]):
        windows_of[row].append(window)
    offsets, contexts = features["offset_mapping"], examples[settings["context_column"]]
    golds = [list(answers["text"]) for answers in examples[settings["answers_column"]]]

    def compute(eval_prediction) -> dict[str, float]:
        start_logits, end_logits = (np.asarray(logits) for logits in eval_prediction.predictions[:2])
        predictions = [
            best_answer(
                context,
                start_logits[windows_of[row]],
                end_logits[windows_of[row]],
                [offsets[w] for w in windows_of[row]],
                settings,
            )
            for row, context in enumerate(contexts)
        ]
        return squad_scores(predictions, golds)

    return compute


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
    columns = [settings[name] for name in ("question_column", "context_column", "answers_column")]
    columns += [settings["id_column"]] if settings["id_column"] else []
    found = fingerprint(splits, columns)
    if found != settings["dataset_fingerprint"]:
        print(
            f"warning: the dataset differs from the exported run's (fingerprint {found[:12]}, not "
            f"{settings['dataset_fingerprint'][:12]}): expect other scores"
        )
    splits = ensure_validation(splits, settings["seed"])
    model_path = str(HERE / settings["model"]) if (HERE / settings["model"]).is_dir() else settings["model"]
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    tokenized = {name: windows(splits[name], tokenizer, settings) for name in ("train", "validation")}
    model = AutoModelForQuestionAnswering.from_pretrained(
        model_path,
        use_safetensors=True,
        ignore_mismatched_sizes=True,  # a model fine-tuned for another task gets a fresh span head
    )
    patience = settings["early_stopping_patience"]
    trainer = RowOrderTrainer(
        model=model,
        args=training_arguments(
            settings, output_dir, len(tokenized["train"]), getattr(model.config, "hidden_size", None)
        ),
        train_dataset=tokenized["train"],
        eval_dataset=tokenized["validation"],
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=metrics_for(splits["validation"], tokenized["validation"], settings),
        callbacks=[EarlyStoppingCallback(early_stopping_patience=patience)] if patience else [],
    )
    trainer.train()
    metrics = trainer.evaluate()
    trainer.save_model(str(output_dir / "model"))
    if trainer.is_world_process_zero():
        report = {"dataset_fingerprint": found, **{k.removeprefix("eval_"): v for k, v in metrics.items()}}
        (output_dir / "model" / "metrics.json").write_text(json.dumps(report, indent=2) + "\n")
        scores = ", ".join(f"{name} {metrics[f'eval_{name}']:.4f}" for name in ("exact_match", "f1"))
        print(f"{scores} -> {output_dir / 'model'}")


if __name__ == "__main__":
    main()
