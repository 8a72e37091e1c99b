"""Click's own error texts in Chinese (issue 12 §7): each template is click's real msgid,
and a text made from it comes back as a message whose Chinese is in the catalogue."""

from __future__ import annotations

import inspect
import re

import click
import click.core
import click.exceptions
import click.parser
import click.types

from ledger.i18n import render
from tools.cli.clicktext import TEMPLATES, translated

MODULES = (click.core, click.exceptions, click.parser, click.types)
CLICK_SOURCE = "".join(inspect.getsource(m) for m in MODULES)
NUMBER_TYPES = ("integer", "float", "integer range", "float range")


def test_every_template_is_one_click_writes() -> None:
    """A click release that rewords a message makes this fail, rather than letting the
    text fall back to English unnoticed."""
    for template in TEMPLATES:
        general = template
        for number in NUMBER_TYPES:
            general = general.replace(f"a valid {number}.", "a valid {number_type}.")
        assert general in CLICK_SOURCE, template


def test_a_filled_template_renders_in_chinese_with_its_values() -> None:
    for template in TEMPLATES:
        values = {name: f"v{i}" for i, name in enumerate(re.findall(r"\{(\w+)", template))}
        text = template.format(**values)  # as click fills it, quotes from !r included
        message = translated(text)
        assert message is not None, template
        assert str(message) != render(message, "zh"), template  # it has Chinese
        chinese = render(message, "zh")
        assert all(v in chinese for k, v in values.items() if k != "name"), (template, chinese)


def test_the_most_specific_template_wins() -> None:
    message = translated("'x' is not one of 'a', 'b'.")
    assert message is not None and render(message, "zh") == "'x' 不是以下之一：'a', 'b'。"
    single = translated("'x' is not 'a'.")
    assert single is not None and render(single, "zh") == "'x' 不是 'a'。"


def test_a_text_no_template_matches_stays_english() -> None:
    assert translated("something click never says") is None
    assert translated("") is None


def test_a_real_choice_error_is_translated() -> None:
    with_choice = click.Choice(["a", "b"])
    try:
        with_choice.convert("x", None, None)
    except click.BadParameter as exc:
        message = translated(exc.message)
    assert message is not None and "不是以下之一" in render(message, "zh")
