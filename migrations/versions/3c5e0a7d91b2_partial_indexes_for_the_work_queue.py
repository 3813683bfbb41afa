"""partial indexes for the work queue (unsolved tickets by activity, and by assignee)

Revision ID: 3c5e0a7d91b2
Revises: fe4379b8d9f0
Create Date: 2026-12-02 07:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c5e0a7d91b2'
down_revision = 'fe4379b8d9f0'
branch_labels = None
depends_on = None

UNSOLVED_SQL = "status IN ('new', 'open', 'pending', 'on_hold')"


def upgrade():
    op.drop_index('ix_tickets_assignee_id_status', table_name='tickets')
    op.create_index('ix_tickets_unsolved_updated_at', 'tickets', ['updated_at', 'id'],
                    sqlite_where=sa.text(UNSOLVED_SQL), postgresql_where=sa.text(UNSOLVED_SQL))
    op.create_index('ix_tickets_unsolved_assignee', 'tickets', ['assignee_id', 'updated_at', 'id'],
                    sqlite_where=sa.text(UNSOLVED_SQL), postgresql_where=sa.text(UNSOLVED_SQL))
    op.create_index('ix_tickets_unsolved_assignee_id', 'tickets', ['assignee_id', 'id'],
                    sqlite_where=sa.text(UNSOLVED_SQL), postgresql_where=sa.text(UNSOLVED_SQL))


def downgrade():
    op.drop_index('ix_tickets_unsolved_assignee_id', table_name='tickets')
    op.drop_index('ix_tickets_unsolved_assignee', table_name='tickets')
    op.drop_index('ix_tickets_unsolved_updated_at', table_name='tickets')
    op.create_index('ix_tickets_assignee_id_status', 'tickets', ['assignee_id', 'status'])
