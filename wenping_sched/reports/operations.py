"""Exports: each builds its file and writes the audit entry in the caller's transaction."""

from __future__ import annotations

from .. import audit
from ..models import Matter, User
from .archive import build_archive
from .filing import build_filing, filing_workbook
from .statistics import Period, Statistics, compute, statistics_workbook


def export_filing(user: User | None, matter: Matter) -> bytes:
    """The filing form as XLSX, on the record."""
    data = filing_workbook(build_filing(matter))
    audit.record("report.export", user, target=f"matter:{matter.id}", kind="filing.xlsx", size=len(data))
    return data


def export_archive(user: User | None, matter: Matter, via: str = "web") -> bytes:
    """The matter's one-file archive as zip bytes, on the record (``via``: web or cli)."""
    data = build_archive(matter)
    audit.record(
        "report.export", user, target=f"matter:{matter.id}", kind="archive.zip", via=via, size=len(data)
    )
    return data


def export_statistics(user: User, period: Period) -> tuple[Statistics, bytes]:
    """The period's statistics as XLSX, on the record."""
    result = compute(user, period)
    data = statistics_workbook(result)
    audit.record(
        "report.export", user, target=f"reports:{period.key}", kind="statistics.xlsx", scope=user.scope or ""
    )
    return result, data
