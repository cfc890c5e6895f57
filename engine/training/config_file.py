"""A run's settings as a YAML file (`config.yaml`): written by an export, read by `python -m engine train --config`.

Every key is a `TrainConfig` field and is checked twice: its type here (a YAML `1e-4` without a dot is a string, a
`yes` is a boolean), then its range by `TrainConfig` itself. A mistake names the file and the field.
"""

import types
import typing
from dataclasses import fields
from pathlib import Path

import yaml

from engine.common.errors import MissingFileError, StudioError
from engine.training.config import TrainConfig

CONFIG_SUFFIXES = (".yaml", ".yml")
# The checkpoint of a resume belongs to the machine that saved it: a config file describes a run from the start.
NOT_WRITTEN = ("resume_from_checkpoint",)


def is_config_file(value: str | None) -> bool:
    """Whether a `--config` value names a settings file (`.yaml`, `.yml`) rather than a Hub dataset configuration."""
    return bool(value) and Path(value).suffix.lower() in CONFIG_SUFFIXES


def config_yaml(config: TrainConfig) -> str:
    """`config` as YAML, every field spelled out in `TrainConfig`'s order (None as `null`), so that reading it back
    gives the same config whatever the defaults are by then."""
    values = {name: value for name, value in config.to_dict().items() if name not in NOT_WRITTEN}
    return yaml.safe_dump(values, sort_keys=False, allow_unicode=True)


def write_config(config: TrainConfig, path: Path) -> Path:
    """Write `config` to `path` as `config_yaml` does; returns the path."""
    path.write_text(config_yaml(config), encoding="utf-8")
    return path


def read_config(path: Path | str, name: str | None = None) -> TrainConfig:
    """Read a `config.yaml` into a `TrainConfig`, checking every key and value.

    Args:
        path: the file.
        name: how messages name the file (an upload's own name, not the server's copy of it); default: its path.

    Raises:
        MissingFileError: no such file.
        StudioError: not YAML, not a mapping, an unknown key, a value of the wrong type or out of range, or no
            dataset or model, each naming the file and the field.
    """
    path = Path(path).expanduser()
    where = name or str(path)
    if not path.is_file():
        raise MissingFileError(f"no such config file: {where}")
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise StudioError(f"{where} is not a YAML file: {' '.join(str(error).split())}") from error
    if not isinstance(values, dict):
        raise StudioError(f"{where} must hold one setting per line (`name: value`), not {type(values).__name__}")
    return config_from_values(values, where)


def config_from_values(values: dict, where: str = "the config") -> TrainConfig:
    """A `TrainConfig` from a mapping of field names to values, refusing unknown names and mistyped values.

    Raises:
        StudioError: naming `where` and the field.
    """
    hints = typing.get_type_hints(TrainConfig)
    known = [item.name for item in fields(TrainConfig) if item.name not in NOT_WRITTEN]
    unknown = [str(name) for name in values if name not in known]
    if unknown:  # every one named at once: a file from another tool (or version) may carry several
        listed = ", ".join(repr(name) for name in unknown)
        raise StudioError(
            f"{where}: unknown setting{'s' if len(unknown) > 1 else ''} {listed}; settings are {', '.join(known)}"
        )
    checked = {name: _checked_value(name, value, hints[name], where) for name, value in values.items()}
    for name in ("dataset", "model"):
        if checked.get(name) is None:
            raise StudioError(f"{where}: no {name} given; add a line `{name}: ...`")
    try:
        return TrainConfig(**checked)
    except StudioError as error:
        raise StudioError(f"{where}: {error}") from error


def _checked_value(name: str, value: object, hint: object, where: str) -> object:
    """`value` when it has the field's type; a whole number for a number field as a float, and a float that YAML
    read as text (`1e-4`: YAML 1.1 wants `1.0e-4`) as that float."""
    allowed = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if value is None and type(None) in allowed:
        return value
    for kind in allowed:
        if kind is bool and isinstance(value, bool):
            return value
        if kind is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if kind is float and isinstance(value, str) and _reads_as_float(value):
            return float(value)
        if kind is str and isinstance(value, str):
            return value
        if typing.get_origin(kind) is dict and isinstance(value, dict):  # `columns`: role -> column name
            if all(isinstance(key, str) and isinstance(item, str) for key, item in value.items()):
                return dict(value)
    wanted = " or ".join("null" if kind is type(None) else _KIND_NAMES.get(kind, str(kind)) for kind in allowed)
    raise StudioError(f"{where}: {name} must be {wanted}, not {value!r}")


def _reads_as_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


_KIND_NAMES = {
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    str: "text",
    dict[str, str]: "a mapping of names to text (`role: column`)",
}
