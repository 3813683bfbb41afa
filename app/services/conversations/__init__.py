"""Conversations: live chat. Starting and continuing a chat, the message store, the agents' inbox
and assignment, typing and read activity, history and payloads, chat settings, canned responses
in the composer, and a visitor's answer to a proactive message.

May import: platform, customers, access, knowledge, feedback, tickets.
"""
