"""The `slow` marker: tests that train a model for tens of seconds (`-m "not slow"` leaves them out)."""


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: trains a model for tens of seconds on 2 cores")
