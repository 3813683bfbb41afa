"""The domain layer, shared by the console, the API, the widget and the command line.

One package per domain, each importing only the domains below it (the order is docs/architecture.md's,
and tests/test_architecture.py keeps it): platform, customers, access, knowledge, feedback, tickets,
conversations, outreach, shop_events, stores, reports. Each package's docstring names what it owns and
what it may import. At this level besides the packages: errors.py (the domain errors, below every
domain) and the use cases that span several domains (customer_overview, customer_privacy,
survey_answers), which only the delivery layer calls.
"""
