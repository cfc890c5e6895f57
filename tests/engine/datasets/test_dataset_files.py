"""engine.common.uploads and the loading side of engine.datasets.sources:

Bad files get precise messages, save_to_disk folders load."""

import pytest
from datasets import Dataset, DatasetDict

from engine.common.hub import HubUnreachableError
from engine.common.uploads import check_table_file, keep_upload, max_upload_bytes
from engine.datasets.hub_sample import stream_sample
from engine.datasets.session import DatasetRef, open_dataset
from engine.datasets.sources import load_raw

TABLES = {".csv", ".tsv", ".json", ".jsonl", ".parquet"}


def write(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", r"empty.csv is empty \(0 bytes\)"),
        ("header.csv", b"text,label\n", r"header.csv has a header \(text, label\) but no rows"),
        ("ragged.csv", b"text,label\ngood,pos\nbad,neg,extra\n", "ragged: line 3 has 3 fields, the header has 2"),
        ("short.tsv", b"text\tlabel\ngood\n", "ragged: line 2 has 1 fields, the header has 2"),
        ("latin1.csv", b"text,label\ncaf\xe9,pos\n", r"not UTF-8 text: byte 0xe9 at offset 14 \(line 2\)"),
        ("binary.csv", b"\x00\x01\x02garbage\x00", "holds NUL bytes: it is a binary file"),
        ("sheet.csv", b"PK\x03\x04rest of a zip", "is a zip archive"),
        ("table.csv", b"PAR1\x00\x00", "is a Parquet file, not a .csv text file"),
        ("blank.jsonl", b"\n\n  \n", "holds only blank space"),
    ],
)
def test_bad_files_are_refused_with_what_is_wrong(tmp_path, name, content, message):
    with pytest.raises(ValueError, match=message):
        check_table_file(write(tmp_path, name, content))


def test_a_good_csv_passes_the_checks(tmp_path):
    check_table_file(write(tmp_path, "ok.csv", 'text,label\n"a, quoted\nline",pos\ncafé,neg\n'.encode()))


def test_load_raw_reports_the_precise_problem_when_the_parser_fails(tmp_path):
    path = write(tmp_path, "latin1.csv", b"text,label\ncaf\xe9,pos\n")

    with pytest.raises(ValueError, match="not UTF-8 text"):
        load_raw(str(path))


def test_opening_a_header_only_csv_says_it_has_no_rows(tmp_path):
    path = write(tmp_path, "header.csv", b"text,label\n")

    with pytest.raises(ValueError, match="header .* but no rows"):
        open_dataset(DatasetRef(str(path)))


def test_the_upload_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("STUDIO_MAX_UPLOAD_MB", raising=False)
    assert max_upload_bytes() == 200 * 2**20
    monkeypatch.setenv("STUDIO_MAX_UPLOAD_MB", "0.5")
    assert max_upload_bytes() == 2**19
    monkeypatch.setenv("STUDIO_MAX_UPLOAD_MB", "lots")
    with pytest.raises(ValueError, match="STUDIO_MAX_UPLOAD_MB must be a number"):
        max_upload_bytes()


def test_an_upload_over_the_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDIO_MAX_UPLOAD_MB", "0.001")  # about 1 kB
    path = write(tmp_path, "big.csv", b"\x00" * 2000)  # binary too: the size check must come first

    with pytest.raises(ValueError, match=r"big.csv is 0.0 MB; uploads are limited to 0 MB \(STUDIO_MAX_UPLOAD_MB\)"):
        keep_upload(path, TABLES)


def test_a_kept_upload_lands_in_the_data_directory_with_a_safe_name(tmp_path, studio_data_dir):
    path = write(tmp_path, "my reviews (final).csv", b"text,label\ngood,pos\nbad,neg\n")

    kept = keep_upload(path, TABLES)

    assert kept.name == "my-reviews-final.csv" and kept.is_relative_to(studio_data_dir / "uploads")
    assert kept.read_bytes() == path.read_bytes()


def test_an_upload_of_another_type_is_refused(tmp_path):
    with pytest.raises(ValueError, match="notes.txt: unsupported file type"):
        keep_upload(write(tmp_path, "notes.txt", b"hello"), TABLES)


def test_a_save_to_disk_folder_loads_as_a_source(tmp_path, tiny_dataset):
    tiny_dataset.save_to_disk(str(tmp_path / "saved"))
    Dataset.from_dict({"text": ["x"], "label": [1]}).save_to_disk(str(tmp_path / "single"))

    assert load_raw(str(tmp_path / "saved"))["train"].to_dict() == tiny_dataset["train"].to_dict()
    assert isinstance(load_raw(str(tmp_path / "single")), DatasetDict)
    assert list(load_raw(str(tmp_path / "single"))) == ["train"]


def test_a_streaming_sample_fails_fast_when_the_hub_is_unreachable(hub_unreachable):
    with pytest.raises(HubUnreachableError, match="cannot fetch a streaming sample of dataset 'someone/big'"):
        stream_sample("someone/big", None, "train", 100)


def test_a_streaming_sample_takes_a_sensible_number_of_rows():
    with pytest.raises(ValueError, match="1 to 100,000 rows, not 0"):
        stream_sample("someone/big", None, "train", 0)


def test_listing_the_configs_of_a_hub_dataset_fails_fast_offline(hub_unreachable):
    with pytest.raises(HubUnreachableError, match="the Hugging Face Hub .* is unreachable"):
        load_raw("someone/multi", None)
