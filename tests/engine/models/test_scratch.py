"""engine.models.scratch: a small BERT with a WordPiece tokenizer, built once per size, corpus and seed."""

import json
import os
import subprocess
import sys

import pytest
from safetensors.torch import load_file
from transformers import AutoConfig, AutoTokenizer, BertModel

import engine.models.scratch
from engine.models.scratch import SIZES, ScratchSize, build_scratch_model, learn_vocabulary


def weights(folder):
    return load_file(str(folder / "model.safetensors"))


def same_weights(first: dict, second: dict) -> bool:
    return first.keys() == second.keys() and all(first[name].equal(second[name]) for name in first)


def test_a_scratch_model_is_a_save_pretrained_folder_with_its_tokenizer(corpus, studio_data_dir):
    folder = build_scratch_model("tiny", corpus)

    config = AutoConfig.from_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert folder.is_relative_to(studio_data_dir)
    assert (config.model_type, config.hidden_size, config.num_hidden_layers) == ("bert", 64, 2)
    assert config.vocab_size == len(tokenizer)
    assert config.pad_token_id == tokenizer.pad_token_id


def test_the_saved_tokenizer_keeps_the_pair_template(corpus):
    tokenizer = AutoTokenizer.from_pretrained(build_scratch_model("tiny", corpus))

    encoding = tokenizer("the museum opens", "at nine")

    assert encoding["token_type_ids"] == [0, 0, 0, 0, 0, 1, 1, 1]


def test_the_same_inputs_reuse_the_cached_folder_without_rebuilding(corpus, monkeypatch):
    first = build_scratch_model("tiny", corpus, seed=1)
    monkeypatch.setattr(engine.models.scratch, "train_wordpiece", lambda *args, **kwargs: pytest.fail("rebuilt"))

    assert build_scratch_model("tiny", corpus, seed=1) == first


def test_the_same_seed_builds_identical_weights_and_vocabulary(corpus, tmp_path, monkeypatch):
    first = build_scratch_model("tiny", corpus, seed=5)
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "elsewhere"))  # no cache: a genuine second build

    second = build_scratch_model("tiny", corpus, seed=5)

    assert second != first
    assert same_weights(weights(first), weights(second))
    assert (first / "tokenizer.json").read_text() == (second / "tokenizer.json").read_text()


def test_the_vocabulary_is_the_same_in_another_process(corpus):
    """Tie-breaking must not depend on hash seeds, which differ between processes."""
    script = (
        "import json, sys; from engine.models.scratch import learn_vocabulary; "
        "print(json.dumps(learn_vocabulary(json.loads(sys.stdin.read()), 300)))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "123"}
    other = subprocess.run(
        [sys.executable, "-c", script], input=json.dumps(corpus), capture_output=True, text=True, env=env, check=True
    )

    assert json.loads(other.stdout) == learn_vocabulary(corpus, 300)


def test_the_vocabulary_keeps_frequent_words_whole_and_spells_rare_ones_with_pieces(corpus):
    tokenizer = engine.models.scratch.train_wordpiece(corpus, SIZES["tiny"].vocab_size)
    letters = sorted(set("".join(corpus).lower()) & set("abcdefghijklmnopqrstuvwxyz"))
    unseen = "".join(reversed(letters[:9]))  # made of the corpus's letters, but not one of its words

    assert tokenizer.tokenize("the") == ["the"]
    pieces = tokenizer.tokenize(unseen)
    assert len(pieces) > 1 and "[UNK]" not in pieces
    assert "".join(piece.removeprefix("##") for piece in pieces) == unseen


def test_a_different_seed_builds_different_weights(corpus):
    first = build_scratch_model("tiny", corpus, seed=5)
    second = build_scratch_model("tiny", corpus, seed=6)

    assert second != first
    assert not same_weights(weights(first), weights(second))


def test_a_different_corpus_gets_its_own_model(corpus):
    assert build_scratch_model("tiny", corpus) != build_scratch_model("tiny", corpus[:10])


def test_an_unknown_size_is_rejected_listing_the_sizes(corpus):
    with pytest.raises(ValueError, match="unknown scratch size 'huge'; sizes are tiny, small"):
        build_scratch_model("huge", corpus)


def test_an_empty_corpus_is_rejected():
    with pytest.raises(ValueError, match="empty corpus"):
        build_scratch_model("tiny", [])


def test_a_size_whose_hidden_size_does_not_split_into_heads_is_rejected():
    with pytest.raises(ValueError, match="hidden_size 64 is not divisible by num_heads 3"):
        ScratchSize(hidden_size=64, num_layers=1, num_heads=3, intermediate_size=128, vocab_size=100)


def test_tiny_is_smaller_than_small():
    assert SIZES["tiny"].hidden_size < SIZES["small"].hidden_size
    assert SIZES["tiny"].num_layers <= SIZES["small"].num_layers


def test_scratch_minilm_has_minilms_shape_and_about_its_parameter_count(corpus):
    folder = build_scratch_model("minilm", corpus)

    config = AutoConfig.from_pretrained(folder)
    shape = (config.num_hidden_layers, config.hidden_size, config.num_attention_heads, config.intermediate_size)
    assert shape == (6, 384, 12, 1536)
    # The vocabulary comes from the corpus (tiny here); with MiniLM's 30,522 tokens the same shape has 22.7M
    # parameters, MiniLM-L6-H384's published size.
    assert len(AutoTokenizer.from_pretrained(folder)) <= SIZES["minilm"].vocab_size == 30000
    with_bert_vocabulary = SIZES["minilm"].bert_config(30522)
    assert 22.5e6 < BertModel(with_bert_vocabulary).num_parameters() < 22.9e6
