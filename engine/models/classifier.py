"""A text classifier loaded once: model, tokenizer, label names and device, kept warm in a bounded cache.

The Try tab, the CLI and the evaluation all go through `Classifier.probabilities`: rows are sorted by length
and batched, so each batch is padded only to its longest row (the dynamic padding of chapter 3 of the course),
and the softmax over the logits gives one probability per label, named by the model's `id2label`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from engine.common.errors import StudioError
from engine.common.settings import remote_code_allowed
from engine.models.loading import MODEL_FILE_ERRORS, MODEL_LOADING, bundled_corpus, load_tokenizer, resolve_model
from engine.models.refs import parse_model_ref

if TYPE_CHECKING:  # hints only: torch and transformers cost the web server seconds at start
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

# Loaded models kept warm (on the GPU when there is one). Each costs its weights in memory: a few MB for
# scratch models, ~0.5 GB for a BERT-base, so the default keeps two (one to try, one to compare against).
MODEL_CACHE_SIZE = max(1, int(os.environ.get("STUDIO_MODEL_CACHE", "2")))
BATCH_SIZE = 32
# Weights a sequence-classification head adds on top of an encoder, by architecture family.
_HEAD_PREFIXES = ("classifier.", "score.", "classification_head.", "logits_proj.")


@dataclass
class Classifier:
    """A sequence-classification model ready for inference (eval mode, on its device)."""

    reference: str
    path: str
    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    # Fast tokenizers keep their padding / truncation settings in shared Rust state; two threads calling one at
    # the same time can fail with "Already borrowed". Concurrent Try-tab users share this object.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def labels(self) -> list[str]:
        """Label names in id order (`id2label`)."""
        id2label = self.model.config.id2label
        return [str(id2label[i]) for i in range(len(id2label))]

    @property
    def device(self) -> torch.device:
        return self.model.device

    @property
    def max_length(self) -> int:
        """The longest input the model accepts: its position embeddings, or the tokenizer's limit if lower."""
        # A tokenizer saved without a limit says 1e30; a config without position embeddings says nothing.
        limits = [getattr(self.model.config, "max_position_embeddings", None), self.tokenizer.model_max_length]
        return min((int(limit) for limit in limits if limit and limit < 1_000_000), default=512)

    def encode(self, texts: Sequence[str], pairs: Sequence[str] | None = None) -> dict:
        """Tokenize a batch (truncated to `max_length`, padded to its longest row) as tensors on the device."""
        with self.lock:
            batch = self.tokenizer(
                list(texts),
                list(pairs) if pairs is not None else None,
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            )
        return {key: value.to(self.device) for key, value in batch.items()}

    def tokens(self, text: str, pair: str | None = None) -> list[str]:
        """The tokens the model sees for one input, special tokens included."""
        with self.lock:
            encoding = self.tokenizer(text, pair, truncation=True, max_length=self.max_length)
        return self.tokenizer.convert_ids_to_tokens(encoding["input_ids"])

    def probabilities(
        self,
        texts: Sequence[str],
        pairs: Sequence[str] | None = None,
        batch_size: int = BATCH_SIZE,
        on_batch: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Softmax probabilities, one row per text and one column per label (in `labels` order).

        Args:
            texts: the first (or only) segment of each input.
            pairs: the second segment of each input, or None.
            batch_size: rows per forward pass.
            on_batch: called with (rows done, rows in all) after each batch, for progress bars.
        """
        if pairs is not None and len(pairs) != len(texts):
            raise StudioError(f"{len(texts)} texts but {len(pairs)} second texts")
        if batch_size < 1:
            raise StudioError(f"batch size must be at least 1, not {batch_size}")
        count = len(texts)
        import torch  # here: the web server imports this module at start, and torch costs seconds

        result = np.zeros((count, len(self.labels)), dtype=np.float32)
        # Similar lengths in a batch: little padding. Characters are a cheap stand-in for tokens here.
        order = sorted(range(count), key=lambda i: len(texts[i]) + (len(pairs[i]) if pairs is not None else 0))
        for start in range(0, count, batch_size):
            rows = order[start : start + batch_size]
            batch = self.encode([texts[i] for i in rows], [pairs[i] for i in rows] if pairs is not None else None)
            with torch.inference_mode():
                logits = self.model(**batch).logits
            result[rows] = torch.softmax(logits.float(), dim=-1).cpu().numpy()
            if on_batch:
                on_batch(min(start + batch_size, count), count)
        return result


def _device() -> torch.device:
    import torch

    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


@lru_cache(maxsize=MODEL_CACHE_SIZE)
def _load(reference: str, path: str, stamp: int) -> Classifier:
    from transformers import AutoModelForSequenceClassification

    try:
        # Only safetensors: a pickled `.bin` file can run code when it is loaded.
        model, info = AutoModelForSequenceClassification.from_pretrained(
            path, output_loading_info=True, use_safetensors=True, trust_remote_code=remote_code_allowed()
        )
    except MODEL_FILE_ERRORS as error:
        folder = Path(path)
        if folder.is_dir() and any(folder.glob("*.bin")) and not any(folder.glob("*.safetensors")):
            raise StudioError(
                f"{reference!r} has only pickled weights (.bin), which can run code when loaded; only safetensors "
                "weights are loaded here: load it once in Python and save it with save_pretrained"
            ) from error
        raise StudioError(f"cannot load {reference!r} as a text classifier: {error}") from error
    missing_head = [key for key in info.get("missing_keys", ()) if key.startswith(_HEAD_PREFIXES)]
    if missing_head:
        # `from_pretrained` would add a randomly initialised head: its "predictions" would be noise.
        raise StudioError(
            f"{reference!r} has no text-classification head (its weights lack {missing_head[0]}); fine-tune it in "
            "the Train tab first, or pick a model trained for text classification"
        )
    model.to(_device()).eval()
    return Classifier(reference=reference, path=path, model=model, tokenizer=load_tokenizer(reference))


def load_classifier(reference: str) -> Classifier:
    """Return the classifier for any model reference, loading it at most once while it stays in the cache.

    Raises:
        StudioError: the model cannot be loaded, has only pickled weights, or has no classification head.
        HubUnreachableError: a Hub id while the Hub cannot be reached (and the model is not cached).
    """
    path = resolve_model(parse_model_ref(reference), bundled_corpus)
    folder = Path(path)
    # Keyed by the folder's modification time too, so a folder saved again is read again.
    stamp = folder.stat().st_mtime_ns if folder.is_dir() else 0
    with MODEL_LOADING:
        return _load(reference, path, stamp)
