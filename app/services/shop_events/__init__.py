"""Shop events: the events a shop sends (server API and browser widget), their schemas, and
ingestion, which applies them to customers (lifecycle, orders, carts) and runs event-triggered
outreach.

May import: platform, customers, access, outreach.
"""
