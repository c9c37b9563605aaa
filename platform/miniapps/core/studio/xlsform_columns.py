"""XLSForm spellings: column headers (aliases, languages) and question types."""

from __future__ import annotations

import re

TRANSLATED = {"label", "hint", "constraint_message", "required_message", "guidance_hint"}
MEDIA = {"media", "image", "big-image", "audio", "video"}
ALIASES = {
    "caption": "label",
    "relevance": "relevant",
    "calculate": "calculation",
    "readonly": "read_only",
    "count": "repeat_count",
    "jr:count": "repeat_count",
    "value": "name",
    "constraining_message": "constraint_message",
    "jr:constraintmsg": "constraint_message",
    "jr:requiredmsg": "required_message",
    "set_form_id": "form_id",
    "set_form_title": "form_title",
    "id_string": "form_id",  # the old (formhub) spellings of the settings
    "title": "form_title",
}
# Older and longer spellings of question types (as pyxform reads them).
TYPE_ALIASES = {
    **dict.fromkeys(("string", "q string", "add text prompt"), "text"),
    **dict.fromkeys(("int", "q int", "add integer prompt"), "integer"),
    **dict.fromkeys(("q decimal", "add decimal prompt"), "decimal"),
    **dict.fromkeys(("q date", "add date prompt"), "date"),
    **dict.fromkeys(("date time", "datetime", "q date time", "add date time prompt"), "datetime"),
    **dict.fromkeys(("q datetime", "add datetime prompt"), "datetime"),
    **dict.fromkeys(("q note", "add note prompt"), "note"),
    "add file prompt": "file",
    **dict.fromkeys(("imei", "device id", "get device id"), "deviceid"),
    **dict.fromkeys(("start time", "get start time"), "start"),
    **dict.fromkeys(("end time", "get end time"), "end"),
    "get today": "today",
    **dict.fromkeys(("subscriber id", "get subscriber id"), "subscriberid"),
    **dict.fromkeys(("sim id", "get sim id"), "simserial"),
    "get phone number": "phonenumber",
    **dict.fromkeys(("gps", "location", "q location", "add location prompt"), "geopoint"),
    **dict.fromkeys(("photo", "add image prompt", "add photo prompt", "q picture"), "image"),
}
_SELECT = re.compile(
    r"^(select[ _]one|select[ _]multiple|select all that apply)(?:[ _]from)?\s+(\S+)"
    r"(\s+or[ _]specify[ _]other|\s+or_other)?$",
    re.IGNORECASE,
)
_BLOCK = re.compile(r"^(begin|end)[ _](group|repeat)$", re.IGNORECASE)


def split_header(header: str) -> tuple[str, str]:
    """(base column, language) of a header: ``label::English (en)`` is ("label", "English
    (en)"); the old ``label:English`` and ``bind::relevant`` spellings are understood."""
    text = header.strip()
    lower = text.lower()
    for prefix in ("bind::", "bind:", "control::", "control:"):
        if lower.startswith(prefix):
            return _canonical(text[len(prefix) :]), ""
    if "::" in text:
        base, _, language = text.partition("::")
    elif ":" in text and _canonical(text.partition(":")[0]) in TRANSLATED | MEDIA:
        base, _, language = text.partition(":")
    else:
        base, language = text, ""
    return _canonical(base), language.strip()


def _canonical(base: str) -> str:
    name = "_".join(base.strip().lower().split())
    return ALIASES.get(name, name)


def type_words(text: str) -> list[str]:
    """The words of a ``type`` cell in one spelling: ``select one from x`` is
    ["select_one", "x"], ``begin group`` is ["begin_group"]; others are split as written."""
    text = " ".join(text.split())
    select = _SELECT.match(text)
    if select:
        kind = "select_one" if "one" in select.group(1).lower() else "select_multiple"
        return [kind, select.group(2), *(["or_other"] if select.group(3) else [])]
    alias = TYPE_ALIASES.get(text.lower())
    if alias:
        return [alias]
    block = _BLOCK.match(text)
    if block:
        return [f"{block.group(1).lower()}_{block.group(2).lower()}"]
    words = text.split()
    return [words[0].lower(), *words[1:]] if words else []


HANDLED = {"type", "name", "label", "hint", "required", "relevant", "constraint", "appearance"}
COSMETIC = {"constraint_message", "required_message", "guidance_hint", "list_name"}
REFUSED = {
    "calculation": "calculations are not supported",
    "choice_filter": "choice filters are not supported",
    "repeat_count": "repeat counts are not supported (a repeating section grows as needed)",
    "default": "default values are not supported",
    "read_only": "read-only questions are not supported",
    "trigger": "triggers are not supported",
    "parameters": "question parameters are not supported",
    "save_to": "entities (save_to) are not supported",
}
METADATA = {"start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber",
            "username", "email", "audit", "start-geopoint", "background-geopoint"}  # fmt: skip
SETTINGS = {"form_id", "form_title", "version", "style", "default_language"}
# Settings about sending, encrypting or editing the form in ODK/KoBo: nothing to convert.
TRANSPORT = {"public_key", "submission_url", "auto_send", "auto_delete", "allow_choice_duplicates",
             "xml_root", "namespaces", "omit_instanceid", "logging", "environment",
             "clean_text_values", "client_editable"}  # fmt: skip
TRANSPORT_PREFIXES = ("sms_", "kobo--")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def clean_name(text: str) -> str:
    """``text`` as a machine name (lower case, ``_`` for anything else), or "" if none."""
    name = re.sub(r"[^a-z0-9_]+", "_", text.strip().lower()).strip("_")
    if name and not name[0].isalpha():
        name = f"q_{name}"
    return name[:64]
