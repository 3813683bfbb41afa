"""follow-up tickets open with a system note, not a message from the customer

Follow-up tickets the helpdesk opened for agents (an outreach rule's check-in, a detractor's NPS
answer) began with a public message authored as the customer, so customers saw them in their
requests as if they had written them. Their first message becomes what new ones start with: an
internal note by the system. Data only; the schema does not change.

Revision ID: 5b0e2c7d9a14
Revises: 371efa19c44c
Create Date: 2026-12-06 21:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5b0e2c7d9a14'
down_revision = '371efa19c44c'
branch_labels = None
depends_on = None

FIRST_MESSAGES = """
    SELECT min(m.id) FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id
    WHERE t.channel = 'api' AND (t.client_key LIKE 'outreach-%' OR t.client_key LIKE 'helpdesk-nps-%')
    GROUP BY m.ticket_id
"""


def upgrade():
    op.execute(f"UPDATE ticket_messages SET author_type = 'system', internal = TRUE "
               f"WHERE author_type = 'customer' AND id IN ({FIRST_MESSAGES})")


def downgrade():
    op.execute(f"UPDATE ticket_messages SET author_type = 'customer', internal = FALSE "
               f"WHERE author_type = 'system' AND id IN ({FIRST_MESSAGES})")
