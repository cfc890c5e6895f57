"""ui.overlays: a failed event shows its error overlay on display components, never over a field the user types in."""

import gradio as gr

from app import build_demo
from ui.overlays import keep_inputs_clear, overlaid_inputs


def test_no_event_of_the_app_covers_an_input_with_an_overlay():
    assert overlaid_inputs(build_demo()) == []


def test_an_event_that_fills_an_input_and_a_display_shows_progress_on_the_display_only():
    with gr.Blocks() as demo:
        box, summary, button = gr.Textbox(), gr.Markdown(), gr.Button()
        button.click(lambda text: (text, text), box, [box, summary])
        keep_inputs_clear(demo)

    (function,) = demo.fns.values()
    assert (function.show_progress, function.show_progress_on) == ("full", [summary])


def test_an_event_whose_outputs_are_all_inputs_shows_no_overlay_at_all():
    with gr.Blocks() as demo:
        source, confirm, state, button = gr.Dropdown(), gr.Checkbox(), gr.State(), gr.Button()
        button.click(lambda *values: values, [source, confirm], [source, confirm, state])
        keep_inputs_clear(demo)

    (function,) = demo.fns.values()
    assert function.show_progress == "hidden"


def test_displays_and_read_only_components_keep_their_overlays():
    with gr.Blocks() as demo:
        table, note, shown, button = (
            gr.Dataframe(interactive=False),
            gr.Markdown(),
            gr.Textbox(interactive=False),
            gr.Button(),
        )
        button.click(lambda: (None, "", ""), None, [table, note, shown])
        keep_inputs_clear(demo)

    (function,) = demo.fns.values()
    assert (function.show_progress, function.show_progress_on) == ("full", None)
    assert overlaid_inputs(demo) == []


def test_an_event_that_would_cover_an_input_is_reported_by_its_handler_and_the_inputs_label():
    with gr.Blocks() as demo:
        box, button = gr.Textbox(label="Dataset"), gr.Button()

        def fill() -> str:
            return "sample:topics"

        button.click(fill, None, box)
        box.submit(lambda text: None, box, None)

    assert overlaid_inputs(demo) == [("fill", "Dataset")]
