"""Demo data: a small shop's customers, chats, tickets, articles, outreach, SLA and feedback, seeded
through the services by `flask helpdesk seed-demo` (and used by tests). Out of the domain layer: no
service imports it.
"""
