"""The form compiler: record schema (+ ui) → WTForms form, conditions, NHS.UK rendering.

Public API: :func:`compile_form` → :class:`CompiledForm`; :func:`bind_form` binds it to a
request → :class:`BoundForm` (:func:`formdata_for` and :class:`FormData` post data
without a request); :func:`compile_rules` / :func:`evaluate` / :func:`drop_hidden` for
conditional fields; :data:`WIDGETS`, the widget registry. Pages lay a bound form out
with :func:`miniapps.core.forms.render.render_sections`.
"""

from miniapps.core.forms.bound import BoundForm, bind_form, formdata_for
from miniapps.core.forms.compiler import CompiledForm, FormNode, compile_form
from miniapps.core.forms.conditions import RuleState, compile_rules, drop_hidden, evaluate
from miniapps.core.forms.fields import MISSING, WIDGETS, FieldType, FileStore
from miniapps.core.forms.formdata import FormData
from miniapps.core.forms.tree import BoundNode

__all__ = [
    "MISSING",
    "WIDGETS",
    "BoundForm",
    "BoundNode",
    "CompiledForm",
    "FieldType",
    "FileStore",
    "FormData",
    "FormNode",
    "RuleState",
    "bind_form",
    "compile_form",
    "compile_rules",
    "drop_hidden",
    "evaluate",
    "formdata_for",
]
