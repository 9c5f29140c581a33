"""Time arithmetic in SQL that reads the same on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Float, Integer


class seconds_between(FunctionElement):  # noqa: N801 - reads as a SQL function
    """Seconds from the first timestamp to the second, as a float."""

    type = Float()
    name = "seconds_between"
    inherit_cache = True


class bucket_of(FunctionElement):  # noqa: N801
    """Which `size`-second bucket after `start` a timestamp falls in (0, 1, 2...)."""

    type = Integer()
    name = "bucket_of"
    inherit_cache = True


def _args(element, compiler, **kw):
    return [compiler.process(clause, **kw) for clause in element.clauses]


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    start, end = _args(element, compiler, **kw)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element, compiler, **kw):
    start, end = _args(element, compiler, **kw)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


@compiles(bucket_of, "sqlite")
def _bucket_sqlite(element, compiler, **kw):
    start, moment, size = _args(element, compiler, **kw)
    # Only used for moments after `start`, where truncation is the floor.
    return f"CAST((julianday({moment}) - julianday({start})) * 86400.0 / {size} AS INTEGER)"


@compiles(bucket_of, "postgresql")
def _bucket_postgresql(element, compiler, **kw):
    start, moment, size = _args(element, compiler, **kw)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM ({moment} - {start})) / {size}) AS INTEGER)"
