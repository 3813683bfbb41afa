"""orders record whether the shop's server confirmed them (order-id squatting)

A verified shopper's page may send order_placed, and orders were looked up by the shop's order id
alone: a shopper could claim the id the shop would later use for someone else's order, which then
stayed on the shopper. `orders.confirmed` is False for an order known only from a page's claim;
the server's word about it takes it over (app/services/customers/orders.py).

Existing orders: the event log tells where each came from (customer_events.source, "browser" for
the pages, whose event ids also start with "web:"). An order is marked unconfirmed when a page
claimed its id and no order_placed from the server (the sources the code trusts) names it for the
customer who holds it now: a claim never confirmed (a server refund of one's own claim does not
confirm it either, as in the code), or one that squatted an id the server then sent for another
customer (that delivery was taken for a repeat and left the order on the squatter). Either way
the server's next word about the id takes the order over. Every other order is confirmed, those
without any event included: nothing says they came from a page.

Revision ID: e18a0c0f5e01
Revises: 5b0e2c7d9a14
Create Date: 2026-12-07 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e18a0c0f5e01'
down_revision = '5b0e2c7d9a14'
branch_labels = None
depends_on = None

# As app/services/customers/event_sources.py has it at this revision (a migration does not import the app).
SERVER_SOURCES = ("api", "demo", "survey")


def _unconfirmed():
    """UPDATE orders SET confirmed = false for claims the server never made the holder's."""
    events = sa.table("customer_events", sa.column("type", sa.String), sa.column("customer_id", sa.Integer),
                      sa.column("source", sa.String), sa.column("properties", sa.JSON))
    orders = sa.table("orders", sa.column("external_order_id", sa.String), sa.column("customer_id", sa.Integer),
                      sa.column("confirmed", sa.Boolean))
    order_id = events.c.properties["order_id"].as_string()
    claimed = sa.select(order_id).where(events.c.type == "order_placed", events.c.source.not_in(SERVER_SOURCES))
    # Correlated on the holder: the customer_id index keeps it to that customer's events.
    vouched = sa.exists().where(events.c.customer_id == orders.c.customer_id, events.c.type == "order_placed",
                                events.c.source.in_(SERVER_SOURCES), order_id == orders.c.external_order_id)
    return (orders.update().where(orders.c.external_order_id.in_(claimed), ~vouched)
            .values(confirmed=sa.false()))


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.execute(_unconfirmed())


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('confirmed')
