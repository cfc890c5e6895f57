"""The Datasets tab's task view of a page of rows: tags coloured over the words (token classification), the answer
highlighted in its context (question answering), label sets as chips (multi-label), the value or class beside the
text (regression, classification).

Pure functions from `engine.tasks.task_rows.page_rows` rows to HTML (no Gradio), styled by `TASK_ROWS_CSS` (the
`gr.HTML`'s `css_template`). Every piece of user text is escaped.
"""

from html import escape
from typing import Any

TASK_ROWS_CSS = """
.task-rows { font-size: 0.95rem; }
.task-row { border-bottom: 1px solid #e5e7eb; padding: 6px 0; line-height: 2.2; }
.row-no { color: #6b7280; font-family: monospace; font-size: 0.8rem; margin-right: 0.5rem; }
.word { border-radius: 4px; padding: 1px 3px; margin: 0 1px; }
.tag { font-family: monospace; font-size: 0.7rem; vertical-align: super; margin-left: 2px; opacity: 0.8; }
.chip { border-radius: 999px; padding: 1px 8px; margin-right: 4px; background: #e0e7ff; border: 1px solid #6366f1;
        font-size: 0.8rem; }
.answer { background: #bbf7d0; border-bottom: 2px solid #16a34a; border-radius: 3px; padding: 0 2px; }
.missing { background: #fecaca; border-radius: 3px; padding: 0 4px; }
.question { font-weight: 600; }
.value { font-family: monospace; background: #fef3c7; border-radius: 4px; padding: 1px 6px; margin-left: 0.5rem; }
.pair { color: #374151; margin-left: 1.2rem; }
"""
# One background per entity type, in order of first appearance on the page; beyond these the palette repeats.
PALETTE = ("#bfdbfe", "#fde68a", "#bbf7d0", "#fbcfe8", "#ddd6fe", "#fed7aa", "#a5f3fc", "#d9f99d")


def _entity_type(tag: str) -> str | None:
    """`B-PER` -> `PER`; `O` (or a tag without a type) -> None: uncoloured."""
    prefix, _, kind = tag.partition("-")
    return kind if tag != "O" and kind and prefix in ("B", "I", "E", "S") else (None if tag == "O" else tag)


def _row_number(row: dict[str, Any]) -> str:
    return f'<span class="row-no">#{row["row"]}</span>'


def tagged_words_html(rows: list[dict[str, Any]]) -> str:
    """Each sentence's words, an entity's words on its type's colour with the tag above each (hover for it too)."""
    colours: dict[str, str] = {}
    lines = []
    for row in rows:
        words, tags = row["words"], row["tags"]
        spans = []
        for index, word in enumerate(words):
            tag = tags[index] if index < len(tags) else "(no tag)"
            kind = _entity_type(tag)
            if kind is None:
                spans.append(f'<span class="word" title="O">{escape(word)}</span>')
                continue
            colour = colours.setdefault(kind, PALETTE[len(colours) % len(PALETTE)])
            spans.append(
                f'<span class="word" style="background: {colour}" title="{escape(tag, quote=True)}" '
                f'data-tag="{escape(tag, quote=True)}">{escape(word)}<span class="tag">{escape(tag)}</span></span>'
            )
        if len(tags) != len(words):
            spans.append(f'<span class="missing">{len(words)} words, {len(tags)} tags</span>')
        lines.append(f'<div class="task-row">{_row_number(row)}{" ".join(spans)}</div>')
    legend = " ".join(f'<span class="word" style="background: {c}">{escape(k)}</span>' for k, c in colours.items())
    return f'<div class="task-rows"><div>{legend or "No entity on this page."}</div>{"".join(lines)}</div>'


def _highlighted_context(context: str, answers: list[dict[str, Any]]) -> str:
    found = sorted({(a["start"], a["start"] + len(a["text"])) for a in answers if a["found"]})
    parts, cursor = [], 0
    for start, end in found:
        if start < cursor:  # overlapping gold answers: the first one marked is enough
            continue
        parts += [escape(context[cursor:start]), f'<mark class="answer">{escape(context[start:end])}</mark>']
        cursor = end
    return "".join(parts) + escape(context[cursor:])


def answers_html(rows: list[dict[str, Any]]) -> str:
    """Each question, then its context with the answer highlighted at its `answer_start`; an answer that is not
    there is listed in red with what it says."""
    blocks = []
    for row in rows:
        missing = [
            f'<span class="missing">answer {escape(repr(a["text"]))} is not at {escape(str(a["start"]))}</span>'
            for a in row["answers"]
            if not a["found"]
        ]
        unanswered = "" if row["answers"] else '<span class="missing">no answer</span>'
        blocks.append(
            f'<div class="task-row">{_row_number(row)}<span class="question">{escape(row["question"])}</span> '
            f"{unanswered}{' '.join(missing)}<div>{_highlighted_context(row['context'], row['answers'])}</div></div>"
        )
    return f'<div class="task-rows">{"".join(blocks)}</div>'


def _text_block(row: dict[str, Any]) -> str:
    pair = f'<div class="pair">{escape(row["pair"])}</div>' if "pair" in row else ""
    return f"{escape(row['text'])}{pair}"


def label_sets_html(rows: list[dict[str, Any]]) -> str:
    """Each text with its labels as chips."""
    blocks = []
    for row in rows:
        chips = "".join(f'<span class="chip">{escape(str(label))}</span>' for label in row["labels"])
        chips = chips or '<span class="missing">no label</span>'
        blocks.append(f'<div class="task-row">{_row_number(row)}{chips} {_text_block(row)}</div>')
    return f'<div class="task-rows">{"".join(blocks)}</div>'


def labelled_texts_html(rows: list[dict[str, Any]]) -> str:
    """Each text with its class or target value."""
    blocks = [
        f'<div class="task-row">{_row_number(row)}{_text_block(row)}'
        f'<span class="value">{escape(str(row["label"]))}</span></div>'
        for row in rows
    ]
    return f'<div class="task-rows">{"".join(blocks)}</div>'


def task_rows_html(task: str, rows: list[dict[str, Any]]) -> str:
    """The page of `rows` as `task` reads them."""
    if not rows:
        return '<div class="task-rows">No rows on this page.</div>'
    if task == "token-classification":
        return tagged_words_html(rows)
    if task == "question-answering":
        return answers_html(rows)
    if task == "multi-label-classification":
        return label_sets_html(rows)
    return labelled_texts_html(rows)
