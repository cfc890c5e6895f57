"""ui.tokenizer_url: a shared link's query parameters back into the Tokenizer tab's form."""

from ui.tokenizer_url import DEFAULTS, UPDATE_URL_JS, form_values


def test_a_link_without_the_tab_or_a_text_restores_nothing():
    assert form_values({}) is None
    assert form_values({"tab": "train"}) is None


def test_a_shared_link_restores_every_field_in_form_order():
    query = {
        "tab": "tokenizer", "tokenizer": "scratch:small", "text": "a\tb\nc\td", "pair": "", "batch": "1",
        "special": "0", "padding": "max_length", "truncation": "only_second", "max_length": "16", "stride": "4",
        "overflow": "1", "compare": "scratch:tiny", "sequence": "2",
    }  # fmt: skip

    values = form_values(query)

    assert values == ["scratch:small", "a\tb\nc\td", "", True, False, "max_length", "only_second", 16, 4, True,
                      "scratch:tiny", 2]  # fmt: skip


def test_a_link_to_the_tab_alone_opens_the_default_view():
    values = dict(zip(DEFAULTS, form_values({"tab": "tokenizer"}), strict=True))

    assert values == DEFAULTS
    assert values["text"]  # the sample sentence: the view it shows is not an "empty text" error


def test_missing_or_malformed_parameters_fall_back_to_the_defaults():
    values = dict(
        zip(DEFAULTS, form_values({"text": "hello", "padding": "sideways", "max_length": "-3"}), strict=True)
    )

    assert values["text"] == "hello"
    assert values["padding"] == "do_not_pad" and values["max_length"] is None
    assert values["tokenizer"] == "scratch:tiny" and values["special"] is True


def test_the_url_script_takes_the_form_fields_in_the_same_order():
    assert UPDATE_URL_JS.strip().startswith(f"({', '.join(DEFAULTS)}) =>")
    assert 'params.set("tab", "tokenizer")' in UPDATE_URL_JS
