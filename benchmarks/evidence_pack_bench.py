"""Inspection pack benchmark: ``build_pack`` for a practice with a year of data, against the
product's target of under 60 s.

The data, on a fresh database:

* ``--source generated`` (what ``auto``, the default, picks while the demo has no
  compliance stories, :data:`miniapps.demo.compliance.STORIES`): a PCN of
  two practices, the framework (``saf-2024.json``) loaded and every app of the CQC bundle
  (``apps/cqc_compliance/``) published; the practice gets a daily vaccine fridge log for
  the last 365 days (the bundle's fridge log app, or a stand-in ``cqc_bench_fridge_log``
  while the bundle has none), and ``--records`` records in all, the rest spread over the
  bundle's other apps on random days of the year, with values drawn from each app's
  schema (:func:`miniapps.demo.values.sample_record`); ``--attachments`` files of 50 to
  500 KB are attached to records of apps with a file field. The neighbouring practice
  gets the same again, which the pack must leave out.
* ``--source demo`` (``auto``'s choice once stories are registered): the real demo
  (``miniapps demo load``, the bundle's stories) and the practice with the most records
  of the bundle's apps.

Then ``--runs`` timed builds (each in a fresh session, rolled back after) of the
practice's pack into a file, as ``miniapps evidence pack`` makes it; with ``--memory``
one more build under ``tracemalloc`` reports Python's peak allocation.

    python benchmarks/evidence_pack_bench.py                    # SQLite
    python benchmarks/evidence_pack_bench.py --db postgresql    # miniapps_bench_pack
"""

from __future__ import annotations

import argparse
import io
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from miniapps import migrations_api  # noqa: E402
from miniapps.core.definitions.loading import check_bundle, validate_definition  # noqa: E402
from miniapps.core.definitions.model import AppDefinition  # noqa: E402
from miniapps.db import make_engine  # noqa: E402
from miniapps.demo.compliance import STORIES  # noqa: E402
from miniapps.demo.values import sample_record  # noqa: E402
from miniapps.models import Organisation, Record  # noqa: E402
from miniapps.services import apps as app_service  # noqa: E402
from miniapps.services import users as user_service  # noqa: E402
from miniapps.services.compliance.frameworks import load_framework  # noqa: E402
from miniapps.services.compliance.pack import build_pack  # noqa: E402
from miniapps.services.organisations import OrgRow, by_ods, upsert_organisations  # noqa: E402
from miniapps.services.records.attachments import AttachmentStore  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

REPO = HERE.parent
BUNDLE = REPO / "apps" / "cqc_compliance"
SAF_FILE = BUNDLE / "data" / "saf-2024.json"
TARGET_SECONDS = 60.0
SQLITE_URL = f"sqlite:///{generate.DATA_DIR / 'pack_bench.sqlite3'}"
PG_URL = f"{generate.PG_SERVER}/{generate.PG_DATABASE}_pack"
PRACTICE, NEIGHBOUR = "A99001", "A99002"
ORGANISATIONS = [
    OrgRow("Q99", "Bench ICB", "icb", None),
    OrgRow("PLC99", "Bench Place", "place", "Q99"),
    OrgRow("U99001", "Bench PCN", "pcn", "PLC99"),
    OrgRow(PRACTICE, "Bench Surgery", "practice", "U99001"),
    OrgRow(NEIGHBOUR, "Bench Neighbour Surgery", "practice", "U99001"),
]
# A stand-in daily fridge log while the bundle has none of its own.
FRIDGE_LOG: dict[str, Any] = {
    "id": "cqc_bench_fridge_log",
    "title": "Vaccine fridge log (benchmark stand-in)",
    "version": 1,
    "schema": {
        "type": "object",
        "required": ["fridge", "current", "minimum", "maximum"],
        "properties": {
            "fridge": {"type": "string", "title": "Fridge", "enum": ["Main", "Pharmacy"]},
            "current": {"type": "number", "title": "Current (°C)", "minimum": 2, "maximum": 8},
            "minimum": {"type": "number", "title": "Minimum (°C)", "minimum": 2, "maximum": 8},
            "maximum": {"type": "number", "title": "Maximum (°C)", "minimum": 2, "maximum": 8},
            "checked_by": {"type": "string", "title": "Checked by"},
        },
    },
    "evidence": [
        {"framework": "cqc-saf", "statements": ["medicines_optimisation"], "category": "processes"}
    ],
}


