"""A run as a folder that trains it again anywhere, with no Finetune Studio: `config.yaml`, a standalone `train.py`
(the course's `Trainer` recipe of the run's task, one of `assets/export/`, with the run's settings written in), the
pinned `requirements.txt` and a `README.md` with the commands. Also as a zip to download, and as the script alone.

What exists only here travels in the folder: a bundled sample's files, a scratch model (built from this dataset's
text, on this machine) and a job's model. A file, folder or Hub id is named as it is, with a note when it is local.
"""

import importlib.util
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from types import ModuleType

from datasets.data_files import DataFilesDict, get_data_patterns

from engine.common.access import local_path
from engine.common.errors import StudioError
from engine.common.paths import ASSETS_DIR, REPO_ROOT, SAMPLES_DIR, downloads_dir
from engine.datasets.sources import SAMPLE_PREFIX, TABULAR_FORMATS, is_saved_dataset, load_raw
from engine.jobs.store import Job, JobStore
from engine.models.loading import resolve_model
from engine.models.refs import JOB, LOCAL, SCRATCH, job_model_dir, parse_model_ref
from engine.training.config import TrainConfig
from engine.training.config_file import write_config
from engine.training.data import TrainingData, prepare_training_data

RECIPES_DIR = ASSETS_DIR / "export"
SETTINGS_LINE = "SETTINGS = {}  # filled in by the export\n"
# What `train.py` imports (numpy, torch, transformers, datasets) and what runs it (`accelerate launch`; `Trainer`
# needs it too), at this project's pins: the versions the run was trained with.
_HIDDEN = shutil.ignore_patterns(".*")  # the cache's completeness marker, nothing a model needs
REQUIREMENTS = ("torch", "transformers", "datasets", "accelerate", "numpy")

# The course's recipe of each task (assets/export/), exported as `train.py` with the run's settings written in.
RECIPES = {
    "text-classification": "train.py",
    "token-classification": "train_token_classification.py",
    "regression": "train_regression.py",
    "multi-label-classification": "train_multi_label.py",
    "question-answering": "train_question_answering.py",
}


@dataclass(frozen=True)
class ExportedRun:
    """The folder written, its files, the dataset's fingerprint and what could not travel in it."""

    folder: Path
    files: tuple[str, ...]
    dataset_fingerprint: str
    notes: tuple[str, ...]


@dataclass(frozen=True)
class _Part:
    """Where `train.py` finds the dataset or model (a path relative to the folder, or a reference), a note, and
    what is copied into the folder to be there: files by their path in it, or a whole folder (made when needed: a
    scratch model is built on first use)."""

    where: object
    note: str | None = None
    files: tuple[tuple[Path, str], ...] = ()
    tree: tuple[Callable[[], Path], str] | None = None

    def copy_into(self, folder: Path) -> None:
        for source, relative in self.files:
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / relative)
        if self.tree is not None:
            source, relative = self.tree
            shutil.copytree(source(), folder / relative, ignore=_HIDDEN)


@dataclass(frozen=True)
class _Plan:
    """An export worked out, nothing written yet: the settings, the script, and the parts to copy."""

    run: Job | TrainConfig
    config: TrainConfig
    resolved: TrainConfig
    fingerprint: str
    script: str
    parts: tuple[_Part, ...]

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(part.note for part in self.parts if part.note)


def export_run(run: Job | TrainConfig, out_dir: Path | str) -> ExportedRun:
    """Write `run` (a job, or the settings of a run) as a standalone folder in `out_dir`.

    Args:
        run: a job (its stored settings, trained from the start) or a `TrainConfig`.
        out_dir: a new or empty folder.

    Raises:
        StudioError: `out_dir` is a file or a folder with files in it; a job whose settings cannot be read; a task
            with no standalone recipe; the dataset or model cannot be loaded (as a training run would report it).
    """
    folder = Path(out_dir).expanduser()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise StudioError(f"{folder} already holds files; export into a new or empty folder")
    plan = _plan(run)  # before the folder is made: a dataset that fails leaves nothing behind
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return _write_folder(plan, folder)
    except BaseException:
        for path in folder.iterdir():  # a half-written export must not pass for one
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        raise


