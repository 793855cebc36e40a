"""Reference data every installation needs: the eight pools, the seed sectors, the departments."""

from __future__ import annotations

from sqlalchemy import select

from .extensions import db
from .models import (
    CITY,
    COUNTIES,
    JOINT_MEETING_DEPARTMENTS,
    SEED_SECTORS,
    Department,
    Pool,
    Sector,
    pool_label,
)

# Attends analysis meetings on request, but a joint meeting can be held without it.
OPTIONAL_DEPARTMENTS = (("公安局", "市公安局"),)


def ensure_reference_data() -> None:
    """Create whatever pools, sectors and departments are missing; flushes, the caller commits.

    Rows that already exist are left as they are, so a coordinator's renaming survives init-db.
    """
    pools = set(db.session.scalars(select(Pool.code)))
    for order, code in enumerate((CITY, *COUNTIES)):
        if code not in pools:
            db.session.add(Pool(code=code, name=pool_label(code), sort_order=order))

    sectors = set(db.session.scalars(select(Sector.name)))
    for order, name in enumerate(SEED_SECTORS):
        if name not in sectors:
            db.session.add(Sector(name=name, active=True, sort_order=order))

    departments = set(db.session.scalars(select(Department.code)))
    listed = [(code, name, True) for code, name in JOINT_MEETING_DEPARTMENTS]
    listed += [(code, name, False) for code, name in OPTIONAL_DEPARTMENTS]
    for order, (code, name, required) in enumerate(listed):
        if code not in departments:
            db.session.add(Department(code=code, name=name, required=required, sort_order=order))
    db.session.flush()
