"""Semantic checks of the non-schema members: workflow, indicators, dashboard, events,
period, migration and hooks. Called by
:func:`miniapps.core.definitions.semantics.semantic_issues`."""

from __future__ import annotations

from collections import deque
from datetime import timedelta
from typing import Any

from miniapps.core.definitions.context import SemanticContext
from miniapps.core.periods.schedule import PeriodRules, due_date, period_bounds, period_containing
from miniapps.core.pointers import pointer_join
from miniapps.core.records.record_validator import record_validator
from miniapps.core.workflow import DEFAULT_WORKFLOW

KIND_WORDS = {
    "string": "a text field",
    "integer": "a whole-number field",
    "number": "a number field",
    "boolean": "a yes/no field",
    "enum": "a single-choice field",
    "multi_enum": "a multiple-choice field",
    "object": "a group of fields",
    "repeat": "a repeating section",
    "array": "a list",
}


def _check_pointer(
    ctx: SemanticContext, pointer: str, at: str, kinds: tuple[str, ...] = ()
) -> None:
    """``pointer`` names a field (of one of ``kinds`` when given); skipped if the schema is bad."""
    if not ctx.schema_ok:
        return
    target = ctx.find(pointer)
    if target is None:
        ctx.add(at, f"there is no field at {pointer}", "unknown_field")
    elif kinds and target.kind not in kinds:
        wanted = " or ".join(KIND_WORDS.get(k, k) for k in kinds)
        kind = KIND_WORDS.get(target.kind, target.kind)
        ctx.add(at, f"must point at {wanted}, but {pointer} is {kind}", "wrong_kind")


def check_workflow(ctx: SemanticContext) -> None:
    """States named by transitions exist, each is reachable, actions are unambiguous,
    ``requires_fields`` name real fields."""
    workflow = ctx.raw.get("workflow")
    if not workflow:
        return
    states: dict[str, Any] = workflow["states"]
    declared = ", ".join(states)
    initial = workflow["initial"]
    if initial not in states:
        message = f"'{initial}' is not a declared state (states: {declared})"
        ctx.add("/workflow/initial", message, "unknown_state")
    for name, state in states.items():
        for k, pointer in enumerate(state.get("requires_fields") or []):
            at = pointer_join("/workflow/states", name, "requires_fields", k)
            _check_pointer(ctx, pointer, at)
            if name == initial:
                message = f"records start in '{name}', so nothing can be required to enter it"
                ctx.add(at, message, "required_on_initial")
    offered: dict[tuple[str, str], int] = {}
    edges: dict[str, set[str]] = {}
    for i, transition in enumerate(workflow["transitions"]):
        at = pointer_join("/workflow/transitions", i)
        action, target = transition["action"], transition["to"]
        if target not in states:
            message = f"'{target}' is not a declared state (states: {declared})"
            ctx.add(pointer_join(at, "to"), message, "unknown_state")
        for j, state in enumerate(transition["from"]):
            if state not in states:
                message = f"'{state}' is not a declared state (states: {declared})"
                ctx.add(pointer_join(at, "from", j), message, "unknown_state")
            if (state, action) in offered:
                first = offered[(state, action)]
                message = (
                    f"action '{action}' is already offered from state '{state}' "
                    f"by transition {first}"
                )
                ctx.add(pointer_join(at, "action"), message, "duplicate")
            offered.setdefault((state, action), i)
            edges.setdefault(state, set()).add(target)
        for k, pointer in enumerate(transition.get("requires_fields") or []):
            _check_pointer(ctx, pointer, pointer_join(at, "requires_fields", k))
    if initial not in states:
        return
    reached, queue = {initial}, deque([initial])
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in reached:
                reached.add(nxt)
                queue.append(nxt)
    for name in states:
        if name not in reached:
            message = f"state '{name}' cannot be reached from the initial state '{initial}'"
            ctx.add(pointer_join("/workflow/states", name), message, "unreachable_state")


