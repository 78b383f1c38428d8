"""The store's schema history: an ordered list of small migrations, each applied once.

Modelled on simonw/llm's ``migrations.py``: the table ``_taskladder_migrations`` names every
migration already applied, so opening a store runs only the new ones, each in its own
transaction (a failure leaves the store at the version before it). ``PRAGMA user_version``
mirrors the count, so ``sqlite3 taskladder.sqlite 'PRAGMA user_version'`` shows the schema
version without taskladder.

Stores written before versioning existed have today's tables and no version recorded:
migration 1 creates exactly those tables with ``IF NOT EXISTS``, so on such a store it is
a no-op that adopts it as version 1 without touching its data.

Never edit, rename or reorder a released migration (its name is its identity in old stores):
append a new one.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Callable

from ..errors import StoreError
from .keys import SQL_ANSWER_KEY, SQL_CANONICAL, register_sql_functions

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS_TABLE = "_taskladder_migrations"
LEGACY_TABLES = {"calls", "runs", "rationales", "served", "records"}
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append(fn)
    return fn


def _run_all(db: sqlite3.Connection, statements: str) -> None:
    # Not executescript: it commits first, which would break the one-transaction-per-migration rule.
    for statement in statements.split(";"):
        if statement.strip():
            db.execute(statement)


@migration
def m001_initial(db: sqlite3.Connection) -> None:
    """The tables as the pre-versioning store created them, column for column."""
    _run_all(db, """
    CREATE TABLE IF NOT EXISTS calls (
        key TEXT PRIMARY KEY,
        model TEXT NOT NULL,
        request TEXT NOT NULL,
        text TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cost_usd REAL,
        latency_ms REAL NOT NULL,
        extra TEXT,
        created_at REAL NOT NULL
    );
    CREATE TABLE IF NOT EXISTS runs (
        run_id TEXT PRIMARY KEY,
        run_key TEXT NOT NULL,
        task TEXT NOT NULL,
        model TEXT NOT NULL,
        split TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at REAL NOT NULL,
        info TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS runs_by_key ON runs(run_key, status);
    CREATE TABLE IF NOT EXISTS rationales (
        task_fingerprint TEXT NOT NULL,
        model TEXT NOT NULL,
        example_id TEXT NOT NULL,
        rationale TEXT NOT NULL,
        answer TEXT NOT NULL,
        lineage TEXT NOT NULL,
        PRIMARY KEY (task_fingerprint, model, example_id)
    );
    CREATE TABLE IF NOT EXISTS served (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        model TEXT NOT NULL,
        time REAL NOT NULL,
        status TEXT NOT NULL,
        decisions TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cached INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS records (
        run_id TEXT NOT NULL,
        example_id TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (run_id, example_id)
    )
    """)


@migration
def m002_queryable_records(db: sqlite3.Connection) -> None:
    """Records answerable in plain SQL (score by split, errors, cost), and runs.updated_at
    so a viewer can poll for live progress. Old rows are backfilled from their JSON."""
    for column, kind in (("split", "TEXT"), ("score", "REAL"), ("parse_status", "TEXT"),
                         ("cost_usd", "REAL"), ("latency_ms", "REAL"), ("error", "TEXT")):
        db.execute(f"ALTER TABLE records ADD COLUMN {column} {kind}")
    db.execute(
        "UPDATE records SET split = json_extract(data, '$.split'), score = json_extract(data, '$.score'), "
        "parse_status = json_extract(data, '$.parse_status'), cost_usd = json_extract(data, '$.cost_usd'), "
        "latency_ms = json_extract(data, '$.latency_ms'), error = json_extract(data, '$.error')"
    )
    db.execute("CREATE INDEX records_by_score ON records(run_id, score)")
    db.execute("ALTER TABLE runs ADD COLUMN updated_at REAL")
    db.execute("UPDATE runs SET updated_at = created_at")


@migration
def m003_call_ledger(db: sqlite3.Connection) -> None:
    """Which run paid for each call (so every spend shown is a sum over this table), and claims:
    a process about to send a call claims its key, so another process with the same call waits
    for the answer instead of paying for it twice. Calls cached before this have no run."""
    db.execute("ALTER TABLE calls ADD COLUMN run_id TEXT")
    db.execute("CREATE INDEX calls_by_run ON calls(run_id)")
    db.execute("CREATE TABLE call_claims (key TEXT PRIMARY KEY, owner TEXT NOT NULL, pid INTEGER NOT NULL, "
               "host TEXT NOT NULL, expires_at REAL NOT NULL)")


@migration
def m004_human_labels(db: sqlite3.Connection) -> None:
    """What people add in ``taskladder view``: gold patches (a corrected expected output or an
    "ambiguous" mark, every edit kept as lineage), blinded pairwise votes, and review queues."""
    _run_all(db, """
    CREATE TABLE gold_patches (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task TEXT NOT NULL,
        example_id TEXT NOT NULL,
        field TEXT,
        old_value TEXT,
        new_value TEXT,
        ambiguous INTEGER NOT NULL DEFAULT 0,
        author TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL
    );
    CREATE INDEX gold_patches_by_task ON gold_patches(task, example_id);
    CREATE TABLE votes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task TEXT NOT NULL,
        example_id TEXT NOT NULL,
        run_a TEXT NOT NULL,
        run_b TEXT NOT NULL,
        left_run TEXT NOT NULL,
        winner TEXT NOT NULL,
        voter TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX votes_by_task ON votes(task);
    CREATE TABLE review_queue (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        queue TEXT NOT NULL,
        task TEXT NOT NULL,
        example_id TEXT NOT NULL,
        runs TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'pending',
        reviewer TEXT,
        added_at REAL NOT NULL,
        reviewed_at REAL,
        UNIQUE (queue, task, example_id)
    )
    """)


@migration
def m005_finetune_jobs(db: sqlite3.Connection) -> None:
    """Provider fine-tuning jobs, one row per submission: a killed `finetune submit` finds its
    uploaded file and job id here and resumes polling instead of paying for a second job."""
    db.execute("CREATE TABLE finetune_jobs (submission_key TEXT PRIMARY KEY, job_id TEXT, provider TEXT NOT NULL, "
               "base_model TEXT NOT NULL, status TEXT NOT NULL, fine_tuned_model TEXT, created_at REAL NOT NULL, "
               "updated_at REAL NOT NULL, info TEXT NOT NULL)")
    db.execute("CREATE INDEX finetune_jobs_by_id ON finetune_jobs(job_id)")


@migration
def m006_record_answer_keys(db: sqlite3.Connection) -> None:
    """Each record's answer key and expected output in their own columns (store/keys.py), so the
    viewer's comparison filters (wrong only, disagreements, by label) read a few short columns
    instead of parsing every record's JSON; one covering index serves those reads. Old rows
    are backfilled here, through the same functions the record writer uses."""
    register_sql_functions(db)
    db.execute("ALTER TABLE records ADD COLUMN answer_key TEXT")
    db.execute("ALTER TABLE records ADD COLUMN expected_key TEXT")
    db.execute(f"UPDATE records SET answer_key = {SQL_ANSWER_KEY}(json_extract(data, '$.prediction'), "
               f"json_extract(data, '$.raw_text')), expected_key = {SQL_CANONICAL}(json_extract(data, '$.expected'))")
    db.execute("CREATE INDEX records_by_answer ON records(run_id, example_id, answer_key, expected_key, score, "
               "parse_status, error)")


SCHEMA_VERSION = len(MIGRATIONS)


def _applied(db: sqlite3.Connection) -> list[str]:
    if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MIGRATIONS_TABLE,)).fetchone():
        return []
    return [row[0] for row in db.execute(f"SELECT name FROM {MIGRATIONS_TABLE} ORDER BY rowid")]


def check_usable(db: sqlite3.Connection, path: Path, migrations: list[Migration] = MIGRATIONS) -> list[str]:
    """Read-only: the applied migration names, or a StoreError before anything is written.

    Raises ``sqlite3.DatabaseError`` for a file that is not SQLite (the caller words it)."""
    user_version = db.execute("PRAGMA user_version").fetchone()[0]
    applied = _applied(db)
    known = [m.__name__ for m in migrations]
    theirs = max(user_version, len(applied))
    if theirs > len(known) or set(applied) - set(known):
        raise StoreError(
            f"{path} was written by a newer taskladder (schema {theirs}, this one knows {len(known)}): "
            "upgrade taskladder or set TASKLADDER_HOME to another folder"
        )
    if not applied:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        tables.discard("sqlite_sequence")
        if tables and not tables & LEGACY_TABLES:
            raise StoreError(
                f"{path} is a SQLite file of another program, not a taskladder store: "
                "move it away or set TASKLADDER_HOME to another folder"
            )
    return applied


def migrate(db: sqlite3.Connection, path: Path, migrations: list[Migration] = MIGRATIONS) -> int:
    """Apply the migrations this store lacks, one transaction each; return the schema version.

    ``db`` must be in autocommit mode (``isolation_level=None``)."""
    applied = check_usable(db, path, migrations)
    for version, fn in enumerate(migrations, start=1):
        if fn.__name__ in applied:
            continue
        db.execute("BEGIN IMMEDIATE")  # the write lock first: another process may be migrating too
        try:
            applied = check_usable(db, path, migrations)
            if fn.__name__ not in applied:
                fn(db)
                db.execute(f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} "
                           "(name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
                db.execute(f"INSERT INTO {MIGRATIONS_TABLE} (name, applied_at) VALUES (?, ?)",
                           (fn.__name__, time.time()))
                db.execute(f"PRAGMA user_version = {version}")
                applied = [*applied, fn.__name__]
            db.execute("COMMIT")
        except BaseException as exc:
            if db.in_transaction:  # SQLite rolls some failures back by itself
                db.execute("ROLLBACK")
            if isinstance(exc, StoreError) or not isinstance(exc, Exception):  # Ctrl-C stays Ctrl-C
                raise
            raise StoreError(
                f"{path}: migration {fn.__name__} failed ({exc}); the store is unchanged at schema {version - 1}: "
                "report this, or set TASKLADDER_HOME to another folder to start afresh"
            ) from exc
    return len(migrations)
