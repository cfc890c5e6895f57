"""No progress or error overlay over a field the user types in.

While an event runs, Gradio covers each of its output components with a progress overlay; when the handler fails,
with a red "Error" overlay that stays until closed. On a display (a summary, a table, a chart) that says where the
failure is. On an input that is also an output (the dataset box a load fills, the split picker, the delete
confirmation a delete unticks) it hides the value the user typed and blocks typing, for a mistake the error's own
pop-up already explains.

`keep_inputs_clear` fixes this once for the whole page instead of in every listener: run at the end of the page's
`gr.Blocks` context, it goes over every event and shows progress (and errors) only on its outputs that are not
editable (`show_progress_on`), or on none at all (`show_progress="hidden"`) when every output is an input. Events
added later by any tab are covered the same way, and tests/ui/test_overlays.py checks the whole app.
"""

import gradio as gr
from gradio.components.base import FormComponent

# Components a user types in, picks from or drops a file on, when they are interactive.
EDITABLE_TYPES = (FormComponent, gr.File, gr.Code, gr.Dataframe)


def _event_inputs(blocks: gr.Blocks) -> set[int]:
    return {component._id for fn in blocks.fns.values() for component in fn.inputs}


def is_editable(component: gr.components.Component, event_inputs: set[int]) -> bool:
    """Whether the user can type in this component on the page: an editable kind that is interactive, either said
    so or, like Gradio decides when `interactive` is left unset, because some event reads it."""
    if not isinstance(component, EDITABLE_TYPES) or isinstance(component, gr.State):
        return False
    if component.interactive is not None:
        return bool(component.interactive)
    return component._id in event_inputs


def _shows_nothing(component: gr.components.Component) -> bool:
    return isinstance(component, gr.State | gr.Timer)


def keep_inputs_clear(blocks: gr.Blocks) -> None:
    """Make every event of `blocks` show its progress and error overlays on display components only.

    Call it last inside the `with gr.Blocks()` block: the page's configuration is written when the block closes.
    """
    event_inputs = _event_inputs(blocks)
    for fn in blocks.fns.values():
        if fn.show_progress == "hidden":
            continue
        targets = list(fn.show_progress_on or fn.outputs)
        if not any(is_editable(component, event_inputs) for component in targets):
            continue
        shown = [c for c in targets if not is_editable(c, event_inputs) and not _shows_nothing(c)]
        if shown:
            fn.show_progress_on = shown
        else:
            fn.show_progress = "hidden"


def overlaid_inputs(blocks: gr.Blocks) -> list[tuple[str, str]]:
    """(event, component label) for every editable component an event would still cover with an overlay."""
    event_inputs = _event_inputs(blocks)
    found = []
    for fn in blocks.fns.values():
        if fn.show_progress == "hidden":
            continue
        for component in fn.show_progress_on or fn.outputs:
            if is_editable(component, event_inputs):
                found.append((fn.name, getattr(component, "label", None) or type(component).__name__))
    return found