def reproducing_script(run: Job | TrainConfig) -> str:
    """The standalone `train.py` an export of `run` writes (its settings filled in), without writing anything.

    Raises:
        StudioError: as `export_run` does.
    """
    return _plan(run).script


def export_zip(job_id: int, store: JobStore | None = None) -> Path:
    """Export the job into a zip in the downloads folder (a folder `job-<id>` inside it); return the zip's path.

    Each call makes a zip of its own name: two users exporting the same job never overwrite each other's download.

    Raises:
        NotFoundError: no such job; StudioError: as `export_run` does.
    """
    job = (store or JobStore()).get(job_id)
    staging = Path(tempfile.mkdtemp(dir=downloads_dir(), prefix=f".job-{job_id}-export-"))
    try:
        export_run(job, staging / f"job-{job_id}")
        target = downloads_dir() / f"job-{job_id}-run-{uuid.uuid4().hex[:8]}"
        return Path(shutil.make_archive(str(target), "zip", root_dir=staging, base_dir=f"job-{job_id}"))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _plan(run: Job | TrainConfig) -> _Plan:
    config = _config_of(run)
    resolved = config.with_defaults()
    data = prepare_training_data(resolved)
    if data.task.name not in RECIPES:
        raise StudioError(
            f"a {data.task.name} run cannot be exported as a standalone train.py yet (tasks exported: "
            f"{', '.join(RECIPES)}); reproduce it with the `python -m engine train` command in the job details"
        )
    dataset = _dataset_part(resolved)
    model = _model_part(resolved, data.train_texts)
    own = _task_settings(resolved, data)
    used = [column for name, column in own.items() if name.endswith("_column") and column]
    used += own.get("label_columns", [])
    recipe = _recipe(data.task.name)
    fingerprint = recipe.fingerprint(load_raw(resolved.dataset, resolved.dataset_config), used)
    settings = resolved.to_dict() | own | {"model": model.where, "data": dataset.where}
    settings["dataset_fingerprint"] = fingerprint
    del settings["resume_from_checkpoint"]
    script = _script(recipe.__file__, settings)
    return _Plan(run, config, resolved, fingerprint, script, (dataset, model))


def _write_folder(plan: _Plan, folder: Path) -> ExportedRun:
    for part in plan.parts:
        part.copy_into(folder)
    write_config(plan.config, folder / "config.yaml")
    (folder / "train.py").write_text(plan.script, encoding="utf-8")
    (folder / "requirements.txt").write_text(_requirements(), encoding="utf-8")
    readme = _readme(plan.run, plan.resolved, plan.fingerprint, plan.notes)
    (folder / "README.md").write_text(readme, encoding="utf-8")
    files = tuple(sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()))
    return ExportedRun(folder=folder, files=files, dataset_fingerprint=plan.fingerprint, notes=plan.notes)


