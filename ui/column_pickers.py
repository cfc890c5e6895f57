"""Column and split pickers that know the dataset: dropdowns of its columns with each role's likely column chosen.

A form asks for columns by role ("role -> column", `engine.datasets.columns`): the pickers are laid out and filled
from that mapping by one function, so a form that asks for other roles (a task with several labels, a score) lists
them instead of adding boxes with their own logic.
"""

from dataclasses import dataclass

import gradio as gr

from engine.common.errors import USER_ERRORS
from engine.datasets.columns import LABEL, TEXT, TEXT_PAIR, DatasetLayout, dataset_layout
from engine.training.task_settings import TASK_ROLES

ROLE_LABELS = {
    TEXT: "Text column",
    TEXT_PAIR: "Second text column (pairs)",
    LABEL: "Label column",
    "labels": "Labels column",
    "tokens": "Words column",
    "tags": "Tags column",
    "question": "Question column",
    "context": "Context column",
    "answers": "Answers column",
    "id": "Id column (optional)",
}
OPTIONAL_ROLES = (TEXT_PAIR, "id")  # may be left empty: a single text, a row without an id
NONE_CHOICE = ("(none)", "")


@dataclass
class ColumnPickers:
    """The dropdowns of one form: one per role, in the order asked, and the split when the form reads one."""

    roles: tuple[str, ...]
    columns: dict[str, gr.Dropdown]
    split: gr.Dropdown | None
    note: gr.Markdown

    @property
    def components(self) -> list[gr.components.Component]:
        """What a fill updates, in order: the split (if any), each role's dropdown, then the note."""
        return [*([self.split] if self.split else []), *self.columns.values(), self.note]

    def wire(self, dataset: gr.components.Component, config: gr.components.Component) -> None:
        """Fill the pickers whenever the dataset (or its Hub config) changes, keeping picks the new one also has."""
        inputs = [dataset, config, *self.components[:-1]]
        fill = fill_for(self.roles, with_split=self.split is not None)
        dataset.change(fill, inputs, self.components, api_name=False, show_progress="hidden")
        config.blur(fill, inputs, self.components, api_name=False, show_progress="hidden")


def column_pickers(
    roles: tuple[str, ...],
    layout: DatasetLayout | None,
    with_split: bool = False,
    preferred: dict[str, str | None] | None = None,
    shown: tuple[str, ...] | None = None,
) -> ColumnPickers:
    """Lay out a split dropdown (optional) and one column dropdown per role, filled from `layout` (None: empty, to
    be filled when a dataset is chosen) with the `preferred` columns where the dataset has them, else the guesses.
    Typed names are accepted too, for a dataset the server cannot open yet. `shown`: the roles visible at first
    (all when None; a form of several tasks shows its task's)."""
    preferred = preferred or {}
    with gr.Row():
        split = None
        if with_split:
            split = gr.Dropdown(
                **_split_choice(layout, None), label="Split", allow_custom_value=True, info="test, else validation"
            )
        columns = {
            role: gr.Dropdown(
                **_column_choice(layout, role, None, preferred.get(role)),
                label=ROLE_LABELS[role],
                allow_custom_value=True,
                visible=shown is None or role in shown,
            )
            for role in roles
        }
    note = gr.Markdown(_note(layout, roles))
    return ColumnPickers(roles=roles, columns=columns, split=split, note=note)


def _column_choice(layout: DatasetLayout | None, role: str, current: str | None, preferred: str | None = None) -> dict:
    columns = layout.columns if layout else []
    choices = [*([NONE_CHOICE] if role in OPTIONAL_ROLES else []), *[(c, c) for c in columns]]
    for pick in (preferred, current):
        if pick and pick in columns:
            return {"choices": choices, "value": pick}
    guessed = (layout.roles.get(role) or _by_task_defaults(role, columns)) if layout else None
    return {"choices": choices, "value": guessed or ""}


def _by_task_defaults(role: str, columns: list[str]) -> str | None:
    """The first column named as any task names this role on the Hub (`score` for a regression target, `ner_tags`
    for tags); a second text or an id is never guessed but by name."""
    names = dict.fromkeys(
        name for specs in TASK_ROLES.values() for spec in specs if spec.role == role for name in spec.defaults
    )
    return next((name for name in names if name in columns), None)


def _split_choice(layout: DatasetLayout | None, current: str | None) -> dict:
    splits = layout.splits if layout else []
    value = current if current in splits else (layout.held_out_split if layout else "")
    return {"choices": splits, "value": value}


def _note(layout: DatasetLayout | None, roles: tuple[str, ...], problem: str | None = None) -> str:
    """One line: why the columns are not listed, or which of this form's guesses to check."""
    if problem:
        return f"Columns not listed: {problem}. Type the column names, or load the dataset in the Datasets tab."
    unsure = [layout.notes[role] for role in roles if layout and role in layout.notes]
    return "Check the columns: " + "; ".join(unsure) + "." if unsure else ""


def layout_of(source: str | None, config: str | None) -> tuple[DatasetLayout | None, str | None]:
    """The dataset's layout, or None and the one-line reason it cannot be read (never an error popup: a source may
    be half typed)."""
    if not (source or "").strip():
        return None, "choose a dataset"
    try:
        return dataset_layout(source, config), None
    except USER_ERRORS as error:
        return None, str(error)


def filled(
    roles: tuple[str, ...],
    layout: DatasetLayout | None,
    problem: str | None,
    current: dict[str, str | None],
    split: str | None = None,
    with_split: bool = False,
    preferred: dict[str, str | None] | None = None,
    preferred_split: str | None = None,
) -> list:
    """The updates of a form's pickers for `layout`: the preferred pick (a model's own columns), else the current
    one when the dataset has it, else the guess for its role."""
    preferred = preferred or {}
    updates = []
    if with_split:
        updates.append(gr.update(**_split_choice(layout, preferred_split or split)))
    for role in roles:
        if layout is None:  # keep what was typed: the user may know better than a dataset we cannot open
            updates.append(gr.update(choices=[], value=preferred.get(role) or current.get(role) or ""))
        else:
            updates.append(gr.update(**_column_choice(layout, role, current.get(role), preferred.get(role))))
    updates.append(_note(layout, roles, problem))
    return updates


def fill_for(roles: tuple[str, ...], with_split: bool):
    """A listener `(dataset, config, [split], *columns) -> updates` for these pickers."""

    def fill(source: str | None, config: str | None, *values: str | None):
        split, columns = (values[0], values[1:]) if with_split else (None, values)
        layout, problem = layout_of(source, config)
        return filled(roles, layout, problem, dict(zip(roles, columns, strict=True)), split, with_split)

    return fill
