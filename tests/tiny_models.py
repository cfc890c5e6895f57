"""Tiny models of several tasks, saved with `save_pretrained` in milliseconds: no training, no network.

A *biased* classifier has a zeroed head whose bias favours one label, so every prediction is known in advance:
that label, with probability softmax([BIAS, 0, ...]). Tests of evaluation and error analysis use it to check
exact confusion matrices; tests that need a model that learnt something train a real job instead.
"""

from pathlib import Path

import torch
from transformers import (
    BertConfig,
    BertForMaskedLM,
    BertForSequenceClassification,
    BertForTokenClassification,
    BertModel,
    GPT2Config,
    GPT2LMHeadModel,
)

from engine.models.scratch import train_wordpiece
from tests.conftest import review_rows

BIAS = 5.0


def tokenizer():
    """A WordPiece tokenizer learnt from the tiny reviews (plus a few words the tests use)."""
    extra = ["the museum opens at nine", "paris is the capital of france", "striker scores twice in the final"]
    return train_wordpiece(review_rows(60)["text"] + extra, vocab_size=300, max_length=128)


def _bert_config(vocab_size: int, **extra) -> BertConfig:
    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        **extra,
    )


def _save(model, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer().save_pretrained(folder)
    return folder


def biased_classifier(folder: Path, labels: list[str], favour: int) -> Path:
    """A sequence classifier over `labels` that always predicts `labels[favour]`."""
    torch.manual_seed(0)
    config = _bert_config(
        len(tokenizer()), id2label=dict(enumerate(labels)), label2id={name: i for i, name in enumerate(labels)}
    )
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
        model.classifier.bias[favour] = BIAS
    return _save(model, folder)


def favoured_probability(labels: int) -> float:
    """The probability a biased classifier gives its favoured label."""
    return float(torch.softmax(torch.tensor([BIAS] + [0.0] * (labels - 1)), dim=0)[0])


def encoder_without_head(folder: Path) -> Path:
    """A bare `BertModel`: an encoder with no classification head."""
    torch.manual_seed(0)
    return _save(BertModel(_bert_config(len(tokenizer()))), folder)


def masked_lm(folder: Path) -> Path:
    torch.manual_seed(0)
    return _save(BertForMaskedLM(_bert_config(len(tokenizer()))), folder)


def token_classifier(folder: Path) -> Path:
    torch.manual_seed(0)
    labels = ["O", "B-PLACE", "I-PLACE"]
    config = _bert_config(
        len(tokenizer()), id2label=dict(enumerate(labels)), label2id={name: i for i, name in enumerate(labels)}
    )
    return _save(BertForTokenClassification(config), folder)


def causal_lm(folder: Path) -> Path:
    """A one-layer GPT-2 over the WordPiece vocabulary: generates (nonsense) tokens, fast."""
    torch.manual_seed(0)
    words = tokenizer()
    config = GPT2Config(
        vocab_size=len(words),
        n_positions=128,
        n_embd=32,
        n_layer=1,
        n_head=2,
        bos_token_id=words.cls_token_id,
        eos_token_id=words.sep_token_id,
        pad_token_id=words.pad_token_id,
    )
    return _save(GPT2LMHeadModel(config), folder)
