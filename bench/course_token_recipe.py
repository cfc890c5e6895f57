"""The Hugging Face course's token-classification recipe (chapter 7.2), as one script: a baseline of bench/tasks.py.

`load_dataset("json")` on the sample's files (words in `tokens`, tag names in `ner_tags`), `Dataset.map` with the
course's `align_labels_with_tokens` (each word's tag on its first token and, B- turned into I-, on its other
sub-words; -100 on special tokens), `DataCollatorForTokenClassification`, `AutoModelForTokenClassification` and
`Trainer` with default `TrainingArguments` except the epochs, batch size, learning rate and seed; one prediction on
the validation split at the end. The course scores with `evaluate.load("seqeval")`, which needs the Hub and the
seqeval package; here the same strict IOB2 entity F1 is computed in a few lines, over each word's first token (the
words the engine scores). It uses no part of the engine. Prints one JSON line: entity precision, recall and F1, and
the seconds spent in `trainer.train()`.

    python bench/course_token_recipe.py --data assets/samples/entities --model FOLDER --output-dir DIR
"""

import argparse
import json
import time

import numpy as np
from datasets import load_dataset
from transformers import (
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorForTokenClassification,
    Trainer,
    TrainingArguments,
)


def align_labels_with_tokens(labels: list[int], word_ids: list[int | None], inside: dict[int, int]) -> list[int]:
    """The course's function: a word's label on its first token, its I- label on the rest, -100 on specials."""
    new_labels, current_word = [], None
    for word_id in word_ids:
        if word_id is None:
            new_labels.append(-100)
        elif word_id != current_word:
            current_word = word_id
            new_labels.append(labels[word_id])
        else:
            new_labels.append(inside[labels[word_id]])
    return new_labels


def entities(tags: list[str]) -> set[tuple[str, int, int]]:
    """IOB2 entities as (type, first, last): an entity starts at B-X and runs over the I-X after it."""
    found, start, kind = set(), None, None
    for index, tag in enumerate([*tags, "O"]):
        if start is not None and tag != f"I-{kind}":
            found.add((kind, start, index - 1))
            start = None
        if tag.startswith("B-"):
            start, kind = index, tag[2:]
    return found


def entity_scores(gold: list[list[str]], predicted: list[list[str]]) -> dict[str, float]:
    true = pred = correct = 0
    for actual, guessed in zip(gold, predicted, strict=True):
        a, p = entities(actual), entities(guessed)
        true, pred, correct = true + len(a), pred + len(p), correct + len(a & p)
    precision, recall = correct / pred if pred else 0.0, correct / true if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


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
    label_names = sorted({tag for tags in raw["train"]["ner_tags"] for tag in tags})
    ids = {name: i for i, name in enumerate(label_names)}
    inside = {i: ids.get("I-" + name[2:], i) if name.startswith("B-") else i for i, name in enumerate(label_names)}
    tokenizer = AutoTokenizer.from_pretrained(args.model)

    def tokenize_and_align_labels(batch):
        inputs = tokenizer(batch["tokens"], truncation=True, max_length=args.max_length, is_split_into_words=True)
        inputs["labels"] = [
            align_labels_with_tokens([ids[tag] for tag in tags], inputs.word_ids(i), inside)
            for i, tags in enumerate(batch["ner_tags"])
        ]
        return inputs

    tokenized = raw.map(tokenize_and_align_labels, batched=True, remove_columns=raw["train"].column_names)
    model = AutoModelForTokenClassification.from_pretrained(
        args.model,
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
        data_collator=DataCollatorForTokenClassification(tokenizer),
        processing_class=tokenizer,
    )
    start = time.perf_counter()
    trainer.train()
    train_seconds = time.perf_counter() - start
    predictions = np.argmax(trainer.predict(tokenized["validation"]).predictions, axis=-1)
    gold, guessed = [], []
    for index, tags in enumerate(raw["validation"]["ner_tags"]):
        words = tokenizer(raw["validation"][index]["tokens"], truncation=True, max_length=args.max_length,
                          is_split_into_words=True).word_ids()  # fmt: skip
        word_tags, seen = ["O"] * len(tags), set()
        for position, word in enumerate(words):
            if word is not None and word not in seen:
                seen.add(word)
                word_tags[word] = label_names[predictions[index][position]]
        gold.append(list(tags))
        guessed.append(word_tags)
    print(json.dumps({**entity_scores(gold, guessed), "train_seconds": train_seconds}))


if __name__ == "__main__":
    main()
