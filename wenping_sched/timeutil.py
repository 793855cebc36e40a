"""Local time (Asia/Shanghai) at the edges; UTC in the database."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TZ = "Asia/Shanghai"


def local_tz() -> ZoneInfo:
    name = current_app.config.get("TIMEZONE", DEFAULT_TZ) if has_app_context() else DEFAULT_TZ
    return ZoneInfo(name)


def parse_local(text: str) -> datetime:
    """ISO 8601 local time ("2026-03-02T08:30") or with an offset, as an aware datetime."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        return value.replace(tzinfo=local_tz())
    return value.astimezone(local_tz())


def to_local(value: datetime) -> datetime:
    return value.astimezone(local_tz())


def iso_local(value: datetime | None) -> str | None:
    """Times in responses carry the offset: 2026-03-02T08:30:00+08:00."""
    if value is None:
        return None
    return to_local(value).isoformat(timespec="seconds")


def local_now() -> datetime:
    return datetime.now(local_tz())


def at_local(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=local_tz())


def _aware(value: datetime | str) -> datetime:
    # Solver results and stored JSON carry ISO text ("2026-12-14T08:30:00+08:00"): the same formatter.
    return parse_local(value) if isinstance(value, str) else value


def fmt_date(value: date | datetime | str | None, with_weekday: bool = True) -> str:
    """2026年12月14日（周一） — how every page writes a day."""
    if value is None or value == "":
        return ""
    if isinstance(value, str | datetime):
        value = to_local(_aware(value)).date()
    text = f"{value.year}年{value.month}月{value.day}日"
    if with_weekday:
        text += f"（周{'一二三四五六日'[value.weekday()]}）"
    return text


def fmt_local(value: datetime | str | None, with_weekday: bool = True) -> str:
    """2026年3月2日（周一）08:30 — how a coordinator reads a time."""
    if value is None or value == "":
        return ""
    v = to_local(_aware(value))
    return f"{fmt_date(v.date(), with_weekday)}{v:%H:%M}"


def fmt_local_time(value: datetime | str | None) -> str:
    """08:30, in the app's timezone: the end of a meeting that starts the same day."""
    return to_local(_aware(value)).strftime("%H:%M") if value is not None and value != "" else ""
