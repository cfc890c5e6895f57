"""The Train tab's Sweep accordion: vary some settings of the run the form describes, and follow the sweep.

`build` lays the panel out where the Train tab calls it; `wire` connects it to the Train form's components once
the tab has made them (the sweep's base run is that form), and `wire_repeat` to the selected job's "Repeat with seeds".
**Compare these runs** is wired by the comparison panel (`ui.compare_panel.ComparePanel.compare_sweep`), made after
this one.
"""

from dataclasses import dataclass

import gradio as gr

from engine.experiments.sweep_spec import STRATEGIES, SWEEPABLE
from ui import sweep_actions as actions

EXPLANATION = f"""\
A sweep is a group of ordinary jobs that vary some settings of the run above: each trial is a job in the queue
(stop, resume and clone it like any other), and the sweep can be stopped as a whole. List the settings to vary, one
per line, with **values** (`learning_rate=1e-4,5e-4`) or a **range** (`learning_rate=1e-5:1e-3:log`, random and
TPE only): {", ".join(f"`{name}`" for name in SWEEPABLE)}. **grid** runs every combination, **random** draws the
trials, **tpe** asks Optuna for each trial's settings when it starts, learning from the trials before it.
**Seeds** repeats each combination with that many seeds, to see the spread that chance alone gives; to repeat one
finished run, select it under the form and press **Repeat with seeds**."""

POLL_SECONDS = 3.0


@dataclass
class SweepPanel:
    accordion: gr.Accordion
    vary: gr.Textbox
    strategy: gr.Radio
    trials: gr.Textbox
    seeds: gr.Number
    prune: gr.Radio
    name: gr.Textbox
    estimate: gr.Button
    start: gr.Button
    stop: gr.Button
    note: gr.Markdown
    sweep: gr.Dropdown
    summary: gr.Markdown
    trials_table: gr.Dataframe
    compare: gr.Button
    started: gr.JSON
    timer: gr.Timer

    def wire(self, train_inputs: list, owner_key: gr.BrowserState) -> None:
        """Connect the buttons; `train_inputs` are the Train form's components in `TRAIN_FORM` order."""
        inputs = [*train_inputs, self.vary, self.strategy, self.trials, self.seeds, self.prune, self.name]
        self.estimate.click(actions.estimate, inputs, self.note, api_name="estimate_sweep")
        self.start.click(
            actions.start,
            [*inputs, owner_key],
            [self.sweep, self.started],
            api_name="start_sweep",
            concurrency_id="training",
        )
        self.stop.click(actions.stop, [self.sweep, owner_key], self.note, api_name="stop_sweep")
        shown = [self.summary, self.trials_table]
        self.sweep.change(actions.show, self.sweep, shown, api_name=False, show_progress="hidden")
        self.sweep.focus(actions.sweep_choices, self.sweep, self.sweep, api_name=False)
        self.timer.tick(actions.show, self.sweep, shown, api_name=False, show_progress="hidden")
        gr.api(actions.sweep_status, api_name="sweep_status")

    def wire_repeat(self, button: gr.Button, job: gr.Dropdown, seeds: gr.Number, owner_key: gr.BrowserState) -> None:
        """`button` repeats the `job` picked with `seeds` seeds as a new sweep, and opens this panel on it."""
        # The button reads the Job dropdown, whose choices a script's session may not have: scripts call the
        # `/repeat_with_seeds` endpoint with a job id instead.
        button.click(
            actions.repeat,
            [job, seeds, owner_key],
            [self.accordion, self.sweep, self.note, self.started],
            api_name=False,
            concurrency_id="training",
        )
        gr.api(actions.repeat_run, api_name="repeat_with_seeds", concurrency_id="training")


def build() -> SweepPanel:
    """The Sweep accordion (closed until opened)."""
    with gr.Accordion("Sweep: vary settings over several runs", open=False) as accordion:
        gr.Markdown(EXPLANATION)
        with gr.Row():
            vary = gr.Textbox(
                label="Settings to vary",
                lines=3,
                placeholder="learning_rate=1e-4,5e-4\nseed=1,2",
                info="one per line: SETTING=V1,V2 or SETTING=LOW:HIGH[:log]",
                scale=3,
            )
            with gr.Column(scale=2):
                strategy = gr.Radio(list(STRATEGIES), value="grid", label="Strategy")
                prune = gr.Radio(
                    list(actions.PRUNE_CHOICES),
                    value="auto",
                    label="Prune weak trials",
                    info="stop a trial whose evaluations trail the median of earlier ones; auto: on for tpe",
                )
        with gr.Row():
            trials = gr.Textbox(label="Trials", value="", info="random and tpe: how many (1 to 100)")
            seeds = gr.Number(label="Seeds", value=1, precision=0, info="repeat each combination (1 to 10)")
            name = gr.Textbox(label="Sweep name (optional)", value="")
        with gr.Row():
            estimate = gr.Button("Estimate sweep", scale=1)
            start = gr.Button("Start sweep", variant="primary", scale=2)
            stop = gr.Button("Stop sweep", variant="stop", scale=1)
        note = gr.Markdown()
        sweep = gr.Dropdown(label="Sweep", choices=[], interactive=True)
        summary = gr.Markdown()
        trials_table = gr.Dataframe(label="Trials, best first", interactive=False)
        compare = gr.Button("Compare these runs")
        started = gr.JSON(visible=False)
        timer = gr.Timer(POLL_SECONDS)
    return SweepPanel(
        accordion,
        vary,
        strategy,
        trials,
        seeds,
        prune,
        name,
        estimate,
        start,
        stop,
        note,
        sweep,
        summary,
        trials_table,
        compare,
        started,
        timer,
    )
