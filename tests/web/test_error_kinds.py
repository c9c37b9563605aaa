"""Errors carry kinds, not HTTP codes; the web layer maps each kind to one status code."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from miniapps.core.errors import (
    KINDS,
    DataInvalid,
    DefinitionInvalid,
    IncompatibleChange,
    MiniappsError,
)
from miniapps.services.indicators.overview import NoIndicators, NotAnIndicatorLevel
from miniapps.services.indicators.results import NoYearSet
from miniapps.services.organisations import ActivityInvalid, OrganisationImportInvalid
from miniapps.services.records.lifecycle import NotEditable
from miniapps.services.records.steps import StaleRecord, TransitionNotAllowed
from miniapps.services.returns.locks import PeriodLocked
from miniapps.services.returns.tracking import NotOwed, NotPeriodic
from miniapps.web.api.errors import NotFound
from miniapps.web.api.parsing import (
    BadParameter,
    MalformedJson,
    PreconditionRequired,
    RequestInvalid,
    UnsupportedMediaType,
)
from miniapps.web.errors import KIND_STATUS


def all_error_classes() -> set[type[MiniappsError]]:
    for package in ("core", "services", "web", "cli", "demo", "scheduler"):
        root = importlib.import_module(f"miniapps.{package}")
        for info in pkgutil.walk_packages(root.__path__, f"miniapps.{package}."):
            importlib.import_module(info.name)
    found: set[type[MiniappsError]] = set()
    todo: list[type[MiniappsError]] = [MiniappsError]
    while todo:
        cls = todo.pop()
        found.add(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_kind_has_one_status_code() -> None:
    assert set(KIND_STATUS) == set(KINDS)


def test_every_error_has_a_code_and_a_kind_and_no_status() -> None:
    classes = all_error_classes()
    assert len(classes) > 15  # the walk found the services' and the API's errors
    for cls in classes:
        assert cls.kind in KINDS, cls
        assert isinstance(cls.code, str) and cls.code, cls
        assert not hasattr(cls, "status"), f"{cls.__qualname__} names an HTTP status"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (MiniappsError, 400),
        (OrganisationImportInvalid, 400),
        (NotPeriodic, 400),
        (MalformedJson, 400),
        (BadParameter, 400),
        (NoIndicators, 404),
        (NotAnIndicatorLevel, 404),
        (NotFound, 404),
        (StaleRecord, 409),
        (TransitionNotAllowed, 409),
        (NotEditable, 409),
        (PeriodLocked, 409),
        (NotOwed, 409),
        (UnsupportedMediaType, 415),
        (DefinitionInvalid, 422),
        (DataInvalid, 422),
        (IncompatibleChange, 422),
        (NoYearSet, 422),
        (ActivityInvalid, 422),
        (RequestInvalid, 422),
        (PreconditionRequired, 428),
    ],
)
def test_status_codes_are_the_ones_clients_know(error: type[MiniappsError], status: int) -> None:
    assert KIND_STATUS[error.kind] == status
