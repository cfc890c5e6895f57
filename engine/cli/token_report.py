"""One inspection as plain data (the `tokenize --json` answer) and as readable text (the CLI's default output)."""

from dataclasses import asdict

from transformers import PreTrainedTokenizerBase

from engine.tokenizer.compare import Comparison
from engine.tokenizer.info import TokenizerInfo, describe_tokenizer
from engine.tokenizer.inspection import Inspection
from engine.tokenizer.roundtrip import round_trip
from engine.tokenizer.stats import output_counts, text_counts, unknown_rate

SEQUENCE_FIELDS = (
    "tokens",
    "input_ids",
    "token_type_ids",
    "attention_mask",
    "special_tokens_mask",
    "offsets",
)


def sequence_record(tokenizer: PreTrainedTokenizerBase, inspection: Inspection, index: int) -> dict:
    """Every field of sequence `index`, with its input line, window, both decodings and its unknown-token rate."""
    sequence = inspection.sequences[index]
    trip = round_trip(tokenizer, inspection, index)
    record = {"sample": sequence.sample, "window": sequence.window}
    record |= {name: getattr(sequence, name) for name in SEQUENCE_FIELDS}
    if record["offsets"] is not None:
        record["offsets"] = [list(offset) for offset in record["offsets"]]
    return record | {
        "decoded": trip.decoded,
        "decoded_without_special": trip.decoded_without_special,
        "unk_rate": unknown_rate(sequence, inspection.unk_token_id),
    }


def comparison_record(reference: str, comparison: Comparison) -> dict:
    """The comparison's counts and the spans the two tokenizers split differently."""
    return {
        "tokenizer": reference,
        "counts": asdict(comparison.counts_b),
        "differing_spans": None
        if comparison.spans is None
        else [
            {"text_index": index, **asdict(span)}
            for index, spans in enumerate(comparison.spans)
            for span in spans
            if not span.same
        ],
    }


def inspection_report(
    reference: str,
    tokenizer: PreTrainedTokenizerBase,
    inspection: Inspection,
    comparison: tuple[str, Comparison] | None = None,
) -> dict:
    """The whole inspection as JSON-able data: tokenizer, options, sequences, counts, unknown rate, comparison."""
    counts = text_counts(tokenizer, inspection.inputs)
    report = {
        "tokenizer": reference,
        "info": asdict(describe_tokenizer(tokenizer)),
        "options": asdict(inspection.options),
        "sequences": [sequence_record(tokenizer, inspection, i) for i in range(len(inspection.sequences))],
        "counts": asdict(counts) | asdict(output_counts(inspection)),
        "unk_rate": counts.unk_rate,
    }
    if comparison is not None:
        report["compare"] = comparison_record(*comparison)
    return report


def format_report(report: dict) -> str:
    """The report as text: tokenizer lines, one table per sequence, counts, then the comparison."""
    info = TokenizerInfo(**{**report["info"], "cannot_show": tuple(report["info"]["cannot_show"])})
    lines = [f"{label}: {value}" for label, value in info.lines()]
    for index, sequence in enumerate(report["sequences"]):
        lines += ["", f"sequence {index} (input {sequence['sample'] + 1}, window {sequence['window']})"]
        for position, token in enumerate(sequence["tokens"]):
            type_id = sequence["token_type_ids"][position] if sequence["token_type_ids"] else "-"
            span = sequence["offsets"][position] if sequence["offsets"] else "-"
            lines.append(
                f"{position:>4} {token:<16} id={sequence['input_ids'][position]:<6} type={type_id} "
                f"mask={sequence['attention_mask'][position]} special={sequence['special_tokens_mask'][position]} "
                f"offsets={span}"
            )
        lines += [f"decoded: {sequence['decoded']}", f"unknown: {sequence['unk_rate']:.1%}"]
    counts = report["counts"]
    lines += [
        "",
        f"{counts['tokens']} tokens for {counts['characters']} characters and {counts['words']} words "
        f"(no special tokens, no truncation): {counts['characters'] / max(counts['tokens'], 1):.2f} characters and "
        f"{counts['words'] / max(counts['tokens'], 1):.2f} words per token; unknown {report['unk_rate']:.1%}",
        f"returned {counts['sequences']} sequence(s), {counts['positions']} positions: {counts['special']} special "
        f"(padding included), {counts['padding']} padding",
    ]
    if "compare" in report:
        other = report["compare"]
        spans = other["differing_spans"]
        lines += [
            "",
            f"compared with {other['tokenizer']}: {other['counts']['tokens']} tokens against {counts['tokens']}, "
            f"unknown {other['counts']['unknown']} against {counts['unknown']}"
            + (f"; {len(spans)} span(s) split differently (this | that):" if spans is not None else ""),
        ]
        if spans is None:
            lines.append("split differences need offsets, which a slow tokenizer does not give")
        for span in spans or []:
            lines.append(f"  {span['text']!r}: {' '.join(span['tokens_a'])}  |  {' '.join(span['tokens_b'])}")
    return "\n".join(lines)
