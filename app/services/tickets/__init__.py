"""Tickets: intake from every channel, updates, replies, history and tags, the console's lists and
saved views, bulk changes, merging, search, collision detection, groups, routing rules, the
customer's "My requests" and the widget's requests. Its clear parts are sub-packages: sla/
(business hours, policies, targets and breaches), attachments/ (files on disk and their rows) and
email/ (outgoing notifications, inbound mail, quote stripping).

May import: platform, customers, access, feedback.
"""
