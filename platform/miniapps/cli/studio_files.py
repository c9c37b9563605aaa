"""What the studio's commands share: reading the input file within a size bound, and
writing ``DIR/app.json`` whole or not at all."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from miniapps.cli.output import fail


def read_input(file: Path, max_bytes: int) -> bytes:
    """The bytes of ``file``; a missing, unreadable or too large file ends the command."""
    try:
        if not file.is_file():
            fail(summary=f"{file}: no such file")
        if file.stat().st_size > max_bytes:
            fail(summary=f"{file}: the file is larger than {max_bytes // 2**20} MB")
        return file.read_bytes()
    except OSError as exc:
        fail(summary=f"{file}: cannot be read ({exc.strerror or exc})")


def write_definition(target: Path, definition: dict[str, Any]) -> None:
    """Write ``definition`` to ``target`` (a temporary file, then renamed): never half a file."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".app.", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(json.dumps(definition, indent=2, ensure_ascii=False) + "\n")
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        fail(summary=f"{target} cannot be written ({exc.strerror or exc})")
