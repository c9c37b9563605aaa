"""Fixtures for the core tests: a Jinja environment configured like the web layer's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader
from miniapps.core.forms.render import render_sections

TEMPLATES = Path(__file__).resolve().parents[2] / "platform/miniapps/templates"


@pytest.fixture(scope="session")
def jinja_env() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [FileSystemLoader(str(TEMPLATES)), PackageLoader("nhsuk_frontend_jinja")]
        ),
        undefined=ChainableUndefined,
        autoescape=True,
    )
    env.globals["form_sections"] = render_sections  # as miniapps.app registers it
    return env


@pytest.fixture
def render_form(jinja_env: Environment) -> Callable[[Any], str]:
    """Render the error summary and the fields of a BoundForm, as a page would."""
    template = jinja_env.from_string(
        '{% from "forms/macros.html" import error_summary, render_fields %}'
        '{{ error_summary(form) }}<form method="post" novalidate>{{ render_fields(form) }}</form>'
    )
    return lambda bound: template.render(form=bound)
