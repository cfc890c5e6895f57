"""engine.common.hub: a Hub that cannot be reached is reported in seconds, with the offline alternatives."""

import time

import pytest

from engine.common.hub import HubUnreachableError, ensure_hub_reachable, hub_endpoint


def test_offline_flag_fails_at_once_and_says_so(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    with pytest.raises(HubUnreachableError, match="HF_HUB_OFFLINE") as raised:
        ensure_hub_reachable("dataset 'imdb'")

    assert "dataset 'imdb'" in str(raised.value)
    assert "scratch:tiny" in str(raised.value)  # the message points at what works offline


def test_unreachable_endpoint_fails_fast_naming_the_endpoint(hub_unreachable):
    started = time.monotonic()

    with pytest.raises(HubUnreachableError, match="unreachable") as raised:
        ensure_hub_reachable("model 'bert-base-uncased'")

    assert time.monotonic() - started < 10
    assert hub_unreachable in str(raised.value)


def test_hub_endpoint_honours_hf_endpoint_without_trailing_slash(monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "https://mirror.example/")

    assert hub_endpoint() == "https://mirror.example"
