"""The Jinja2 environment of the HTML report and the SVG graph: templates inside the package
(``flowsg/report/templates/``), autoescaping on for every template, undefined names an error."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

TEMPLATES = Path(__file__).resolve().parent / "templates"
"""Where the templates live (shipped inside the wheel with the package)."""


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
"""Characters no XML document may hold, escaped or not (HTML tolerates them, SVG does not)."""


def printable(value: Any) -> Any:
    """A value as a template prints it: text without the characters XML forbids (each becomes
    U+FFFD), so that an SVG stays well-formed whatever a description holds; ``Markup`` (flowsg's
    own CSS, script and SVG) as it is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return _NOT_XML.sub("\ufffd", value)
    return value


@cache
def environment() -> jinja2.Environment:
    """The environment: every ``{{ value }}`` is HTML/XML-escaped unless it is ``Markup``, and
    loses the characters XML forbids."""
    return jinja2.Environment(
        finalize=printable,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def asset(name: str) -> str:
    """The text of a static file of the templates folder (the report's CSS and script)."""
    return (TEMPLATES / name).read_text(encoding="utf-8")
