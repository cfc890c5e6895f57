"""The tokenizer cache behind `engine.models.loading.load_tokenizer`:

A tokenizer loads once, and the cache stays bounded."""

import json

from engine.models.loading import _tokenizer_at, load_tokenizer


def save_model_folder(tokenizer, folder):
    tokenizer.save_pretrained(folder)
    (folder / "config.json").write_text(json.dumps({"model_type": "bert"}))
    return folder


def test_a_tokenizer_is_loaded_once_and_then_served_from_the_cache(wordpiece_tokenizer, tmp_path):
    folder = str(save_model_folder(wordpiece_tokenizer, tmp_path / "model"))

    assert load_tokenizer(folder) is load_tokenizer(folder)


def test_the_cache_is_bounded_and_forgets_the_least_recently_used(wordpiece_tokenizer, tmp_path):
    limit = _tokenizer_at.cache_info().maxsize
    assert limit is not None, "an unbounded cache would keep every tokenizer ever opened in memory"
    folders = [str(save_model_folder(wordpiece_tokenizer, tmp_path / f"model-{i}")) for i in range(limit + 1)]
    first = load_tokenizer(folders[0])

    for folder in folders[1:]:
        load_tokenizer(folder)

    assert _tokenizer_at.cache_info().currsize <= limit
    assert load_tokenizer(folders[0]) is not first  # evicted, so loaded again
