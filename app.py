"""Finetune Studio: explore a dataset, see what the tokenizer returns, fine-tune in the background, try the model."""

import os

# No telemetry calls: the app must start and run without a network.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# Gradio's queue rebuilds its monitoring summary (a pandas DataFrame of up to the last 10,000 events) after every
# event by default, whether monitoring is on or not: 20-30% of the server's CPU under load (bench/README.md, "load"),
# and more as a long-running Space accumulates events. Once per 1,000 events keeps /monitoring meaningful.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000")

from engine.common.paths import data_dir  # noqa: E402

# Gradio keeps uploads and served files in its cache, by default /tmp/gradio: shared with every Gradio app on the
# host, and served to anyone with a file's URL. Ours lives in the data directory. Set before gradio is imported,
# which reads it once.
os.environ.setdefault("GRADIO_TEMP_DIR", str(data_dir() / "gradio-cache"))

import gradio as gr  # noqa: E402

from engine.common.access import login_check, set_requester_source  # noqa: E402
from engine.common.leftovers import clean_leftovers  # noqa: E402
from engine.common.settings import settings  # noqa: E402
from engine.common.uploads import max_upload_bytes  # noqa: E402
from ui import datasets_tab, overlays, owner, saved_form, tokenizer_tab, train_tab, try_tab  # noqa: E402

HEADER = """\
# Finetune Studio
The Hugging Face text workflow, step by step: **Datasets** → **Tokenizer** → **Train** → **Try**.
Works offline with the bundled samples and `scratch:` models; Hub ids work wherever the Hub is reachable."""

THEME = gr.themes.Soft()
CSS = "footer {display: none !important}"


def build_demo() -> gr.Blocks:
    """Build the four-tab app."""
    # Checks deep in the engine (whose upload a path is) ask who is behind the request being served.
    set_requester_source(owner.requester_of_current_request)
    with gr.Blocks(title="Finetune Studio", analytics_enabled=False) as demo:
        gr.Markdown(HEADER)
        if settings().hub_sign_in:  # on a Space where only signed-in users train: their Hugging Face account
            gr.LoginButton()
        # Whose jobs and uploads these are, across reloads (ui/owner.py): a key this browser keeps, made on load.
        owner_key = owner.owner_key_state()
        demo.load(owner.keep_or_make_key, owner_key, owner_key, api_name=False).then(
            None, owner_key, None, js=owner.SET_COOKIE_JS, api_name=False
        )
        # Forms kept in this browser across reloads (ui/saved_form.py): made outside the tabs, to be read on load.
        kept_datasets, kept_tokenizer = saved_form.browser_form("datasets"), saved_form.browser_form("tokenizer")
        kept_train = saved_form.browser_form("train")
        with gr.Tabs() as tabs:
            with gr.Tab("Datasets", id="datasets"):
                datasets = datasets_tab.build(owner_key, kept_datasets)
            with gr.Tab("Tokenizer", id="tokenizer"):
                tokenizer = tokenizer_tab.build(kept_tokenizer)
            with gr.Tab("Train", id="train"):
                train = train_tab.build(owner_key, kept_train)
            with gr.Tab("Try", id="try"):
                try_ = try_tab.build()
        # A dataset loaded in the first tab is the one to train on.
        datasets.loaded_source.change(lambda source: source, datasets.loaded_source, train.dataset, api_name=False)
        # The dataset shown last in this browser is open again after a reload (the Tokenizer's form comes back below).
        datasets.restore_on_load(demo)
        # Re-attach to the latest job whenever the page (re)loads: jobs live in the database, not in the page.
        demo.load(train.reattach, None, train.job, api_name=False)
        train.saved_form.restore_on_load(demo)  # the Train form as this browser left it
        try_.follow_model(demo)  # Evaluate and Compare on the chosen model's own dataset
        # A shared link (?tab=tokenizer&text=...) opens the Tokenizer tab on the view it describes.
        tokenizer.restore_from_url(demo, tabs)
        # Last: a failed event must never cover a field the user types in with its error overlay (ui/overlays.py).
        overlays.keep_inputs_clear(demo)
    return demo


def launch_options() -> dict:
    """What `launch()` takes from the settings: the login page's user/password pairs (`STUDIO_AUTH`), if any,
    checked with a back-off after repeated failures, and the upload size limit (`STUDIO_MAX_UPLOAD_MB`)."""
    pairs = settings().auth
    # Gradio refuses a bigger upload while it arrives, before storing it: the engine's own check then reads a size.
    return {
        "auth": login_check(pairs) if pairs else None,
        "theme": THEME,
        "css": CSS,
        "max_file_size": max_upload_bytes(),
    }


demo = build_demo()

if __name__ == "__main__":
    clean_leftovers()  # temporary files of writers killed before this start (stale ones only)
    # GRADIO_SERVER_NAME / GRADIO_SERVER_PORT are read by launch(); the default port is 7860.
    demo.queue(default_concurrency_limit=4).launch(**launch_options())
