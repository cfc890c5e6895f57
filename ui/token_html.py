"""The Tokenizer tab's HTML views: token spans over the original text, the decode round trip, split differences.

Pure functions from engine results to HTML strings (no Gradio), styled by `TOKEN_CSS` (given to each `gr.HTML`
as its `css_template`, which Gradio scopes to that component). Every piece of user text is escaped.
"""

from html import escape

from engine.tokenizer.compare import Comparison
from engine.tokenizer.inspection import Inspection
from engine.tokenizer.roundtrip import DECODED_ONLY, INPUT_ONLY, RoundTrip

TOKEN_CSS = """
.tokens { line-height: 2.1; white-space: pre-wrap; font-size: 0.95rem; }
.tok { border-radius: 4px; padding: 1px 2px; margin: 0 1px; }
.s0.a { background: #bfdbfe; } .s0.b { background: #93c5fd; }
.s1.a { background: #bbf7d0; } .s1.b { background: #86efac; }
.special { background: #fde68a; border: 1px solid #d97706; font-family: monospace; font-size: 0.8rem; }
.pad { background: #e5e7eb; color: #6b7280; border: 1px dashed #9ca3af; font-family: monospace; font-size: 0.8rem; }
.unk { outline: 2px solid #dc2626; }
.outside { color: #9ca3af; text-decoration: line-through; }
.plain { font-family: monospace; }
.input-only { background: #fecaca; text-decoration: line-through; }
.decoded-only { background: #bbf7d0; }
.differs { background: #fde68a; border-bottom: 2px solid #d97706; }
.legend span { margin-right: 0.8rem; }
"""
LEGEND = (
    '<div class="legend"><span class="tok s0 a">first text</span><span class="tok s1 a">second text</span>'
    '<span class="tok special">special</span><span class="tok pad">padding</span>'
    '<span class="tok s0 a unk">unknown</span><span class="outside">cut off / outside this window</span></div>'
)


def _token(classes: str, shown: str, index: int, token: str, token_id: int) -> str:
    title = escape(f"#{index} · id {token_id} · {token}", quote=True)
    return f'<span class="tok {classes}" title="{title}" data-index="{index}">{escape(shown)}</span>'


def token_spans_html(inspection: Inspection, index: int = 0) -> str:
    """Sequence `index` drawn over its original text: each token a coloured span of the characters it covers.

    Colours alternate within each text so neighbouring pieces stay apart; special tokens and padding are badges
    in between; text the sequence does not cover (cut by truncation, or outside an overflow window) is struck
    through. A slow tokenizer has no offsets, so its tokens are shown as strings instead.
    """
    sequence = inspection.sequences[index]
    sources = dict(enumerate(inspection.inputs.sample(sequence.sample)))
    segments = sequence.segments or [None] * len(sequence.tokens)
    last_of = {segment: position for position, segment in enumerate(segments) if segment is not None}
    cursor: dict[int, int] = {}
    shown: dict[int, int] = {}  # tokens drawn so far per text, to alternate their shades
    parts = []
    for position, (token, token_id) in enumerate(zip(sequence.tokens, sequence.input_ids, strict=True)):
        unknown = " unk" if token_id == inspection.unk_token_id and token_id is not None else ""
        segment = segments[position]
        if not sequence.attention_mask[position]:
            parts.append(_token("pad", token, position, token, token_id))
        elif sequence.special_tokens_mask[position]:
            parts.append(_token("special", token, position, token, token_id))
        elif segment is None or sequence.offsets is None:  # a slow tokenizer: no offsets to place the token
            parts.append(_token(f"s0 a plain{unknown}", token, position, token, token_id) + " ")
        else:
            source, (start, end) = sources[segment], sequence.offsets[position]
            if segment not in cursor:
                cursor[segment] = 0
                lead = source[:start]
                parts.append(escape(lead) if not lead.strip() else f'<span class="outside">{escape(lead)}</span>')
            parts.append(escape(source[cursor[segment] : start]))
            shade = "ab"[shown.get(segment, 0) % 2]
            shown[segment] = shown.get(segment, 0) + 1
            parts.append(_token(f"s{segment} {shade}{unknown}", source[start:end], position, token, token_id))
            cursor[segment] = max(cursor[segment], end)
            if position == last_of[segment] and source[end:].strip():
                parts.append(f'<span class="outside">{escape(source[end:])}</span>')
    return f'{LEGEND}<div class="tokens">{"".join(parts)}</div>'


def round_trip_html(trip: RoundTrip) -> str:
    """Both decodings; the one without special tokens marked against the input (struck: lost, green: added)."""
    pieces = []
    for piece, kind in trip.differences:
        css = {INPUT_ONLY: "input-only", DECODED_ONLY: "decoded-only"}.get(kind)
        pieces.append(f'<span class="{css}">{escape(piece)}</span>' if css else escape(piece))
    verdict = (
        "identical to the input"
        if trip.exact
        else "differs from the input: struck-through text was lost, green text was added"
    )
    return (
        f'<p><code>decode(ids)</code></p><div class="tokens plain">{escape(trip.decoded)}</div>'
        f"<p><code>decode(ids, skip_special_tokens=True)</code>, {verdict}</p>"
        f'<div class="tokens">{"".join(pieces)}</div>'
    )


