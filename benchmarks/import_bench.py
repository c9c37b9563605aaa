"""Import benchmark: ``miniapps records import`` end to end, against the target of at least
5,000 records/s (issue 17).

On a fresh database (a template migrated with the project's migrations and seeded once:
an ICB > Place > PCN > four practices and the import tests' ``fridge_readings``
(``tests/import_readings.py``) published to the ICB, a fridge-temperature log of five
columns, no periods, one unique key per fridge and day), each size of ``--rows`` gets CSV
files of its valid rows (one file, and the same rows as three files of a third each),
and the real command line runs them as a child process,
timed from start to exit (Python's start-up and the app's included; the package's
bytecode compiled first, as an installed wheel has it):

* ``check only``: ``--dry-run`` of the whole file (reads and checks every row, writes
  nothing);
* ``import``: the whole file into a practice, then the records counted in the database;
* ``import, 3 files``: on a fresh copy of the template, the three files one after the
  other into a practice (what an analyst splitting a large extract does), then counted.

Each row reports wall seconds, the child's CPU seconds, records/s and its peak resident
memory (``wait4``'s rusage of that child alone). The command line's own limits are left
at their defaults.

    python benchmarks/import_bench.py                              # SQLite, 20,000 and 100,000
    python benchmarks/import_bench.py --db postgresql --rows 1000000
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import generate  # noqa: E402
from import_readings import APP_ID, DEFINITION, HEADER, iter_reading_rows  # noqa: E402
from miniapps import migrations_api  # noqa: E402
from miniapps.core.definitions.loading import validate_definition  # noqa: E402
from miniapps.db import make_engine  # noqa: E402
from miniapps.models import AuditEntry, Organisation, Record  # noqa: E402
from miniapps.services import apps as app_service  # noqa: E402
from miniapps.services.organisations import OrgRow, by_ods, upsert_organisations  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

TARGET_PER_SECOND = 5_000
DEFAULT_ROWS = (20_000, 100_000)
MINIAPPS = str(Path(sys.executable).parent / "miniapps")
PACKAGE = HERE.parent / "platform" / "miniapps"
FILES_DIR = generate.DATA_DIR / "import"
SQLITE_TEMPLATE = generate.DATA_DIR / "import_bench.sqlite3"
SQLITE_RUN = generate.DATA_DIR / "import_bench_run.sqlite3"
PG_TEMPLATE = f"{generate.PG_SERVER}/{generate.PG_DATABASE}_import"
PG_RUN = f"{generate.PG_SERVER}/{generate.PG_DATABASE}_import_run"
ONE_FILE, THREE_FILES = "A98001", "A98002"  # the practices imported into
ORGANISATIONS = [
    OrgRow("Q98", "Import Bench ICB", "icb", None),
    OrgRow("PLC98", "Import Bench Place", "place", "Q98"),
    OrgRow("U98001", "Import Bench PCN", "pcn", "PLC98"),
    *(OrgRow(f"A9800{n}", f"Import Bench Surgery {n}", "practice", "U98001") for n in range(1, 5)),
]
COLUMNS = len(HEADER.split(","))


@dataclass
class Timed:
    """One run of the command line: wall seconds, the child's CPU seconds (user and
    system), its peak RSS and its output."""

    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    stdout: str


def write_files(rows: int, reuse: bool) -> tuple[Path, list[Path]]:
    """``fridge_N.csv`` and its three parts (kept when ``reuse`` and already there): the
    import tests' fridge readings (:mod:`import_readings`)."""
    whole = FILES_DIR / f"fridge_{rows}.csv"
    parts = [FILES_DIR / f"fridge_{rows}_part{n}.csv" for n in (1, 2, 3)]
    if reuse and all(p.exists() for p in (whole, *parts)):
        return whole, parts
    FILES_DIR.mkdir(parents=True, exist_ok=True)
    bounds = [0, rows // 3, 2 * rows // 3, rows]
    with whole.open("w", encoding="utf-8") as out:
        out.write(HEADER + "\n")
        out.writelines(line + "\n" for line in iter_reading_rows(rows))
    for path, first, end in zip(parts, bounds[:-1], bounds[1:], strict=True):
        with path.open("w", encoding="utf-8") as out:
            out.write(HEADER + "\n")
            out.writelines(line + "\n" for line in iter_reading_rows(end - first, first))
    return whole, parts


def build_template(url: str, reuse: bool) -> None:
    """A migrated database with the organisations and the app published (once)."""
    if reuse and template_exists(url):
        return
    generate.reset_database(url)
    migrations_api.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        upsert_organisations(session, ORGANISATIONS)
        definition = validate_definition(DEFINITION)
        app_service.publish(session, definition, [by_ods(session, "Q98")], None)
        session.commit()
    engine.dispose()


def template_exists(url: str) -> bool:
    if url.startswith("sqlite"):
        return SQLITE_TEMPLATE.exists()
    server, name = url.rsplit("/", 1)
    admin = make_engine(f"{server}/postgres")
    with admin.connect() as conn:
        query = text("SELECT 1 FROM pg_database WHERE datname = :name")
        found = conn.execute(query, {"name": name}).first() is not None
    admin.dispose()
    return found


def fresh_copy(template: str, run: str) -> None:
    """``run`` made again as a copy of ``template`` (SQLite's backup; PostgreSQL's TEMPLATE)."""
    if template.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(str(SQLITE_RUN) + suffix).unlink(missing_ok=True)
        source, target = sqlite3.connect(SQLITE_TEMPLATE), sqlite3.connect(SQLITE_RUN)
        with target:
            source.backup(target)
        source.close()
        target.close()
        return
    server, name = run.rsplit("/", 1)
    admin = make_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template.rsplit("/", 1)[1]}"'))
    admin.dispose()


