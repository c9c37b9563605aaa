"""A compiled form bound to one request: typed JSON out, issues in, repeat add/remove.

Data flow on a POST::

    bound = bind_form(compiled, request.form, record.data, request.files, store)
    if bound.repeat_action():            # "Add another" / "Remove" without JavaScript
        return render(bound)             # one item more or fewer, nothing saved
    try:                                 # the service checks the data (check_record)
        save(bound.to_json(drop_hidden=False), input_issues=bound.input_issues())
    except DataInvalid as exc:
        bound.attach_errors(exc.issues)
        return render(bound)             # error summary + messages, input kept
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from miniapps.core.errors import Issue
from miniapps.core.forms.compiler import CompiledForm
from miniapps.core.forms.conditions import RuleState, evaluate
from miniapps.core.forms.conditions import drop_hidden as drop_hidden_values
from miniapps.core.forms.fields import CONTAINERS, MISSING, FileStore
from miniapps.core.forms.formdata import FormData
from miniapps.core.forms.lookup_fields import LookupChoices
from miniapps.core.forms.tree import BoundNode, bind_nodes, form_data, pad_repeats, walk_nodes
from miniapps.core.forms.uploads import upload_problem
from miniapps.core.pointers import pointer_join, pointer_parts, value_at
from miniapps.core.records.check import RecordRules, SchemaRules, check_record

REPEAT_ADD = "_repeat_add"
REPEAT_REMOVE = "_repeat_remove"


class BoundForm:
    """The WTForms form for one request plus the record-level behaviour around it."""

    def __init__(
        self,
        compiled: CompiledForm,
        formdata: Any,
        data: dict[str, Any] | None,
        files: Any,
        file_store: FileStore | None,
    ) -> None:
        self.compiled = compiled
        self._stored = data if isinstance(data, dict) else {}
        self._files = files
        self._file_store = file_store
        self._file_values: dict[str, Any] = {}
        self._file_issues: list[Issue] = []
        self._item_map: dict[str, str] = {}  # data pointer of a kept item → its form pointer
        self._action: tuple[str, str] | None = None
        self.field_errors: dict[str, list[str]] = {}
        self.form_errors: list[str] = []
        # (period, data) of the organisation's previous return, shown beside each field
        # when the definition's ui asks for it (show_previous).
        self.previous: tuple[str, dict[str, Any]] | None = None
        # Options of the fields whose widget takes them from the database (organisation,
        # record), by field pattern (``/audited_practice``), given by whoever shows the form.
        self.lookups: dict[str, LookupChoices] = {}
        if formdata is not None:
            self.form = compiled.form_class(formdata=formdata)
            self.nodes = bind_nodes(compiled.nodes, self.form, "")
            self._action = _read_action(formdata)
            if self._action:
                self._rebind(self._apply_action(self._action))
        else:
            shown = data if data is not None else compiled.defaults()
            state = evaluate(self.rules_json, shown)
            self._rebind(pad_repeats(compiled.nodes, shown, state.required, state.hidden))

    def _rebind(self, data: dict[str, Any]) -> None:
        self.form = self.compiled.form_class(data=form_data(self.compiled.nodes, data))
        self.nodes = bind_nodes(self.compiled.nodes, self.form, "")

    # --- JSON ----------------------------------------------------------------------------

    @property
    def rules_json(self) -> list[dict[str, Any]]:
        """The compiled condition rules, for ``<script id="form-rules">``."""
        return self.compiled.rules

    def to_json(self, drop_hidden: bool = True) -> dict[str, Any]:
        """Typed record data; empty answers omitted; hidden values dropped when asked."""
        self._item_map = {}
        data = self._collect(self.nodes, "", keep_empty=False)
        return drop_hidden_values(data, evaluate(self.rules_json, data)) if drop_hidden else data

    def rule_state(self) -> RuleState:
        """Hidden/required fields for the form as shown (empty repeat items included)."""
        return evaluate(self.rules_json, self._collect(self.nodes, "", keep_empty=True))

    def _collect(self, nodes: list[BoundNode], base: str, keep_empty: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for b in nodes:
            here = pointer_join(base, b.node.field.key)
            if b.widget == "fieldset":
                value: Any = self._collect(b.children, here, keep_empty)
                if not _answered(value) and not (keep_empty or b.node.field.required):
                    value = MISSING
            elif b.widget == "repeat":
                value = []
                for index, item in enumerate(b.items):
                    data_item = pointer_join(here, len(value))
                    collected = self._collect(item, data_item, keep_empty)
                    if _answered(collected) or keep_empty:
                        if not keep_empty:
                            self._item_map[data_item] = pointer_join(b.pointer, index)
                        value.append(collected)
                value = value if value or keep_empty else MISSING
            elif b.widget == "file":
                value = self._file_value(b, save=not keep_empty)
            else:
                value = b.node.widget.to_json(b.wtf.data, b.node.field)
            if value is not MISSING:
                out[b.node.field.key] = value
        return out

    def _file_value(self, b: BoundNode, save: bool) -> Any:
        if b.pointer in self._file_values:
            return self._file_values[b.pointer]
        existing = value_at(self._stored, b.pointer)
        existing = existing if isinstance(existing, str) and existing else MISSING
        upload = self._files.get(b.wtf.name) if self._files is not None else b.wtf.data
        if not save or not getattr(upload, "filename", ""):
            return existing
        problem = upload_problem(upload, b.node.options)
        if problem is None and self._file_store is None:
            problem = "Files cannot be uploaded here"
        if problem:
            self._file_issues.append(Issue(b.pointer, problem, "file"))
            value = existing
        else:
            assert self._file_store is not None  # without a store there is a problem
            value = self._file_store.save(upload, b.pointer)
        self._file_values[b.pointer] = value
        return value

    @property
    def has_files(self) -> bool:
        """Whether the page's <form> needs ``enctype="multipart/form-data"``."""
        return any(b.widget == "file" for b in self.walk())

    def stored_file(self, pointer: str) -> str | None:
        """The file reference the field at ``pointer`` holds now (new upload or stored)."""
        value = self._file_values.get(pointer, MISSING)
        if value is MISSING:
            value = value_at(self._stored, pointer)
        return value if isinstance(value, str) and value else None

    # --- validation and errors -----------------------------------------------------------

    def input_issues(self) -> list[Issue]:
        """Problems only the form sees (a refused upload), before any data check."""
        return list(self._file_issues)

    def validate_data(self, submit: bool, rules: RecordRules | None = None) -> list[Issue]:
        """The form's problems and :func:`check_record`'s verdict on the entered data, one
        per field. ``rules``: the app definition (its app-level checks too); by default
        the compiled schema and ``ui`` alone."""
        rules = rules or SchemaRules(self.compiled.schema, self.compiled.ui)
        check = check_record(rules, self.to_json(drop_hidden=False), submit=submit)
        issues = self.input_issues()
        seen = {issue.pointer for issue in issues}
        return issues + [i for i in check.issues if i.pointer not in seen]

    def walk(self) -> Iterator[BoundNode]:
        """Every bound node, in form order."""
        yield from walk_nodes(self.nodes)

    def form_pointer(self, pointer: str) -> str:
        """The form pointer of a data pointer (empty repeat items are not in the data)."""
        best = ""
        for data_ptr in self._item_map:
            if (pointer == data_ptr or pointer.startswith(data_ptr + "/")) and len(data_ptr) > len(
                best
            ):
                best = data_ptr
        return self._item_map[best] + pointer[len(best) :] if best else pointer

    def attach_errors(self, issues: list[Issue]) -> None:
        """Show each issue beside its field; issues with no field go to ``form_errors``."""
        index = {b.pointer: b for b in self.walk()}
        for issue in issues:
            pointer = self.form_pointer(issue.pointer)
            target = index.get(pointer)
            tokens = pointer_parts(pointer)
            while target is None and tokens:
                tokens.pop()
                target = index.get(pointer_join("", *tokens)) if tokens else None
            if target is None:
                self.form_errors.append(issue.message)
                continue
            self.field_errors.setdefault(target.pointer, []).append(issue.message)
            if target.widget not in CONTAINERS and target.widget != "date":
                target.wtf.errors = [*target.wtf.errors, issue.message]

    def error_for(self, pointer: str) -> str | None:
        """The first message attached to the field at ``pointer``."""
        messages = self.field_errors.get(pointer)
        return messages[0] if messages else None

    def errors_for_summary(self) -> list[tuple[str, str]]:
        """(message, ``#<id of the field's first input>``) in form order."""
        first = next(iter(self.nodes), None)
        top = f"#{first.input_id()}" if first else "#"
        summary = [(message, top) for message in self.form_errors]
        for b in self.walk():
            for message in self.field_errors.get(b.pointer, []):
                summary.append((message, f"#{b.input_id()}"))
        return summary

    # --- repeat add/remove without JavaScript --------------------------------------------

    def repeat_action(self) -> tuple[str, str] | None:
        """``("add", "/courses")`` or ``("remove", "/courses/0")`` when the post was one."""
        return self._action

    def _apply_action(self, action: tuple[str, str]) -> dict[str, Any]:
        data = self._collect(self.nodes, "", keep_empty=True)
        kind, pointer = action
        index = {b.pointer: b for b in self.walk() if b.widget == "repeat"}
        if kind == "add" and pointer in index:
            items = value_at(data, pointer)
            maximum = index[pointer].node.field.schema.get("maxItems")
            if isinstance(items, list) and (maximum is None or len(items) < maximum):
                items.append({})
        elif kind == "remove":
            parent, _, position = pointer.rpartition("/")
            items = value_at(data, parent)
            valid = parent in index and position.isdigit() and isinstance(items, list)
            if valid and int(position) < len(items):
                del items[int(position)]
        return data

    def formdata_pairs(self) -> list[tuple[str, str]]:
        """(name, value) pairs a browser would post for the form as shown."""
        pairs: list[tuple[str, str]] = []
        for b in self.walk():
            if b.widget not in CONTAINERS:
                pairs += b.node.widget.formdata_pairs(b.wtf.name, b.wtf.data)
        return pairs