def check_indicators(ctx: SemanticContext) -> None:
    """Indicator codes are unique, point at number fields, order their thresholds and
    have what their payment adjustment needs (see :func:`_check_adjustment`)."""
    codes: dict[str, int] = {}
    need_average: list[str] = []
    for i, indicator in enumerate(ctx.raw.get("indicators") or []):
        at = pointer_join("/indicators", i)
        code = indicator["code"]
        if code in codes:
            ctx.add(
                pointer_join(at, "code"),
                f"code '{code}' is already used by indicator {codes[code]}",
                "duplicate",
            )
        codes.setdefault(code, i)
        for member in ("numerator", "denominator", "exclusions", "list_size"):
            if member in indicator:
                here = pointer_join(at, member)
                _check_pointer(ctx, indicator[member], here, ("integer", "number"))
        lower, upper = indicator["lower_threshold"], indicator["upper_threshold"]
        if indicator["direction"] == "higher" and not lower < upper:
            message = "must be greater than lower_threshold when higher is better"
            ctx.add(pointer_join(at, "upper_threshold"), message, "thresholds")
        if indicator["direction"] == "lower" and not lower > upper:
            message = "must be less than lower_threshold when lower is better"
            ctx.add(pointer_join(at, "upper_threshold"), message, "thresholds")
        if _check_adjustment(ctx, indicator, at):
            need_average.append(f"{code} ({at})")
    settings = ctx.raw.get("indicator_settings") or {}
    if need_average and "national_average_list_size" not in settings:
        message = (
            "is required: the national average PCN list size, for the list-size adjustment "
            f"of {', '.join(need_average)}"
        )
        ctx.add("/indicator_settings/national_average_list_size", message, "required")


def _check_adjustment(ctx: SemanticContext, indicator: dict[str, Any], at: str) -> bool:
    """``list_size`` needs the field holding the list size; ``list_size_and_prevalence``
    needs ``national_prevalence`` (the list size cancels out of it, so no field); both need
    the national average list size (True is returned to ask for it). ``list_size`` and
    ``national_prevalence`` given where no adjustment uses them are refused: they would
    silently change nothing."""
    adjustment = indicator.get("adjustment", "none")
    if adjustment == "list_size" and "list_size" not in indicator:
        message = "is required when adjustment is list_size: the field holding the list size"
        ctx.add(pointer_join(at, "list_size"), message, "required")
    if adjustment == "list_size_and_prevalence" and "national_prevalence" not in indicator:
        message = "is required when adjustment is list_size_and_prevalence"
        ctx.add(pointer_join(at, "national_prevalence"), message, "required")
    if adjustment != "list_size_and_prevalence" and "national_prevalence" in indicator:
        message = "is used only with adjustment list_size_and_prevalence"
        ctx.add(pointer_join(at, "national_prevalence"), message, "unused")
    if adjustment == "none" and "list_size" in indicator:
        message = "is used only with adjustment list_size or list_size_and_prevalence"
        ctx.add(pointer_join(at, "list_size"), message, "unused")
    return bool(adjustment != "none")


def check_dashboard(ctx: SemanticContext) -> None:
    """Widget ids are unique; fields, columns, groupings and indicators exist."""
    codes = {indicator["code"] for indicator in ctx.raw.get("indicators") or []}
    ids: dict[str, int] = {}
    for i, widget in enumerate((ctx.raw.get("dashboard") or {}).get("widgets") or []):
        at = pointer_join("/dashboard/widgets", i)
        if widget["id"] in ids:
            message = f"id '{widget['id']}' is already used by widget {ids[widget['id']]}"
            ctx.add(pointer_join(at, "id"), message, "duplicate")
        ids.setdefault(widget["id"], i)
        if "field" in widget:
            _check_pointer(ctx, widget["field"], pointer_join(at, "field"))
        for k, pointer in enumerate(widget.get("columns") or []):
            _check_pointer(ctx, pointer, pointer_join(at, "columns", k))
        if str(widget.get("group_by", "org")).startswith("/"):
            _check_pointer(ctx, widget["group_by"], pointer_join(at, "group_by"))
        if "indicator" in widget and widget["indicator"] not in codes:
            message = f"there is no indicator with code '{widget['indicator']}'"
            ctx.add(pointer_join(at, "indicator"), message, "unknown_indicator")


def check_events(ctx: SemanticContext) -> None:
    """``action:`` and ``state:`` events name the workflow's actions and states."""
    workflow = ctx.raw.get("workflow") or DEFAULT_WORKFLOW
    states = set(workflow["states"])
    actions = {t["action"] for t in workflow["transitions"]}
    named: list[tuple[str, str]] = []
    for i, notification in enumerate(ctx.raw.get("notifications") or []):
        named.append((notification["on"], pointer_join("/notifications", i, "on")))
    ids: dict[str, int] = {}
    for i, channel in enumerate(ctx.raw.get("channels") or []):
        named.append((channel["send_on"], pointer_join("/channels", i, "send_on")))
        if channel["id"] in ids:
            message = f"id '{channel['id']}' is already used by channel {ids[channel['id']]}"
            ctx.add(pointer_join("/channels", i, "id"), message, "duplicate")
        ids.setdefault(channel["id"], i)
    for event, at in named:
        kind, _, name = event.partition(":")
        if kind == "action" and name not in actions:
            listed = ", ".join(sorted(actions))
            ctx.add(
                at, f"there is no workflow action '{name}' (actions: {listed})", "unknown_action"
            )
        if kind == "state" and name not in states:
            listed = ", ".join(states)
            ctx.add(at, f"there is no workflow state '{name}' (states: {listed})", "unknown_state")


