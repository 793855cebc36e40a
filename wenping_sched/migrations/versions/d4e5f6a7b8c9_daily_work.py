"""daily work: people's names and units, each office's name and phone, busy times entered on an
expert's behalf, the agenda of a joint meeting

Revision ID: d4e5f6a7b8c9
Revises: 5c7e9a1d2b40
Create Date: 2026-12-01 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e5f6a7b8c9'
down_revision = '5c7e9a1d2b40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('display_name', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('unit', sa.String(length=128), nullable=False, server_default=''))

    with op.batch_alter_table('pool', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_name', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('office_phone', sa.String(length=32), nullable=False, server_default=''))

    with op.batch_alter_table('expert_busy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entered_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_expert_busy_entered_by_id_user'), 'user', ['entered_by_id'], ['id'], ondelete='SET NULL'
        )

    with op.batch_alter_table('joint_meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agenda', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('joint_meeting', schema=None) as batch_op:
        batch_op.drop_column('agenda')

    with op.batch_alter_table('expert_busy', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_expert_busy_entered_by_id_user'), type_='foreignkey')
        batch_op.drop_column('entered_by_id')

    with op.batch_alter_table('pool', schema=None) as batch_op:
        batch_op.drop_column('office_phone')
        batch_op.drop_column('office_name')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('unit')
        batch_op.drop_column('display_name')
