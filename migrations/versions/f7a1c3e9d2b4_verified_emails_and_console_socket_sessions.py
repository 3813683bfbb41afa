"""customers' verified email; console sockets remember their sign-in (security review)

`customers.verified_email`: the address the helpdesk may find a profile by and send sign-in links
to (app/services/customers/emails.py). An email a shopper's browser claimed was taken as proof of
identity: tickets filed under that address went to the claimant's profile and were listed in
their widget. Now only the shop's server vouches for an address (or a profile was made for it).

Existing profiles: the address is verified where the event log shows the shop's server sent it
(an identify event from a trusted source carrying that address), or where the profile was made for
an address (no shop customer id and never seen by the widget: a request by email or from the help
center's form). Addresses known only from pages or chat forms stay claims until the shop's server
sends them.

`realtime_connections.agent_session_id`: a revoked sign-in's console sockets are disconnected.

Revision ID: f7a1c3e9d2b4
Revises: e18a0c0f5e01
Create Date: 2026-12-07 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7a1c3e9d2b4'
down_revision = 'e18a0c0f5e01'
branch_labels = None
depends_on = None

# As app/services/customers/event_sources.py had it at this revision (a migration does not import the app).
SERVER_SOURCES = ("api", "demo", "survey")


def _verify_existing():
    """UPDATE customers SET verified_email = email where the server sent it or the profile is an address's."""
    customers = sa.table("customers", sa.column("id", sa.Integer), sa.column("email", sa.String),
                         sa.column("verified_email", sa.String), sa.column("external_id", sa.String))
    events = sa.table("customer_events", sa.column("type", sa.String), sa.column("customer_id", sa.Integer),
                      sa.column("source", sa.String), sa.column("properties", sa.JSON))
    visitors = sa.table("anonymous_visitors", sa.column("customer_id", sa.Integer))
    sent = events.c.properties["email"].as_string()
    vouched = sa.exists().where(events.c.customer_id == customers.c.id, events.c.type == "identify",
                                events.c.source.in_(SERVER_SOURCES),
                                sa.func.lower(sa.func.trim(sent)) == customers.c.email)
    made_for_address = sa.and_(customers.c.external_id.is_(None),
                               ~sa.exists().where(visitors.c.customer_id == customers.c.id))
    return (customers.update().where(customers.c.email.is_not(None), sa.or_(vouched, made_for_address))
            .values(verified_email=customers.c.email))


def upgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_email', sa.String(length=254), nullable=True))
        batch_op.create_index(batch_op.f('ix_customers_verified_email'), ['verified_email'], unique=False)
    op.execute(_verify_existing())
    with op.batch_alter_table('realtime_connections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agent_session_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_realtime_connections_agent_session_id'), ['agent_session_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_realtime_connections_agent_session_id_agent_sessions'),
                                    'agent_sessions', ['agent_session_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('realtime_connections', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_realtime_connections_agent_session_id_agent_sessions'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_realtime_connections_agent_session_id'))
        batch_op.drop_column('agent_session_id')
    op.drop_index('ix_customers_verified_email', table_name='customers')
    # Not batch mode: on SQLite it would copy and drop the customers table, which the full-text
    # search triggers on tickets keep locked; SQLite 3.35+ drops a plain column in place.
    op.execute('ALTER TABLE customers DROP COLUMN verified_email')
