"""Compliance benchmark: one PCN of ``--practices`` practices with ``--staff`` people each
and a year of evidence in every evidence app of the CQC bundle, then the compliance
figures a PCN manager asks for.

The data: the framework files of ``apps/cqc_compliance/data/`` and every definition of
the bundle, loaded and published through the real services; the users (a practice
manager and staff at every practice, with their memberships) and the records go in with
raw bulk inserts, never the ORM per row. Records are drawn from each app's schema
(:func:`miniapps.demo.values.sample_record`, a pool per app), submitted over the last
12 months: ``--per-app`` per practice for an app without periods (a fridge log is about
one a working day), one per period for a periodic one, and for an app with a training
``matrix`` ``--courses`` per person, naming that person. A peer review is about another
practice of the PCN. A document library (``documents``) holds ``--policies`` documents
kept by the PCN (the case study's ~300 policies), not by each practice.

Timed, each in a fresh session as a request would be (one untimed warm-up first):

* ``assess``: :func:`~miniapps.services.compliance.assessment.assess` for one practice;
* ``assess_many``: the same for every practice of the PCN at once (the heatmap's call);
* ``heatmap page``: ``GET /apps/cqc_compliance/compliance/practices?org=<PCN>`` through
  the Flask test client, signed in as the PCN manager (rendering and benchmarking
  included); ``well-led page``: one practice's Well-led view.

    python benchmarks/compliance_bench.py                   # SQLite, 10 practices x 500
    python benchmarks/compliance_bench.py --db postgresql
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "platform"))
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from miniapps import create_app, migrations_api  # noqa: E402
from miniapps.core.definitions.loading import load_bundle  # noqa: E402
from miniapps.core.definitions.model import AppDefinition  # noqa: E402
from miniapps.core.periods.keys import period_of  # noqa: E402
from miniapps.core.periods.slots import period_slot  # noqa: E402
from miniapps.core.workflow import Workflow  # noqa: E402
from miniapps.db import make_engine  # noqa: E402
from miniapps.demo.compliance import load_bundle_frameworks  # noqa: E402
from miniapps.demo.values import sample_record  # noqa: E402
from miniapps.models import Organisation  # noqa: E402
from miniapps.services import apps as app_service  # noqa: E402
from miniapps.services import users as user_service  # noqa: E402
from miniapps.services.compliance.assessment import assess, assess_many  # noqa: E402
from miniapps.services.organisations import OrgRow, by_ods, upsert_organisations  # noqa: E402
from sqlalchemy import event, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

BUNDLE = HERE.parent / "apps" / "cqc_compliance"
FRAMEWORK = "cqc-saf"
PCN = "UC00001"
PASSWORD = "compliance benchmark 2026"
MANAGER = "pcn.manager@bench.invalid"
SQLITE_URL = f"sqlite:///{generate.DATA_DIR / 'compliance.sqlite3'}"
PG_DATABASE = os.environ.get("MINIAPPS_BENCH_DATABASE", "miniapps_bench") + "_compliance"
PG_URL = f"{generate.PG_SERVER}/{PG_DATABASE}"
POOL = 40  # sampled data per app, reused at random
RECORD_COLUMNS = (
    "app_id", "app_version", "organisation_id", "subject_id", "period", "period_slot",
    "superseded", "data", "status", "version", "created_by_id", "updated_by_id",
    "created_at", "updated_at", "submitted_at",
)  # fmt: skip


def organisations(practices: int) -> list[OrgRow]:
    rows = [
        OrgRow("BENCH-ICB", "Compliance bench ICB", "icb", None, True),
        OrgRow("BENCH-PLACE", "Compliance bench Place", "place", "BENCH-ICB", True),
        OrgRow(PCN, "Compliance bench PCN", "pcn", "BENCH-PLACE", True),
    ]
    rows += [
        OrgRow(f"ZC{n:05d}", f"Bench Surgery {n:02d}", "practice", PCN, True)
        for n in range(1, practices + 1)
    ]
    return rows


def setup(session: Session, practices: int) -> list[AppDefinition]:
    """Organisations, the PCN manager (the one real password), the frameworks and the
    bundle's apps published to the ICB a year back; the evidence apps' definitions."""
    upsert_organisations(session, organisations(practices))
    icb = by_ods(session, "BENCH-ICB")
    manager = user_service.create_user(
        session, MANAGER, "Bench PCN manager", PASSWORD, "pcn_manager", by_ods(session, PCN)
    )
    lines, problems = load_bundle_frameworks(session, BUNDLE, manager)
    if problems:
        raise SystemExit("\n".join(problems))
    definitions = load_bundle(BUNDLE)
    since = date.today() - timedelta(days=400)
    for definition in definitions:
        app_service.publish(session, definition, [icb], actor=None, targeted_from=since)
    session.commit()
    print(f"  {', '.join(lines)}; {len(definitions)} apps published")
    return [d for d in definitions if d.evidence]


def bulk_people(url: str, practice_ids: list[int], staff: int) -> dict[int, list[tuple[int, str]]]:
    """``staff`` people at each practice (the first its manager): practice id ->
    [(user id, email)]."""
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    engine = make_engine(url)
    raw = engine.raw_connection()
    people: dict[int, list[tuple[int, str]]] = {}
    try:
        cur = raw.cursor()
        cur.execute("SELECT coalesce(max(id), 0) FROM users")
        next_id = int(cur.fetchone()[0]) + 1
        cur.execute("SELECT coalesce(max(id), 0) FROM memberships")
        next_membership = int(cur.fetchone()[0]) + 1
        users, memberships = [], []
        now = generate._stamp(dialect, datetime.now(UTC))
        for practice_id in practice_ids:
            people[practice_id] = []
            for n in range(staff):
                email = f"staff{n:03d}.{practice_id}@bench.invalid"
                users.append((next_id, email, f"Bench person {practice_id}-{n}", True, now))
                role = "practice_manager" if n == 0 else "practice_staff"
                memberships.append((next_membership, next_id, practice_id, role))
                people[practice_id].append((next_id, email))
                next_id += 1
                next_membership += 1
        mark = "?" if dialect == "sqlite" else "%s"
        if dialect == "sqlite":
            cur.execute("BEGIN")
        columns = "id, email, name, active, created_at"
        cur.executemany(f"INSERT INTO users ({columns}) VALUES ({', '.join([mark] * 5)})", users)
        cur.executemany(
            "INSERT INTO memberships (id, user_id, organisation_id, role)"
            f" VALUES ({', '.join([mark] * 4)})",
            memberships,
        )
        if dialect == "postgresql":
            for table in ("users", "memberships"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT max(id) FROM {table}))"
                )
        raw.commit() if dialect == "postgresql" else cur.execute("COMMIT")
    finally:
        raw.close()
        engine.dispose()
    return people


def evidence_rows(
    definitions: list[AppDefinition],
    people: dict[int, list[tuple[int, str]]],
    pcn_id: int,
    args: argparse.Namespace,
    dialect: str,
) -> Iterator[tuple[Any, ...]]:
    """A year of submitted records of every evidence app at every practice (a document
    library's at the PCN)."""
    rng = random.Random(2026)
    today = date.today()
    practices = list(people)
    for definition in definitions:
        pool = [d for d in (sample_record(definition, rng, today) for _ in range(POOL)) if d]
        if not pool:
            print(f"  {definition.id}: no valid sample data, skipped")
            continue
        workflow = Workflow(definition.workflow or None)
        status = workflow.from_state(workflow.initial)[0].target
        matrix, subject = definition.matrix, definition.subject
        for practice_id in [pcn_id] if definition.documents else practices:
            staff = people.get(practice_id) or people[practices[0]]
            for day, person in _days(definition, staff, args, rng, today):
                data = dict(rng.choice(pool))
                if matrix:
                    data[matrix["person"].lstrip("/")] = person
                    data[matrix["date"].lstrip("/")] = day.isoformat()
                about = None
                if subject:
                    about = rng.choice([p for p in practices if p != practice_id] or practices)
                period = period_of(day, definition.period.get("frequency", "none"))
                at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=10)
                stamp = generate._stamp(dialect, at)
                author = staff[rng.randrange(len(staff))][0]
                yield (
                    definition.id, definition.version, practice_id, about, period,
                    period_slot(definition.period, period), False, json.dumps(data), status,
                    1, author, author, stamp, stamp, stamp,
                )  # fmt: skip


