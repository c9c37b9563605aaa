"""Message templates are checked and compiled once per text (issue 17: every email
rendered them anew); the cache must not change what any text renders or refuses."""

from __future__ import annotations

import pytest
from miniapps.core.definitions import message_templates as mt
from miniapps.core.definitions.message_templates import MessageTemplateError, render_message


def test_the_same_text_renders_the_same_from_the_cache() -> None:
    text = "{{ org_name }}: {{ app_title | upper }} {% if period %}for {{ period }}{% endif %}"
    context = {"org_name": "North <Surgery>", "app_title": "Fridge log", "period": ""}
    before = mt._compiled.cache_info().hits
    first = render_message(text, context, html=True)
    again = render_message(text, context, html=True)
    assert first == again == "North &lt;Surgery&gt;: FRIDGE LOG"
    assert render_message(text, context | {"period": "May 2025"}, html=False).endswith(
        "for May 2025"
    )
    assert mt._compiled.cache_info().hits > before


def test_texts_differing_by_one_character_are_not_confused() -> None:
    context = {"org_name": "A", "org_ods": "B"}
    assert render_message("{{ org_name }}", context, html=False) == "A"
    assert render_message("{{ org_ods }}", context, html=False) == "B"


def test_a_refused_text_stays_refused_and_a_long_one_is_not_kept() -> None:
    for _ in range(2):
        with pytest.raises(MessageTemplateError, match="attribute access"):
            render_message("{{ org_name.upper }}", {}, html=False)
    long_text = "x" * (mt.MAX_TEMPLATE_LENGTH + 1)
    misses = mt._allowed_problem.cache_info().misses
    with pytest.raises(MessageTemplateError, match="too long"):
        render_message(long_text, {}, html=False)
    assert mt._allowed_problem.cache_info().misses == misses
