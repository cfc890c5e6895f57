"""Models of other tasks, run through `transformers.pipeline` (chapter 1 of the Hugging Face course).

transformers 5 removed the `question-answering`, `summarization` and `translation` pipelines and points to
`text-generation` with a chat model instead; those three tasks are run that way here: the inputs become one
instruction, sent as a chat message when the model has a chat template and as a plain prompt otherwise. An
extractive question-answering model (`...ForQuestionAnswering`, the studio's own included) has no pipeline left in
transformers 5, so it is refused here with a pointer to the Try tab's own view.

The studio's models of the other heads run through the pipeline their head has, called as `pipeline_arguments`
says: multi-label with `function_to_apply="sigmoid"` and regression with `"none"` (what transformers also picks by
itself from the saved `problem_type`), every label's score (`top_k=None`); token classification with
`aggregation_strategy="first"` when the model learnt the first sub-word of each word only (the studio's default:
the others never had a label, so "simple" could cut a word in two), "simple" otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from engine.common.errors import StudioError
from engine.common.settings import remote_code_allowed
from engine.inference.model_task import saved_setup
from engine.models.loading import MODEL_FILE_ERRORS, MODEL_LOADING, bundled_corpus, refused_files, resolve_model
from engine.models.refs import parse_model_ref

if TYPE_CHECKING:  # hints only: transformers' pipelines import torch, seconds the web server saves at start
    from transformers import Pipeline

# Task -> the form fields it needs (the first is the main text).
TASKS: dict[str, tuple[str, ...]] = {
    "text-classification": ("text", "text_pair"),
    "zero-shot-classification": ("text", "candidate_labels"),
    "fill-mask": ("text",),
    "token-classification": ("text",),
    "text-generation": ("text",),
    "question-answering": ("context", "question"),
    "summarization": ("text",),
    "translation": ("text", "target_language"),
}
# Run as instructions to a chat (or plain causal) model: their dedicated pipelines are gone from transformers 5.
INSTRUCTION_TASKS = ("question-answering", "summarization", "translation")
# Architecture name endings -> the task a model of that architecture does.
_ARCHITECTURE_TASKS = (
    ("ForSequenceClassification", "text-classification"),
    ("ForMaskedLM", "fill-mask"),
    ("ForTokenClassification", "token-classification"),
    ("ForCausalLM", "text-generation"),
    ("LMHeadModel", "text-generation"),
)
MAX_NEW_TOKENS = 64
PAIR_INPUT = '{"text": text, "text_pair": text_pair}'  # how a text-classification pipeline takes a pair
# The score a text-classification head's outputs become, by the config's problem type, as transformers decides it.
FUNCTIONS = {"multi_label_classification": "sigmoid", "regression": "none", "single_label_classification": "softmax"}
# The same for the studio's tasks whose head is a sequence classifier, by the task's name.
STUDIO_FUNCTIONS = {"text-classification": "softmax", "multi-label-classification": "sigmoid", "regression": "none"}


@dataclass(frozen=True)
class TaskRequest:
    """One pipeline call: the task, the model reference and the form's values."""

    task: str
    model: str
    inputs: dict[str, str] = field(default_factory=dict)
    max_new_tokens: int = MAX_NEW_TOKENS

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise StudioError(f"unknown task {self.task!r}; tasks are {', '.join(TASKS)}")
        main = TASKS[self.task][0]
        if not (self.inputs.get(main) or "").strip():
            raise StudioError(f"{self.task} needs a {main.replace('_', ' ')}")
        if self.task == "zero-shot-classification" and not candidate_labels(self.inputs.get("candidate_labels")):
            raise StudioError("zero-shot classification needs candidate labels, separated by commas")
        if self.task == "question-answering" and not (self.inputs.get("question") or "").strip():
            raise StudioError("question answering needs a question")
        if self.task == "translation" and not (self.inputs.get("target_language") or "").strip():
            raise StudioError("translation needs a target language")
        if not 1 <= self.max_new_tokens <= 1024:
            raise StudioError(f"max new tokens must be between 1 and 1024, not {self.max_new_tokens}")


def candidate_labels(text: str | None) -> list[str]:
    """'sport, politics , tech' -> ['sport', 'politics', 'tech']."""
    return [label.strip() for label in (text or "").split(",") if label.strip()]


def suggest_task(reference: str) -> str | None:
    """The task a model was built for, from its config's architectures (None when unknown)."""
    config = _config(reference, _path(reference))
    for architecture in config.architectures or ():
        for ending, task in _ARCHITECTURE_TASKS:
            if architecture.endswith(ending):
                labels = {str(name).lower() for name in (config.id2label or {}).values()}
                return "zero-shot-classification" if task == "text-classification" and "entailment" in labels else task
    return None


def _path(reference: str) -> str:
    return resolve_model(parse_model_ref(reference), bundled_corpus)


def _config(reference: str, path: str):
    from transformers import AutoConfig

    try:
        return AutoConfig.from_pretrained(path, trust_remote_code=remote_code_allowed())
    except MODEL_FILE_ERRORS as error:
        raise StudioError(f"cannot read the config of {reference!r}: {error}") from error


def classification_function(config) -> str:
    """`sigmoid`, `none` or `softmax`: what a sequence-classification head's logits become, from its config, by the
    rule `TextClassificationPipeline` applies when it is not told (regression -> none; multi-label or a single
    output -> sigmoid; otherwise softmax)."""
    if config.problem_type in FUNCTIONS:
        return FUNCTIONS[config.problem_type]
    return "sigmoid" if config.num_labels == 1 else "softmax"