def _task_settings(config: TrainConfig, data: TrainingData) -> dict:
    """The settings the task's recipe reads beside the run's: its columns (`*_column`, then `label_columns`,
    fingerprinted in this order)
    and what the studio read from the train split (the label order, the tagging scheme), so that the script trains
    the same head on the same ids."""
    from engine.training.recipe import best_model_metric  # here: it imports torch, which the web server defers

    columns, setup, task = data.setup.columns, data.setup, data.task.name
    texts = {"text_column": columns.get("text"), "text_pair_column": columns.get("text_pair")}
    if task == "text-classification":
        return texts | {"label_column": columns["label"]}
    metric, greater_is_better = best_model_metric(config, data.task)
    watched = {"metric_for_best_model": metric, "greater_is_better": greater_is_better}
    if task == "token-classification":
        return {
            "tokens_column": columns["tokens"],
            "tags_column": columns["tags"],
            "labels": list(setup.labels),
            "scheme": setup.option("scheme"),
            "label_all_subwords": bool(setup.option("label_all_subwords")),
        } | watched
    if task == "question-answering":
        from engine.tasks.base import Tokenization

        return {
            "question_column": columns["question"],
            "context_column": columns["context"],
            "answers_column": columns["answers"],
            "id_column": columns.get("id"),
            "stride": Tokenization(max_length=config.max_length).window_stride,  # the run's windows share this many
            "n_best": setup.option("n_best"),
            "max_answer_length": setup.option("max_answer_length"),
        } | watched
    if task == "multi-label-classification":
        layout = setup.option("layout")
        return (
            texts
            | {
                "labels_column": columns.get("labels"),
                "label_columns": list(setup.labels) if layout == "columns" else [],  # one 0/1 column per label
                "labels": list(setup.labels),
                "layout": layout,
                "delimiter": setup.option("delimiter"),
                "threshold": setup.option("threshold"),
            }
            | watched
        )
    # regression: the target, and the scale the model learns it on (standardised or as it is)
    scale = {"mean": setup.option("mean", 0.0), "std": setup.option("std", 1.0)}
    return texts | {"label_column": columns["label"]} | scale | watched


def export_job(job_id: int, out_dir: Path | str, store: JobStore | None = None) -> ExportedRun:
    """Export the job with this id (see `export_run`).

    Raises:
        NotFoundError: no such job.
    """
    return export_run((store or JobStore()).get(job_id), out_dir)


def _config_of(run: Job | TrainConfig) -> TrainConfig:
    if isinstance(run, TrainConfig):
        return replace(run, resume_from_checkpoint=None)
    try:
        return replace(TrainConfig.from_dict(run.config), resume_from_checkpoint=None)
    except (StudioError, TypeError) as error:
        raise StudioError(f"job {run.id}'s settings cannot be read ({error}); it cannot be exported") from error


def _dataset_part(config: TrainConfig) -> _Part:
    """The bundled sample's files copied into `data/`; a local file, folder or Hub id named where it is."""
    if config.dataset.startswith(SAMPLE_PREFIX):
        sample = SAMPLES_DIR / config.dataset.removeprefix(SAMPLE_PREFIX)
        files = _split_files(sample)
        relative = {split: [f"data/{Path(path).name}" for path in paths] for split, paths in files.items()}
        copies = tuple((Path(path), f"data/{Path(path).name}") for paths in files.values() for path in paths)
        return _Part(_files_reference(relative), files=copies)
    path = local_path(config.dataset)
    if path is None or not path.exists():
        return _Part({"hub": config.dataset, "config": config.dataset_config})
    note = f"The dataset is {'a folder' if path.is_dir() else 'a file'} on this machine ({path}): copy it with " + (
        "this folder, and change SETTINGS['data'] in train.py to where it lands."
    )
    if path.is_dir() and is_saved_dataset(path):
        return _Part({"saved": str(path.resolve())}, note)
    files = _split_files(path) if path.is_dir() else {"train": [str(path.resolve())]}
    return _Part(_files_reference(files), note)


def _split_files(folder: Path) -> dict[str, list[str]]:
    """The data files of a folder by split, found by file name as `datasets` does (`train.csv`, `dev.jsonl`...)."""
    resolved = DataFilesDict.from_patterns(get_data_patterns(str(folder)), base_path=str(folder))
    files = {
        str(split): sorted(p for p in paths if Path(p).suffix.lower() in TABULAR_FORMATS)
        for split, paths in resolved.items()
    }
    return {split: paths for split, paths in files.items() if paths}


def _files_reference(files: dict[str, list[str]]) -> dict:
    suffix = Path(next(iter(files.values()))[0]).suffix.lower()
    builder, options = TABULAR_FORMATS[suffix]
    return {"builder": builder, "files": files, "options": options}


