"""The console's Settings pages that have a module of their own (routing and groups, SLA, outreach,
lifecycle, chat, feedback, email outbox, canned responses), registered on the console blueprint by
app/console/__init__.py. Agents, API keys, the audit log and the widget are in app/console/views.py."""
