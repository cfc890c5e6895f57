"""engine.datasets.stats and engine.datasets.tokenize_preview:

Labels, lengths, truncation, duplicates, leakage, padding."""

import numpy as np
import pytest
from datasets import Dataset, DatasetDict

from engine.datasets.stats import StatsOptions, dataset_stats
from engine.datasets.tokenize_preview import PaddingOptions, padding_waste, tokenize_preview


@pytest.fixture
def checked_splits() -> DatasetDict:
    """Train: 8 'a' rows and 2 'b' rows, one duplicate, one blank text; test: two rows, one of them also in train."""
    train = {
        "text": ["one", "two two", "three three three", "one", "five", "six", "seven", "", "nine", "ten ten"],
        "label": ["a"] * 8 + ["b"] * 2,
    }
    test = {"text": ["seven", "brand new"], "label": ["a", "b"]}
    return DatasetDict({"train": Dataset.from_dict(train), "test": Dataset.from_dict(test)})


def test_label_counts_and_an_imbalance_warning(checked_splits):
    stats = dataset_stats(checked_splits, StatsOptions())

    assert stats.splits["train"].label_counts == {"a": 8, "b": 2}
    assert any(w.startswith("Imbalanced labels in train: 'a' has 8 rows, 4.0×") for w in stats.warnings)


def test_character_lengths_cover_every_row(checked_splits):
    chars = dataset_stats(checked_splits, StatsOptions()).splits["train"].chars

    assert (chars.rows, chars.min, chars.max) == (10, 0, 17)
    assert sum(chars.counts) == 10


def test_lengths_per_label(checked_splits):
    per_label = {
        item.label: item for item in dataset_stats(checked_splits, StatsOptions()).splits["train"].lengths_per_label
    }

    assert per_label["b"].rows == 2 and (per_label["b"].min, per_label["b"].max) == (4, 7)


def test_empty_values_duplicates_and_leakage(checked_splits):
    stats = dataset_stats(checked_splits, StatsOptions())

    assert stats.splits["train"].empty == {"text": 1, "label": 0}
    assert stats.splits["train"].duplicates == 1
    assert stats.leakage == {"test": 1}
    assert any(w.startswith("Leakage: 1 rows of test") for w in stats.warnings)


def test_token_lengths_and_the_truncated_share(checked_splits, wordpiece_tokenizer):
    stats = dataset_stats(checked_splits, StatsOptions(max_length=4), wordpiece_tokenizer)
    train = stats.splits["train"]

    expected = [len(wordpiece_tokenizer(t)["input_ids"]) for t in checked_splits["train"]["text"]]
    assert (train.tokens.min, train.tokens.max) == (min(expected), max(expected))
    assert train.truncated_share == pytest.approx(np.mean(np.array(expected) > 4))


def test_token_lengths_of_a_big_split_come_from_a_sample(wordpiece_tokenizer):
    splits = DatasetDict(
        {"train": Dataset.from_dict({"text": [f"text {i}" for i in range(50)], "label": [0, 1] * 25})}
    )

    stats = dataset_stats(splits, StatsOptions(token_sample_rows=10), wordpiece_tokenizer)

    assert stats.splits["train"].tokens.rows == 10
    assert stats.splits["train"].chars.rows == 50


def test_pairs_are_measured_together(pair_dataset):
    stats = dataset_stats(pair_dataset, StatsOptions())

    assert stats.text_columns == ["sentence1", "sentence2"]
    first = pair_dataset["train"][0]
    assert stats.splits["train"].chars.max >= len(first["sentence1"]) + len(first["sentence2"])


def test_an_unknown_label_column_is_named(checked_splits):
    with pytest.raises(ValueError, match="label column 'stars' not found; columns are text, label"):
        dataset_stats(checked_splits, StatsOptions(label_column="stars"))


def test_stats_options_validate_themselves():
    with pytest.raises(ValueError, match="max_length must be at least 1, not 0"):
        StatsOptions(max_length=0)


# padding waste and the tokenize preview


def test_fixed_padding_wastes_most_and_length_grouping_least():
    lengths = np.array([5, 50, 6, 48, 7, 52, 5, 49] * 4)

    waste = {w.strategy: w for w in padding_waste(lengths, PaddingOptions(max_length=64, batch_size=2))}

    fixed, dynamic, grouped = waste.values()
    assert fixed.positions == 64 * len(lengths)
    assert grouped.padding < dynamic.padding < fixed.padding
    assert all(w.positions - w.padding == lengths.sum() for w in waste.values())


def test_tokenize_preview_adds_the_model_inputs_and_collates_the_first_8_rows(tiny_dataset, wordpiece_tokenizer):
    preview = tokenize_preview(tiny_dataset["train"], wordpiece_tokenizer, ["text"], PaddingOptions(max_length=6))

    assert preview.new_columns == ["input_ids", "token_type_ids", "attention_mask"]
    longest = max(len(row["input_ids"]) for row in preview.first_rows)
    assert preview.batch_shapes == {name: [8, longest] for name in preview.new_columns}
    assert longest <= 6
    assert preview.rows == 60 and preview.truncated_rows > 0


def test_tokenize_preview_names_a_missing_column(tiny_dataset, wordpiece_tokenizer):
    with pytest.raises(ValueError, match="text column 'body' not found"):
        tokenize_preview(tiny_dataset["train"], wordpiece_tokenizer, ["body"], PaddingOptions())
