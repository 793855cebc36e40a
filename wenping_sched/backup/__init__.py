"""``wenping-sched backup FILE`` and ``restore FILE``: the database and the secret key in one file.

Consistent while the service runs:
- SQLite: SQLite's online backup API copies the whole file in one step under a read lock, so
  the copy is one committed state; writers wait for that moment only.
- PostgreSQL: every table read in one REPEATABLE READ snapshot (rows.py), written as JSON lines.
  Chosen over pg_dump: pg_dump refuses a server newer than itself and its output needs
  pg_restore/psql of a matching version on the machine that restores; this export needs only
  the installed package, and its restore runs in one transaction with the migrations (below).

A restore never half-happens: PostgreSQL wipes the schema, rebuilds it with the migrations up
to the backup's revision, loads the rows verbatim, migrates to this release's head and commits,
all in one transaction; SQLite builds the restored database in a temporary file and copies it
over the live one with the same backup API (one write transaction). It refuses a backup from a
newer schema, a backup of the other kind of database, and a database that holds data unless
forced; then it puts back the secret key.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from ..extensions import db
from . import rows
from .archive import SECRET_KEY, SQLITE_FILE, TABLES, BackupError, Manifest, Reader, Writer, app_version

__all__ = ["BackupError", "Manifest", "RestoreReport", "backup", "restore"]

# What init-db itself puts into a new database: their rows alone do not make it "hold data".
# The audit chain's head starts as one row written by the migration that made the chain.
REFERENCE_TABLES = frozenset({rows.VERSION_TABLE, "pool", "sector", "department", "audit_chain_head"})
TABLE_NAMES = {
    "expert": "专家",
    "matter": "重大事项",
    "panel": "评审组",
    "user": "账号",
    "audit_log": "审计日志",
}


def _kind() -> str:
    name = db.engine.dialect.name
    if name not in ("sqlite", "postgresql"):
        raise BackupError(_("不支持的数据库类型：%(name)s", name=name))
    return name


def _sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise BackupError(_("内存中的 SQLite 数据库无法备份或恢复"))
    return Path(database)


def _head() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(_migrations()).get_current_head()
    assert head is not None
    return head


def _migrations() -> str:
    return str(current_app.extensions["migrate"].directory)


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory(_migrations()).walk_revisions()}


def _upgrade(conn: Connection, revision: str) -> None:
    """Run the migrations on this connection, inside its transaction."""
    from alembic import command

    config = current_app.extensions["migrate"].migrate.get_config(_migrations())
    config.attributes["connection"] = conn
    command.upgrade(config, revision)


# --- backup ---------------------------------------------------------------------------------------


def backup(path: Path) -> Manifest:
    """Write the database and the secret key to ``path`` (a zip); returns its manifest."""
    kind = _kind()
    writer = Writer(path)
    try:
        manifest = _backup_sqlite(writer) if kind == "sqlite" else _backup_postgresql(writer)
        writer.add_bytes(SECRET_KEY, str(current_app.config["SECRET_KEY"]).encode())
        writer.finish(manifest)
    except BaseException:
        writer.abandon()
        raise
    return manifest


def _unmigrated() -> BackupError:
    return BackupError(_("数据库没有结构版本记录（未经 wenping-sched init-db 初始化），无法备份"))


def _backup_sqlite(writer: Writer) -> Manifest:
    source_path = _sqlite_path()
    if not source_path.exists():
        raise BackupError(_("数据库文件 %(path)s 不存在", path=source_path))
    with tempfile.TemporaryDirectory() as tmp:
        copy_path = Path(tmp) / SQLITE_FILE
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=60)
        copy = sqlite3.connect(copy_path)
        try:
            source.backup(copy)  # every page in one step: one committed state
            names = [r[0] for r in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            if rows.VERSION_TABLE not in names:
                raise _unmigrated()
            revision = copy.execute(f"SELECT version_num FROM {rows.VERSION_TABLE}").fetchone()
            if revision is None:
                raise _unmigrated()
            tables = {
                n: int(copy.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0])
                for n in sorted(names)
                if n != rows.VERSION_TABLE and not n.startswith("sqlite_")
            }
        finally:
            copy.close()
            source.close()
        writer.add_file(SQLITE_FILE, copy_path)
    return Manifest(schema_revision=revision[0], database="sqlite", app_version=app_version(), tables=tables)


def _backup_postgresql(writer: Writer) -> Manifest:
    tables: dict[str, int] = {}
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            # The snapshot is taken by the transaction's first statement: everything below reads it.
            if not inspect(conn).has_table(rows.VERSION_TABLE):
                raise _unmigrated()
            revision = conn.execute(text(f"SELECT version_num FROM {rows.VERSION_TABLE}")).scalar()
            if revision is None:
                raise _unmigrated()
            for table in rows.data_tables(rows.reflect(conn)):
                out = writer.open_lines(f"{TABLES}{table.name}.jsonl")
                count = -1  # the header is not a row
                for line in rows.export_table(conn, table):
                    out.write(line)
                    count += 1
                out.close()
                tables[table.name] = count
    return Manifest(schema_revision=revision, database="postgresql", app_version=app_version(), tables=tables)


# --- restore --------------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    manifest: Manifest
    upgraded_to: str | None  # this release's head, when the backup's schema was older
    key_file: Path | None  # where the restored secret key was written
    key_differs_from_environment: bool


def restore(path: Path, force: bool = False) -> RestoreReport:
    """Replace the database's content with the backup's, then put back its secret key."""
    reader = Reader(path)
    try:
        manifest = reader.manifest
        kind = _kind()
        if manifest.database != kind:
            raise BackupError(
                _(
                    "这份备份来自 %(theirs)s 数据库，当前配置的是 %(ours)s：请在同类数据库上恢复",
                    theirs=manifest.database,
                    ours=kind,
                )
            )
        head = _head()
        if manifest.schema_revision not in _known_revisions():
            raise BackupError(
                _(
                    "这份备份来自更新版本的 wenping-sched（数据库结构 %(theirs)s），"
                    "本程序的结构版本只到 %(head)s：请先安装相同或更新版本的 wenping-sched，再恢复",
                    theirs=manifest.schema_revision,
                    head=head,
                )
            )
        held = holds_data()
        if held and not force:
            raise BackupError(
                _(
                    "数据库中已有数据（%(tables)d 张表共 %(rows)d 行）：恢复会用备份替换全部内容。"
                    "确认后加 --force 重新运行",
                    tables=len(held),
                    rows=sum(held.values()),
                )
            )
        if kind == "sqlite":
            _restore_sqlite(reader, head)
        else:
            _restore_postgresql(reader, head)
        key_file, differs = _restore_secret_key(reader.secret_key())
    finally:
        reader.close()
    upgraded = head if manifest.schema_revision != head else None
    return RestoreReport(manifest, upgraded, key_file, differs)


def holds_data() -> dict[str, int]:
    """Tables with rows, beyond the reference data init-db puts in every new database."""
    held: dict[str, int] = {}
    with db.engine.connect() as conn:
        for table in rows.reflect(conn).sorted_tables:
            if table.name in REFERENCE_TABLES:
                continue
            count = conn.execute(select(func.count()).select_from(table)).scalar() or 0
            if count:
                held[table.name] = int(count)
    return held


def _restore_sqlite(reader: Reader, head: str) -> None:
    target_path = _sqlite_path()
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / SQLITE_FILE
        reader.extract(SQLITE_FILE, staged)
        if reader.manifest.schema_revision != head:
            engine = create_engine(f"sqlite:///{staged}", poolclass=NullPool)
            with engine.begin() as conn:
                _upgrade(conn, "head")
            engine.dispose()
        db.session.remove()
        db.engine.dispose()
        target_path.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(staged)
        target = sqlite3.connect(target_path, timeout=60)
        try:
            source.backup(target)  # one write transaction on the live file: all or nothing
        finally:
            target.close()
            source.close()


def _restore_postgresql(reader: Reader, head: str) -> None:
    manifest = reader.manifest
    db.session.remove()
    with db.engine.connect() as conn, conn.begin():
        _wipe_postgresql(conn)
        _upgrade(conn, manifest.schema_revision)
        tables = rows.data_tables(rows.reflect(conn))
        missing = sorted({t.name for t in tables} - set(manifest.tables))
        if missing:
            raise BackupError(_("备份文件不完整：缺少表 %(tables)s", tables="、".join(missing)))
        # Rows the migrations themselves write (the audit chain's starting head) give way to the
        # backup's: children first, so no foreign key stands in the way.
        for table in reversed(tables):
            if conn.execute(select(func.count()).select_from(table)).scalar():
                conn.execute(table.delete())
        for table in tables:
            rows.load_table(conn, table, reader.lines(f"{TABLES}{table.name}.jsonl"))
        rows.reset_sequences(conn, tables)
        if manifest.schema_revision != head:
            _upgrade(conn, "head")
    db.engine.dispose()


def _wipe_postgresql(conn: Connection) -> None:
    """Leave the schema as empty as a new database's: tables, and the migrations' functions and types.

    Objects that belong to an extension are kept.
    """
    rows.reflect(conn).drop_all(conn)
    own = "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} AND d.deptype = 'e')"
    functions = conn.execute(
        text(
            "SELECT p.oid::regprocedure::text FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema() "
            + own.format(oid="p.oid")
        )
    ).scalars()
    for function in list(functions):
        conn.execute(text(f"DROP FUNCTION IF EXISTS {function} CASCADE"))
    types = conn.execute(
        text(
            "SELECT format('%I', t.typname) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = current_schema() AND t.typtype = 'e' " + own.format(oid="t.oid")
        )
    ).scalars()
    for type_name in list(types):
        conn.execute(text(f"DROP TYPE IF EXISTS {type_name} CASCADE"))


def _restore_secret_key(key: str | None) -> tuple[Path | None, bool]:
    """Write the backup's key to the instance folder; say whether the environment overrides it."""
    if not key:
        return None, False
    folder = Path(current_app.instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    key_file = folder / "secret_key"
    partial = folder / "secret_key.partial"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    os.replace(partial, key_file)
    from_env = os.environ.get("WENPING_SECRET_KEY")
    return key_file, bool(from_env) and from_env != key
