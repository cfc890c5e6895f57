"""A form as one ordered table of named fields, instead of positional values that must line up in three places.

A `Form` says, once, which values a listener takes, in which order and how each is converted. The tab lays out
its components where they read best (rows, accordions, a component shared by two forms) and hands them to the form
by name (`Form.inputs`); the handler receives one dict of converted values by name (`Form.listener`). The public
endpoint's parameters are the form's names in the table's order, so a script calling it positionally keeps working
and one calling it by keyword cannot swap two values.

Numbers are checked here, not by the component: a `gr.Number(minimum=1)` answers 0 with Gradio's own "Value 0 is
less than minimum value 1.", which names no field, and covers the box with an error overlay. `number(...)` gives the
handler the same check with a message that names the field by its label and says the allowed range. A number that
may be left out ("no bound", "none") is a `gr.Textbox` with a placeholder: Gradio's Number always shows 0 when it has
no value, so it cannot be empty.
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


class OutOfRange(ValueError):
    """A value of the right kind outside the field's range (or missing where one is needed); the message says which
    values are allowed, and `Field.read` puts the field's label in front of it."""


def _bounds(minimum: float | None, maximum: float | None, whole: bool) -> str:
    kind = "a whole number" if whole else "a number"
    if minimum is not None and maximum is not None:
        return f"{kind} from {minimum:g} to {maximum:g}"
    if minimum is not None:
        return f"{kind} of at least {minimum:g}"
    if maximum is not None:
        return f"{kind} of at most {maximum:g}"
    return kind


def number(
    *, minimum: float | None = None, maximum: float | None = None, whole: bool = False, empty: Any = OutOfRange
) -> Callable[[Any], Any]:
    """A conversion for a number typed in a Number or a Textbox: a float (an int when `whole`) within the bounds.

    An empty box (None, "" or blank) gives `empty`; when `empty` is left at its default the field is required.

    Raises (from the conversion, turned into a `StudioError` by `Field.read`):
        OutOfRange: empty where a value is required, not whole where one is needed, or outside the bounds.
    """
    allowed = _bounds(minimum, maximum, whole)

    def convert(value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            if empty is OutOfRange:
                raise OutOfRange(f"is empty; type {allowed}")
            return empty
        text = value.strip() if isinstance(value, str) else value
        try:
            parsed = float(text)
        except (TypeError, ValueError):
            raise OutOfRange(f"{value!r} is not a number; type {allowed}") from None
        if parsed != parsed or parsed in (float("inf"), float("-inf")):
            raise OutOfRange(f"{value!r} is not a number; type {allowed}")
        if whole and not parsed.is_integer():
            raise OutOfRange(f"{value!r} is not a whole number; type {allowed}")
        if (minimum is not None and parsed < minimum) or (maximum is not None and parsed > maximum):
            raise OutOfRange(f"{parsed:g} is out of range; type {allowed}")
        return int(parsed) if whole else parsed

    return convert


@dataclass(frozen=True)
class Field:
    """One value of a form: its name (the endpoint's parameter name), how the page's value becomes the handler's, and
    the label the page shows for it (named in messages; the name when not given)."""

    name: str
    convert: Callable[[Any], Any] = unchanged
    label: str | None = None

    def read(self, value: Any) -> Any:
        """The converted value; a value the conversion refuses (text in a number, NaN or infinity where a whole
        number goes) is the user's mistake, named by field, not an internal error.

        Raises:
            StudioError: naming the field (by its label) and the value.
        """
        try:
            return self.convert(value)
        except OutOfRange as error:
            raise StudioError(f"{self.label or self.name}: {error}") from None
        except (TypeError, ValueError, OverflowError) as error:
            raise StudioError(f"{self.label or self.name}: {value!r} is not a valid value ({error})") from error


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