def seed(session: Session, uploads: Path, records: int, attachments: int, today: date) -> str:
    """The generated year (see the module's docstring); answers the practice's ODS code."""
    rng = random.Random(2026)
    upsert_organisations(session, ORGANISATIONS)
    pcn = by_ods(session, "U99001")
    authors = {
        ods: [
            user_service.create_user(
                session, f"staff{n}.{ods}@bench.nhs.uk", f"Staff Member {n}", None,
                "practice_staff", by_ods(session, ods),
            )
            for n in range(1, 9)
        ]
        for ods in (PRACTICE, NEIGHBOUR)
    }  # fmt: skip
    load_framework(session, read_json(SAF_FILE), source=str(SAF_FILE))
    definitions = [d for d in check_bundle(BUNDLE) if isinstance(d, AppDefinition)]
    if not any("fridge" in d.id for d in definitions):
        definitions.append(validate_definition(FRIDGE_LOG))
    start = today - timedelta(days=365)
    for definition in definitions:
        app_service.publish(session, definition, [pcn], None, targeted_from=start)
    fridge = next(d for d in definitions if "fridge" in d.id)
    with_files = {d.id: file_pointers(d) for d in definitions}
    # Apps taking uploads come up twice as often, so that there are files to attach.
    others = [
        d for d in definitions if d is not fridge for _ in range(2 if with_files[d.id] else 1)
    ]
    for ods in (PRACTICE, NEIGHBOUR):
        org = by_ods(session, ods)
        staff = authors[ods]
        plan = [(fridge, start + timedelta(days=n + 1)) for n in range(365)]
        plan += [
            (others[n % len(others)], start + timedelta(days=rng.randrange(1, 366)))
            for n in range(max(records - len(plan), 0))
        ]
        files_left = attachments
        for definition, day in plan:
            data = sample_record(definition, rng, day)
            if data is None:
                continue
            pointers = with_files[definition.id]
            if pointers and files_left:
                size = rng.randrange(50_000, 500_000)
                data[pointers[0][1:]] = store_file(session, uploads, definition.id, org, rng, size)
                files_left -= 1
            moment = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9)
            session.add(
                Record(
                    app_id=definition.id,
                    app_version=definition.version,
                    organisation=org,
                    data=data,
                    status="submitted",
                    created_by=rng.choice(staff),
                    created_at=moment,
                    updated_at=moment,
                    submitted_at=moment,
                )
            )
        session.flush()
    return PRACTICE


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def file_pointers(definition: AppDefinition) -> list[str]:
    """Top-level fields the form fills with an upload (``ui`` widget ``file``)."""
    fields = definition.ui.get("fields") or {}
    return [
        pointer
        for pointer, ui in fields.items()
        if isinstance(ui, dict) and ui.get("widget") == "file" and pointer.count("/") == 1
    ]


def store_file(
    session: Session, uploads: Path, app_id: str, org: Organisation, rng: random.Random, size: int
) -> str:
    class Upload:  # what a form's upload looks like to the store
        def __init__(self, content: bytes) -> None:
            self.filename = f"scan {rng.randrange(1, 10_000)}.pdf"
            self.mimetype = "application/pdf"
            self.stream = io.BytesIO(content)

    return AttachmentStore(session, uploads, app_id, org, None).save(
        Upload(b"%PDF-1.4\n" + rng.randbytes(size)), "/attachment"
    )


