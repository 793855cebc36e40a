"""Tables as rows: PostgreSQL's export in one snapshot, and the load of those rows back, verbatim.

The export reads every table inside one REPEATABLE READ, READ ONLY transaction: PostgreSQL
gives it a single snapshot, so tables written together while the service runs are copied
together (a panel and its draw record, an outbox row and its invitation), and the service's
writers are never blocked. Rows are written in primary-key order with their ids; the load
inserts them in that order without recomputing anything (the audit log's rows go back as they
were, each hash included), then moves each id sequence past the highest id.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Interval,
    LargeBinary,
    MetaData,
    Numeric,
    Table,
    Time,
    Uuid,
    func,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeEngine

VERSION_TABLE = "alembic_version"
BATCH = 1000


def kind(column_type: TypeEngine[Any]) -> str:
    """How a column's values are written in JSON (and read back)."""
    for sa_type, name in (
        (JSON, "json"),
        (DateTime, "datetime"),
        (Date, "date"),
        (Time, "time"),
        (Interval, "interval"),
        (LargeBinary, "bytes"),
        (Uuid, "uuid"),
    ):
        if isinstance(column_type, sa_type):
            return name
    if isinstance(column_type, Numeric) and column_type.asdecimal:
        return "decimal"
    return "plain"


def _encoder(kind_: str) -> Callable[[Any], Any]:
    encoders: dict[str, Callable[[Any], Any]] = {
        "datetime": lambda v: v.isoformat(),
        "date": lambda v: v.isoformat(),
        "time": lambda v: v.isoformat(),
        "interval": lambda v: [v.days, v.seconds, v.microseconds],
        "bytes": lambda v: base64.b64encode(bytes(v)).decode(),
        "uuid": str,
        "decimal": str,
    }
    encode = encoders.get(kind_)
    if encode is None:
        return lambda v: v
    return lambda v: None if v is None else encode(v)


def _decoder(kind_: str) -> Callable[[Any], Any]:
    decoders: dict[str, Callable[[Any], Any]] = {
        "datetime": dt.datetime.fromisoformat,
        "date": dt.date.fromisoformat,
        "time": dt.time.fromisoformat,
        "interval": lambda v: dt.timedelta(days=v[0], seconds=v[1], microseconds=v[2]),
        "bytes": base64.b64decode,
        "uuid": uuid.UUID,
        "decimal": decimal.Decimal,
    }
    decode = decoders.get(kind_)
    if decode is None:
        return lambda v: v
    return lambda v: None if v is None else decode(v)


def reflect(conn: Connection) -> MetaData:
    metadata = MetaData()
    metadata.reflect(conn)
    return metadata


def data_tables(metadata: MetaData) -> list[Table]:
    """The tables to copy, parents before children (the migrations' record is kept apart)."""
    return [t for t in metadata.sorted_tables if t.name != VERSION_TABLE]


def export_table(conn: Connection, table: Table) -> Iterator[Any]:
    """The header, then every row in primary-key order, as JSON-ready values."""
    columns = list(table.columns)
    kinds = [kind(c.type) for c in columns]
    yield {"table": table.name, "columns": [c.name for c in columns], "kinds": kinds}
    encoders = [_encoder(k) for k in kinds]
    order = list(table.primary_key.columns) or columns
    result = conn.execution_options(yield_per=BATCH).execute(select(*columns).order_by(*order))
    for row in result:
        yield [encode(value) for encode, value in zip(encoders, row, strict=True)]


def load_table(conn: Connection, table: Table, lines: Iterable[Any]) -> int:
    """Insert the exported rows of one table as they were; returns how many."""
    iterator = iter(lines)
    header = next(iterator)
    names: list[str] = header["columns"]
    unknown = [n for n in names if n not in table.columns]
    if header["table"] != table.name or unknown:
        raise ValueError(f"{table.name}: columns {unknown} are not in the schema")
    decoders = [_decoder(k) for k in header["kinds"]]
    count, batch = 0, []
    for row in iterator:
        batch.append({n: decode(v) for n, decode, v in zip(names, decoders, row, strict=True)})
        if len(batch) >= BATCH:
            conn.execute(table.insert(), batch)
            count, batch = count + len(batch), []
    if batch:
        conn.execute(table.insert(), batch)
        count += len(batch)
    return count


def reset_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    """PostgreSQL: the next id of each table follows the highest restored one."""
    for table in tables:
        for column in table.primary_key.columns:
            sequence = conn.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": f'"{table.name}"', "column": column.name},
            ).scalar()
            if sequence is None:
                continue
            highest = conn.execute(select(func.max(column))).scalar()
            conn.execute(
                text("SELECT setval(:sequence, :value, :called)"),
                {"sequence": sequence, "value": highest or 1, "called": highest is not None},
            )
