"""ui.tokenizer_actions: /tokenize's form is in the page address's order."""

from ui.tokenizer_actions import TOKENIZE_FORM
from ui.tokenizer_url import DEFAULTS

# The address names two fields differently from the endpoint, whose parameter names predate it.
ADDRESS_NAMES = {"tokenizer": "model", "sequence": "show"}


def test_the_form_and_the_page_address_list_the_same_fields_in_the_same_order():
    assert TOKENIZE_FORM.names == tuple(ADDRESS_NAMES.get(name, name) for name in DEFAULTS)
