"""lifecycle audiences on customers and tickets, in the work queue's indexes; every order per assignee

Revision ID: a7c4e2b19d30
Revises: 043869bca568
Create Date: 2026-12-02 19:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c4e2b19d30'
down_revision = '043869bca568'
branch_labels = None
depends_on = None

# The bits of app/services/tickets/audiences.py as they were when this ran (frozen here: a
# migration never imports the app): 1 conversion with a loaded cart, 2 loyalty, 4 at risk.
CUSTOMER_BITS = """
UPDATE customers SET audiences =
    CASE WHEN stage = 'conversion' AND EXISTS (
        SELECT 1 FROM carts WHERE carts.customer_id = customers.id AND carts.item_count > 0) THEN 1 ELSE 0 END
  + CASE WHEN stage = 'loyalty' THEN 2 ELSE 0 END
  + CASE WHEN is_at_risk OR (is_vip AND is_churned) THEN 4 ELSE 0 END
"""
TICKET_BITS = """
UPDATE tickets SET audiences = (SELECT customers.audiences FROM customers WHERE customers.id = tickets.requester_id)
WHERE EXISTS (SELECT 1 FROM customers WHERE customers.id = tickets.requester_id AND customers.audiences != 0)
"""


UNSOLVED = sa.text("status IN ('new', 'open', 'pending', 'on_hold')")


def _unsolved_index(name, *columns):
    op.create_index(name, 'tickets', list(columns), unique=False, sqlite_where=UNSOLVED, postgresql_where=UNSOLVED)


# Plain ADD/DROP COLUMN, never batch mode (SQLite's copy of tickets would lose the search triggers).
def upgrade():
    op.add_column('customers', sa.Column('audiences', sa.Integer(), server_default='0', nullable=False))
    op.add_column('tickets', sa.Column('audiences', sa.Integer(), server_default='0', nullable=False))
    op.execute(CUSTOMER_BITS)
    op.execute(TICKET_BITS)
    for name in ('ix_tickets_unsolved_updated_at', 'ix_tickets_unsolved_sla_due_at'):
        op.drop_index(name, table_name='tickets')
    _unsolved_index('ix_tickets_unsolved_updated_at', 'updated_at', 'id', 'audiences')
    _unsolved_index('ix_tickets_unsolved_sla_due_at', 'sla_due_at', 'id', 'audiences')
    _unsolved_index('ix_tickets_unsolved_id', 'id', 'audiences')
    _unsolved_index('ix_tickets_unsolved_assignee_due', 'assignee_id', 'sla_due_at', 'id')
    # Statistics for the new indexes now: without them SQLite's planner takes a new index to be
    # very selective, and the unassigned view sorted its 100,000 tickets by the deadline index's
    # assignee prefix (0.4 s at a million tickets) instead of reading them in order.
    op.execute('ANALYZE tickets')


def downgrade():
    for name in ('ix_tickets_unsolved_assignee_due', 'ix_tickets_unsolved_id', 'ix_tickets_unsolved_sla_due_at',
                 'ix_tickets_unsolved_updated_at'):
        op.drop_index(name, table_name='tickets')
    _unsolved_index('ix_tickets_unsolved_updated_at', 'updated_at', 'id')
    _unsolved_index('ix_tickets_unsolved_sla_due_at', 'sla_due_at', 'id')
    op.drop_column('tickets', 'audiences')
    op.drop_column('customers', 'audiences')
