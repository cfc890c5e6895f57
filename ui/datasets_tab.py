"""Datasets tab: load a source, see its splits, features, label names and first rows."""

import shutil
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import pandas as pd
from datasets import ClassLabel

from engine.data import TABULAR_FORMATS, load_raw, sample_sources, summarize
from engine.paths import uploads_dir
from ui.errors import shows_errors

EXPLANATION = """\
A dataset has **splits**: the model learns from *train*, and *validation* tells you how well it does on rows it has
never seen, so you can compare runs honestly. The **label** column holds the class to predict; its names become the
model's `id2label`. Load a bundled sample, upload a file (CSV, TSV, JSON, JSONL, Parquet) or type a Hub dataset id."""

PREVIEW_ROWS = 20


@dataclass
class DatasetsTab:
    source: gr.Dropdown
    loaded_source: gr.State


def _summary_markdown(summary) -> str:
    splits = ", ".join(f"**{name}** {rows:,} rows" for name, rows in summary.splits.items())
    labels = ", ".join(f"`{name}`" for name in summary.label_names) or "no `label` column"
    notes = "".join(f"\n\n> {note}" for note in summary.notes)
    return f"### `{summary.source}`\nSplits: {splits}\n\nLabels: {labels}{notes}"


def _preview(source: str, config: str | None, split: str) -> pd.DataFrame:
    splits = load_raw(source, config or None)
    if split not in splits:
        raise ValueError(f"no split {split!r}; splits are {', '.join(splits)}")
    rows = splits[split].select(range(min(PREVIEW_ROWS, len(splits[split]))))
    frame = rows.to_pandas()
    for name, feature in rows.features.items():
        if isinstance(feature, ClassLabel):  # show names, not ids
            frame[name] = [feature.int2str(v) if v >= 0 else "(none)" for v in frame[name]]
    return frame


@shows_errors
def load_dataset_view(source: str, config: str):
    """Load a source and return its summary, features, split choices and first rows."""
    summary, _ = summarize(source or "", config or None)
    features = pd.DataFrame({"column": list(summary.features), "type": list(summary.features.values())})
    first = next(iter(summary.splits))
    return (
        _summary_markdown(summary),
        features,
        gr.update(choices=list(summary.splits), value=first),
        _preview(summary.source, summary.config, first),
        summary.source,
    )


@shows_errors
def preview_split(source: str, config: str, split: str) -> pd.DataFrame:
    """Return the first rows of one split."""
    if not source or not split:
        return pd.DataFrame()
    return _preview(source, config or None, split)


@shows_errors
def keep_upload(path: str | None) -> str:
    """Copy an uploaded file into the data directory (uploads are temporary) and return it as a source."""
    if not path:
        raise ValueError("no file uploaded")
    upload = Path(path)
    if upload.suffix.lower() not in TABULAR_FORMATS:
        raise ValueError(f"{upload.name}: unsupported file type; use one of {', '.join(TABULAR_FORMATS)}")
    kept = uploads_dir() / upload.name
    shutil.copyfile(upload, kept)
    return str(kept)


def build() -> DatasetsTab:
    gr.Markdown(EXPLANATION)
    with gr.Row():
        source = gr.Dropdown(
            choices=sample_sources(),
            value="sample:sentiment",
            allow_custom_value=True,
            label="Dataset",
            info="sample:<name>, a file or folder path on the server, or a Hub dataset id",
            scale=3,
        )
        config = gr.Textbox(label="Hub config", info="e.g. mrpc for glue", scale=1)
        load = gr.Button("Load", variant="primary", scale=0)
    upload = gr.File(label="…or upload a file", file_types=list(TABULAR_FORMATS), type="filepath", height=140)
    summary = gr.Markdown()
    with gr.Row():
        features = gr.Dataframe(label="Features", interactive=False, scale=1)
        with gr.Column(scale=3):
            # Custom values let a script preview a split by name; unknown names get a clear error.
            split = gr.Dropdown(label="Split", choices=[], interactive=True, allow_custom_value=True)
            rows = gr.Dataframe(label=f"First {PREVIEW_ROWS} rows", interactive=False, wrap=True)
    loaded_source = gr.State("")

    outputs = [summary, features, split, rows, loaded_source]
    load.click(load_dataset_view, [source, config], outputs, api_name="load_dataset")
    upload.upload(keep_upload, upload, source, api_name="upload_dataset").success(
        load_dataset_view, [source, config], outputs, api_name=False
    )
    split.input(preview_split, [source, config, split], rows, api_name="preview_split")
    return DatasetsTab(source=source, loaded_source=loaded_source)
