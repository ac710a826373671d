"""Core statements compiled once and run on the SQLite driver's own connection.

Run through SQLAlchemy, a statement of the accept path costs SQLite ~20 µs and
SQLAlchemy's execution around it ~300 µs (measured: 2.8 ms per ``record`` of which 0.5 ms is
SQLite's, commit included). For the few statements before the first webhook, the statement is
still built with SQLAlchemy Core and compiled by its SQLite dialect, once; each run only binds
the row's values through the same type processors SQLAlchemy would use (times as UTC text,
JSON as text) and hands the SQL to the driver, in a transaction the driver runs too
(``sqlite_writer``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from tanbih.adapters.store.inline_sqlite import InlineConnection
from tanbih.errors import StoreError

Row = Mapping[str, Any]
Statement = ClauseElement


class DriverStatement:
    """One statement for rows of given keys, compiled for SQLite's ``qmark`` parameters."""

    def __init__(self, statement: ClauseElement, dialect: Dialect, keys: Sequence[str]) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect, column_keys=list(keys)))
        self.sql = compiled.string
        names = tuple(getattr(compiled, "positiontup", None) or ())
        self._binds: tuple[tuple[str, Callable[[Any], Any] | None], ...] = tuple(
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in names
        )
        # Values the statement carries itself (a LIMIT); the row gives every other one. Taken
        # once: SQLAlchemy's construct_params per run cost as much as SQLite's insert.
        self._fixed = {
            name: compiled.binds[name].effective_value for name in names if name not in keys
        }
        selected = getattr(statement, "selected_columns", ())
        self._results: tuple[tuple[str, Callable[[Any], Any] | None], ...] = tuple(
            (column.key, column.type.dialect_impl(dialect).result_processor(dialect, None))
            for column in selected
        )

    def parameters(self, row: Row) -> tuple[Any, ...]:
        """The statement's parameters for ``row``, in order, as the driver takes them."""
        values = {**self._fixed, **row} if self._fixed else row
        try:
            return tuple(
                values[name] if process is None else process(values[name])
                for name, process in self._binds
            )
        except (KeyError, TypeError, ValueError) as exc:
            # What SQLAlchemy would raise as a StatementError: a value missing, or one its
            # column cannot hold.
            raise StoreError(f"cannot store the row: {exc}") from exc

    def decoded(self, row: Sequence[Any]) -> dict[str, Any]:
        """A row the driver returned for this query, by column, in Python's types."""
        return {
            key: value if process is None else process(value)
            for (key, process), value in zip(self._results, row, strict=True)
        }


class DriverStatements:
    """The compiled statements of one dialect, by (statement, row keys)."""

    def __init__(self) -> None:
        self._compiled: dict[tuple[int, tuple[str, ...]], tuple[Statement, DriverStatement]] = {}

    def of(self, statement: Statement, dialect: Dialect, keys: Sequence[str]) -> DriverStatement:
        """``statement`` compiled for rows with ``keys`` (kept: statements here are built once)."""
        key = (id(statement), tuple(keys))
        known = self._compiled.get(key)
        if known is None or known[0] is not statement:
            known = self._compiled[key] = (statement, DriverStatement(statement, dialect, keys))
        return known[1]


async def run(
    driver: InlineConnection, statement: DriverStatement, row: Row
) -> tuple[list[Any], int]:
    """Run ``statement`` for ``row`` on ``driver``: the rows it returns (a RETURNING, a query)
    and how many it changed.

    Through the connection's ``run``, so a statement finding the database locked waits in a
    thread, as every statement of the store does.
    """
    cursor = driver.raw.cursor()
    try:
        await driver.run(cursor.execute, statement.sql, statement.parameters(row))
        return list(cursor.fetchall()), int(cursor.rowcount)
    finally:
        cursor.close()