def bind_form(
    compiled: CompiledForm,
    formdata: Any = None,
    data: dict[str, Any] | None = None,
    files: Any = None,
    file_store: FileStore | None = None,
) -> BoundForm:
    """``compiled`` bound to one request: a :class:`BoundForm`.

    ``formdata`` is the posted form (``request.form``, a :class:`FormData`; None for a
    GET); ``data`` is the stored record data (shown on a GET; on a POST it supplies the
    files already stored when no new file is chosen); ``files`` the uploaded files
    (``request.files``), saved through ``file_store``. A post carrying
    ``_repeat_add``/``_repeat_remove`` is answered with one item more/fewer.
    """
    return BoundForm(compiled, formdata, data, files, file_store)


def formdata_for(compiled: CompiledForm, data: dict[str, Any]) -> FormData:
    """The form fields a browser would post for ``compiled`` showing ``data``."""
    return FormData(bind_form(compiled, data=data).formdata_pairs())


def _answered(value: Any) -> bool:
    """Whether collected data holds an answer: a group kept only because a required group
    inside it is always shown (``{"inner": {}}``) is as unanswered as ``{}``."""
    if isinstance(value, dict):
        return any(_answered(v) for v in value.values())
    if isinstance(value, list):
        return any(_answered(v) for v in value)
    return True


def _read_action(formdata: Any) -> tuple[str, str] | None:
    if formdata.get(REPEAT_ADD):
        return ("add", str(formdata.get(REPEAT_ADD)))
    if formdata.get(REPEAT_REMOVE):
        return ("remove", str(formdata.get(REPEAT_REMOVE)))
    return None
