"""Tokenizers of every kind the Tokenizer tab meets, built offline in milliseconds: BPE, Unigram and a slow BERT.

Vocabularies are written out rather than trained, so that every split a test asserts is fixed.
"""

import json
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
from transformers import BertConfig, BertTokenizerLegacy, PreTrainedTokenizerFast

SLOW_BERT_WORDS = ["the", "soup", "was", "cold", "staff", "kind", "were", "and", "but", ".", ",", "##s"]


def bpe_tokenizer() -> PreTrainedTokenizerFast:
    """A byte-free BPE over a few merges, with `<s>` / `</s>` around texts and no token_type_ids (RoBERTa-like)."""
    letters = sorted(set("abcdefghijklmnopqrstuvwxyz.,!"))
    merges = [("t", "h"), ("th", "e"), ("s", "o"), ("so", "u"), ("sou", "p"), ("c", "o"), ("co", "l"), ("col", "d")]
    vocab = {
        token: i for i, token in enumerate(["<pad>", "<unk>", "<s>", "</s>", *letters, *("".join(m) for m in merges)])
    }
    tokenizer = Tokenizer(models.BPE(vocab, merges, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.decoder = decoders.BPEDecoder()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 2), ("</s>", 3)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        model_input_names=["input_ids", "attention_mask"],
    )


def unigram_tokenizer() -> PreTrainedTokenizerFast:
    """A Unigram model over a handful of pieces (SentencePiece-style `▁` word starts)."""
    pieces = [("<unk>", 0.0), ("▁the", -1.0), ("▁soup", -2.0), ("▁", -3.0)]
    pieces += [(letter, -5.0) for letter in "abcdefghijklmnopqrstuvwxyz"]
    tokenizer = Tokenizer(models.Unigram(pieces, unk_id=0))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="<unk>")


def slow_bert_folder(folder: Path) -> Path:
    """A model folder whose tokenizer is the slow (Python) `BertTokenizerLegacy`, plus a config.json."""
    folder.mkdir(parents=True, exist_ok=True)
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *SLOW_BERT_WORDS]) + "\n")
    BertTokenizerLegacy(vocab_file=str(vocab)).save_pretrained(folder)
    config = BertConfig(vocab_size=5 + len(SLOW_BERT_WORDS), hidden_size=8, num_hidden_layers=1, num_attention_heads=1)
    config.save_pretrained(folder)
    settings = json.loads((folder / "tokenizer_config.json").read_text())
    assert settings["tokenizer_class"].startswith("BertTokenizerLegacy"), settings  # stays slow when reloaded
    return folder


def slow_bert_tokenizer(folder: Path) -> BertTokenizerLegacy:
    """The slow BERT tokenizer of `slow_bert_folder`."""
    return BertTokenizerLegacy(vocab_file=str(slow_bert_folder(folder) / "vocab.txt"))
