"""ui.forms: a form's named fields give the listener's values by name and the endpoint's parameters in order."""

import gradio as gr
import pytest

from engine.common.errors import StudioError
from ui.forms import Field, Form

FORM = Form(Field("warmup_ratio", float), Field("weight_decay", float), Field("name"))


def test_values_are_converted_and_given_by_name():
    assert FORM.values("0.1", "0.01", "run") == {"warmup_ratio": 0.1, "weight_decay": 0.01, "name": "run"}


def test_components_follow_the_table_order_whatever_order_they_are_given_in():
    with gr.Blocks():
        name, decay, warmup = gr.Textbox(), gr.Number(), gr.Number()

    assert FORM.inputs(name=name, weight_decay=decay, warmup_ratio=warmup) == [warmup, decay, name]


def test_a_missing_or_unknown_component_is_refused_by_name():
    with pytest.raises(ValueError, match=r"missing \['name'\], unknown \['nam'\]"):
        FORM.inputs(warmup_ratio=None, weight_decay=None, nam=None)


def test_the_listener_takes_the_fields_by_name_then_the_handlers_other_parameters():
    def handler(form: dict, request: gr.Request):
        return form, request

    listener = FORM.listener(handler)

    assert list(listener.__signature__.parameters) == ["warmup_ratio", "weight_decay", "name", "request"]
    assert listener.__annotations__ == {"request": gr.Request}
    assert listener(weight_decay=0.5, warmup_ratio=0.2, name="x", request="r") == (
        {"warmup_ratio": 0.2, "weight_decay": 0.5, "name": "x"},
        "r",
    )


def test_a_wrong_number_of_values_is_refused():
    with pytest.raises(TypeError):
        FORM.values(0.1, 0.01)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "many"])
def test_a_value_the_conversion_refuses_is_a_user_error_naming_its_field(value):
    form = Form(Field("epochs", float), Field("batch_size", int))

    with pytest.raises(StudioError, match=r"^batch_size: .* is not a valid value"):
        form.values(1.0, value)
