"""`python -m engine tokenize`: pairs, batches, padding, truncation strategies, overflow windows, comparison, errors.

Run through `main()` in this process (the subprocess path is covered by test_cli.py), with scratch tokenizers
built offline in a data directory of this module's own.
"""

import json
import os
import subprocess
import sys

import pytest

from engine.common.paths import REPO_ROOT
from tests.cli.conftest import run_main
from tests.tokenizer_fixtures import slow_bert_folder

SEQUENCE_KEYS = {
    "sample", "window", "tokens", "input_ids", "token_type_ids", "attention_mask", "special_tokens_mask", "offsets",
    "decoded", "decoded_without_special", "unk_rate",
}  # fmt: skip


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("cli-tokenize")


@pytest.fixture
def tokenize(capsys, monkeypatch, data_dir):
    """Return a function running `tokenize ARGS` and returning (exit code, last JSON line or None, stderr)."""
    monkeypatch.setenv("STUDIO_DATA_DIR", str(data_dir))  # scratch models are built once for the module
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def run(*args: str, as_json: bool = True) -> tuple[int, dict | str | None, str]:
        code, out, err = run_main(capsys, "tokenize", "--tokenizer", "scratch:tiny", *args, *(["--json"] * as_json))
        if not as_json:
            return code, out, err
        return code, json.loads(out.splitlines()[-1]) if out else None, err

    return run


def test_json_gives_every_field_per_sequence_with_decoding_and_unknown_rate(tokenize):
    code, report, _ = tokenize("The soup was cold.", "--pair", "The staff were kind.")

    assert code == 0
    (sequence,) = report["sequences"]
    assert set(sequence) == SEQUENCE_KEYS
    first_sep = sequence["tokens"].index("[SEP]")
    assert sequence["token_type_ids"] == [0] * (first_sep + 1) + [1] * (len(sequence["tokens"]) - first_sep - 1)
    assert sequence["decoded"].startswith("[CLS] the soup was cold. [SEP] the staff were kind")
    assert sequence["decoded_without_special"] == "the soup was cold. the staff were kind."
    assert sequence["unk_rate"] == 0.0 and report["unk_rate"] == 0.0
    assert report["info"]["algorithm"] == "WordPiece"
    assert report["counts"]["words"] == 8


def test_padding_to_max_length_masks_the_pads(tokenize):
    _, report, _ = tokenize("The soup was cold.", "--padding", "max_length", "--max-length", "12")

    (sequence,) = report["sequences"]
    assert sequence["attention_mask"] == [1] * 7 + [0] * 5
    assert sequence["tokens"][7:] == ["[PAD]"] * 5


def test_a_batch_file_of_tab_separated_pairs_is_padded_to_its_longest_line(tokenize, tmp_path):
    batch = tmp_path / "pairs.tsv"
    batch.write_text("the soup was cold\tyes\n\nthe staff\tthey were kind and quick\n")

    _, report, _ = tokenize("--batch-file", str(batch), "--padding", "longest")

    lengths = {len(sequence["input_ids"]) for sequence in report["sequences"]}
    assert [s["sample"] for s in report["sequences"]] == [0, 1] and len(lengths) == 1
    assert report["sequences"][0]["attention_mask"][-1] == 0
    assert all(1 in s["token_type_ids"] for s in report["sequences"])


def test_truncation_only_second_cuts_the_second_text(tokenize):
    _, report, _ = tokenize(
        "the soup was cold", "--pair", "the staff were kind and quick", "--truncation", "only_second",
        "--max-length", "9",
    )  # fmt: skip

    assert report["sequences"][0]["decoded_without_special"] == "the soup was cold the staff"


def test_stride_with_overflow_gives_overlapping_windows(tokenize):
    _, report, _ = tokenize(
        "the soup was cold but the staff were kind", "--truncation", "longest_first", "--max-length", "6",
        "--stride", "2", "--overflow",
    )  # fmt: skip

    windows = [s["input_ids"][1:-1] for s in report["sequences"]]
    assert len(windows) > 1
    assert all(later[:2] == earlier[-2:] for earlier, later in zip(windows, windows[1:], strict=False))
    assert [s["window"] for s in report["sequences"]] == list(range(len(windows)))


