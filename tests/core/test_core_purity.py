"""The core is pure: every module under ``miniapps.core`` imports without the web framework,
the database or the layers above it.

Each check runs in a fresh interpreter (this one has long since imported Flask) whose
import system refuses the packages the core must not use.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

BLOCKED = (
    "flask",
    "werkzeug",
    "flask_wtf",
    "flask_login",
    "sqlalchemy",
    "alembic",
    "miniapps.models",
    "miniapps.services",
    "miniapps.web",
    "miniapps.db",
)

IMPORT_EVERYTHING = textwrap.dedent(
    """
    import importlib
    import importlib.abc
    import json
    import pkgutil
    import sys

    BLOCKED = tuple(sys.argv[1:])
    refused = []


    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if any(name == b or name.startswith(b + ".") for b in BLOCKED):
                refused.append(name)
                raise ImportError(f"the core may not import {name}")
            return None


    sys.meta_path.insert(0, Refuse())
    failures = {}
    import miniapps.core

    walked = pkgutil.walk_packages(
        miniapps.core.__path__,
        "miniapps.core.",
        onerror=lambda name: failures.setdefault(name, "its package did not import"),
    )
    modules = ["miniapps.core"] + [info.name for info in walked]
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failures[name] = repr(exc)
    print(json.dumps({"modules": modules, "failures": failures, "refused": refused}))
    """
)


def run_in_fresh_interpreter(blocked: tuple[str, ...]) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING, *blocked],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_every_core_module_imports_without_web_database_or_services() -> None:
    found = run_in_fresh_interpreter(BLOCKED)
    assert found["failures"] == {}
    assert found["refused"] == []
    # The walk reached the sub-packages (an empty walk would pass vacuously).
    assert {
        "miniapps.core.definitions.loading",
        "miniapps.core.forms.bound",
        "miniapps.core.forms.render",
        "miniapps.core.pointers",
    } <= set(found["modules"])


def test_the_guard_refuses_what_it_blocks() -> None:
    # Blocking a package the core does use shows that the finder really refuses imports.
    found = run_in_fresh_interpreter(("wtforms",))
    assert "miniapps.core.forms" in found["failures"]
    assert "miniapps.core.pointers" not in found["failures"]
    assert "wtforms" in found["refused"]
