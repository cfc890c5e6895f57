"""A training log as a person reads it: progress and metric lines formatted, terminal codes gone, notices explained.

`train.log` holds what the child printed: `Trainer`'s log dicts (`{'loss': '0.69', ...}`), progress bars redrawn
with carriage returns, ANSI colour codes, and transformers' weight-loading report, whose "MISSING" rows alarm
newcomers although a new classification head is exactly what fine-tuning starts from. The file itself is left as
it is (it is the record to debug from); only the page's view is rewritten.
"""

import ast
import re

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_PROGRESS_BAR = re.compile(r"^(?P<label>[^|]*?):\s+\d+%\|[^|]*\|\s*\d+/(?P<total>\d+)")
_REPORT_ROW = re.compile(r"^(?P<key>\S+)\s*\|\s*(?P<status>[A-Z]+)\s*\|")
_LONGEST_DICT_LINE = 4000  # a `Trainer` log line is a few hundred characters; longer is not one to parse
# transformers' own words for why a weight was not loaded, and what that means for a fine-tune.
_STATUS_MEANING = {
    "MISSING": "new, with random weights (expected: training teaches them)",
    "UNEXPECTED": "in the checkpoint but not used by this model (expected: the pre-training head is dropped)",
    "MISMATCH": "of another shape in the checkpoint, so started again with random weights",
}
_EVAL_ORDER = ("loss", "accuracy", "f1", "precision", "recall")


def _number(value: object) -> str:
    try:
        return f"{float(value):.4g}"
    except (TypeError, ValueError):
        return str(value)


def _is_number(value: object) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _trainer_line(values: dict) -> str | None:
    """One of `Trainer`'s log dicts in words, or None when it is not one."""
    epoch = f"epoch {float(values['epoch']):.2f}: " if _is_number(values.get("epoch")) else ""
    if "loss" in values:
        shown = ("loss", "learning_rate", "grad_norm")
        return epoch + " · ".join(f"{key.replace('_', ' ')} {_number(values[key])}" for key in shown if key in values)
    scores = {key[len("eval_") :]: value for key, value in values.items() if key.startswith("eval_")}
    if scores:
        named = [f"{name} {_number(scores[name])}" for name in _EVAL_ORDER if name in scores]
        return f"evaluation, {epoch}" + " · ".join(named)
    if "train_runtime" in values:
        rate = values.get("train_samples_per_second")
        speed = f", {_number(rate)} samples/s" if rate is not None else ""
        loss = f", mean training loss {_number(values['train_loss'])}" if "train_loss" in values else ""
        return f"training finished in {_number(values['train_runtime'])} s{speed}{loss}"
    return None


def _as_dict(line: str) -> dict | None:
    if not (line.startswith("{") and line.endswith("}")) or len(line) > _LONGEST_DICT_LINE:
        return None
    try:
        value = ast.literal_eval(line)  # literals only: a log line never runs as code
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _load_report(rows: list[tuple[str, str]]) -> list[str]:
    """transformers' weight-loading table as one line per status, explained."""
    lines = []
    for status, meaning in _STATUS_MEANING.items():
        keys = [key for key, row_status in rows if row_status == status]
        if keys:
            shown = ", ".join(keys[:4]) + (f" and {len(keys) - 4} more" if len(keys) > 4 else "")
            lines.append(f"note: weights {meaning}: {shown}")
    return lines


def readable_log(text: str) -> str:
    """The log rewritten for the page (see the module docstring); lines it does not recognise are kept as they are."""
    lines: list[str] = []
    report: list[tuple[str, str]] | None = None
    for raw in text.splitlines():
        line = ANSI.sub("", raw).rstrip()
        if not line:
            continue
        bar = _PROGRESS_BAR.match(line)
        previous = _PROGRESS_BAR.match(lines[-1]) if bar and lines else None
        if previous and (previous["label"], previous["total"]) == (bar["label"], bar["total"]):
            lines[-1] = line  # a progress bar redrawn (a carriage return reads as a new line): its latest state
            continue
        if "LOAD REPORT" in line:
            report = []
            continue
        if report is not None:
            if row := _REPORT_ROW.match(line):
                report.append((row["key"], row["status"]))
                continue
            if line.startswith(("Key ", "---", "Notes:", "- ")) or not line.strip():
                continue  # the table's header, rule and transformers' own notes, said better above
            lines += _load_report(report)
            report = None
        values = _as_dict(line)
        formatted = _trainer_line(values) if values is not None else None
        lines.append(formatted or line)
    if report:
        lines += _load_report(report)
    return "\n".join(lines)
