"""What a database-backed record check is given (see
:mod:`miniapps.services.records.stored_checks`): kept apart from that registry so the
checks import it without importing the registry that imports them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from miniapps.core.definitions.model import AppDefinition
from miniapps.core.errors import Issue
from miniapps.models import Organisation, Record


@dataclass(frozen=True)
class Write:
    """Data about to be stored: for ``record`` (None while it is new) of ``org``."""

    app_id: str
    org: Organisation
    definition: AppDefinition
    data: dict[str, Any]
    record: Record | None


DataCheck = Callable[[Session, Write], list[Issue]]
Upkeep = Callable[[Session, Record, AppDefinition], None]
