"""The form compiler: record schema (+ ui) → WTForms form, conditions, NHS.UK rendering.

Public API: :func:`compile_form` → :class:`CompiledForm` → ``.bind(...)`` →
:class:`BoundForm`; :func:`compile_rules` / :func:`evaluate` / :func:`drop_hidden`
for conditional fields; :data:`WIDGETS`, the widget registry.
"""

from miniapps.core.forms.bound import BoundForm, BoundNode
from miniapps.core.forms.compiler import CompiledForm, FormNode, compile_form
from miniapps.core.forms.conditions import RuleState, compile_rules, drop_hidden, evaluate
from miniapps.core.forms.fields import MISSING, WIDGETS, FieldType, FileStore

__all__ = [
    "MISSING",
    "WIDGETS",
    "BoundForm",
    "BoundNode",
    "CompiledForm",
    "FieldType",
    "FileStore",
    "FormNode",
    "RuleState",
    "compile_form",
    "compile_rules",
    "drop_hidden",
    "evaluate",
]
