"""How every CLI command prints its answer: one JSON object with --json, else the text meant for people."""

import json


def emit(payload: dict, as_json: bool, text: str) -> None:
    """Print `payload` as one line of JSON when `as_json`, else `text` (values JSON cannot hold become strings)."""
    print(json.dumps(payload, default=str) if as_json else text)
