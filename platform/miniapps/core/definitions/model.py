"""The validated app definition: :class:`AppDefinition`, read-only views of its members.

Built by :func:`miniapps.core.definitions.loading.validate_definition`; everything else
(services, forms, imports, indicators) reads definitions through this class.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, cast

from miniapps.core.definitions.schema_fields import Field, iter_fields

DEFAULT_HOOKS_FILE = "hooks.py"


@dataclass(frozen=True)
class AppDefinition:
    """A validated app definition. ``raw`` is the JSON exactly as written.

    The members are read as the meta-schema shapes them (hence the casts below)."""

    raw: dict[str, Any]
    source: str | None = None
    source_dir: Path | None = field(default=None, compare=False)

    @property
    def id(self) -> str:
        return str(self.raw["id"])

    @property
    def title(self) -> str:
        return str(self.raw["title"])

    @property
    def version(self) -> int:
        return int(self.raw["version"])

    @property
    def label(self) -> str:
        """``fridge_log v1``."""
        return f"{self.id} v{self.version}"

    @property
    def description(self) -> str:
        return str(self.raw.get("description", ""))

    @property
    def schema(self) -> dict[str, Any]:
        return cast(dict[str, Any], self.raw["schema"])

    @property
    def ui(self) -> dict[str, Any]:
        return cast(dict[str, Any], self.raw.get("ui", {}))

    @property
    def period(self) -> dict[str, Any]:
        """The ``period`` member; ``{"frequency": "none"}`` when absent."""
        return cast(dict[str, Any], self.raw.get("period", {"frequency": "none"}))

    @property
    def is_periodic(self) -> bool:
        return bool(self.period.get("frequency", "none") != "none")

    @property
    def workflow(self) -> dict[str, Any]:
        """The declared workflow, ``{}`` when absent (the engine then uses its default)."""
        return cast(dict[str, Any], self.raw.get("workflow", {}))

    @property
    def dashboard(self) -> dict[str, Any]:
        return cast(dict[str, Any], self.raw.get("dashboard", {}))

    @property
    def indicators(self) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]], self.raw.get("indicators", []))

    @property
    def indicator_source(self) -> dict[str, Any] | None:
        """Where indicators come from when they are yearly data (year sets), else None."""
        return self.raw.get("indicator_source")

    @property
    def indicator_settings(self) -> dict[str, Any]:
        """``value_per_point`` and ``national_average_list_size`` shared by the indicators;
        ``{}`` when absent."""
        return cast(dict[str, Any], self.raw.get("indicator_settings", {}))

    @property
    def notifications(self) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]], self.raw.get("notifications", []))

    @property
    def reminders(self) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]], self.raw.get("reminders", []))

    @property
    def channels(self) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]], self.raw.get("channels", []))

    @property
    def views(self) -> list[dict[str, Any]]:
        """Anonymised views of the records (shared learning); ``[]`` when absent."""
        return cast(list[dict[str, Any]], self.raw.get("views", []))

    @property
    def permissions(self) -> dict[str, list[str]]:
        return cast(dict[str, list[str]], self.raw.get("permissions", {}))

    @property
    def hooks(self) -> str | None:
        """The hooks file as named in the definition, ``None`` when not named."""
        return self.raw.get("hooks")

    @property
    def hooks_path(self) -> Path | None:
        """The hooks file on disk (named, or ``hooks.py`` beside app.json), if it exists."""
        if self.source_dir is None:
            return None
        path = self.source_dir / (self.hooks or DEFAULT_HOOKS_FILE)
        return path if path.is_file() else None

    @property
    def migration(self) -> dict[str, Any] | None:
        return self.raw.get("migration")

    @property
    def compliance(self) -> dict[str, Any] | None:
        """The framework this app is the home of (its compliance view), if any."""
        return self.raw.get("compliance")

    @property
    def evidence(self) -> list[dict[str, Any]]:
        """Quality statements its submitted records are evidence for; ``[]`` when absent."""
        return cast(list[dict[str, Any]], self.raw.get("evidence", []))

    @property
    def documents(self) -> dict[str, Any] | None:
        """The document library settings when the app is one (policies), else None."""
        return self.raw.get("documents")

    @property
    def unique(self) -> list[dict[str, Any]]:
        """Answer combinations only one record of an organisation may hold; ``[]``."""
        return cast(list[dict[str, Any]], self.raw.get("unique", []))

    @property
    def follow_ups(self) -> dict[str, Any] | None:
        """Items of a repeating section that become actions on submission, if declared."""
        return self.raw.get("follow_ups")

    @property
    def subject(self) -> dict[str, Any] | None:
        """The field naming the organisation a record is about (peer review), if any."""
        return self.raw.get("subject")

    @property
    def deadlines(self) -> list[dict[str, Any]]:
        """Dates each record must meet (complaints); ``[]`` when absent."""
        return cast(list[dict[str, Any]], self.raw.get("deadlines", []))

    @property
    def matrix(self) -> dict[str, Any] | None:
        """The people-by-items matrix (training) the records make, if declared."""
        return self.raw.get("matrix")

    @cached_property
    def fields(self) -> list[Field]:
        """Every field of the record schema (see :func:`iter_fields`)."""
        return list(iter_fields(self.schema))

    def __hash__(self) -> int:
        return hash((self.content_hash, self.source))

    @cached_property
    def content_hash(self) -> str:
        """sha256 of the canonical JSON of ``raw``: equal definitions hash equal."""
        canonical = json.dumps(self.raw, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
