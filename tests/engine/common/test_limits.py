"""engine.common.limits: every bound a request meets, with its variable, read on every call."""

import pytest

from engine.common.limits import ENVIRONMENT, Limits, limits


def test_every_bound_has_a_variable_and_a_default_of_at_least_1():
    assert set(ENVIRONMENT) == set(Limits.__dataclass_fields__)
    assert all(value >= 1 for value in vars(Limits()).values())


def test_a_variable_moves_its_bound_on_the_next_call(monkeypatch):
    monkeypatch.setenv("STUDIO_MAX_COLUMNS", "12")
    assert limits().columns == 12
    monkeypatch.setenv("STUDIO_MAX_COLUMNS", "1_500")
    assert limits().columns == 1500


@pytest.mark.parametrize("raw", ["many", "-3", "0", "1.5"])
def test_a_bad_value_is_refused_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("STUDIO_MAX_JSON_DEPTH", raw)
    with pytest.raises(ValueError, match="STUDIO_MAX_JSON_DEPTH must be a whole number"):
        limits()
