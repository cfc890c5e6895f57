"""How long the Tokenizer tab takes to answer: one inspect call, server side, with a cached fast tokenizer.

Two cases, interleaved call by call so that a noisy spell on a shared machine hits both alike:

- (single) a 2,000-character text, default options (special tokens, no padding, no truncation); goal p95 < 50 ms;
- (batch) 64 texts, one per line, padded to the longest; goal p95 < 100 ms.

Each call is `ui.tokenizer_actions.tokenize_view`, the function behind `/tokenize`: it loads the tokenizer (from the
cache after the first call), tokenizes, counts, decodes, draws the spans, the table, the matrices and the snippet,
i.e. everything the server does for a page except (de)serialising and the network. `--http` also times the same
calls through `gradio_client` against the launched app, for the full round trip. The texts are the bundled
`sample:sentiment` reviews, so the numbers are reproducible.

Run from the repository root: `python bench/tokenizer.py [--calls 200] [--model scratch:tiny] [--http]`.
"""

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# `python bench/tokenizer.py` puts bench/ first on the path, not the repository (the engine is not installed); the
# repository replaces it, since a bench/<name>.py would shadow a library of the same name.
if sys.path and Path(sys.path[0]).resolve() == REPO_ROOT / "bench":
    sys.path[0] = str(REPO_ROOT)
elif str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.padding import machine_jiffies, others_load, percent  # noqa: E402
from engine.datasets.sources import load_raw  # noqa: E402
from engine.models.loading import load_tokenizer  # noqa: E402
from engine.tokenizer.inspection import TokenInput, TokenizeOptions, inspect_tokens  # noqa: E402

TEXT_CHARACTERS = 2_000
BATCH_TEXTS = 64
WARMUP_CALLS = 5  # untimed: the first call builds or loads the tokenizer; the goal is about a cached one
GOALS_MS = {"single": 50.0, "batch": 100.0}


@dataclass
class Case:
    """One kind of call and its timings."""

    name: str
    label: str
    form: tuple  # the inputs of /tokenize, in the form's order
    seconds: list[float] = field(default_factory=list)
    engine_seconds: list[float] = field(default_factory=list)
    http_seconds: list[float] = field(default_factory=list)

    def percentile(self, values: list[float], share: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] * 1000


def sample_texts() -> list[str]:
    """The bundled sentiment reviews, in file order."""
    return list(load_raw("sample:sentiment")["train"]["text"])


def form(model: str, text: str, batch: bool, padding: str) -> tuple:
    """/tokenize's inputs: model, text, pair, batch, special, padding, truncation, max_length, stride, overflow,
    compare, sequence."""
    return (model, text, "", batch, True, padding, "none", None, 0, False, "", 0)


def build_cases(model: str) -> list[Case]:
    texts = sample_texts()
    long_text = ""
    for text in texts:  # whole reviews, joined, cut to exactly 2,000 characters
        long_text = f"{long_text} {text}".strip()
        if len(long_text) >= TEXT_CHARACTERS:
            break
    long_text = long_text[:TEXT_CHARACTERS]
    return [
        Case("single", f"one {len(long_text):,}-character text", form(model, long_text, False, "do_not_pad")),
        Case(
            "batch",
            f"{BATCH_TEXTS} texts, padding=longest",
            form(model, "\n".join(texts[:BATCH_TEXTS]), True, "longest"),
        ),
    ]


def engine_call(case: Case) -> Callable[[], object]:
    """`inspect_tokens` alone, on the same input: how much of the time is the tokenizer call itself."""
    model, text, _, batch, _, padding, *_ = case.form
    tokenizer = load_tokenizer(model)
    inputs = TokenInput.from_lines(text) if batch else TokenInput.single(text)
    options = TokenizeOptions(padding=padding)
    return lambda: inspect_tokens(tokenizer, inputs, options)


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def run_server_side(cases: list[Case], calls: int) -> float | None:
    """Time the handler and the engine call, interleaved; return the others' CPU load meanwhile."""
    from ui.tokenizer_actions import tokenize_view

    engines = {case.name: engine_call(case) for case in cases}
    for case in cases:
        for _ in range(WARMUP_CALLS):
            tokenize_view(*case.form)
    jiffies, cpu_start = machine_jiffies(), time.process_time()
    for _ in range(calls):
        for case in cases:
            case.seconds.append(timed(lambda case=case: tokenize_view(*case.form)))
            case.engine_seconds.append(timed(engines[case.name]))
    return others_load(jiffies, machine_jiffies(), time.process_time() - cpu_start)


def run_http(cases: list[Case], calls: int) -> None:
    """Time the same calls through `gradio_client` against the app launched in this process."""
    from tests.app.launch import StudioClient, launch_studio

    with tempfile.TemporaryDirectory(prefix="bench-tokenizer-") as data_dir, launch_studio(Path(data_dir)) as studio:
        client = StudioClient(studio.url)
        for case in cases:
            for _ in range(WARMUP_CALLS):
                client.predict(*case.form, api_name="/tokenize")
        for _ in range(calls):
            for case in cases:
                case.http_seconds.append(timed(lambda case=case: client.predict(*case.form, api_name="/tokenize")))


def markdown_table(cases: list[Case], load: float | None) -> str:
    lines = [
        "| case | handler p50 (ms) | handler p95 (ms) | handler max (ms) | goal (p95) | `inspect_tokens` p50 (ms) "
        "| through gradio_client p50 / p95 (ms) | others' CPU load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case in cases:
        http = (
            f"{case.percentile(case.http_seconds, 0.5):.1f} / {case.percentile(case.http_seconds, 0.95):.1f}"
            if case.http_seconds
            else "not run"
        )
        p95 = case.percentile(case.seconds, 0.95)
        verdict = "met" if p95 < GOALS_MS[case.name] else "missed"
        lines.append(
            f"| ({case.name}) {case.label} | {case.percentile(case.seconds, 0.5):.1f} | {p95:.1f} "
            f"| {max(case.seconds) * 1000:.1f} | < {GOALS_MS[case.name]:.0f}: {verdict} "
            f"| {case.percentile(case.engine_seconds, 0.5):.1f} | {http} | {percent(load)} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="timed calls of each case (default 200)")
    parser.add_argument("--model", default="scratch:tiny", help="model reference (default scratch:tiny)")
    parser.add_argument("--http", action="store_true", help="also time the calls through gradio_client")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-tokenizer-data-") as data_dir:
        os.environ.setdefault("STUDIO_DATA_DIR", data_dir)  # scratch models are built here, not in the repo
        cases = build_cases(args.model)
        load = run_server_side(cases, args.calls)
        if args.http:
            run_http(cases, max(20, args.calls // 4))
    print(f"{args.model}, {args.calls} timed calls per case after {WARMUP_CALLS} untimed; {os.cpu_count()} CPUs")
    print(markdown_table(cases, load))
    return 0


if __name__ == "__main__":
    sys.exit(main())