def child_env(url: str, instance: Path, rows: int) -> dict[str, str]:
    """The command line's environment: the database and an instance folder. The command
    line's own limits (``IMPORT_CLI_MAX_ROWS``, 5,000,000) are left alone; the web's, which
    it read before it had its own, are raised to ``rows`` when below."""
    env = {
        **os.environ,
        "MINIAPPS_DATABASE_URL": url,
        "MINIAPPS_INSTANCE_PATH": str(instance),
        "MINIAPPS_SECRET_KEY": "import-benchmark",
    }
    if rows > 10_000:
        env["MINIAPPS_IMPORT_MAX_ROWS"] = str(rows)
    if rows * COLUMNS > 1_000_000:
        env["MINIAPPS_IMPORT_MAX_CELLS"] = str(rows * COLUMNS)
    return env


def run_cli(env: dict[str, str], *args: str) -> Timed:
    """Run ``miniapps ARGS`` to its end; fail loudly on a non-zero exit."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen([MINIAPPS, *args], env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"miniapps {' '.join(args)} exited {process.returncode}:\n{stderr}")
    cpu = usage.ru_utime + usage.ru_stime
    return Timed(seconds, cpu, usage.ru_maxrss / 1024, stdout)


def count_records(url: str, ods: str) -> tuple[int, int]:
    """Records of the app at ``ods`` and audit entries of the app."""
    engine = make_engine(url)
    with Session(engine) as session:
        org = session.scalar(select(Organisation.id).where(Organisation.ods == ods))
        counted = select(func.count()).select_from(Record)
        records = session.scalar(counted.filter_by(app_id=APP_ID, organisation_id=org))
        audited = select(func.count()).select_from(AuditEntry).filter_by(app_id=APP_ID)
        audit = session.scalar(audited)
    engine.dispose()
    return int(records or 0), int(audit or 0)


def import_args(path: Path, ods: str, *extra: str) -> list[str]:
    return ["records", "import", APP_ID, str(path), "--org", ods, *extra]


def expect_count(url: str, ods: str, rows: int, what: str) -> None:
    stored, audit = count_records(url, ods)
    if stored != rows:
        raise SystemExit(f"{what}: {stored:,} records stored, expected {rows:,}")
    print(f"  {what}: {stored:,} records stored, {audit:,} audit entries")


def bench_size(template: str, run: str, rows: int, reuse: bool, instance: Path) -> list[str]:
    """The table's rows for one size."""
    whole, parts = write_files(rows, reuse)
    env = child_env(run, instance, rows)
    fresh_copy(template, run)
    checked = run_cli(env, *import_args(whole, ONE_FILE, "--dry-run"))
    said = re.search(r"would import ([\d,]+) record", checked.stdout)
    if said is None or int(said.group(1).replace(",", "")) != rows:
        raise SystemExit(f"--dry-run said: {checked.stdout.strip()}")
    expect_count(run, ONE_FILE, 0, "check only")
    imported = run_cli(env, *import_args(whole, ONE_FILE))
    expect_count(run, ONE_FILE, rows, "import, 1 file")
    fresh_copy(template, run)
    split = [run_cli(env, *import_args(part, THREE_FILES)) for part in parts]
    expect_count(run, THREE_FILES, rows, "import, 3 files")
    three = Timed(
        sum(t.seconds for t in split),
        sum(t.cpu_seconds for t in split),
        max(t.peak_rss_mb for t in split),
        "",
    )
    return [
        table_row("check only (`--dry-run`)", rows, 1, checked),
        table_row("import", rows, 1, imported),
        table_row("import, 3 files", rows, 3, three),
    ]


