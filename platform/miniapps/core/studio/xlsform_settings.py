"""The ``settings`` sheet of an XLSForm: the app's id, title and version."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from miniapps.core.studio.xlsform_columns import (
    NAME,
    SETTINGS,
    TRANSPORT,
    TRANSPORT_PREFIXES,
    clean_name,
    split_header,
)
from miniapps.core.studio.xlsform_read import Sheet

RULE = "lower-case letters, digits and _, starting with a letter"
Report = Callable[
    [str, int, str, str, bool, str], None
]  # sheet, row, column, message, drop, instead


def read_settings(
    sheet: Sheet | None, fallback_id: str, report: Report, warnings: list[str]
) -> dict[str, Any]:
    """``{"id", "title", "version"}`` from the settings sheet's second row.

    A missing id is refused; an invalid one is repaired (refused unless lenient); a
    version that is no whole number (KoBo writes dates and hashes) becomes 1 with a
    warning, as settings only about sending or editing the form in ODK/KoBo are ignored.
    """
    row = sheet.rows[0] if sheet and sheet.rows else {}
    cols = {split_header(h)[0]: h for h in sheet.header} if sheet else {}
    id_column = cols.get("form_id", "form_id")
    form_id = row.get(id_column, "").strip() or fallback_id
    if not form_id:
        report("settings", 2, id_column, "is missing (the app's id)", False, "")
    elif not NAME.match(form_id) or len(form_id) > 64:
        form_id, bad = clean_name(form_id) or "form", form_id
        message = f"'{bad}' is not a valid app id ({RULE})"
        report("settings", 2, id_column, message, True, f"used '{form_id}'")
    title = row.get(cols.get("form_title", ""), "").strip() or form_id
    text = row.get(cols.get("version", ""), "").strip() or "1"
    version = int(text) if text.isdigit() and 0 < int(text) < 2**31 else 1
    if str(version) != text:
        where = f"settings row 2, column {cols.get('version', 'version')}"
        warnings.append(f"{where}: '{text}' is not a whole number of at least 1 (used 1)")
    for key, header in cols.items():
        if key in SETTINGS or not row.get(header, "").strip():
            continue
        if key in TRANSPORT or key.startswith(TRANSPORT_PREFIXES):
            warnings.append(f"settings row 2, column {header}: only for sending or editing the "
                            "form in ODK or KoBo (ignored)")  # fmt: skip
        else:
            report("settings", 2, header, "this setting is not supported", True, "dropped")
    return {"id": form_id, "title": title or "Untitled form", "version": version}