def comparison_html(comparison: Comparison, name_a: str, name_b: str) -> str:
    """Each text with the spans the two tokenizers split differently highlighted (hover: both splits)."""
    if comparison.spans is None:
        return "<p>Split differences need offsets, which a slow tokenizer does not give: counts only.</p>"
    blocks = []
    for spans in comparison.spans:
        parts = []
        for span in spans:
            if span.same:
                parts.append(escape(span.text))
                continue
            title = escape(f"{name_a}: {' '.join(span.tokens_a)} | {name_b}: {' '.join(span.tokens_b)}", quote=True)
            parts.append(f'<span class="differs" title="{title}">{escape(span.text)}</span>')
        blocks.append(f'<div class="tokens">{"".join(parts)}</div>')
    return "".join(blocks)


# The label alignment and answer windows views (`alignment_html`, `windows_html`); given with TOKEN_CSS.
TASK_VIEW_CSS = """
.align { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: flex-start; }
.word { border: 1px solid #93c5fd; border-radius: 6px; padding: 2px 4px; }
.word-head { font-weight: 600; text-align: center; }
.word-head em { font-weight: normal; font-style: normal; color: #1d4ed8; margin-left: 0.3rem; }
.pieces { display: flex; gap: 2px; }
.piece { display: flex; flex-direction: column; align-items: center; font-family: monospace; font-size: 0.8rem; }
.wid { color: #6b7280; }
.label { color: #047857; font-weight: 600; }
.label.ignored { color: #9ca3af; font-weight: normal; }
.lost { color: #9ca3af; text-decoration: line-through; }
.window { margin: 0.5rem 0; }
.window-head { font-weight: 600; }
.question { background: #e5e7eb; }
.answer { background: #fbcfe8; }
.start, .end { background: #f472b6; outline: 2px solid #be185d; }
.target { outline: 2px dashed #be185d; }
"""


def _piece(position: int, token, css: str) -> str:
    label_css = "label ignored" if token.label_id == -100 else "label"
    word = "special" if token.word_id is None else token.word_id
    return (
        f'<span class="piece" title="{escape(f"#{position} · word_ids {word} · label {token.label}", quote=True)}">'
        f'<span class="tok {css}">{escape(token.token)}</span><span class="wid">{word}</span>'
        f'<span class="{label_css}">{escape(token.label)}</span></span>'
    )


def alignment_html(alignment) -> str:
    """Each word boxed with its tag over its sub-word tokens; under every token its `word_ids` entry and the label
    it trains on (-100 greyed: the loss skips it). Special tokens stand alone; words the max_length cut are struck.

    Args:
        alignment: an `engine.tasks.alignment.LabelAlignment`.
    """
    parts, position = [], 0
    tokens = alignment.tokens
    while position < len(tokens):
        word_id = tokens[position].word_id
        if word_id is None:
            parts.append(_piece(position, tokens[position], "special"))
            position += 1
            continue
        pieces = []
        while position < len(tokens) and tokens[position].word_id == word_id:
            pieces.append(_piece(position, tokens[position], "s0 " + "ab"[len(pieces) % 2]))
            position += 1
        head = f"{escape(alignment.words[word_id])}<em>{escape(alignment.tags[word_id])}</em>"
        parts.append(
            f'<span class="word"><div class="word-head">{head}</div><div class="pieces">{"".join(pieces)}</div></span>'
        )
    kept = {token.word_id for token in tokens if token.word_id is not None}
    lost = [
        f"{word}/{tag}"
        for index, (word, tag) in enumerate(zip(alignment.words, alignment.tags, strict=True))
        if index not in kept
    ]
    if lost:
        parts.append(
            f'<span class="lost" title="cut by max_length: no token, no label">{escape(" ".join(lost))}</span>'
        )
    return f'<div class="align">{"".join(parts)}</div>'


def windows_html(view, specials: set[str], cls_token: str | None) -> str:
    """Each overflow window's tokens: the question greyed, the answer's start and end token outlined and the tokens
    between them shaded; a window without the whole answer says so and outlines the CLS token training points at.

    Args:
        view: an `engine.tasks.windows.AnswerWindows`.
        specials: the tokenizer's special tokens, drawn as badges.
        cls_token: the token "not in this window" points at (the first position when the tokenizer has none).
    """
    blocks = []
    for window in view.windows:
        start, end = window.context_span
        if window.answer is None and view.answer is not None:
            note = "not in this window: start and end point at the CLS token (outlined)"
        elif window.answer is None:
            note = "no answer: start and end point at the CLS token (outlined)"
        else:
            note = window.note
        target = window.tokens.index(cls_token) if cls_token in window.tokens else 0
        parts = []
        for position, (token, mark) in enumerate(zip(window.tokens, window.marks(), strict=True)):
            if token in specials:
                css = "special" + (" target" if window.answer is None and position == target else "")
            elif not mark:
                css = "question"
            else:
                css = {"context": "s1 a", "answer": "answer"}.get(mark, mark.replace("+", " "))
            title = escape(f"#{position} · {mark or 'question'}", quote=True)
            parts.append(f'<span class="tok {css}" title="{title}">{escape(token)}</span>')
        blocks.append(
            f'<div class="window"><div class="window-head">Window {window.index} · context characters {start} to '
            f'{end} · {escape(note)}</div><div class="tokens">{" ".join(parts)}</div></div>'
        )
    return "".join(blocks)
