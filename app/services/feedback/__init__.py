"""Feedback: surveys (CSAT after a chat or a ticket, NPS for customers in retention and loyalty),
asked once, answered once, read back, and their settings. What an answer does across domains (an
NPS answer's lifecycle fact and follow-up ticket) is app/services/survey_answers.py.

May import: platform, customers, access.
"""
