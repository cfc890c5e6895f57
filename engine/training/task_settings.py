"""Each task's columns and options as a form and a config see them, without importing the tasks.

The tasks (`engine/tasks/`) import transformers, which costs the web server seconds at start; the Train form is laid
out at start. So what the form asks per task is here as plain data: the columns each task reads (a mirror of its
`roles`; tests/engine/training/test_task_options.py checks they agree) and the `TrainConfig` fields that are one
task's options, with the `TaskSetup.options` name each one reaches.
"""

from dataclasses import dataclass

TEXT_CLASSIFICATION = "text-classification"
MULTI_LABEL = "multi-label-classification"
REGRESSION = "regression"
TOKEN_CLASSIFICATION = "token-classification"
QUESTION_ANSWERING = "question-answering"


@dataclass(frozen=True)
class RoleSpec:
    """One column a task reads (as `engine.tasks.base.ColumnRole`): its role, the names tried when none is chosen,
    what it holds in the user's words, and whether it may stay empty."""

    role: str
    defaults: tuple[str, ...]
    description: str
    optional: bool = False


_TEXT = RoleSpec("text", ("text", "sentence", "sentence1", "question1"), "the text to read")
_PAIR = RoleSpec("text_pair", ("sentence2", "question2"), "the second text of a pair (optional)", optional=True)
TASK_ROLES: dict[str, tuple[RoleSpec, ...]] = {
    TEXT_CLASSIFICATION: (
        _TEXT,
        _PAIR,
        RoleSpec("label", ("label", "labels"), "one class per row: a name or an integer"),
    ),
    MULTI_LABEL: (
        _TEXT,
        _PAIR,
        RoleSpec(
            "labels",
            ("labels", "label", "tags", "topics"),
            "the labels of each row: a list, a delimited string, or 0/1 columns (label_columns)",
            optional=True,  # one 0/1 column per label needs none
        ),
    ),
    REGRESSION: (
        _TEXT,
        _PAIR,
        RoleSpec("label", ("label", "score", "target", "labels"), "a number per row (a score, a rating)"),
    ),
    TOKEN_CLASSIFICATION: (
        RoleSpec("tokens", ("tokens", "words"), "the words of each sentence, as a list"),
        RoleSpec("tags", ("ner_tags", "tags", "labels", "pos_tags"), "one tag per word, as a list"),
    ),
    QUESTION_ANSWERING: (
        RoleSpec("question", ("question",), "the question"),
        RoleSpec("context", ("context",), "the text that holds the answer"),
        RoleSpec("answers", ("answers",), "the answers: {'text': [...], 'answer_start': [...]}"),
        RoleSpec("id", ("id",), "a row id (optional)", optional=True),
    ),
}
# Every role any task reads, in the order a form lays them out.
ALL_ROLES: tuple[str, ...] = tuple(dict.fromkeys(spec.role for specs in TASK_ROLES.values() for spec in specs))

# `TrainConfig` field -> the `TaskSetup.options` name it reaches (the keyword the task's `setup` takes), per task.
# `stride` is not a setup option: it cuts question answering's windows (`engine.tasks.base.Tokenization`).
TASK_OPTIONS: dict[str, dict[str, str]] = {
    TEXT_CLASSIFICATION: {},
    MULTI_LABEL: {"threshold": "threshold", "tune_thresholds": "tune_thresholds", "delimiter": "delimiter"},
    REGRESSION: {"standardize": "standardize"},
    TOKEN_CLASSIFICATION: {"label_all_tokens": "label_all_subwords", "scheme": "scheme"},
    QUESTION_ANSWERING: {"stride": "stride", "max_answer_length": "max_answer_length", "n_best": "n_best"},
}
# The options' defaults as the config holds them: a value other than this is "set", and belongs to its task only.
OPTION_DEFAULTS: dict[str, object] = {
    "threshold": None,  # 0.5 (`engine.tasks.multi_label.DEFAULT_THRESHOLD`)
    "tune_thresholds": True,
    "delimiter": None,  # detected among ; and | (and ,)
    "standardize": False,
    "label_all_tokens": False,
    "scheme": None,  # detected from the train tags
    "stride": None,  # a quarter of max_length
    "max_answer_length": None,  # 30 tokens
    "n_best": None,  # 20 candidates
}
# What each option does, in the form's and the command line's words.
OPTION_HELP: dict[str, str] = {
    "threshold": "probability at or above which a label is predicted, for every label (default 0.5)",
    "tune_thresholds": "tune one threshold per label on the validation split and save them with the model",
    "delimiter": "what separates labels in a text column (sports;politics); detected among ; | , when empty",
    "standardize": "train on the target scaled to mean 0 and standard deviation 1; predictions are mapped back",
    "label_all_tokens": "every sub-word of a word learns its tag (B- becoming I-); off: only the first, the rest -100",
    "scheme": "tagging scheme for entity scores: IOB1, IOB2 or BIOES; detected from the tags when empty",
    "stride": "context tokens two consecutive windows share; default: a quarter of max length",
    "max_answer_length": "longest answer predicted, in tokens (default 30)",
    "n_best": "start and end candidates looked at per window (default 20)",
}
SCHEMES = ("IOB1", "IOB2", "BIOES", "IOBES")  # `engine.tasks.entities.SCHEMES`; BIOES and IOBES are one scheme
# Tasks whose features are not one per row: question answering cuts a long context into several windows, so a plan
# counts its updates from the windows, not the rows.
WINDOWED_TASKS = (QUESTION_ANSWERING,)


