"""ui.forms: a form's named fields give the listener's values by name and the endpoint's parameters in order."""

import gradio as gr
import pytest

from engine.common.errors import StudioError
from ui.forms import Field, Form, number

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


def test_a_number_field_names_its_label_and_the_allowed_range():
    form = Form(Field("count", number(minimum=1, whole=True, empty=None), label="Rows"))

    with pytest.raises(StudioError, match=r"^Rows: 0 is out of range; type a whole number of at least 1$"):
        form.values(0)
    with pytest.raises(StudioError, match=r"^Rows: '2.5' is not a whole number; type a whole number of at least 1$"):
        form.values("2.5")
    with pytest.raises(StudioError, match=r"^Rows: 'many' is not a number"):
        form.values("many")


@pytest.mark.parametrize("value", [None, "", "  "])
def test_an_empty_number_is_its_fields_empty_value(value):
    assert Form(Field("max_chars", number(minimum=0, whole=True, empty=None))).values(value) == {"max_chars": None}


def test_an_empty_required_number_says_what_to_type():
    form = Form(Field("fraction", number(minimum=0.01, maximum=0.9), label="Validation fraction"))

    with pytest.raises(StudioError, match=r"^Validation fraction: is empty; type a number from 0.01 to 0.9$"):
        form.values(None)
    assert form.values(" 0.2 ") == {"fraction": 0.2}
    assert Form(Field("n", number(whole=True))).values(3.0) == {"n": 3}