def pipeline_arguments(task: str, config, setup: dict | None = None) -> dict:
    """The keyword arguments of the pipeline call that reads a model of `task` as it was trained.

    Args:
        task: a key of `TASKS`.
        config: the model's `PretrainedConfig`.
        setup: the studio's saved setup (`task.json`), None for a model made elsewhere.
    """
    if task == "text-classification":
        return {"top_k": None, "function_to_apply": classification_function(config)}
    if task == "token-classification":
        first_only = setup is not None and not (setup.get("options") or {}).get("label_all_subwords", False)
        return {"aggregation_strategy": "first" if first_only else "simple"}
    return {}


def studio_pipeline_call(setup: dict) -> str | None:
    """The pipeline call for a model the studio trained, from its saved setup alone (no model is read); None for
    extractive question answering, which has no pipeline in transformers 5."""
    task = setup.get("task")
    if task in STUDIO_FUNCTIONS:
        arguments = {"top_k": None, "function_to_apply": STUDIO_FUNCTIONS[task]}
        pair = "text_pair" in (setup.get("columns") or {})
        return pipeline_call("text-classification", arguments, PAIR_INPUT if pair else "text")
    if task == "token-classification":
        return pipeline_call(task, pipeline_arguments(task, None, setup))
    return None


def pipeline_call(task: str, arguments: dict, inputs: str = "text") -> str:
    """The Python a user runs for the same result: `pipeline("text-classification", model=folder)(text, ...)`."""
    keywords = "".join(f", {name}={value!r}" for name, value in arguments.items())
    return f'pipeline("{task}", model=folder)({inputs}{keywords})'


@lru_cache(maxsize=2)  # bounded: pipelines hold whole models
def _pipeline(task: str, path: str) -> Pipeline:
    import torch
    from transformers import pipeline

    device = 0 if torch.cuda.is_available() else -1
    # Remote code stays off unless the operator opts in: a model repository could run its own Python here.
    # Safetensors only (folders are checked up front by parse_model_ref; a Hub id is held to it here): a pickled
    # .bin would otherwise reach torch.load, guarded only by its weights_only default.
    return pipeline(
        task,
        model=path,
        tokenizer=path,
        device=device,
        trust_remote_code=remote_code_allowed(),
        model_kwargs={"use_safetensors": True},
    )


def instruction(task: str, inputs: dict[str, str]) -> str:
    """The instruction a chat model gets for a task whose own pipeline transformers 5 removed."""
    if task == "question-answering":
        return (
            "Answer the question using only the context.\n\n"
            f"Context: {inputs['context'].strip()}\n\nQuestion: {inputs['question'].strip()}"
        )
    if task == "summarization":
        return f"Summarize the following text in a few sentences.\n\n{inputs['text'].strip()}"
    return f"Translate the following text into {inputs['target_language'].strip()}.\n\n{inputs['text'].strip()}"


def run_task(request: TaskRequest) -> list | dict:
    """Run the request's pipeline and return its output (plain lists and dicts, ready for JSON).

    Raises:
        StudioError: the model cannot run the task (wrong architecture, no mask token in a fill-mask text...).
    """
    path = _path(request.model)
    setup = saved_setup(request.model)
    config = _config(request.model, path)
    if request.task in INSTRUCTION_TASKS and any(
        name.endswith("ForQuestionAnswering") for name in config.architectures or ()
    ):
        raise StudioError(
            f"{request.model!r} is an extractive question-answering model: transformers 5 has no question-answering "
            "pipeline for it (the Try tab's Predict view answers with it, when the studio trained it)"
        )
    arguments = pipeline_arguments(request.task, config, setup)
    pipeline_task = "text-generation" if request.task in INSTRUCTION_TASKS else request.task
    try:
        with MODEL_LOADING:
            runner = _pipeline(pipeline_task, path)
    except Exception as error:
        if not refused_files(error):
            raise
        raise StudioError(f"{request.model!r} cannot run {request.task}: {error}") from error
    inputs = request.inputs
    try:
        if request.task == "text-classification":
            pair = (inputs.get("text_pair") or "").strip()
            scores = runner({"text": inputs["text"], "text_pair": pair} if pair else inputs["text"], **arguments)
            return _original_scale(scores, setup)
        if request.task == "zero-shot-classification":
            return runner(inputs["text"], candidate_labels=candidate_labels(inputs["candidate_labels"]))
        if request.task == "fill-mask":
            mask = runner.tokenizer.mask_token
            if not mask or mask not in inputs["text"]:
                raise StudioError(f"put the mask token {mask} where the model should fill in a word")
            return runner(inputs["text"])
        if request.task == "token-classification":
            return _plain(runner(inputs["text"], **arguments))
        prompt = inputs["text"] if request.task == "text-generation" else instruction(request.task, inputs)
        if request.task in INSTRUCTION_TASKS and runner.tokenizer.chat_template:
            prompt = [{"role": "user", "content": prompt}]
        return _plain(runner(prompt, max_new_tokens=request.max_new_tokens, return_full_text=False))
    except (RuntimeError, IndexError) as error:  # e.g. a text longer than the model's positions
        raise StudioError(f"{request.task} failed on this input: {error}") from error


def _original_scale(scores: list[dict], setup: dict | None) -> list[dict]:
    """A studio regression model trained on standardised targets outputs them standardised: mapped back here with
    the mean and standard deviation of its `task.json`, as the studio's own predictions are."""
    options = (setup or {}).get("options") or {}
    if (setup or {}).get("task") != "regression" or not options.get("standardize"):
        return scores
    return [{**item, "score": item["score"] * options["std"] + options["mean"]} for item in scores]


def _plain(value):
    """numpy scalars (token-classification scores) -> Python numbers, so the result serialises."""
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value.item() if hasattr(value, "item") else value
