"""The versioned store: a fresh store is born at SCHEMA_VERSION, records and runs are
queryable in plain SQL, and each migration is all-or-nothing."""

from __future__ import annotations

import sqlite3

import pytest

from taskladder.errors import StoreError
from taskladder.store import SCHEMA_VERSION, Record, RunInfo, Store
from taskladder.store.migrations import MIGRATIONS, MIGRATIONS_TABLE, migrate


def record(run_id: str, example_id: str, **fields) -> Record:
    base = dict(run_id=run_id, example_id=example_id, split="dev", inputs={"text": "x"}, expected={"label": "pos"})
    return Record(**{**base, **fields})


def version_and_names(path) -> tuple[int, list[str]]:
    with sqlite3.connect(path) as con:
        names = [r[0] for r in con.execute(f"SELECT name FROM {MIGRATIONS_TABLE} ORDER BY rowid")]
        return con.execute("PRAGMA user_version").fetchone()[0], names


def test_a_fresh_store_records_every_migration_and_user_version(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    assert SCHEMA_VERSION == len(MIGRATIONS) >= 2
    assert store.schema_version() == SCHEMA_VERSION
    store.close()
    assert version_and_names(tmp_path / "s.sqlite") == (SCHEMA_VERSION, [m.__name__ for m in MIGRATIONS])
    Store(tmp_path / "s.sqlite").close()  # reopening applies nothing twice
    assert version_and_names(tmp_path / "s.sqlite")[1] == [m.__name__ for m in MIGRATIONS]


def test_records_are_queryable_in_sql_and_kept_current_on_rewrite(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    store.put_records([record("r1", "a", score=1.0, cost_usd=0.002, latency_ms=12.5),
                       record("r1", "b", split="test", score=0.0, parse_status="failed", error="boom",
                              cost_usd=None)])
    store.put_records([record("r1", "a", score=0.5, latency_ms=7.0)])  # a rescore replaces the row
    rows = store._db.execute("SELECT example_id, split, score, parse_status, cost_usd, latency_ms, error "
                             "FROM records ORDER BY example_id").fetchall()
    assert rows == [("a", "dev", 0.5, "ok", 0.0, 7.0, None), ("b", "test", 0.0, "failed", None, 0.0, "boom")]
    assert [r.score for r in store.get_records("r1")] == [0.0, 0.5]  # the JSON stays the source of truth


def test_runs_updated_at_moves_on_every_save(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    info = RunInfo(run_id="r1", task="t", model="m", split="dev", created_at=100.0)
    store.save_run(info, "key")
    first = store._db.execute("SELECT created_at, updated_at FROM runs").fetchone()
    info.status = "finished"
    store.save_run(info, "key")
    second = store._db.execute("SELECT created_at, updated_at FROM runs").fetchone()
    assert first[0] == second[0] == 100.0 and second[1] >= first[1] > 1e9


def test_a_failing_migration_leaves_the_store_at_the_previous_version(tmp_path):
    path = tmp_path / "s.sqlite"
    store = Store(path)
    store.put_records([record("r1", "a", score=1.0)])
    store.close()
    before = path.read_bytes()

    def m999_breaks_halfway(db):
        db.execute("CREATE TABLE half_done (x)")
        db.execute("UPDATE records SET score = 42")
        raise RuntimeError("disk on fire")

    con = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(StoreError, match=rf"m999_breaks_halfway failed \(disk on fire\).*schema {SCHEMA_VERSION}"):
        migrate(con, path, [*MIGRATIONS, m999_breaks_halfway])
    assert not con.in_transaction
    assert con.execute("SELECT name FROM sqlite_master WHERE name = 'half_done'").fetchone() is None
    assert con.execute("SELECT score FROM records").fetchall() == [(1.0,)]
    con.close()
    assert version_and_names(path) == (SCHEMA_VERSION, [m.__name__ for m in MIGRATIONS])
    assert path.read_bytes() == before
    assert Store(path).get_records("r1")[0].score == 1.0  # and today's code still opens it


def test_a_failure_in_a_later_step_keeps_the_earlier_steps(tmp_path):
    path = tmp_path / "s.sqlite"

    def m002_fails(db):
        db.execute("ALTER TABLE records ADD COLUMN score REAL")
        raise ValueError("nope")

    con = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(StoreError, match="schema 1"):
        migrate(con, path, [MIGRATIONS[0], m002_fails])
    con.close()
    assert version_and_names(path) == (1, [MIGRATIONS[0].__name__])
    with sqlite3.connect(path) as check:
        assert "score" not in [r[1] for r in check.execute("PRAGMA table_info(records)")]
    Store(path).close()  # the real migrations carry it on from there
    assert version_and_names(path)[0] == SCHEMA_VERSION


def test_a_store_naming_a_migration_this_code_lacks_is_refused(tmp_path):
    path = tmp_path / "s.sqlite"
    Store(path).close()
    with sqlite3.connect(path) as con:
        con.execute(f"UPDATE {MIGRATIONS_TABLE} SET name = 'm002_from_a_fork' WHERE name = ?", (MIGRATIONS[1].__name__,))
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer taskladder"):
        Store(path)
    assert path.read_bytes() == before


def test_a_sqlite_file_of_another_program_is_not_adopted(tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, caption TEXT)")
    before = path.read_bytes()
    with pytest.raises(StoreError, match="another program, not a taskladder store"):
        Store(path)
    assert path.read_bytes() == before


def test_an_empty_file_becomes_a_fresh_store(tmp_path):
    path = tmp_path / "s.sqlite"
    path.write_bytes(b"")
    assert Store(path).schema_version() == SCHEMA_VERSION


def test_a_failed_record_batch_writes_nothing_and_the_store_stays_usable(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    store._db.execute("CREATE TRIGGER refuse BEFORE INSERT ON records WHEN NEW.example_id = 'bad' "
                      "BEGIN SELECT RAISE(ABORT, 'refused'); END")
    with pytest.raises(sqlite3.IntegrityError, match="refused"):
        store.put_records([record("r1", "good"), record("r1", "bad")])
    assert not store._db.in_transaction and store.get_records("r1") == []
    store.put_records([record("r1", "good")])
    assert [r.example_id for r in store.get_records("r1")] == ["good"]


def test_m006_backfills_answer_keys_as_the_writer_writes_them(tmp_path):
    """Rows stored before schema 6 get the same keys a new row gets, so old and new runs compare."""
    from taskladder.store.keys import answer_key, expected_key

    path = tmp_path / "s.sqlite"
    con = sqlite3.connect(path, isolation_level=None)
    before_6 = [m for m in MIGRATIONS if m.__name__ < "m006"]
    migrate(con, path, before_6)
    old = [record("old", "a", prediction={"label": "pos", "why": "é"}, expected={"z": 1, "label": "pos"}),
           record("old", "b", prediction=None, raw_text="no json here", parse_status="failed")]
    con.executemany("INSERT INTO records (run_id, example_id, data) VALUES (?,?,?)",
                    [(r.run_id, r.example_id, r.model_dump_json()) for r in old])
    con.close()
    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION >= 6
    store.put_records([record("new", "a", prediction={"why": "é", "label": "pos"}, expected={"label": "pos", "z": 1})])
    keys = {(run, eid): (ans, exp) for run, eid, ans, exp in
            store._db.execute("SELECT run_id, example_id, answer_key, expected_key FROM records")}
    assert keys[("old", "a")] == keys[("new", "a")] == (answer_key({"label": "pos", "why": "é"}, ""),
                                                       expected_key({"label": "pos", "z": 1}))
    assert keys[("old", "b")][0] == "raw:no json here"
    plan = store._db.execute("EXPLAIN QUERY PLAN SELECT example_id, score, parse_status, error, answer_key, "
                             "expected_key FROM records WHERE run_id = ?", ("old",)).fetchall()
    assert "COVERING INDEX records_by_answer" in str(plan)  # the comparison's reads never touch the JSON
