"""merged tickets: tickets.merged_into_id, ticket_messages.merged_from_id

Revision ID: 043869bca568
Revises: 71ef13915add
Create Date: 2026-12-02 07:27:40.383577

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '043869bca568'
down_revision = '71ef13915add'
branch_labels = None
depends_on = None


# Plain ALTER TABLE … ADD/DROP COLUMN on both databases, never batch mode: on SQLite batch mode
# copies the table, and the copy loses the full-text search triggers on tickets and ticket_messages
# (and, with foreign keys on, dropping the old tickets table would cascade into its thread). That
# is also why merged_into_id is a plain indexed id, not a foreign key: SQLite cannot drop a column
# a foreign key uses without the copy.
def upgrade():
    op.add_column('tickets', sa.Column('merged_into_id', sa.Integer(), nullable=True))
    op.create_index('ix_tickets_merged_into_id', 'tickets', ['merged_into_id'], unique=False)
    op.add_column('ticket_messages', sa.Column('merged_from_id', sa.Integer(), nullable=True))


def downgrade():
    op.drop_column('ticket_messages', 'merged_from_id')
    op.drop_index('ix_tickets_merged_into_id', table_name='tickets')
    op.drop_column('tickets', 'merged_into_id')
