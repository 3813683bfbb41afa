"""Outreach: proactive messages. Rules (triggers, audience, holdout), the engine that decides and
delivers, the timer for conditions that come true with time alone, the actions besides a chat
message (a follow-up ticket, an email) and the outreach report.

May import: platform, customers, tickets.
"""
