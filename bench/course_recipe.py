"""The Hugging Face course's fine-tuning recipe (chapter 3), as one script: the baseline of bench/whole_process.py.

`load_dataset` on the sample's CSV files, `Dataset.map` tokenization with truncation, `Trainer` with
`DataCollatorWithPadding` and default `TrainingArguments` except the epochs, batch size, learning rate and seed
(the course's own evaluation once at the end: `trainer.predict` on the validation split). `--pad-to-max-length`
pads every row to `--max-length` when tokenizing instead, as many tutorials do. It uses no part of the engine.
Prints one JSON line: the validation accuracy and the seconds spent in `trainer.train()`.

    python bench/course_recipe.py --data assets/samples/sentiment --model FOLDER [--pad-to-max-length]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="a folder with train.csv and validation.csv (text, label)")
    parser.add_argument("--model", required=True, help="a save_pretrained folder or Hub id")
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--pad-to-max-length", action="store_true")
    args = parser.parse_args()

    files = {split: f"{args.data}/{split}.csv" for split in ("train", "validation")}
    raw = load_dataset("csv", data_files=files).class_encode_column("label")
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    padding = "max_length" if args.pad_to_max_length else False

    def tokenize(batch):
        return tokenizer(batch["text"], truncation=True, max_length=args.max_length, padding=padding)

    tokenized = raw.map(tokenize, batched=True)
    labels = raw["train"].features["label"].names
    model = AutoModelForSequenceClassification.from_pretrained(args.model, num_labels=len(labels))
    training_args = TrainingArguments(
        output_dir=args.output_dir,
        num_train_epochs=args.epochs,
        per_device_train_batch_size=args.batch_size,
        learning_rate=args.lr,
        seed=args.seed,
        report_to="none",
        disable_tqdm=True,
    )
    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=tokenized["train"],
        eval_dataset=tokenized["validation"],
        data_collator=DataCollatorWithPadding(tokenizer),
        processing_class=tokenizer,
    )
    start = time.perf_counter()
    trainer.train()
    train_seconds = time.perf_counter() - start
    predictions = trainer.predict(tokenized["validation"])
    accuracy = float((np.argmax(predictions.predictions, axis=-1) == predictions.label_ids).mean())
    print(json.dumps({"accuracy": accuracy, "train_seconds": train_seconds}))


if __name__ == "__main__":
    main()
