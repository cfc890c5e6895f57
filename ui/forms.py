"""A form as one ordered table of named fields, instead of positional values that must line up in three places.

A `Form` says, once, which values a listener takes, in which order and how each is converted. The tab lays out
its components where they read best (rows, accordions, a component shared by two forms) and hands them to the form
by name (`Form.inputs`); the handler receives one dict of converted values by name (`Form.listener`). The public
endpoint's parameters are the form's names in the table's order, so a script calling it positionally keeps working
and one calling it by keyword cannot swap two values.
"""

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from engine.common.errors import StudioError


def unchanged(value: Any) -> Any:
    return value


def optional_text(value: str | None) -> str | None:
    """A stripped text, or None when empty."""
    return (value or "").strip() or None


def stripped(value: str | None) -> str:
    return (value or "").strip()


@dataclass(frozen=True)
class Field:
    """One value of a form: its name (the endpoint's parameter name) and how the page's value becomes the handler's."""

    name: str
    convert: Callable[[Any], Any] = unchanged

    def read(self, value: Any) -> Any:
        """The converted value; a value the conversion refuses (text in a number, NaN or infinity where a whole
        number goes) is the user's mistake, named by field, not an internal error.

        Raises:
            StudioError: naming the field and the value.
        """
        try:
            return self.convert(value)
        except StudioError:  # a conversion that checks (`whole_number`) already names the field its own way
            raise
        except (TypeError, ValueError, OverflowError) as error:
            raise StudioError(f"{self.name}: {value!r} is not a valid value ({error})") from error


class Form:
    """An ordered table of named fields: the inputs of one listener, and of its public endpoint, in that order."""

    def __init__(self, *fields: Field) -> None:
        names = [field.name for field in fields]
        if len(set(names)) != len(names):
            raise ValueError(f"a form's field names must differ: {names}")
        self.fields = fields

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields)

    def inputs(self, **components: gr.components.Component) -> list[gr.components.Component]:
        """The components for `inputs=`, in the table's order, whatever order they are given in.

        Raises:
            ValueError: when a field has no component, or a component no field.
        """
        missing = [name for name in self.names if name not in components]
        unknown = [name for name in components if name not in self.names]
        if missing or unknown:
            raise ValueError(f"form components do not match its fields: missing {missing}, unknown {unknown}")
        return [components[name] for name in self.names]

    def values(self, *args: Any) -> dict[str, Any]:
        """The page's values (in the table's order) converted, by name."""
        if len(args) != len(self.fields):
            raise TypeError(f"the form takes {len(self.fields)} values ({', '.join(self.names)}), got {len(args)}")
        return {field.name: field.read(value) for field, value in zip(self.fields, args, strict=True)}

    def listener(self, handler: Callable) -> Callable:
        """Make `handler(values, *rest)` a Gradio listener that takes the form's fields, then the handler's `rest`.

        The listener's signature names the fields (Gradio reads the endpoint's parameter names from it) followed by
        the handler's other parameters, such as a `gr.Request`, which Gradio fills in by their type.
        """
        signature = inspect.signature(handler)
        first, *rest = signature.parameters.values()
        fields = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in self.names]
        own = signature.replace(parameters=[*fields, *rest])
        count = len(self.fields)

        @functools.wraps(handler)
        def listener(*args, **kwargs):
            bound = own.bind(*args, **kwargs)
            return handler(self.values(*bound.args[:count]), *bound.args[count:], **bound.kwargs)

        listener.__signature__ = own
        listener.__annotations__ = {name: hint for name, hint in handler.__annotations__.items() if name != first.name}
        return listener


def whole_number(label: str, low: int, high: int, default: int | None = None) -> Callable[[Any], int | None]:
    """A conversion for a whole-number box: empty gives `default`; anything else must be a whole number in
    [low, high], or the message names the box by its label and the range (instead of a component's minimum, whose
    generic message names no field).
    """

    def convert(value: Any) -> int | None:
        if value is None or value == "":
            return default
        number = float(value)
        if not number.is_integer() or not low <= number <= high:
            shown = int(number) if number.is_integer() else value
            raise StudioError(f"{label} must be a whole number from {low:,} to {high:,}, not {shown}")
        return int(number)

    return convert


def optional_number(label: str, example: str) -> Callable[[Any], float | None]:
    """A conversion for a number typed in a text box where empty (or 0) means "the default": a `gr.Number` cannot
    show empty (it shows 0). Text that is no number is refused naming the box, with an example."""

    def convert(value: Any) -> float | None:
        text = str(value).strip() if value is not None else ""
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            raise StudioError(
                f"{label} must be a number such as {example}, or empty for the default; not {text!r}"
            ) from None
        return number or None

    return convert
