"""ui.tokenizer_actions: /tokenize's form is in the page address's order; its numbers are checked by label."""

import gradio as gr
import pytest

from ui.tokenizer_actions import TOKENIZE_FORM, look_up_id, look_up_token, tokenize_view
from ui.tokenizer_url import DEFAULTS

# The address names two fields differently from the endpoint, whose parameter names predate it.
ADDRESS_NAMES = {"tokenizer": "model", "sequence": "show"}


def test_the_form_and_the_page_address_list_the_same_fields_in_the_same_order():
    assert TOKENIZE_FORM.names == tuple(ADDRESS_NAMES.get(name, name) for name in DEFAULTS)


def page_message(call) -> str:
    with pytest.raises(gr.Error) as raised:
        call()
    return raised.value.message


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("stride", -1, "stride: -1 is out of range; type a whole number of at least 0"),
        ("sequence", 1.5, "Show sequence: 1.5 is not a whole number; type a whole number of at least 0"),
        ("max_length", -8, "max_length: -8 is out of range; type a whole number of at least 0"),
    ],
)
def test_a_number_out_of_range_is_named_by_its_label_before_any_tokenizer_loads(field, value, message):
    values = DEFAULTS | {"tokenizer": "no/such-model", field: value}

    assert page_message(lambda: tokenize_view(*values.values())) == message


def test_the_defaults_leave_max_length_empty_and_0_means_none_too():
    assert TOKENIZE_FORM.values(*(DEFAULTS | {"max_length": 0}).values())["max_length"] is None
    assert TOKENIZE_FORM.values(*DEFAULTS.values())["max_length"] is None


@pytest.mark.parametrize(("typed", "read"), [("", None), ("  ", None), ("16", 16), (" 32 ", 32), (12, 12)])
def test_max_length_typed_in_its_text_box_is_read_as_a_whole_number_or_none_when_empty(typed, read):
    assert TOKENIZE_FORM.values(*(DEFAULTS | {"max_length": typed}).values())["max_length"] == read


def test_max_length_that_is_not_a_whole_number_is_named_with_the_allowed_range():
    values = DEFAULTS | {"tokenizer": "no/such-model", "max_length": "sixteen"}

    assert page_message(lambda: tokenize_view(*values.values())) == (
        "max_length: 'sixteen' is not a number; type a whole number of at least 0"
    )


def test_the_look_ups_name_their_field_when_it_is_empty_or_out_of_range():
    assert page_message(lambda: look_up_token("scratch:tiny", "")).startswith("token: type a token")
    assert page_message(lambda: look_up_id("scratch:tiny", -1)).startswith("id: -1 is out of range")
