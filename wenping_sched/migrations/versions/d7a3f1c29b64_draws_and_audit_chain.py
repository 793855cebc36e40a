"""draws: committed and revealed draw records that are proof; the audit log as a hash chain

Revision ID: d7a3f1c29b64
Revises: d4e5f6a7b8c9
Create Date: 2026-12-01

- draw_record belongs to a matter and is never cascaded away from its panel; it gains the
  commit -> reveal fields (status, request, eligible experts with chances, commitment, nonce,
  lottery, witness, witness input, ticket, meeting time). Existing records were made before
  lotteries: they keep their seed, members, instance and solution and become kind ``legacy``
  (their old kind in ``legacy_kind``), status ``revealed``.
- panel.cancel_reason (a proposal set aside says why); plan.nonce (a plan's seed comes from it).
- audit_log gains seq, prev_hash and hash; every existing entry is chained in id order and the
  one-row head table audit_chain_head holds the last. The append-only triggers are lifted for
  the chaining and put back, with the same DDL as 9d2e4c1a7b30.

The hashing rule is copied here from the app's auditchain module on purpose: a migration must
keep saying what it said when it ran.
"""

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "d7a3f1c29b64"
down_revision = 'd4e5f6a7b8c9'
branch_labels = None
depends_on = None

GENESIS = "0" * 64

PG_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
)
# A draw record is never deleted (the same DDL as the model's events).
PG_DRAWS_KEPT = (
    "CREATE OR REPLACE FUNCTION draw_record_kept() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'draw records are never deleted'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER draw_record_kept BEFORE DELETE ON draw_record FOR EACH ROW EXECUTE FUNCTION draw_record_kept()",
)
SQLITE_DRAWS_KEPT = (
    "CREATE TRIGGER draw_record_kept BEFORE DELETE ON draw_record "
    "BEGIN SELECT RAISE(ABORT, 'draw records are never deleted'); END",
)
SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
)