def roles_of(task: str | None) -> tuple[RoleSpec, ...]:
    """The columns `task` reads; text classification's for None or "auto" (the form's roles before a task is known)."""
    return TASK_ROLES.get(task or "", TASK_ROLES[TEXT_CLASSIFICATION])


def options_of(task: str | None) -> tuple[str, ...]:
    """The `TrainConfig` fields that are `task`'s options (none for an unknown task or "auto")."""
    return tuple(TASK_OPTIONS.get(task or "", {}))


def option_task(option: str) -> str:
    """The task an option belongs to."""
    return next(task for task, options in TASK_OPTIONS.items() if option in options)


def guess_columns(task: str | None, columns: list[str]) -> dict[str, str | None]:
    """The column each of `task`'s roles would read in a dataset with these columns: the first of its defaults that
    is there (as `engine.tasks.base.resolve_roles` picks), else None."""
    return {spec.role: next((name for name in spec.defaults if name in columns), None) for spec in roles_of(task)}


# The metric keep-best watches by default (each task's `best_metric`), and those a page charts live (scores from 0
# to 1, so that they share one axis: regression's correlations, not its errors).
BEST_METRICS = {
    TEXT_CLASSIFICATION: "f1",
    MULTI_LABEL: "f1_micro",
    REGRESSION: "rmse",
    TOKEN_CLASSIFICATION: "f1",
    QUESTION_ANSWERING: "f1",
}
CHARTED_METRICS = {
    TEXT_CLASSIFICATION: ("accuracy", "f1"),
    MULTI_LABEL: ("f1_micro", "f1_macro", "subset_accuracy"),
    REGRESSION: ("pearson", "spearman"),
    TOKEN_CLASSIFICATION: ("f1", "accuracy"),
    QUESTION_ANSWERING: ("exact_match", "f1"),
}
# How a page or a card names a metric where its key alone would not say enough; any other is named by its key.
METRIC_TITLES = {
    TEXT_CLASSIFICATION: {"f1": "F1 (macro)", "precision": "precision (macro)", "recall": "recall (macro)"},
    TOKEN_CLASSIFICATION: {
        "f1": "F1 (entities)",
        "precision": "precision (entities)",
        "recall": "recall (entities)",
        "accuracy": "accuracy (tokens)",
    },
    MULTI_LABEL: {
        "f1_micro": "F1 (micro)",
        "f1_macro": "F1 (macro)",
        "f1_samples": "F1 (samples)",
        "subset_accuracy": "subset accuracy (every label right)",
        "precision_micro": "precision (micro)",
        "recall_micro": "recall (micro)",
    },
    REGRESSION: {
        "mse": "MSE (mean squared error)",
        "rmse": "RMSE (root mean squared error)",
        "mae": "MAE (mean absolute error)",
        "pearson": "Pearson correlation",
        "spearman": "Spearman correlation",
        "r2": "R² (coefficient of determination)",
    },
    QUESTION_ANSWERING: {"exact_match": "exact match (SQuAD)", "f1": "F1 (SQuAD, over answer words)"},
}
# The config's own fields for text classification's roles; every other role goes into `TrainConfig.columns`.
NAMED_ROLE_FIELDS = {"text": "text_column", "text_pair": "text_pair_column", "label": "label_column"}
INFER = "auto"


def metric_title(task: str, name: str) -> str:
    """The metric's name in words: `F1 (entities)` for token classification's `f1`, `r2`'s as itself elsewhere."""
    return METRIC_TITLES.get(task, {}).get(name, name)


def role_field(role: str) -> str:
    """The form field of a role's column: `text_column`, `tokens_column`..."""
    return NAMED_ROLE_FIELDS.get(role, f"{role}_column")


def config_values(values: dict) -> dict:
    """`TrainConfig` keyword arguments from a form's flat values, for the task the form names.

    A form shows every task's column pickers and options and hides those of other tasks; their values stay in the
    page. Only the task's own reach the config: its roles' columns (text / pair / label as their fields, the others
    in `columns`) and its options (another task's are put back to their defaults). With "auto" the task is left to
    the data and the text-classification columns are sent as given, as before there were tasks.

    Args:
        values: field -> value, with a `<role>_column` entry per role (`role_field`) and a `task`.
    """
    task = values.get("task") or INFER
    extra_fields = {role_field(role): role for role in ALL_ROLES if role not in NAMED_ROLE_FIELDS}
    shown = {spec.role for spec in roles_of(task)}
    config = {name: value for name, value in values.items() if name not in extra_fields}
    for role, name in NAMED_ROLE_FIELDS.items():
        if role not in shown:
            config[name] = None
    columns = {role: values[name] for name, role in extra_fields.items() if role in shown and values.get(name)}
    config["columns"] = columns or None
    for option, default in OPTION_DEFAULTS.items():
        if option not in options_of(task):
            config[option] = default
    return config


def suggested_task(source: str, config: str | None = None) -> str:
    """The task a dataset's columns suggest (`engine.tasks.registry.infer_task`), opened as the Datasets tab opens it
    (cached, memory-mapped: the types of its columns and a few rows are read, not the whole data).

    Raises:
        StudioError (and subclasses): the source cannot be opened, or no task reads its columns.
    """
    # Here: opening datasets and the tasks (transformers) cost the web server seconds at start.
    from engine.datasets.session import DatasetRef, open_dataset
    from engine.tasks.registry import infer_task

    splits = open_dataset(DatasetRef(source=source.strip(), config=(config or "").strip() or None))
    return infer_task(splits).name
