"""engine.datasets.columns: a dataset's splits and columns, and the column likely playing each role."""

from datasets import ClassLabel, Dataset, Features, Value

from engine.datasets.columns import LABEL, TEXT, TEXT_PAIR, dataset_layout, guess_roles, held_out_split


def test_a_bundled_sample_lists_its_splits_and_its_columns_by_role():
    layout = dataset_layout("sample:paraphrase")

    assert layout.splits == ["train", "validation", "test"]
    assert layout.columns == ["sentence1", "sentence2", "label"]
    assert layout.roles == {TEXT: "sentence1", TEXT_PAIR: "sentence2", LABEL: "label"}
    assert layout.notes == {}
    assert layout.held_out_split == "test"


def test_usual_names_in_any_case_are_picked_without_a_note():
    rows = Dataset.from_dict({"Review": ["A fine film.", "Dull."], "Sentiment": ["pos", "neg"]})

    roles, notes = guess_roles(rows)

    assert roles == {TEXT: "Review", TEXT_PAIR: None, LABEL: "Sentiment"}
    assert notes == {}


def test_unusual_names_are_guessed_from_the_values_and_the_guess_is_explained():
    rows = Dataset.from_dict(
        {
            "id": ["a1", "a2", "a3", "a4"],
            "verdict": ["good", "bad", "good", "bad"],
            "body": ["The soup was cold and late.", "Kind staff, quick service.", "Loud room.", "Fresh bread."],
        }
    )

    roles, notes = guess_roles(rows)

    assert roles[TEXT] == "body"  # the longest texts; `id` never repeats, so it is no label
    assert roles[LABEL] == "verdict"
    assert notes[LABEL] == "label column guessed as 'verdict', the most class-like column"
    assert notes[TEXT] == "text column guessed as 'body', the column with the longest texts (also possible: id)"


def test_a_class_label_or_integer_column_is_a_label_and_a_pair_is_only_ever_guessed_by_name():
    features = Features(
        {"question": Value("string"), "answer": Value("string"), "y_true": ClassLabel(names=["a", "b"])}
    )
    rows = Dataset.from_dict(
        {"question": ["Where is it?"], "answer": ["In the long drawer by the door."], "y_true": [1]}, features=features
    )

    roles, _ = guess_roles(rows)

    assert roles[LABEL] == "y_true"
    assert roles[TEXT] == "answer"
    assert roles[TEXT_PAIR] is None


def test_the_held_out_split_is_test_else_validation_else_the_only_one():
    assert held_out_split(["train", "validation", "test"]) == "test"
    assert held_out_split(["train", "validation"]) == "validation"
    assert held_out_split(["train", "dev"]) == "dev"
    assert held_out_split(["train"]) == "train"


def test_an_uploaded_style_file_is_one_train_split(tmp_path, write_csv):
    path = write_csv(tmp_path / "reviews.csv", {"review": ["Great.", "Awful."], "sentiment": ["pos", "neg"]})

    layout = dataset_layout(str(path))

    assert (layout.splits, layout.held_out_split) == (["train"], "train")
    assert layout.roles == {TEXT: "review", TEXT_PAIR: None, LABEL: "sentiment"}