def _model_part(config: TrainConfig, texts) -> _Part:
    """A scratch or job model copied into `model/`; a Hub id as it is; a local folder named where it is."""
    ref = parse_model_ref(config.model)
    if ref.kind == SCRATCH:
        # Built from this dataset's text and the seed: the same folder the run trained from.
        return _Part("model", tree=(lambda: resolve_model(ref, texts, config.seed), "model"))
    if ref.kind == JOB:
        note = f"{config.model} is a model trained on this server and exists nowhere else: its folder is in model/."
        return _Part("model", note, tree=(lambda: job_model_dir(int(ref.name)), "model"))
    if ref.kind == LOCAL:
        note = f"The model is a folder on this machine ({ref.name}): copy it and change SETTINGS['model'] in train.py."
        return _Part(ref.name, note)
    return _Part(ref.name)  # a Hub id: downloaded where it runs


@cache
def _recipe(task: str) -> ModuleType:
    """The task's recipe (`assets/export/...`) as a module: the export fingerprints the dataset with the very
    function the script checks it with."""
    path = RECIPES_DIR / RECIPES[task]
    spec = importlib.util.spec_from_file_location(f"finetune_studio_export_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _script(template: str, settings: dict) -> str:
    recipe = Path(template).read_text(encoding="utf-8")
    if recipe.count(SETTINGS_LINE) != 1:
        raise RuntimeError(f"{template} must hold the line {SETTINGS_LINE.strip()!r} once")
    lines = "".join(f"    {name!r}: {value!r},\n" for name, value in settings.items())
    written = f"SETTINGS = {{\n{lines}}}\n"
    return recipe.replace(SETTINGS_LINE, written)


def _requirements() -> str:
    pins = {}
    for line in (REPO_ROOT / "requirements.txt").read_text().splitlines():
        found = re.match(r"^([A-Za-z0-9_.-]+)(\[[^]]*\])?==(\S+)", line.strip())
        if found:
            pins[found[1].lower()] = found[3]
    return "".join(f"{name}=={pins[name]}\n" for name in REQUIREMENTS)


def _readme(run: Job | TrainConfig, config: TrainConfig, fingerprint: str, notes: tuple[str, ...]) -> str:
    title = f"Job {run.id}" if isinstance(run, Job) else "A Finetune Studio run"
    title += f" ({config.name})" if config.name else ""
    scores = ""
    # Every task's own metrics (accuracy for a classifier, RMSE for a regressor, EM for QA...), the loss apart.
    measured = {name: value for name, value in (run.metrics if isinstance(run, Job) else {}).items() if name != "loss"}
    if measured:
        shown = ", ".join(f"{name} {value:.4f}" for name, value in measured.items() if isinstance(value, int | float))
        scores = f"\nOn this machine it scored {shown} on the validation split.\n"
    cautions = "".join(f"- {note}\n" for note in notes)
    cautions = f"\nBefore you run it elsewhere:\n\n{cautions}" if cautions else ""
    return f"""# {title}: {config.model} on {config.dataset}

Exported by Finetune Studio. `train.py` is the Hugging Face course's `Trainer` recipe with this run's settings
(`SETTINGS` at its top, the same as `config.yaml`); it needs only the packages in `requirements.txt`.
{scores}{cautions}
## Train

```bash
pip install -r requirements.txt && python train.py        # this machine: one GPU, or the CPU
accelerate config && accelerate launch train.py            # every GPU of this machine
accelerate launch --multi_gpu --num_processes 8 train.py   # 8 GPUs, without a saved config
accelerate launch --num_machines 2 --machine_rank 0 --main_process_ip HOST --main_process_port 29500 \\
  --num_processes 16 train.py                              # a cluster: run on each machine with its rank
```

The model and its `metrics.json` land in `run/model` (`python train.py --output-dir DIR` for another folder). The
same seed gives the same validation scores on the same hardware; other GPUs or precisions differ slightly.

## Dataset

`{config.dataset}`, fingerprint `{fingerprint}` (sha256 of the values of the columns it trains on, split by split).
`train.py` computes it again and warns when the data it loads differs.

## Back in Finetune Studio

```bash
python -m engine train --config config.yaml
```
"""
