"""A form that survives a page reload: its values kept in this browser's local storage (`gr.BrowserState`).

A tab names the fields to keep; each change of one saves them all, and the page's load puts them back. Only plain
choices are kept (a dataset reference, a tokenizer, a text): what a dataset holds stays on the server.

The page makes each form's `browser_form` at its top level, outside the tabs: a BrowserState reads the browser's
storage when the page mounts it, and one inside a tab not shown yet is mounted only when that tab is opened, after
the page's load has already restored nothing.
"""

from collections.abc import Callable

import gradio as gr
from gradio.events import Dependency

from ui.owner import STORAGE_SECRET


def browser_form(name: str) -> gr.BrowserState:
    """Where a form is kept in this browser (`finetune-studio-<name>-form`); make it at the page's top level."""
    return gr.BrowserState(None, storage_key=f"finetune-studio-{name}-form", secret=STORAGE_SECRET)


class SavedForm:
    """Some of a tab's fields, by name, kept in the browser in `state` (made by `browser_form`)."""

    def __init__(self, state: gr.BrowserState, **fields: gr.components.Component) -> None:
        self.names = list(fields)
        self.fields = list(fields.values())
        self.state = state
        gr.on(
            [field.change for field in self.fields],
            self.saved,
            self.fields,
            self.state,
            api_name=False,
            show_progress="hidden",
            # The values as the browser holds them, unchecked: a dropdown whose choices the same update just changed
            # (the Train tab's Best by, set by the task) may still send its old value, which Gradio's check refused
            # with an error toast; what is kept is only put back in the page, which checks it then.
            preprocess=False,
        )

    def saved(self, *values) -> dict:
        """What is kept: the fields' values by name."""
        return dict(zip(self.names, values, strict=True))

    def restored(self, kept: dict | None) -> list:
        """The fields' kept values, in order; a field with nothing kept is left as the page shows it."""
        kept = kept if isinstance(kept, dict) else {}
        return [kept[name] if name in kept and kept[name] is not None else gr.skip() for name in self.names]

    def restore_on_load(self, demo: gr.Blocks, unless: Callable[[gr.Request], bool] | None = None) -> Dependency:
        """Put the kept values back when the page loads, except when `unless(request)` says the page's address
        describes a view of its own (a shared link wins over what this browser kept); return that event, for what
        follows from the values put back."""

        def restore(kept: dict | None, request: gr.Request):
            if unless is not None and unless(request):
                return [gr.skip()] * len(self.fields)
            return self.restored(kept)

        return demo.load(restore, self.state, self.fields, api_name=False, show_progress="hidden")
