"""joint meeting matter: an analysis meeting (分析研判) can be about a matter

Revision ID: b74365812cf0
Revises: 9d2e4c1a7b30
Create Date: 2026-11-25 01:13:52.704347

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b74365812cf0'
down_revision = '9d2e4c1a7b30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('joint_meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('matter_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_joint_meeting_matter_id'), ['matter_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_joint_meeting_matter_id_matter'), 'matter', ['matter_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('joint_meeting', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_joint_meeting_matter_id_matter'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_joint_meeting_matter_id'))
        batch_op.drop_column('matter_id')
