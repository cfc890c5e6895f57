"""What a tokenizer returns for a text (or a pair of texts), field by field."""

from dataclasses import dataclass

from transformers import PreTrainedTokenizerBase

PADDING_CHOICES = ("do_not_pad", "longest", "max_length")


@dataclass(frozen=True)
class TokenizeOptions:
    """The arguments of `tokenizer(...)` that the Tokenizer tab exposes."""

    max_length: int | None = None
    padding: str = "do_not_pad"
    truncation: bool = False
    add_special_tokens: bool = True

    def __post_init__(self) -> None:
        if self.padding not in PADDING_CHOICES:
            raise ValueError(f"padding must be one of {', '.join(PADDING_CHOICES)}, not {self.padding!r}")
        if self.max_length is not None and self.max_length < 1:
            raise ValueError(f"max_length must be at least 1, not {self.max_length}")
        if self.padding == "max_length" and self.max_length is None:
            raise ValueError("padding='max_length' needs a max_length")


@dataclass
class TokenView:
    """Exactly what `tokenizer(text, pair, ...)` returned, plus the tokens as strings.

    `token_type_ids` is None for tokenizers whose model does not use segment ids (DistilBERT, RoBERTa).
    """

    tokens: list[str]
    input_ids: list[int]
    token_type_ids: list[int] | None
    attention_mask: list[int]
    offsets: list[tuple[int, int]] | None
    special_tokens_mask: list[int]

    def rows(self) -> list[dict]:
        """One dict per token, for tables."""
        return [
            {
                "position": i,
                "token": token,
                "input_id": self.input_ids[i],
                "token_type_id": self.token_type_ids[i] if self.token_type_ids is not None else None,
                "attention_mask": self.attention_mask[i],
                "offsets": list(self.offsets[i]) if self.offsets is not None else None,
                "special": bool(self.special_tokens_mask[i]),
            }
            for i, token in enumerate(self.tokens)
        ]


def inspect_tokens(
    tokenizer: PreTrainedTokenizerBase, text: str, pair: str | None = None, options: TokenizeOptions | None = None
) -> TokenView:
    """Tokenize `text` (and `pair`) and return every field the tokenizer produced.

    Raises:
        ValueError: empty text.
    """
    options = options or TokenizeOptions()
    if not text or not text.strip():
        raise ValueError("type a text to tokenize")
    encoding = tokenizer(
        text,
        pair or None,
        max_length=options.max_length,
        padding=options.padding,
        truncation="longest_first" if options.truncation else False,
        add_special_tokens=options.add_special_tokens,
        return_offsets_mapping=tokenizer.is_fast,
        return_special_tokens_mask=True,
    )
    return TokenView(
        tokens=tokenizer.convert_ids_to_tokens(encoding["input_ids"]),
        input_ids=list(encoding["input_ids"]),
        token_type_ids=list(encoding["token_type_ids"]) if "token_type_ids" in encoding else None,
        attention_mask=list(encoding["attention_mask"]),
        offsets=[tuple(o) for o in encoding["offset_mapping"]] if "offset_mapping" in encoding else None,
        special_tokens_mask=list(encoding["special_tokens_mask"]),
    )