def table_row(what: str, rows: int, files: int, timed: Timed) -> str:
    rate = rows / timed.seconds
    ratio = rate / TARGET_PER_SECOND
    verdict = "ok" if ratio >= 1 else "below"
    return (
        f"| {what} | {rows:,} | {files} | {timed.seconds:.1f} | {timed.cpu_seconds:.1f} | "
        f"{rate:,.0f} | "
        f"{timed.peak_rss_mb:,.0f} MB | {ratio:.2f} ({verdict}) |"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--rows",
        default=",".join(str(n) for n in DEFAULT_ROWS),
        help="rows per import, comma-separated sizes (default 20000,100000)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases and CSV files")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the template database and the CSV files"
    )
    args = parser.parse_args(argv)
    sizes = [int(n.replace("_", "")) for n in args.rows.split(",") if n.strip()]
    sqlite = args.db == "sqlite"
    template = f"sqlite:///{SQLITE_TEMPLATE}" if sqlite else PG_TEMPLATE
    run = f"sqlite:///{SQLITE_RUN}" if sqlite else PG_RUN
    engine_name = "SQLite" if sqlite else "PostgreSQL"
    instance = Path(tempfile.mkdtemp(prefix="import-bench-instance-"))
    lines: list[str] = []
    try:
        started = time.perf_counter()
        build_template(template, args.reuse)
        print(f"Template at {template.rsplit('@', 1)[-1]}: {time.perf_counter() - started:.1f} s")
        # The package's bytecode first, as an installed wheel has it: where the environment
        # says PYTHONDONTWRITEBYTECODE, every command line would otherwise compile the
        # package's modules from source again (half a second of each start-up here).
        compileall.compile_dir(str(PACKAGE), quiet=1)
        startup = run_cli(child_env(run, instance, 0), "records", "import", "--help")
        for rows in sizes:
            print(f"{rows:,} rows on {engine_name} (load average {os.getloadavg()[0]:.1f})")
            lines += bench_size(template, run, rows, args.reuse, instance)
    finally:
        shutil.rmtree(instance, ignore_errors=True)
        if not args.keep:
            cleanup(template, run)
    print(
        f"\n{engine_name}, `miniapps records import` end to end ({COLUMNS} columns; "
        f"start-up alone {startup.seconds:.1f} s, CPU {startup.cpu_seconds:.1f} s; load average "
        f"{os.getloadavg()[0]:.1f}); target ≥ {TARGET_PER_SECOND:,} records/s. CPU s: the "
        "command's own (not the PostgreSQL server's)\n"
    )
    print("| run | rows | files | seconds | CPU s | records/s | peak RSS | x target |")
    print("|---|--:|--:|--:|--:|--:|--:|---|")
    print("\n".join(lines))


def cleanup(template: str, run: str) -> None:
    if template.startswith("sqlite"):
        for path in (SQLITE_TEMPLATE, SQLITE_RUN):
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        generate.drop_database(run)
        generate.drop_database(template)
    shutil.rmtree(FILES_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
