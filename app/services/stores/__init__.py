"""Stores: connecting a shop's platform (Shopify, WooCommerce) so that its webhooks and history feed
the lifecycle with no code on the shop's side. One adapter per platform turns the platform's own
payloads into the shop events the rest of the helpdesk already understands.

May import: platform, customers, access, tickets, conversations, shop_events.
"""