def test_no_special_tokens_leaves_the_text_tokens_alone(tokenize):
    _, report, _ = tokenize("the soup", "--no-special-tokens")

    assert report["sequences"][0]["tokens"] == ["the", "soup"]


def test_compare_lists_the_spans_two_tokenizers_split_differently(tokenize):
    code, report, _ = tokenize("the staff were kind", "--compare", "scratch:small")

    assert code == 0
    differing = report["compare"]["differing_spans"]
    assert report["compare"]["tokenizer"] == "scratch:small"
    assert {span["text"] for span in differing} == {"kind"}
    assert differing[0]["tokens_a"] == ["k", "##in", "##d"] and differing[0]["tokens_b"] == ["kind"]
    assert report["compare"]["counts"]["tokens"] == report["counts"]["tokens"] - 2


def test_the_text_output_shows_the_tokenizer_the_rows_and_the_counts(tokenize):
    code, out, _ = tokenize("the soup", "--compare", "scratch:small", as_json=False)

    assert code == 0
    assert out.startswith("type: WordPiece (fast: ")
    assert "   1 the              id=" in out
    assert "decoded: [CLS] the soup [SEP]" in out
    assert "compared with scratch:small: 2 tokens against 2, unknown 0 against 0; 0 span(s) split differently" in out


def test_a_slow_tokenizer_folder_works_and_says_what_it_cannot_show(tokenize, tmp_path):
    folder = slow_bert_folder(tmp_path / "slow-bert")

    code, report, _ = tokenize("the soups were cold", "--tokenizer", str(folder))

    assert code == 0
    assert report["sequences"][0]["tokens"] == ["[CLS]", "the", "soup", "##s", "were", "cold", "[SEP]"]
    assert report["sequences"][0]["offsets"] is None
    assert report["info"]["is_fast"] is False and report["info"]["cannot_show"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["   "], "error: type a text to tokenize\n"),
        ([], "error: give a TEXT to tokenize, or --batch-file FILE\n"),
        (["hi", "--max-length", "1", "--truncation", "longest_first"], "error: max_length 1 leaves no room for text"),
        (["hi", "--max-length", "4", "--truncation", "longest_first", "--stride", "4", "--overflow"],
         "error: stride 4 must be less than max_length 4\n"),
        (["hi", "--stride", "2"], "error: stride 2 only applies with return_overflowing_tokens"),
        (["hi", "--truncation", "only_first"], "error: truncation='only_first' needs a second text"),
        (["hi", "--batch-file", "/no/such/file.txt"], "error: --batch-file replaces TEXT and --pair"),
        (["--batch-file", "/no/such/file.txt"], "error: no such batch file: /no/such/file.txt\n"),
        (["hi", "--tokenizer", "studio-tests/no-such-model"], "error: cannot fetch model 'studio-tests/no-such-"),
        (["hi", "--compare", "scratch:huge"], "error: unknown scratch model 'scratch:huge'"),
    ],
    ids=["empty text", "no text", "max_length below specials", "stride >= max_length", "stride without overflow",
         "only_first without pair", "text and batch file", "missing batch file", "unknown tokenizer offline",
         "unknown compare model"],
)  # fmt: skip
def test_bad_input_exits_2_with_one_error_line(tokenize, args, message):
    code, report, err = tokenize(*args)

    assert (code, report) == (2, None)
    assert err.startswith(message) and len(err.splitlines()) == 1, err
    assert "Traceback" not in err


def test_padding_to_a_max_length_of_1e12_exits_2_naming_the_bound_not_134(data_dir):
    # Before: tokenizers aborted the process ("memory allocation of 4000000000000 bytes failed"), exit status 134.
    # A process of its own: an abort here would take the test run with it.
    environ = os.environ | {"STUDIO_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    args = ["--tokenizer", "scratch:tiny", "the soup", "--padding", "max_length", "--max-length", str(10**12)]
    done = subprocess.run(
        [sys.executable, "-m", "engine", "tokenize", *args], cwd=REPO_ROOT, env=environ, capture_output=True, text=True
    )
    assert done.returncode == 2, done.stderr
    assert "max_length 1,000,000,000,000 is over this model's limit (model_max_length), 512" in done.stderr
