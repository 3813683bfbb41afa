"""Access: who is who and what they may do. Agents, their passwords and sign-in sessions, API keys,
the widget's identity check and visitor tokens, what a visitor's token acts for, what a customer
may read of a ticket, the help center's sign-in links, and revocation of live sockets.

May import: platform, customers.
"""
