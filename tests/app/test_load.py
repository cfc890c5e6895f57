"""A short load test: five `gradio_client` users for ten seconds, with no failed call (`bench/load.py` runs 20)."""

from bench.load import run


def test_five_concurrent_users_tokenize_browse_and_predict_without_errors():
    result = run(users=5, seconds=10, train=False)

    calls = {row["endpoint"]: row for row in result["calls"]}
    assert set(calls) == {"/load_dataset", "/tokenize", "/browse", "/predict"}
    assert result["error_samples"] == {}
    assert all(row["errors"] == 0 and row["calls"] >= 5 for row in calls.values()), calls