def check_period(ctx: SemanticContext) -> None:
    """Reminders need a periodic app; a weekly due day is a day of the week."""
    period = ctx.raw.get("period") or {}
    frequency = period.get("frequency", "none")
    if ctx.raw.get("reminders") and frequency == "none":
        message = "reminders need a periodic app: set period.frequency (weekly, monthly, ...)"
        ctx.add("/reminders", message, "needs_period")
    if frequency == "weekly" and period.get("due_day", 1) > 7:
        message = "for a weekly return, due_day is a day of the week: 1 (Monday) to 7 (Sunday)"
        ctx.add("/period/due_day", message, "out_of_range")
    _check_reminder_offsets(ctx, period, frequency)


def _check_reminder_offsets(ctx: SemanticContext, period: dict[str, Any], frequency: str) -> None:
    """A ``before_due_days`` reminder must fall on or after the first day of its period:
    earlier, it would remind about a return whose period has not started."""
    reminders = ctx.raw.get("reminders")
    if frequency not in ("weekly", "monthly", "quarterly", "yearly"):
        return
    if not isinstance(reminders, list):
        return
    try:
        rules = PeriodRules.from_json(period)
    except (TypeError, ValueError):
        return  # the schema reports it
    limit = _shortest_lead(rules)
    for index, reminder in enumerate(reminders):
        days = reminder.get("before_due_days") if isinstance(reminder, dict) else None
        if isinstance(days, int) and not isinstance(days, bool) and days > limit:
            message = (
                f"{days} days before the due date can fall before the {frequency} period "
                f"has even started: a return can be due as little as {limit} days after "
                f"its period begins, so use at most {limit}"
            )
            ctx.add(f"/reminders/{index}/before_due_days", message, "out_of_range")


def _shortest_lead(rules: PeriodRules) -> int:
    """The fewest days from a period's first day to its due date, over eight years (every
    weekday, month length and leap-year case)."""
    leads = []
    day = period_bounds("2024-01", False)[0]
    for _ in range({"weekly": 53, "monthly": 12, "quarterly": 4, "yearly": 1}[rules.frequency] * 8):
        period = period_containing(day, rules.frequency, rules.financial_year)
        assert period is not None
        start, end = period_bounds(period, rules.financial_year)
        leads.append((due_date(period, rules) - start).days)
        day = end + timedelta(days=1)
    return min(leads)


def check_migration(ctx: SemanticContext) -> None:
    """The migration starts from an older version and only names fields of this one."""
    migration = ctx.raw.get("migration")
    if not migration:
        return
    version = ctx.raw["version"]
    if migration["from_version"] >= version:
        message = f"must be lower than this definition's version ({version})"
        ctx.add("/migration/from_version", message, "out_of_range")
    if not ctx.schema_ok:
        return
    top = ctx.children.get("", set())
    renamed_from: dict[str, str] = {}
    for old, new in (migration.get("rename") or {}).items():
        at = pointer_join("/migration/rename", old)
        if new not in top:
            message = f"renames '{old}' to '{new}', but this version has no field '{new}'"
            ctx.add(at, message, "unknown_field")
        elif new in renamed_from:
            message = f"'{old}' and '{renamed_from[new]}' cannot both become '{new}'"
            ctx.add(at, message, "duplicate")
        renamed_from.setdefault(new, old)
    validator = record_validator(ctx.raw["schema"])  # linear-time patterns: no hang on a default

    def check_value(key: str, value: Any, at: str) -> None:
        errors = validator.iter_errors({key: value})
        if any(list(e.absolute_path)[:1] == [key] for e in errors):
            ctx.add(at, f"is not a valid value for field '{key}'", "bad_value")

    for key, value in (migration.get("defaults") or {}).items():
        at = pointer_join("/migration/defaults", key)
        if key not in top:
            ctx.add(at, f"there is no top-level field '{key}'", "unknown_field")
        else:
            check_value(key, value, at)
    for key, table in (migration.get("map_values") or {}).items():
        at = pointer_join("/migration/map_values", key)
        target = ctx.find(pointer_join("", key))
        if key not in top or target is None:
            ctx.add(at, f"there is no top-level field '{key}'", "unknown_field")
            continue
        for old, new in table.items():
            value = [new] if target.kind == "multi_enum" else new
            check_value(key, value, pointer_join(at, old))


def check_hooks(ctx: SemanticContext) -> None:
    """A hooks file that is named exists in the app directory."""
    hooks = ctx.raw.get("hooks")
    if hooks and ctx.source_dir is not None and not (ctx.source_dir / hooks).is_file():
        ctx.add("/hooks", f"'{hooks}' was not found in the app directory", "missing_file")
