"""Statements of the hottest paths, compiled once per database and run on the driver's cursor.

For a statement of one row, SQLAlchemy's execution (its cache key, its parameters, its result's
set-up, the ORM's around them) costs several times what the database takes to run it: an
event's few INSERTs and SELECTs spent more there than anywhere else. A `Prepared` statement
keeps what matters of that machinery and drops the rest:

- the SQL as the dialect writes it, compiled the first time a database of its kind runs it;
- each column type's conversions of the values going in and of those coming out (so that
  `UTCDateTime` still refuses naive times, and JSON is still written and read as JSON);
- the session's transaction and its autoflush, so a statement sees what the ORM changed;
- SQLAlchemy's exceptions: a duplicate is still an `IntegrityError`.
"""

from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Insert, Table, bindparam, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.schema import ScalarElementColumnDefault

Convert = Callable[[Any], Any]
Params = Mapping[str, Any]


@dataclass(frozen=True)
class _Form:
    """A statement as one kind of database runs it."""

    sql: str
    # Each parameter's name and conversion, in the statement's order.
    binds: tuple[tuple[str, Convert | None], ...]
    # Parameters the statement fixes itself (a LIMIT, a literal), already converted.
    fixed: Mapping[str, Any]
    positional: bool
    # Each result column's conversion, and the rows' type.
    results: tuple[Convert | None, ...]
    row: Callable[[Iterable[Any]], Any]
    # The driver's base exception, which SQLAlchemy's own wrap.
    error: type[Exception]


class Prepared:
    """A Core statement run on the driver of the session's connection, in its transaction."""

    def __init__(self, statement: ClauseElement) -> None:
        self._statement = statement
        self._forms: dict[tuple[str, str], _Form] = {}

    def rows(self, session: Session, params: Params) -> list[Any]:
        """Run the statement once; answer its rows, each with its columns by name."""
        form, driver = self._driver(session)
        cursor = _run(driver, form, lambda c: c.execute(form.sql, _given(form, params)))
        rows = cursor.fetchall() if form.results else []
        return [
            form.row(
                value if convert is None or value is None else convert(value)
                for value, convert in zip(row, form.results, strict=True)
            )
            for row in rows
        ]

    def first(self, session: Session, params: Params) -> Any | None:
        """The statement's first row, or None."""
        rows = self.rows(session, params)
        return rows[0] if rows else None

    def run(self, session: Session, params: Params) -> None:
        """Run the statement once, for what it does."""
        self.many(session, [params])

    def many(self, session: Session, params: Sequence[Params]) -> None:
        """Run the statement once per set of parameters, in one call to the driver."""
        form, driver = self._driver(session)
        given = [_given(form, one) for one in params]
        if len(given) == 1:  # psycopg's executemany sets up a pipeline, for one row too
            _run(driver, form, lambda cursor: cursor.execute(form.sql, given[0]))
        else:
            _run(driver, form, lambda cursor: cursor.executemany(form.sql, given))

    def _driver(self, session: Session) -> tuple[_Form, Any]:
        if session.autoflush:  # as the ORM would before a statement: it sees what it changed
            session.flush()
        connection = session.connection()
        dialect = connection.dialect
        key = (dialect.name, dialect.driver)
        form = self._forms.get(key)
        if form is None:
            form = self._forms[key] = _compile(self._statement, dialect)
        return form, connection.connection.driver_connection


def _given(form: _Form, params: Params) -> Any:
    values = dict(form.fixed)
    for name, convert in form.binds:
        if name in values:
            continue
        value = params[name]
        values[name] = value if convert is None else convert(value)
    return tuple(values[name] for name, _ in form.binds) if form.positional else values


def _run(driver: Any, form: _Form, call: Callable[[Any], Any]) -> Any:
    """Run `call` on a cursor of the driver's connection, with SQLAlchemy's exceptions."""
    cursor = driver.cursor()
    try:
        call(cursor)
    except form.error as error:
        raise DBAPIError.instance(form.sql, None, error, form.error) from error
    return cursor


def _compile(statement: ClauseElement, dialect: Dialect) -> _Form:
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
        raise ValueError("a prepared statement must be given every column with a default")
    names = list(compiled.positiontup or compiled.binds)
    binds, fixed = [], {}
    for name in names:
        bind = compiled.binds[name]
        if bind.expanding:  # a list, written into the statement at each call
            raise ValueError(f"a prepared statement takes no list ({name})")
        convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
        binds.append((name, convert))
        if not bind.required:
            value = bind.effective_value
            fixed[name] = value if convert is None else convert(value)
    columns = list(getattr(statement, "exported_columns", ()))
    row_type: Any = namedtuple("Row", [c.key for c in columns], rename=True)  # type: ignore[misc]
    return _Form(
        sql=compiled.string,
        binds=tuple(binds),
        fixed=fixed,
        positional=compiled.positional,
        results=tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        ),
        row=row_type._make,
        error=dialect.loaded_dbapi.Error,
    )


@functools.cache
def insert_into(table: Table, names: tuple[str, ...]) -> Prepared:
    """An INSERT of these columns of `table`, and of its other columns that have a default."""
    return Prepared(insert_values(table, names))


def insert_values(table: Table, names: tuple[str, ...]) -> Insert:
    """The statement of `insert_into`, to prepare inside another."""
    values: dict[str, BindParameter[Any]] = {name: bindparam(name) for name in names}
    values.update(
        {
            name: bindparam(name, value, required=False)
            for name, value in scalar_defaults(table, names).items()
        }
    )
    return insert(table).values(values)


def scalar_defaults(table: Table, names: tuple[str, ...]) -> dict[str, Any]:
    """The fixed defaults of the columns of `table` that are not among `names`."""
    return {
        column.key: column.default.arg
        for column in table.columns
        if column.key not in names and isinstance(column.default, ScalarElementColumnDefault)
    }