def _days(
    definition: AppDefinition,
    staff: list[tuple[int, str]],
    args: argparse.Namespace,
    rng: random.Random,
    today: date,
) -> Iterator[tuple[date, str | None]]:
    if definition.documents:
        for _ in range(args.policies):
            yield today - timedelta(days=rng.randint(1, 364)), None
    elif definition.matrix:
        for _user_id, email in staff:
            for _ in range(args.courses):
                yield today - timedelta(days=rng.randint(1, 364)), email
    elif definition.is_periodic and period_slot(definition.period, "x"):
        seen: set[str | None] = set()
        for back in range(1, 365):
            day = today - timedelta(days=back)
            period = period_of(day, definition.period["frequency"])
            if period not in seen:
                seen.add(period)
                yield day, None
    else:
        for _ in range(args.per_app):
            yield today - timedelta(days=rng.randint(1, 364)), None


def bulk_records(url: str, rows: Iterator[tuple[Any, ...]]) -> int:
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    columns = ", ".join(RECORD_COLUMNS)
    engine = make_engine(url)
    raw = engine.raw_connection()
    count = 0
    try:
        if dialect == "sqlite":
            cur = raw.cursor()
            cur.execute("BEGIN")
            marks = ", ".join("?" * len(RECORD_COLUMNS))
            batch = list(rows)
            cur.executemany(f"INSERT INTO records ({columns}) VALUES ({marks})", batch)
            count = len(batch)
            cur.execute("COMMIT")
            cur.execute("ANALYZE")
        else:
            driver = raw.driver_connection
            with driver.cursor() as cur, cur.copy(f"COPY records ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            driver.commit()
            driver.autocommit = True
            driver.execute("VACUUM ANALYZE")
    finally:
        raw.close()
        engine.dispose()
    return count


def timed(runs: int, work: Callable[[], Any]) -> list[float]:
    work()  # warm-up: caches, the first connection
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return times


def figures(label: str, times: list[float], extra: str = "") -> float:
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    print(
        f"  {label:<30} median {statistics.median(times):8.1f} ms   p95 {p95:8.1f} ms"
        f"   max {ordered[-1]:8.1f} ms{extra}"
    )
    return statistics.median(times)


def measure(url: str, args: argparse.Namespace) -> None:
    engine = make_engine(url)
    statements = 0

    def count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    with Session(engine) as session:
        practices = list(
            session.scalars(
                select(Organisation.id)
                .where(Organisation.type == "practice")
                .order_by(Organisation.ods)
            )
        )

    def practice_orgs(session: Session) -> list[Organisation]:
        query = select(Organisation).where(Organisation.id.in_(practices))
        return list(session.scalars(query.order_by(Organisation.ods)))

    def one() -> None:
        with Session(engine) as session:
            assess(session, practice_orgs(session)[0], FRAMEWORK)

    def many() -> None:
        with Session(engine) as session:
            assess_many(session, practice_orgs(session), FRAMEWORK)

    print(f"Timing ({args.runs} runs each, {len(practices)} practices)")
    statements = 0
    single = figures("assess (1 practice)", timed(args.runs, one))
    single_statements = statements // (args.runs + 1)
    statements = 0
    batch = figures("assess_many (the PCN)", timed(args.runs, many))
    many_statements = statements // (args.runs + 1)
    engine.dispose()

    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "compliance-bench", "WTF_CSRF_ENABLED": False}
    )
    client = app.test_client()
    signed_in = client.post("/auth/login", data={"email": MANAGER, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[:500]
    first_practice = organisations(args.practices)[3].ods

    def get(url: str) -> Callable[[], None]:
        def fetch() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return fetch

    page = figures(
        "heatmap page (the PCN)",
        timed(args.runs, get(f"/apps/cqc_compliance/compliance/practices?org={PCN}")),
    )
    figures(
        "well-led page (1 practice)",
        timed(args.runs, get(f"/apps/cqc_compliance/compliance/well-led?org={first_practice}")),
    )
    n = len(practices)
    print(f"  statements per call: assess {single_statements}, assess_many {many_statements}")
    print(f"  assess_many / assess: {batch / single:.2f} (for {n} practices: "
          f"{n * single / batch:.1f}x faster than {n} separate calls)")  # fmt: skip
    print(f"  heatmap page / assess_many: {page / batch:.2f} (rendering and benchmarking)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--practices", type=int, default=10)
    parser.add_argument("--staff", type=int, default=500, help="people per practice")
    parser.add_argument("--per-app", type=int, default=250, help="records per practice per app")
    parser.add_argument("--courses", type=int, default=4, help="training records per person")
    parser.add_argument("--policies", type=int, default=300, help="documents kept by the PCN")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--reuse", action="store_true", help="keep the data already generated")
    parser.add_argument("--keep", action="store_true", help="do not drop the PostgreSQL database")
    args = parser.parse_args(argv)
    url = SQLITE_URL if args.db == "sqlite" else PG_URL
    dialect = "sqlite" if args.db == "sqlite" else "postgresql"
    if not args.reuse:
        print(f"Generating {args.db} data at {url}")
        started = time.perf_counter()
        generate.reset_database(url)
        migrations_api.upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            definitions = setup(session, args.practices)
            practice_ids = list(
                session.scalars(select(Organisation.id).where(Organisation.type == "practice"))
            )
            pcn_id = by_ods(session, PCN).id
        engine.dispose()
        people = bulk_people(url, practice_ids, args.staff)
        print(f"  {sum(len(p) for p in people.values()):,} people with memberships")
        t0 = time.perf_counter()
        count = bulk_records(url, evidence_rows(definitions, people, pcn_id, args, dialect))
        took, total = time.perf_counter() - t0, time.perf_counter() - started
        print(f"  {count:,} evidence records of {len(definitions)} apps in {took:.1f}s; "
              f"total {total:.1f}s")  # fmt: skip
    try:
        measure(url, args)
    finally:
        if args.db == "postgresql" and not args.keep:
            generate.drop_database(url)


if __name__ == "__main__":
    main()
