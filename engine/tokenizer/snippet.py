"""Python that reproduces an inspection: `AutoTokenizer.from_pretrained(...)` and the exact `tokenizer(...)` call."""

from engine.models.loading import bundled_corpus, resolve_model
from engine.models.refs import HUB, parse_model_ref
from engine.tokenizer.inspection import TokenInput, TokenizeOptions

INDENT = "    "


def tokenizer_source(reference: str) -> str:
    """What `from_pretrained` should load for a model reference in a snippet.

    A Hub id stays a Hub id (shareable, even where this machine reads it from its cache); `scratch:`, `job:` and
    folder references become the folder they resolve to, since only this machine knows those names.
    """
    ref = parse_model_ref(reference)
    return ref.name if ref.kind == HUB else resolve_model(ref, bundled_corpus, weights=False)


def _literal(value: str | list[str], depth: int = 1) -> str:
    if isinstance(value, str):
        return repr(value)
    inner = INDENT * (depth + 1)
    return "[\n" + "".join(f"{inner}{item!r},\n" for item in value) + INDENT * depth + "]"


def python_snippet(
    reference: str, source: str, inputs: TokenInput, options: TokenizeOptions, is_fast: bool = True
) -> str:
    """Python that loads the tokenizer and calls it exactly as the inspection did.

    Args:
        reference: the model reference as the user typed it, kept as a comment when it differs from `source`.
        source: what `from_pretrained` loads (see `tokenizer_source`).
        inputs: the text(s) as they were tokenized.
        options: the call's options.
        is_fast: whether to ask for offsets, which only fast tokenizers return.
    """
    text, pair = inputs.call_arguments()
    arguments = [_literal(text)] + ([_literal(pair)] if pair is not None else [])
    keywords = {**options.call_arguments(), "return_special_tokens_mask": True}
    if is_fast:
        keywords["return_offsets_mapping"] = True
    arguments += [f"{name}={value!r}" for name, value in keywords.items()]
    call = "".join(f"{INDENT}{argument},\n" for argument in arguments)
    return (
        _loader(reference, source) + f"encoding = tokenizer(\n{call})\n"
        "for name, values in encoding.items():\n"
        f"{INDENT}print(name, values)\n"
    )


def _loader(reference: str, source: str) -> str:
    comment = f"  # {reference}" if reference.strip() != source else ""
    return (
        f"from transformers import AutoTokenizer\n\ntokenizer = AutoTokenizer.from_pretrained({source!r}){comment}\n"
    )


def alignment_snippet(
    reference: str,
    source: str,
    words: list[str],
    tags: list[str],
    labels: list[str],
    label_all_tokens: bool,
    max_length: int,
) -> str:
    """Python that aligns one sentence's tags to its tokens as token-classification training does (the course's
    `align_labels_with_tokens`, chapter 7.2): `label_ids` holds each token's label id, -100 where the loss skips it.

    Args:
        reference, source: as for `python_snippet`.
        words, tags: the sentence, one tag name per word.
        labels: the label names in id order (the model's `id2label`).
        label_all_tokens: whether a word's later sub-words get its tag (B- turned into I-) instead of -100.
        max_length: the truncation length training uses.
    """
    return (
        _loader(reference, source) + f"words = {_literal(words, 0)}\n"
        f"tags = {_literal(tags, 0)}\n"
        f"labels = {_literal(labels, 0)}  # id -> tag, the model's id2label\n"
        f"label_all_tokens = {label_all_tokens!r}\n\n"
        f"encoding = tokenizer(words, is_split_into_words=True, truncation=True, max_length={max_length})\n"
        "ids = [labels.index(tag) for tag in tags]\n"
        "label_ids, previous = [], None\n"
        "for word in encoding.word_ids():\n"
        f"{INDENT}if word is None:\n"
        f"{INDENT * 2}label_ids.append(-100)  # a special token: the loss skips it\n"
        f"{INDENT}elif word != previous:\n"
        f"{INDENT * 2}label_ids.append(ids[word])  # a word's first token gets the word's tag\n"
        f"{INDENT}elif label_all_tokens:  # a later piece: B-X becomes I-X\n"
        f"{INDENT * 2}inside = 'I-' + tags[word][2:]\n"
        f"{INDENT * 2}begins = tags[word].startswith('B-') and inside in labels\n"
        f"{INDENT * 2}label_ids.append(labels.index(inside) if begins else ids[word])\n"
        f"{INDENT}else:\n"
        f"{INDENT * 2}label_ids.append(-100)\n"
        f"{INDENT}previous = word\n"
        "for token, word, label in zip(encoding.tokens(), encoding.word_ids(), label_ids):\n"
        f"{INDENT}print(token, word, label if label == -100 else labels[label])\n"
    )


def windows_snippet(
    reference: str,
    source: str,
    question: str,
    context: str,
    answer: str | None,
    answer_start: int | None,
    max_length: int,
    stride: int,
) -> str:
    """Python that cuts a question and its context into overflow windows and finds the answer's start and end token
    in each, as question-answering training does (the course's `preprocess_training_examples`, chapter 7.7):
    `positions` holds one (start, end) per window, the CLS token's position twice where the window does not hold
    the whole answer.

    Args:
        reference, source: as for `python_snippet`.
        answer, answer_start: the answer's text and first character; None: no answer, every window points at CLS.
        max_length, stride: the window length and the tokens of context two windows share.
    """
    return (
        _loader(reference, source) + f"question = {question!r}\n"
        f"context = {context!r}\n"
        f"answer, answer_start = {answer!r}, {answer_start!r}\n\n"
        "inputs = tokenizer(\n"
        f"{INDENT}question.strip(),\n"
        f"{INDENT}context,\n"
        f"{INDENT}truncation='only_second',\n"
        f"{INDENT}max_length={max_length},\n"
        f"{INDENT}stride={stride},\n"
        f"{INDENT}return_overflowing_tokens=True,\n"
        f"{INDENT}return_offsets_mapping=True,\n"
        ")\n"
        "positions = []\n"
        "for window, offsets in enumerate(inputs['offset_mapping']):\n"
        f"{INDENT}sequence_ids = inputs.sequence_ids(window)\n"
        f"{INDENT}first = sequence_ids.index(1)  # the window's first and last context token\n"
        f"{INDENT}last = len(sequence_ids) - 1 - sequence_ids[::-1].index(1)\n"
        f"{INDENT}ids = inputs['input_ids'][window]\n"
        f"{INDENT}cls = ids.index(tokenizer.cls_token_id) if tokenizer.cls_token_id in ids else 0\n"
        f"{INDENT}if answer is None or offsets[first][0] > answer_start "
        "or offsets[last][1] < answer_start + len(answer):\n"
        f"{INDENT * 2}positions.append((cls, cls))  # not in this window\n"
        f"{INDENT * 2}continue\n"
        f"{INDENT}start, end = first, last\n"
        f"{INDENT}while start <= last and offsets[start][0] <= answer_start:\n"
        f"{INDENT * 2}start += 1\n"
        f"{INDENT}while end >= first and offsets[end][1] >= answer_start + len(answer):\n"
        f"{INDENT * 2}end -= 1\n"
        f"{INDENT}positions.append((start - 1, end + 1))\n"
        "for window, (start, end) in enumerate(positions):\n"
        f"{INDENT}print(window, inputs.tokens(window), start, end)\n"
    )