audit_log = sa.table(
    "audit_log",
    sa.column("id", sa.Integer),
    sa.column("at", sa.DateTime),
    sa.column("user_id", sa.Integer),
    sa.column("username", sa.String),
    sa.column("action", sa.String),
    sa.column("target", sa.String),
    sa.column("detail", sa.JSON),
    sa.column("ip", sa.String),
    sa.column("seq", sa.Integer),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
audit_chain_head = sa.table(
    "audit_chain_head",
    sa.column("id", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("hash", sa.String),
    sa.column("entry_id", sa.Integer),
)
draw_record = sa.table(
    "draw_record",
    sa.column("id", sa.Integer),
    sa.column("panel_id", sa.Integer),
    sa.column("matter_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("legacy_kind", sa.String),
    sa.column("status", sa.String),
    sa.column("abandoned_reason", sa.String),
    sa.column("created_at", sa.DateTime),
    sa.column("created_by_id", sa.Integer),
    sa.column("drawn_by", sa.JSON),
    sa.column("request", sa.JSON),
    sa.column("eligible", sa.JSON),
    sa.column("instance", sa.JSON),
    sa.column("solution", sa.JSON),
    sa.column("start_at", sa.DateTime),
    sa.column("end_at", sa.DateTime),
    sa.column("revealed_at", sa.DateTime),
)
panel = sa.table(
    "panel",
    sa.column("id", sa.Integer),
    sa.column("matter_id", sa.Integer),
    sa.column("location", sa.String),
    sa.column("start_at", sa.DateTime),
    sa.column("end_at", sa.DateTime),
)
user = sa.table("user", sa.column("id", sa.Integer), sa.column("username", sa.String), sa.column("scope", sa.String))


def entry_hash(row):
    """sha256 of the entry's canonical JSON, as the app's auditchain module defines it."""
    at = row["at"].replace(tzinfo=UTC) if row["at"].tzinfo is None else row["at"].astimezone(UTC)
    body = {
        "seq": row["seq"],
        "id": row["id"],
        "at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "user_id": row["user_id"],
        "username": row["username"],
        "action": row["action"],
        "target": row["target"],
        "detail": row["detail"],
        "ip": row["ip"],
        "prev_hash": row["prev_hash"],
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _lift_triggers(dialect):
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")


def _restore_triggers(dialect):
    for statement in PG_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS if dialect == "sqlite" else ():
        op.execute(statement)


def _chain_audit_log(bind):
    seq, prev, last_id = 0, GENESIS, None
    rows = bind.execute(sa.select(audit_log).order_by(audit_log.c.id)).mappings().all()
    for row in rows:
        seq += 1
        entry = dict(row, seq=seq, prev_hash=prev)
        entry["detail"] = entry["detail"] if entry["detail"] is not None else {}
        digest = entry_hash(entry)
        bind.execute(
            audit_log.update()
            .where(audit_log.c.id == row["id"])
            .values(seq=seq, prev_hash=prev, hash=digest, detail=entry["detail"])
        )
        prev, last_id = digest, row["id"]
    bind.execute(audit_chain_head.insert().values(id=1, seq=seq, hash=prev, entry_id=last_id))


def _utc_naive(text):
    if not text:
        return None
    value = datetime.fromisoformat(text)
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _legacy_draws(bind):
    """The records made before lotteries: kept as they were, said to be legacy, with their request."""
    panels = {r.id: r for r in bind.execute(sa.select(panel))}
    users = {r.id: r for r in bind.execute(sa.select(user))}
    for row in bind.execute(sa.select(draw_record)).mappings().all():
        owner = panels.get(row["panel_id"])
        instance = row["instance"] or {}
        spec = (instance.get("panels") or [{}])[0]
        solution = (row["solution"] or {}).get("panels") or [{}]
        who = users.get(row["created_by_id"])
        drawn_by = {}
        if who is not None:
            unit = "酒泉市维稳办" if who.scope in (None, "city") else f"{who.scope}维稳办"
            drawn_by = {"username": who.username, "name": who.username, "unit": unit}
        request = {
            "size": spec.get("size"),
            "seats": spec.get("seats") or {},
            "min_senior": spec.get("min_senior", 0),
            "window": spec.get("window"),
            "duration_minutes": spec.get("duration_minutes"),
            "location": owner.location if owner is not None else "",
            "conflicts": spec.get("conflicts") or [],
            "exclusions": [{"expert_id": int(e), "name": "", "reason": ""} for e in spec.get("exclude") or []],
        }
        bind.execute(
            draw_record.update()
            .where(draw_record.c.id == row["id"])
            .values(
                matter_id=owner.matter_id if owner is not None else None,
                kind="legacy",
                legacy_kind=row["kind"],
                status="revealed",
                abandoned_reason="",
                drawn_by=drawn_by,
                request=request,
                eligible=[],
                start_at=_utc_naive(solution[0].get("start")) or (owner.start_at if owner is not None else None),
                end_at=_utc_naive(solution[0].get("end")) or (owner.end_at if owner is not None else None),
                revealed_at=row["created_at"],
            )
        )


def upgrade():
    bind = op.get_bind()
    dialect = bind.dialect.name

    # --- the audit log's hash chain ---------------------------------------------------------
    op.add_column("audit_log", sa.Column("seq", sa.Integer(), nullable=True))
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_log", sa.Column("hash", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_audit_log_seq"), "audit_log", ["seq"], unique=True)
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    _lift_triggers(dialect)
    _chain_audit_log(bind)
    _restore_triggers(dialect)

    # --- panels set aside, plans' nonces ----------------------------------------------------
    with op.batch_alter_table("panel", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancel_reason", sa.String(length=500), nullable=False, server_default=""))
    with op.batch_alter_table("panel", schema=None) as batch_op:
        batch_op.alter_column("cancel_reason", server_default=None)
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nonce", sa.String(length=64), nullable=True))

    # --- draw records: columns first, then the legacy data, then the constraints -------------
    with op.batch_alter_table("draw_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("matter_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("legacy_kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("abandoned_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("drawn_by", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("request", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("eligible", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("commitment", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("nonce", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("lottery", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("witness", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("witness_input", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("ticket", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("start_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("end_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("revealed_at", sa.DateTime(), nullable=True))
    _legacy_draws(bind)
    with op.batch_alter_table("draw_record", schema=None) as batch_op:
        batch_op.alter_column("matter_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("status", existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column("abandoned_reason", existing_type=sa.String(length=500), nullable=False)
        batch_op.alter_column("drawn_by", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("request", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("eligible", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("panel_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("seed", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("instance", existing_type=sa.JSON(), nullable=True)
        batch_op.alter_column("solution", existing_type=sa.JSON(), nullable=True)
        # A draw is never deleted with its panel: the foreign key loses its ON DELETE CASCADE.
        batch_op.drop_constraint(op.f("fk_draw_record_panel_id_panel"), type_="foreignkey")
        batch_op.create_foreign_key(op.f("fk_draw_record_panel_id_panel"), "panel", ["panel_id"], ["id"])
        batch_op.create_foreign_key(op.f("fk_draw_record_matter_id_matter"), "matter", ["matter_id"], ["id"])
        batch_op.create_index(op.f("ix_draw_record_matter_id"), ["matter_id"], unique=False)
    # After the batch (SQLite rebuilds the table, which would drop a trigger made before it).
    for statement in PG_DRAWS_KEPT if dialect == "postgresql" else SQLITE_DRAWS_KEPT if dialect == "sqlite" else ():
        op.execute(statement)


def downgrade():
    bind = op.get_bind()
    dialect = bind.dialect.name
    # Only records that had a panel and a seed fit the old shape; a committed or abandoned draw
    # cannot be written into it, so the downgrade refuses rather than lose one.
    unfit = bind.execute(
        sa.text("SELECT COUNT(*) FROM draw_record WHERE panel_id IS NULL OR seed IS NULL OR instance IS NULL")
    ).scalar()
    if unfit:
        raise RuntimeError(f"{unfit} draw records have no place in the old schema; not downgrading")
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS draw_record_kept ON draw_record")
        op.execute("DROP FUNCTION IF EXISTS draw_record_kept()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS draw_record_kept")
    bind.execute(
        sa.text("UPDATE draw_record SET kind = COALESCE(legacy_kind, kind), solution = COALESCE(solution, instance)")
    )
    with op.batch_alter_table("draw_record", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_draw_record_matter_id"))
        batch_op.drop_constraint(op.f("fk_draw_record_matter_id_matter"), type_="foreignkey")
        batch_op.drop_constraint(op.f("fk_draw_record_panel_id_panel"), type_="foreignkey")
        batch_op.create_foreign_key(
            op.f("fk_draw_record_panel_id_panel"), "panel", ["panel_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.alter_column("solution", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("instance", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("seed", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("panel_id", existing_type=sa.Integer(), nullable=False)
        for column in (
            "revealed_at", "end_at", "start_at", "ticket", "witness_input", "witness", "lottery", "nonce",
            "commitment", "eligible", "request", "drawn_by", "abandoned_reason", "status", "legacy_kind",
            "matter_id",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_column("nonce")
    with op.batch_alter_table("panel", schema=None) as batch_op:
        batch_op.drop_column("cancel_reason")
    _lift_triggers(dialect)
    op.drop_table("audit_chain_head")
    op.drop_index(op.f("ix_audit_log_seq"), table_name="audit_log")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    _restore_triggers(dialect)
