"""audit log append-only: triggers refuse UPDATE and DELETE

Revision ID: 9d2e4c1a7b30
Revises: 531128e2e99e
Create Date: 2026-11-25

The same statements as the model's DDL events (models/audit.py), copied here on purpose:
a migration must keep saying what it said when it ran, whatever the code says later.
"""

from alembic import op

revision = "9d2e4c1a7b30"
down_revision = "531128e2e99e"
branch_labels = None
depends_on = None

PG = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
)
SQLITE = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
)


def upgrade():
    dialect = op.get_bind().dialect.name
    for statement in PG if dialect == "postgresql" else SQLITE if dialect == "sqlite" else ():
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
