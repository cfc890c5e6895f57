"""A plain multi-label classification recipe with `Trainer`, as a reader of the Hugging Face course would write it:
a baseline of bench/tasks.py.

The course has no multi-label chapter; this is chapter 3's sequence-classification recipe with the changes its
documentation names for several labels per text: `load_dataset("json")` on the sample's files (the text in `text`,
its tags as a list in `labels`), the tags turned into multi-hot float vectors, `AutoModelForSequenceClassification`
with `problem_type="multi_label_classification"` (sigmoid outputs, binary cross-entropy), `DataCollatorWithPadding`
and `Trainer` with default `TrainingArguments` except the epochs, batch size, learning rate and seed; one prediction
on the validation split at the end, a label predicted when its sigmoid reaches 0.5 (no threshold tuning). Micro and
macro F1 (a label with no positive prediction scores 0, as scikit-learn's `zero_division=0`) are computed in a few
lines of numpy, so the script needs nothing beyond transformers and datasets. It uses no part of the engine. Prints
one JSON line: micro and macro F1 and the seconds spent in `trainer.train()`.

    python bench/course_multilabel_recipe.py --data assets/samples/tags --model FOLDER --output-dir DIR
"""

import argparse
import json
import time

import numpy as np
from datasets import load_dataset
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    Trainer,
    TrainingArguments,
)

THRESHOLD = 0.5


def f1_scores(predicted: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    """Micro F1 (over every row-label decision) and macro F1 (the mean of each label's F1) of two 0/1 matrices."""
    predicted, actual = predicted.astype(bool), actual.astype(bool)
    overlap = (predicted & actual).sum(axis=0)
    per_label = [
        2 * tp / (p + a) if p + a else 0.0
        for tp, p, a in zip(overlap, predicted.sum(axis=0), actual.sum(axis=0), strict=True)
    ]
    total = predicted.sum() + actual.sum()
    return {"f1_micro": float(2 * overlap.sum() / total) if total else 0.0, "f1_macro": float(np.mean(per_label))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="a folder with train.jsonl and validation.jsonl")
    parser.add_argument("--model", required=True, help="a save_pretrained folder or Hub id")
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--max-length", type=int, default=128)
    args = parser.parse_args()

    files = {split: f"{args.data}/{split}.jsonl" for split in ("train", "validation")}
    raw = load_dataset("json", data_files=files)
    label_names = sorted({tag for tags in raw["train"]["labels"] for tag in tags})
    ids = {name: i for i, name in enumerate(label_names)}
    tokenizer = AutoTokenizer.from_pretrained(args.model)

    def preprocess(batch):
        inputs = tokenizer(batch["text"], truncation=True, max_length=args.max_length)
        # Binary cross-entropy wants float targets: one 0/1 per label.
        inputs["labels"] = [[float(name in tags) for name in label_names] for tags in batch["labels"]]
        return inputs

    tokenized = raw.map(preprocess, batched=True, remove_columns=raw["train"].column_names)
    model = AutoModelForSequenceClassification.from_pretrained(
        args.model,
        num_labels=len(label_names),
        problem_type="multi_label_classification",
        id2label=dict(enumerate(label_names)),
        label2id=ids,
    )
    training_args = TrainingArguments(
        output_dir=args.output_dir,
        num_train_epochs=args.epochs,
        per_device_train_batch_size=args.batch_size,
        learning_rate=args.lr,
        seed=args.seed,
        report_to="none",
        disable_tqdm=True,
        save_strategy="no",
    )
    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=tokenized["train"],
        data_collator=DataCollatorWithPadding(tokenizer),
        processing_class=tokenizer,
    )
    start = time.perf_counter()
    trainer.train()
    train_seconds = time.perf_counter() - start
    prediction = trainer.predict(tokenized["validation"])
    probabilities = 1 / (1 + np.exp(-prediction.predictions))
    scores = f1_scores(probabilities >= THRESHOLD, np.asarray(prediction.label_ids) > 0.5)
    print(json.dumps({**scores, "train_seconds": train_seconds}))


if __name__ == "__main__":
    main()
