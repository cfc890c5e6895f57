"""A plain regression recipe with `Trainer`, as a reader of the Hugging Face course would write it: a baseline of
bench/tasks.py.

Chapter 3's sentence-pair recipe with one output instead of classes, as its documentation says for a score such as
STS-B's: `load_dataset("csv")` on the sample's files (`sentence1`, `sentence2` and a 0-5 `score`), the pair tokenized
together, the score as a float label, `AutoModelForSequenceClassification` with `num_labels=1` and
`problem_type="regression"` (mean squared error), `DataCollatorWithPadding` and `Trainer` with default
`TrainingArguments` except the epochs, batch size, learning rate and seed; the model learns the score as it is (no
standardising). One prediction on the validation split at the end, scored with MSE, RMSE and Pearson's and
Spearman's correlations (numpy and pandas: the script needs no scipy). It uses no part of the engine. Prints one JSON
line: those scores and the seconds spent in `trainer.train()`.

    python bench/course_regression_recipe.py --data assets/samples/similarity --model FOLDER --output-dir DIR
"""

import argparse
import json
import math
import time

import numpy as np
import pandas as pd
from datasets import load_dataset
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    Trainer,
    TrainingArguments,
)


def regression_scores(predictions: np.ndarray, targets: np.ndarray) -> dict[str, float]:
    """MSE, RMSE, Pearson and Spearman (Pearson's on ranks, ties averaged); a constant prediction correlates 0."""
    mse = float(((predictions - targets) ** 2).mean())
    constant = predictions.std() == 0
    pearson = 0.0 if constant else float(np.corrcoef(predictions, targets)[0, 1])
    ranks = pd.Series(predictions).rank().to_numpy(), pd.Series(targets).rank().to_numpy()
    spearman = 0.0 if constant else float(np.corrcoef(*ranks)[0, 1])
    return {"mse": mse, "rmse": math.sqrt(mse), "pearson": pearson, "spearman": spearman}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="a folder with train.csv and validation.csv")
    parser.add_argument("--model", required=True, help="a save_pretrained folder or Hub id")
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--max-length", type=int, default=128)
    args = parser.parse_args()

    files = {split: f"{args.data}/{split}.csv" for split in ("train", "validation")}
    raw = load_dataset("csv", data_files=files)
    tokenizer = AutoTokenizer.from_pretrained(args.model)

    def preprocess(batch):
        inputs = tokenizer(batch["sentence1"], batch["sentence2"], truncation=True, max_length=args.max_length)
        inputs["labels"] = [float(score) for score in batch["score"]]  # mean squared error wants float targets
        return inputs

    tokenized = raw.map(preprocess, batched=True, remove_columns=raw["train"].column_names)
    model = AutoModelForSequenceClassification.from_pretrained(args.model, num_labels=1, problem_type="regression")
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
    predictions = np.asarray(prediction.predictions, dtype=np.float64).reshape(-1)
    targets = np.asarray(prediction.label_ids, dtype=np.float64).reshape(-1)
    print(json.dumps({**regression_scores(predictions, targets), "train_seconds": train_seconds}))


if __name__ == "__main__":
    main()
