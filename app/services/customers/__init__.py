"""Customers: the profile of each shop customer or anonymous visitor, their lifecycle stage and flags
and the rules that set them, orders and carts as the shop's events leave them, which email
addresses a profile may be found by, and the placeholders that fill a message for a customer.

May import: platform.
"""
