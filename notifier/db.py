"""The one way to open a database session, for the web app and the workers alike."""

from __future__ import annotations

import fcntl
import functools
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    DateTime,
    Engine,
    Table,
    bindparam,
    create_engine,
    event,
    inspect,
    text,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from notifier.prepared import Prepared, insert_into

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Pages of WAL after which the committing writer copies them into the database (SQLite's
# default is 1,000). An event's commit writes about 40 pages, so at 1,000 a writer stopped
# every 25 commits to copy, holding the turn of every other writer; at 10,000 the copies come
# ten times less often, and the pages every commit touches are copied once for all of them.
# The WAL grows to about 40 MB.
SQLITE_CHECKPOINT_PAGES = 10_000
READ_ONLY = "notifier_read_only"
# Batches of at least this many rows are copied into PostgreSQL (`insert_rows`).
COPY_FROM_ROWS = 20


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC; SQLite hands back naive ones, read as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes and store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Hand back aware UTC datetimes."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base of every table."""

    type_annotation_map = {datetime: UTCDateTime}


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, for bulk statements where the ORM costs more than it gives."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def on_postgresql(session: Session) -> bool:
    """Whether the session's database is PostgreSQL, where each statement is a round trip
    (and a data-modifying WITH can make several one)."""
    return session.get_bind().dialect.name == "postgresql"


def insert_new(session: Session, row: Base) -> None:
    """Write a new object's row with one Core INSERT, leaving the object out of the session.

    For rows written once and not changed again in the transaction: the ORM would track them
    for changes that never come. Columns left unset take their defaults.
    """
    insert_rows(session, type(row), [values_of(row)])


def values_of(row: Base) -> dict[str, Any]:
    """The column values set on a new object, by column."""
    given = inspect(row).dict
    return {c.key: given[c.key] for c in table_of(type(row)).columns if c.key in given}


def insert_rows(session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows of a table at once, each naming the same columns.

    PostgreSQL copies a batch in (COPY): one statement for all of them, where an executemany
    runs the INSERT once per row, and costs the client less too. A few rows (an event's texts)
    go in one INSERT: a COPY takes a round trip more. The columns' own conversions
    (`UTCDateTime` refuses naive times) apply as they do to any statement.
    """
    if not rows:
        return
    table, connection = table_of(model), session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql" or len(rows) < COPY_FROM_ROWS:
        insert_into(table, tuple(rows[0])).many(session, rows)
        return
    names = list(rows[0])
    converts = [(name, _converter(table, name, dialect)) for name in names]
    quote = dialect.identifier_preparer.quote
    copy = f"COPY {quote(table.name)} ({', '.join(map(quote, names))}) FROM STDIN"
    driver = connection.connection.driver_connection  # psycopg's, in this transaction
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(copy) as rows_in:
        for row in rows:
            rows_in.write_row([row[name] if c is None else c(row[name]) for name, c in converts])


def update_rows(session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
    """Write new values into many rows of a table at once; each row names its `id` and the
    same columns.

    PostgreSQL takes several in one UPDATE joined to the values as arrays (`unnest`), where an
    executemany runs the UPDATE once per row; one row, and every row elsewhere, a prepared
    UPDATE (an executemany).
    """
    if not rows:
        return
    table, dialect = table_of(model), session.connection().dialect
    if dialect.name != "postgresql" or len(rows) == 1:
        _update_each_row(session, model, rows)
        return
    columns = tuple(rows[0])
    _update_unnest(table, columns, dialect).run(session, _arrays(table, columns, rows, dialect))


def _update_each_row(
    session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]]
) -> None:
    """`update_rows` with one prepared UPDATE per row (an executemany)."""
    names = tuple(name for name in rows[0] if name != "id")
    _update_each(table_of(model), names).many(
        session, [{"row_id": row["id"], **{n: row[n] for n in names}} for row in rows]
    )


# What one table is given at a commit: new rows, or new values for rows named by `id`.
Rows = tuple[type[Base], Sequence[Mapping[str, Any]]]


def write_rows(session: Session, inserts: Sequence[Rows], updates: Sequence[Rows]) -> None:
    """Insert rows of some tables, then write new values into rows of others (`insert_rows`,
    `update_rows`), as a unit of work does at its commit.

    On PostgreSQL a few rows of each table go in one round trip: each row's prepared INSERT or
    UPDATE, sent one after another in a pipeline, whose first error ends it and is raised at
    its end. (One statement of every table's rows as arrays made the same round trip, but
    PostgreSQL planned it anew at each call: it cost the server more than these.) A batch
    large enough to copy in, and every batch elsewhere, goes table by table.
    """
    inserts = [(model, rows) for model, rows in inserts if rows]
    updates = [(model, rows) for model, rows in updates if rows]
    few = all(len(rows) < COPY_FROM_ROWS for _, rows in inserts)
    pipelined = few and len(inserts) + len(updates) > 1 and on_postgresql(session)
    with _pipeline(session) if pipelined else nullcontext():
        for model, rows in inserts:
            insert_rows(session, model, rows)
        for model, rows in updates:  # in a pipeline, a row's UPDATE each (see above)
            (_update_each_row if pipelined else update_rows)(session, model, rows)


@contextmanager
def _pipeline(session: Session) -> Iterator[None]:
    """PostgreSQL: the statements run inside go in one pipeline, one round trip for all.

    The session's pending changes are written first, as the statements would (`Prepared`), so
    that only this block's statements go in the pipeline. An error in it is raised as
    SQLAlchemy's, as a statement's would be.
    """
    session.flush()
    connection = session.connection()
    driver = connection.connection.driver_connection  # psycopg's, in this transaction
    assert driver is not None
    error_type = connection.dialect.loaded_dbapi.Error
    try:
        with driver.pipeline():
            yield
    except error_type as error:
        raise DBAPIError.instance("(a pipeline)", None, error, error_type) from error


@functools.lru_cache(maxsize=64)  # keyed by the engine's dialect: bounded, as tests make many
def _update_unnest(table: Table, columns: tuple[str, ...], dialect: Dialect) -> Prepared:
    """PostgreSQL: an UPDATE of rows named by `id`, given as one array per column."""
    quote = dialect.identifier_preparer.quote
    arrays = ", ".join(
        f"CAST(:{name} AS {table.c[name].type.compile(dialect=dialect)}[])" for name in columns
    )
    sets = ", ".join(f"{quote(name)} = v.{quote(name)}" for name in columns if name != "id")
    target, names = quote(table.name), ", ".join(map(quote, columns))
    values = f"unnest({arrays}) AS v({names})"
    return Prepared(text(f"UPDATE {target} SET {sets} FROM {values} WHERE {target}.id = v.id"))


def _arrays(
    table: Table, names: tuple[str, ...], rows: Sequence[Mapping[str, Any]], dialect: Dialect
) -> dict[str, list[Any]]:
    """Each column's values, converted as its type would for the driver, as one list."""
    arrays = {}
    for name, convert in zip(names, _converters(table, names, dialect), strict=True):
        arrays[name] = [row[name] if convert is None else convert(row[name]) for row in rows]
    return arrays


@functools.lru_cache(maxsize=256)  # keyed by the engine's dialect: bounded, as tests make many
def _converters(
    table: Table, names: tuple[str, ...], dialect: Dialect
) -> tuple[Callable[[Any], Any] | None, ...]:
    """Each column's `_converter`, made once: every commit of a unit of work asks for them."""
    return tuple(_converter(table, name, dialect) for name in names)


# Built once per table and columns, as `insert_into`: a unit of work's events write their
# answers with one of them at every commit.
@functools.cache
def _update_each(table: Table, names: tuple[str, ...]) -> Prepared:
    # "id" names the column in SET: the key's parameter needs another name.
    return Prepared(
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({name: bindparam(name) for name in names})
    )


def _converter(table: Table, name: str, dialect: Dialect) -> Callable[[Any], Any] | None:
    """How a column's type turns a value into what the driver is given, if it does."""
    return table.c[name].type.dialect_impl(dialect).bind_processor(dialect)


def make_engine(url: str) -> Engine:
    """An engine for `url`, with SQLite set up for several processes writing."""
    url = normalize_url(url)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def normalize_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs that name no driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (below), and let readers and a writer work at once.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL syncs at checkpoints, not at every commit: a power cut may lose the
    # last commits but never corrupts the file, and a process crash loses nothing.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front: two writers then queue instead of one
    # failing with "database is locked" when it upgrades from reading to writing. A session
    # that only reads begins plainly, beside the writer, as WAL allows.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


_QUEUES: dict[Path, _WriterQueue] = {}
_QUEUES_MADE = threading.Lock()


class _WriterQueue:
    """SQLite's writers, of every process, in one queue: a lock file beside the database.

    SQLite has one writer at a time. Left to SQLite, a waiting writer polls in growing sleeps
    (up to 100 ms) and often wakes long after the lock came free; here it blocks on the lock
    file, and the kernel wakes it the moment the writer before it commits.
    """

    def __init__(self, path: Path) -> None:
        self._file = path.open("ab")
        self._held = threading.local()
        self._threads = threading.Lock()

    @classmethod
    def beside(cls, url: str) -> _WriterQueue | None:
        """The queue for the SQLite file at `url`; None for any other database."""
        url = normalize_url(url)
        path = url.removeprefix("sqlite:///")
        if not url.startswith("sqlite") or not path or path == ":memory:":
            return None
        lock = Path(path + "-writers.lock").resolve()
        with _QUEUES_MADE:  # one per file in a process, whichever `Database` asks; kept open
            if lock not in _QUEUES:
                _QUEUES[lock] = cls(lock)
            return _QUEUES[lock]

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for this thread's turn to write; a session opened inside one already has it."""
        if getattr(self._held, "depth", 0):
            self._held.depth += 1
            try:
                yield
            finally:
                self._held.depth -= 1
            return
        # One thread of this process at a time holds the file lock, which is the process's.
        # As long as SQLite itself would wait, and then the same error.
        if not self._threads.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise sqlite3.OperationalError("database is locked")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX)
            self._held.depth = 1
            try:
                yield
            finally:
                self._held.depth = 0
                fcntl.flock(self._file, fcntl.LOCK_UN)
        finally:
            self._threads.release()


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        reader = self.engine.execution_options(**{READ_ONLY: True})
        self._readers = sessionmaker(reader, expire_on_commit=False)
        self._writers = _WriterQueue.beside(url)

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error.

        `write=False` promises only to read, which lets SQLite run it beside a writer.
        """
        with (
            self.writers_turn() if write else nullcontext(),
            (self._sessions if write else self._readers)() as session,
            session.begin(),
        ):
            yield session

    @property
    def writers_take_turns(self) -> bool:
        """Whether one writer at a time works (SQLite), so that the others wait for their turn."""
        return self._writers is not None

    def writers_turn(self) -> AbstractContextManager[None]:
        """This thread's turn to write, kept by every session it opens until it ends.

        SQLite has one writer at a time: its writers wait here for their turn. Other databases
        let writers work at once: there is nothing to wait for.
        """
        return self._writers.turn() if self._writers else nullcontext()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
