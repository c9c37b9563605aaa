"""Checks on uploaded files: type (``ui.fields[ptr].accept``) and size (``max_bytes``)."""

from __future__ import annotations

import os
from typing import Any

from miniapps.core.forms.fields import DEFAULT_MAX_BYTES

_NAMES = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPG",
    "image/gif": "GIF",
    "text/csv": "CSV",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/msword": "DOC",
    "text/plain": "TXT",
}


def accept_list(options: dict[str, Any]) -> list[str]:
    """The ``accept`` option as a list of lower-case mime types and ``.ext`` entries."""
    accept = options.get("accept") or []
    if isinstance(accept, str):
        accept = accept.split(",")
    return [str(a).strip().lower() for a in accept if str(a).strip()]


def _label(entry: str) -> str:
    if entry.startswith("."):
        return entry[1:].upper()
    if entry.endswith("/*"):
        return entry[:-2]
    return _NAMES.get(entry, entry.rsplit("/", 1)[-1].upper())


def _or_list(words: list[str]) -> str:
    unique = list(dict.fromkeys(words))
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " or " + unique[-1]


def _size(upload: Any) -> int:
    stream = getattr(upload, "stream", None)
    if stream is not None and hasattr(stream, "seek"):
        position = stream.tell()
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(position)
        return int(size)
    return int(getattr(upload, "content_length", 0) or 0)


def _megabytes(limit: int) -> str:
    value = limit / (1024 * 1024)
    return f"{value:g} MB" if value >= 1 else f"{max(1, round(limit / 1024))} KB"


def upload_problem(upload: Any, options: dict[str, Any]) -> str | None:
    """Why ``upload`` (a werkzeug ``FileStorage``) is refused, or None when it is fine."""
    accept = accept_list(options)
    if accept:
        filename = str(getattr(upload, "filename", "") or "").lower()
        mimetype = str(getattr(upload, "mimetype", "") or "").lower()
        extension = os.path.splitext(filename)[1]
        allowed = any(
            entry in (extension, mimetype)
            or (entry.endswith("/*") and mimetype.startswith(entry[:-1]))
            for entry in accept
        )
        if not allowed:
            return f"The selected file must be a {_or_list([_label(a) for a in accept])}"
    limit = int(options.get("max_bytes") or DEFAULT_MAX_BYTES)
    size = _size(upload)
    if size > limit:
        return f"The selected file must be smaller than {_megabytes(limit)}"
    if size == 0:
        return "The selected file is empty"
    return None