def demo_practice(url: str, uploads: Path) -> str:
    """Load the real demo; the practice with the most records of the bundle's apps."""
    from miniapps import create_app
    from miniapps.db import db
    from miniapps.demo.loader import load_demo

    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "pack-benchmark", "UPLOADS_DIR": str(uploads)}
    )
    config = app.config
    with app.app_context(), db.transaction(app) as session:
        apps_dir = Path(config["APPS_DIR"])
        load_demo(
            session,
            pilot_file=Path(config["ORGANISATIONS_FILE"]),
            apps_dirs=[apps_dir, apps_dir.parent / "docs" / "examples"],
            password="benchmark password 2026",
        )
        session.flush()
        busiest = session.execute(
            select(Organisation.ods, func.count(Record.id))
            .join(Record, Record.organisation_id == Organisation.id)
            .where(Record.app_id.like("cqc\\_%", escape="\\"), Organisation.type == "practice")
            .group_by(Organisation.ods)
            .order_by(func.count(Record.id).desc())
        ).first()
    if busiest is None:
        raise SystemExit("the demo made no records of the bundle's apps")
    return str(busiest[0])


def time_builds(url: str, ods: str, uploads: Path, runs: int, memory: bool) -> None:
    engine = make_engine(url)
    out_dir = Path(tempfile.mkdtemp(prefix="pack-bench-"))
    timings: list[float] = []
    summary = None
    for run in range(runs + (1 if memory else 0)):
        traced = memory and run == runs
        with Session(engine) as session:
            org = by_ods(session, ods)
            if traced:
                tracemalloc.start()
            started = time.perf_counter()
            summary = build_pack(session, org, "cqc-saf", out_dir / "pack.zip", uploads_dir=uploads)
            elapsed = time.perf_counter() - started
            if traced:
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                print(f"  peak Python memory during a build: {peak / 1e6:.1f} MB (tracemalloc)")
            else:
                timings.append(elapsed)
                print(f"  run {run + 1}: {elapsed:.2f} s")
            session.rollback()
    engine.dispose()
    assert summary is not None
    median = statistics.median(timings)
    print(
        f"pack of {ods}: {summary.records} records ({summary.items} evidence items), "
        f"{summary.attachments} attachments, {summary.tables} summary tables; "
        f"{summary.files} files, {summary.bytes / 1e6:.1f} MB"
    )
    verdict = "ok" if median < TARGET_SECONDS else "TOO SLOW"
    print(
        f"build time: median {median:.2f} s, max {max(timings):.2f} s over {len(timings)} runs; "
        f"{median / TARGET_SECONDS:.3f} x the {TARGET_SECONDS:.0f} s target ({verdict})"
    )
    shutil.rmtree(out_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--database-url",
        help="an existing PostgreSQL database to use instead (its public schema is dropped)",
    )
    parser.add_argument("--source", choices=("auto", "generated", "demo"), default="auto")
    parser.add_argument("--records", type=int, default=1500, help="records of the practice")
    parser.add_argument("--attachments", type=int, default=300, help="files attached")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--memory", action="store_true", help="one more build under tracemalloc")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args(argv)

    url = args.database_url or (SQLITE_URL if args.db == "sqlite" else PG_URL)
    source = args.source
    if source == "auto":  # the demo's stories when the bundle's rooms have written them
        source = "demo" if STORIES else "generated"
    if args.database_url:
        reset_schema(url)
    else:
        generate.reset_database(url)
    migrations_api.upgrade(url)
    uploads = Path(tempfile.mkdtemp(prefix="pack-bench-uploads-"))
    try:
        started = time.perf_counter()
        print(f"Seeding {source} data at {url.rsplit('@', 1)[-1]}")
        if source == "demo":
            ods = demo_practice(url, uploads)
        else:
            engine = make_engine(url)
            with Session(engine) as session:
                ods = seed(session, uploads, args.records, args.attachments, date.today())
                session.commit()
            engine.dispose()
        print(f"  seeded in {time.perf_counter() - started:.1f} s")
        time_builds(url, ods, uploads, args.runs, args.memory)
    finally:
        shutil.rmtree(uploads, ignore_errors=True)
        if not args.keep and not args.database_url:
            generate.drop_database(url)


def reset_schema(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


if __name__ == "__main__":
    main()
