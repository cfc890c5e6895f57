"""The Train tab says up front when this server does not let everyone train (STUDIO_TRAINING)."""

import pytest

import app


def _markdown_texts(demo) -> list[str]:
    return [block.value for block in demo.blocks.values() if block.__class__.__name__ == "Markdown" and block.value]


@pytest.mark.parametrize(
    ("mode", "note"),
    [("nobody", "Training is switched off on this server"), ("signed-in", "Only signed-in users can train")],
)
def test_a_restricted_server_says_so_in_the_train_tab(monkeypatch, mode, note):
    monkeypatch.setenv("STUDIO_TRAINING", mode)

    texts = _markdown_texts(app.build_demo())

    assert any(note in text for text in texts)


def test_a_server_where_everyone_trains_adds_no_note(monkeypatch):
    monkeypatch.delenv("STUDIO_TRAINING", raising=False)

    texts = _markdown_texts(app.build_demo())

    assert not any("can train on this server" in text or "switched off" in text for text in texts)
