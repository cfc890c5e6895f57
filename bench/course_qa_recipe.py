"""The Hugging Face course's extractive question-answering recipe (chapter 7.7), as one script: a baseline of
bench/tasks.py.

`load_dataset("json")` on the sample's SQuAD-layout files; the course's `preprocess_training_examples` (question and
context cut into overflow windows of `max_length` tokens sharing `stride`, the answer's start and end token in the
window that holds it, the CLS token elsewhere) and `preprocess_validation_examples` (windows with their example id
and the context's offsets); `AutoModelForQuestionAnswering`, `DefaultDataCollator` and `Trainer` with default
`TrainingArguments` except the epochs, batch size, learning rate and seed; then the course's `compute_metrics`: the
`n_best` start and end logits of each window, spans up to `max_answer_length` tokens, the best-scoring span per
example. The course scores with `evaluate.load("squad")`, which needs the Hub; here SQuAD's exact match and F1 (its
answer normalisation, the best over the gold answers) are computed in a few lines. It uses no part of the engine.
Prints one JSON line: exact match and F1 (0 to 1) and the seconds spent in `trainer.train()`.

    python bench/course_qa_recipe.py --data assets/samples/questions --model FOLDER --output-dir DIR
"""

import argparse
import collections
import json
import re
import string
import time

import numpy as np
from datasets import load_dataset
from transformers import AutoModelForQuestionAnswering, AutoTokenizer, DefaultDataCollator, Trainer, TrainingArguments

N_BEST, MAX_ANSWER_LENGTH = 20, 30  # the course's


def normalize(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def f1_score(prediction: str, gold: str) -> float:
    predicted, actual = normalize(prediction).split(), normalize(gold).split()
    common = sum((collections.Counter(predicted) & collections.Counter(actual)).values())
    if not predicted or not actual:
        return float(predicted == actual)
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(actual)
    return 2 * precision * recall / (precision + recall)


def squad_scores(predictions: dict[str, str], examples) -> dict[str, float]:
    exact = f1 = 0.0
    for example in examples:
        golds = example["answers"]["text"] or [""]
        predicted = predictions[example["id"]]
        exact += max(float(normalize(predicted) == normalize(gold)) for gold in golds)
        f1 += max(f1_score(predicted, gold) for gold in golds)
    return {"exact_match": exact / len(examples), "f1": f1 / len(examples)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="a folder with train.jsonl and validation.jsonl")
    parser.add_argument("--model", required=True, help="a save_pretrained folder or Hub id")
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--max-length", type=int, default=384)
    parser.add_argument("--stride", type=int, default=128)
    args = parser.parse_args()

    files = {split: f"{args.data}/{split}.jsonl" for split in ("train", "validation")}
    raw = load_dataset("json", data_files=files)
    tokenizer = AutoTokenizer.from_pretrained(args.model)

    def preprocess_training_examples(examples):
        questions = [q.strip() for q in examples["question"]]
        inputs = tokenizer(
            questions,
            examples["context"],
            max_length=args.max_length,
            truncation="only_second",
            stride=args.stride,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            padding="max_length",
        )
        offset_mapping = inputs.pop("offset_mapping")
        sample_map = inputs.pop("overflow_to_sample_mapping")
        start_positions, end_positions = [], []
        for i, offset in enumerate(offset_mapping):
            answer = examples["answers"][sample_map[i]]
            start_char = answer["answer_start"][0]
            end_char = start_char + len(answer["text"][0])
            sequence_ids = inputs.sequence_ids(i)
            context_start = sequence_ids.index(1)
            context_end = len(sequence_ids) - 1 - sequence_ids[::-1].index(1)
            if offset[context_start][0] > start_char or offset[context_end][1] < end_char:
                start_positions.append(0)
                end_positions.append(0)
                continue
            idx = context_start
            while idx <= context_end and offset[idx][0] <= start_char:
                idx += 1
            start_positions.append(idx - 1)
            idx = context_end
            while idx >= context_start and offset[idx][1] >= end_char:
                idx -= 1
            end_positions.append(idx + 1)
        inputs["start_positions"], inputs["end_positions"] = start_positions, end_positions
        return inputs

    def preprocess_validation_examples(examples):
        questions = [q.strip() for q in examples["question"]]
        inputs = tokenizer(
            questions,
            examples["context"],
            max_length=args.max_length,
            truncation="only_second",
            stride=args.stride,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            padding="max_length",
        )
        sample_map = inputs.pop("overflow_to_sample_mapping")
        example_ids = []
        for i in range(len(inputs["input_ids"])):
            example_ids.append(examples["id"][sample_map[i]])
            sequence_ids = inputs.sequence_ids(i)
            inputs["offset_mapping"][i] = [
                o if sequence_ids[k] == 1 else None for k, o in enumerate(inputs["offset_mapping"][i])
            ]
        inputs["example_id"] = example_ids
        return inputs

    train = raw["train"].map(preprocess_training_examples, batched=True, remove_columns=raw["train"].column_names)
    validation = raw["validation"].map(
        preprocess_validation_examples, batched=True, remove_columns=raw["validation"].column_names
    )
    model = AutoModelForQuestionAnswering.from_pretrained(args.model)
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
        train_dataset=train,
        data_collator=DefaultDataCollator(),
        processing_class=tokenizer,
    )
    start = time.perf_counter()
    trainer.train()
    train_seconds = time.perf_counter() - start
    start_logits, end_logits = trainer.predict(validation.remove_columns(["example_id", "offset_mapping"])).predictions

    features_per_example = collections.defaultdict(list)
    for idx, example_id in enumerate(validation["example_id"]):
        features_per_example[example_id].append(idx)
    predictions = {}
    for example in raw["validation"]:
        context, answers = example["context"], []
        for feature_index in features_per_example[example["id"]]:
            offsets = validation[feature_index]["offset_mapping"]
            start_indexes = np.argsort(start_logits[feature_index])[-1 : -N_BEST - 1 : -1].tolist()
            end_indexes = np.argsort(end_logits[feature_index])[-1 : -N_BEST - 1 : -1].tolist()
            for start_index in start_indexes:
                for end_index in end_indexes:
                    if offsets[start_index] is None or offsets[end_index] is None:
                        continue  # not in the context
                    if end_index < start_index or end_index - start_index + 1 > MAX_ANSWER_LENGTH:
                        continue
                    answers.append(
                        (
                            start_logits[feature_index][start_index] + end_logits[feature_index][end_index],
                            context[offsets[start_index][0] : offsets[end_index][1]],
                        )
                    )
        predictions[example["id"]] = max(answers)[1] if answers else ""
    print(json.dumps({**squad_scores(predictions, raw["validation"]), "train_seconds": train_seconds}))


if __name__ == "__main__":
    main()
