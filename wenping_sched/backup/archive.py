"""The backup file: one zip holding a manifest, the secret key and the database's data.

    manifest.json      {"format", "format_version", "schema_revision", "database", "created_at",
                        "app_version", "tables": {name: rows}, "files": {name: sha256}}
    secret_key         the key that signs sessions, API tokens and RSVP links
    database.sqlite3   SQLite: the database file, copied by SQLite's online backup
    tables/NAME.jsonl  PostgreSQL: each table, a header line then one JSON array a row, in key order

The checksums let a restore refuse a damaged file before it touches the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

from flask_babel import gettext as _

FORMAT = "wenping-sched-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SECRET_KEY = "secret_key"
SQLITE_FILE = "database.sqlite3"
TABLES = "tables/"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, in Chinese."""


@dataclass
class Manifest:
    schema_revision: str
    database: str  # "sqlite" or "postgresql"
    created_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    app_version: str = ""
    tables: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def app_version() -> str:
    try:
        return version("wenping-sched")
    except PackageNotFoundError:  # run from a tree that was never installed
        return ""


class Writer:
    """Writes the zip next to its destination and moves it into place only when complete."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        # Owner-only from the first byte: the file holds the secret key and everyone's data.
        fd = os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.file = os.fdopen(fd, "wb")
        self.zip = zipfile.ZipFile(self.file, "w", compression=zipfile.ZIP_DEFLATED)
        self.sums: dict[str, str] = {}

    def add_file(self, name: str, source: Path) -> None:
        digest = hashlib.sha256()
        with source.open("rb") as src, self.zip.open(_member(name), "w", force_zip64=True) as dst:
            while chunk := src.read(1 << 20):
                digest.update(chunk)
                dst.write(chunk)
        self.sums[name] = digest.hexdigest()

    def add_bytes(self, name: str, data: bytes) -> None:
        self.zip.writestr(name, data)
        self.sums[name] = hashlib.sha256(data).hexdigest()

    def open_lines(self, name: str) -> _HashingLines:
        return _HashingLines(self, name)

    def finish(self, manifest: Manifest) -> None:
        manifest.files = dict(self.sums)
        self.zip.writestr(MANIFEST, json.dumps(asdict(manifest), ensure_ascii=False, indent=1))
        self.zip.close()
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.replace(self.partial, self.path)

    def abandon(self) -> None:
        self.zip.close()
        self.file.close()
        self.partial.unlink(missing_ok=True)


def _member(name: str) -> zipfile.ZipInfo:
    """A member stamped with the time it is written, compressed like the rest."""
    info = zipfile.ZipInfo(name, date_time=dt.datetime.now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


class _HashingLines:
    """A text member written line by line, its checksum kept as it goes."""

    def __init__(self, writer: Writer, name: str) -> None:
        self.writer, self.name = writer, name
        self.digest = hashlib.sha256()
        self.member: IO[bytes] = writer.zip.open(_member(name), "w", force_zip64=True)

    def write(self, value: Any) -> None:
        data = (json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        self.digest.update(data)
        self.member.write(data)

    def close(self) -> None:
        self.member.close()
        self.writer.sums[self.name] = self.digest.hexdigest()


class Reader:
    """Opens a backup, checks its manifest and every checksum."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise BackupError(_("找不到备份文件 %(path)s", path=path))
        try:
            self.zip = zipfile.ZipFile(path)
            raw = json.loads(self.zip.read(MANIFEST))
        except (zipfile.BadZipFile, KeyError, ValueError) as e:
            raise BackupError(
                _("%(path)s 不是 wenping-sched 的备份文件（%(error)s）", path=path, error=e)
            ) from e
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise BackupError(_("%(path)s 不是 wenping-sched 的备份文件", path=path))
        if raw.get("format_version") != FORMAT_VERSION:
            raise BackupError(
                _(
                    "备份文件格式版本为 %(found)s，本程序只能读取版本 %(known)s："
                    "请用相应版本的 wenping-sched 恢复",
                    found=raw.get("format_version"),
                    known=FORMAT_VERSION,
                )
            )
        try:
            self.manifest = Manifest(**raw)
        except TypeError as e:
            raise BackupError(_("备份文件的清单不完整（%(error)s）", error=e)) from e
        self._check_sums()

    def _check_sums(self) -> None:
        for name, expected in self.manifest.files.items():
            digest = hashlib.sha256()
            try:
                with self.zip.open(name) as member:
                    while chunk := member.read(1 << 20):
                        digest.update(chunk)
            except (KeyError, zipfile.BadZipFile) as e:
                raise BackupError(_("备份文件已损坏：缺少 %(name)s", name=name)) from e
            if digest.hexdigest() != expected:
                raise BackupError(_("备份文件已损坏：%(name)s 的校验和不符", name=name))

    def secret_key(self) -> str | None:
        if SECRET_KEY not in self.manifest.files:
            return None
        return self.zip.read(SECRET_KEY).decode().strip()

    def extract(self, name: str, target: Path) -> None:
        with self.zip.open(name) as src, target.open("wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)

    def lines(self, name: str) -> Iterator[Any]:
        with self.zip.open(name) as member:
            for line in member:
                yield json.loads(line)

    def close(self) -> None:
        self.zip.close()
