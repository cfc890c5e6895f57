"""`scratch:` starter models: a small BERT built from `BertConfig` with a WordPiece tokenizer learned here.

These are what the app trains when the Hub is out of reach. They start from random weights, so they need more
epochs and a larger learning rate than a pretrained checkpoint, and they learn only what the dataset teaches;
the point is to run the whole workflow anywhere, in minutes, on a CPU.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from engine.common.disk import disk_full_as_error
from engine.common.errors import StudioError
from engine.common.paths import atomic_folder, is_complete, scratch_models_dir

if TYPE_CHECKING:  # hints only: the model references (and so the web server) import this module at start
    from transformers import BertConfig, PreTrainedTokenizerFast

logger = logging.getLogger(__name__)

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# Most of the vocabulary goes to whole words (short sequences, fast to learn from few rows); the rest to frequent
# beginnings and endings, so that unseen words split into meaningful pieces rather than single letters.
WHOLE_WORD_SHARE = 0.7


@dataclass(frozen=True)
class ScratchSize:
    """The shape of a scratch BERT; `vocab_size` is the WordPiece trainer's ceiling."""

    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_positions: int = 512

    def bert_config(self, vocab_size: int, **extra) -> BertConfig:
        """The `BertConfig` of this shape for a vocabulary of `vocab_size` tokens (`extra`: more config fields)."""
        from transformers import BertConfig

        return BertConfig(
            vocab_size=vocab_size,
            hidden_size=self.hidden_size,
            num_hidden_layers=self.num_layers,
            num_attention_heads=self.num_heads,
            intermediate_size=self.intermediate_size,
            max_position_embeddings=self.max_positions,
            **extra,
        )

    def __post_init__(self) -> None:
        if self.hidden_size % self.num_heads:
            raise StudioError(f"hidden_size {self.hidden_size} is not divisible by num_heads {self.num_heads}")


SIZES = {
    # tiny: seconds per epoch on a CPU; for tests and a first look at the workflow.
    "tiny": ScratchSize(hidden_size=64, num_layers=2, num_heads=2, intermediate_size=256, vocab_size=2000),
    # small: still trains in minutes on 2 cores, enough capacity to learn the bundled samples.
    "small": ScratchSize(hidden_size=128, num_layers=4, num_heads=4, intermediate_size=512, vocab_size=6000),
    # minilm: the shape of all-MiniLM-L6-v2 / MiniLM-L6-H384 (22.7M parameters with a 30k vocabulary), a realistic
    # size for speed measurements (bench/whole_process.py) and for bf16 on CPUs; minutes per epoch on 2 cores. The
    # vocabulary is learned from the corpus, so a small corpus gives fewer than 30k tokens.
    "minilm": ScratchSize(hidden_size=384, num_layers=6, num_heads=12, intermediate_size=1536, vocab_size=30000),
}


def learn_vocabulary(texts: Iterable[str], vocab_size: int) -> dict[str, int]:
    """Learn a WordPiece vocabulary from `texts`, deterministically.

    Special tokens, then every character (alone and as a `##` continuation, so no word is ever unknown), then whole
    words from the most frequent down, then the most frequent word beginnings and `##` endings (2 to 6 characters),
    ties always broken alphabetically, up to `vocab_size`. Words left out are spelled with those pieces.

    `tokenizers`' own `WordPieceTrainer` is not used because it breaks ties between equally frequent merges in
    hash-map order, so the same corpus gives a different vocabulary on each run (huggingface/tokenizers#1794),
    and a scratch model must be the same for the same inputs.
    """
    normalizer = normalizers.BertNormalizer(lowercase=True)
    splitter = pre_tokenizers.BertPreTokenizer()
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(word for word, _ in splitter.pre_tokenize_str(normalizer.normalize_str(text)))
    characters = sorted({character for word in counts for character in word})
    tokens = SPECIAL_TOKENS + characters + ["##" + character for character in characters]
    word_budget = len(tokens) + int((vocab_size - len(tokens)) * WHOLE_WORD_SHARE)
    pieces: Counter[str] = Counter()
    for word, count in counts.items():
        for length in range(2, min(6, len(word) - 1) + 1):
            pieces[word[:length]] += count
            pieces["##" + word[-length:]] += count
    known = set(tokens)
    for candidates, limit in ((counts, word_budget), (pieces, vocab_size)):
        for token in sorted(candidates, key=lambda t: (-candidates[t], t)):
            if len(tokens) >= limit:
                break
            if token not in known:
                tokens.append(token)
                known.add(token)
    return {token: index for index, token in enumerate(tokens)}


def train_wordpiece(texts: Iterable[str], vocab_size: int, max_length: int = 512) -> PreTrainedTokenizerFast:
    """Build a BERT-style (lower-cased WordPiece) tokenizer whose vocabulary is learned from `texts`."""
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.WordPiece(learn_vocabulary(texts, vocab_size), unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece(prefix="##")
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    # Same template as BERT: a pair becomes [CLS] A [SEP] B [SEP], with token_type_id 1 on the B segment.
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS]:0 $A:0 [SEP]:0",
        pair="[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=max_length,
        model_input_names=["input_ids", "token_type_ids", "attention_mask"],
    )


def build_scratch_model(size: str, texts: Sequence[str], seed: int = 42) -> Path:
    """Return a `save_pretrained` folder holding a scratch BERT and its tokenizer, building it if needed.

    The folder is cached under the data directory, keyed by size, corpus and seed, so the same inputs always
    give the same weights and vocabulary. An entry that is not whole (a truncated file, no completeness marker, as a
    crash or an older version leaves) is rebuilt.

    Args:
        size: a key of `SIZES` (`tiny`, `small` or `minilm`).
        texts: the corpus the WordPiece tokenizer is trained on.
        seed: seeds the weight initialisation.

    Raises:
        StudioError: an unknown size or an empty corpus.
        DiskFullError: the disk holding the data directory is full.
    """
    if size not in SIZES:
        raise StudioError(f"unknown scratch size {size!r}; sizes are {', '.join(SIZES)}")
    if not texts:
        raise StudioError("cannot train a tokenizer on an empty corpus")
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    folder = scratch_models_dir() / f"{size}-{digest}-seed{seed}"
    if is_complete(folder):
        return folder
    import torch  # here: torch and BERT's modelling code cost seconds, paid only when a model is built
    from transformers import BertModel

    shape = SIZES[size]
    tokenizer = train_wordpiece(texts, shape.vocab_size, shape.max_positions)
    torch.manual_seed(seed)
    model = BertModel(shape.bert_config(len(tokenizer), pad_token_id=tokenizer.pad_token_id))
    # Built under a temporary name and renamed: the web server and a training child may ask at the same time, and
    # an entry cut off by a crash or a full disk is rebuilt on the next call instead of served.
    with disk_full_as_error(f"building the scratch:{size} model"), atomic_folder(folder) as staging:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
    logger.info("built scratch:%s (%d-word vocabulary) in %s", size, len(tokenizer), folder)
    return folder
