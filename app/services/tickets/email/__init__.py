"""Tickets by email: notifications to requesters (outgoing), mail that becomes replies or
tickets (inbound), and the new part of an emailed reply (quotes)."""
