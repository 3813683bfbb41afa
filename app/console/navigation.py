"""The console's sections. Only sections that exist are listed: nothing is shown before it is built."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    label: str
    endpoint: str
    admin_only: bool = False
    path_prefix: str = ""  # the section's other pages (an article's editor) also mark it current


SECTIONS: tuple[Section, ...] = (
    Section("Overview", "console.home"),
    Section("Inbox", "inbox.index"),
    Section("Tickets", "tickets.index"),
    Section("Visitors", "visitors.index"),
    Section("Customers", "console_customers.index"),
    Section("Knowledge base", "console.kb_articles_page", path_prefix="/console/kb/"),
    Section("Reports", "console.reports_support", path_prefix="/console/reports"),
    Section("Settings", "console.agents", admin_only=True),
)


def sections_for(agent) -> list[Section]:
    """The sections this agent may open."""
    return [s for s in SECTIONS if not s.admin_only or agent.is_admin]


@dataclass(frozen=True)
class SettingsTab:
    label: str
    endpoint: str
    also: tuple[str, ...] = ()  # the tab's other endpoints (its forms, a rule's page) also mark it current

    def current(self, endpoint: str | None) -> bool:
        return endpoint == self.endpoint or endpoint in self.also


# Settings' tabs, grouped by what they set up: fourteen in one row overflowed a laptop screen.
SETTINGS: tuple[tuple[str, tuple[SettingsTab, ...]], ...] = (
    ("Team", (
        SettingsTab("Agents", "console.agents", ("console.create_agent", "console.agent_action")),
        SettingsTab("API keys", "console.api_keys", ("console.create_api_key",)),
        SettingsTab("Audit log", "console.audit_log"),
    )),
    ("Channels", (
        SettingsTab("Widget", "console.widget_settings", ("console.rotate_identity_secret",)),
        SettingsTab("Chat", "console.chat_settings_page", ("console.save_chat_settings",)),
        SettingsTab("Email", "console.outbox_page"),
    )),
    ("Support", (
        SettingsTab("Groups", "console.groups_page", ("console.create_group", "console.update_group")),
        SettingsTab("Routing", "console.routing_rules",
                    ("console.routing_rule", "console.new_routing_rule", "console.routing_rule_action")),
        SettingsTab("SLA", "console.sla_page", ("console.sla_policy", "console.new_sla_policy",
                                                "console.sla_policy_action", "console.save_calendar")),
        SettingsTab("Canned responses", "console.team_canned_responses",
                    ("console.team_canned_create", "console.team_canned_edit", "console.team_canned_update",
                     "console.team_canned_delete")),
        SettingsTab("Knowledge base", "console.kb_settings", ("console.save_kb_synonyms",)),
    )),
    ("Customers", (
        SettingsTab("Store", "console.store_settings",
                    ("console.connect_store", "console.check_store", "console.import_store",
                     "console.disconnect_store", "console.save_order_policy")),
        SettingsTab("Lifecycle", "console.lifecycle_settings",
                    ("console.save_lifecycle_rules", "console.preview_lifecycle_rules")),
        SettingsTab("Outreach", "console.outreach_rules",
                    ("console.outreach_rule", "console.new_outreach_rule", "console.delete_outreach_rule",
                     "console.save_outreach_cap", "console.outreach_rule_report", "console.outreach_report")),
        SettingsTab("Feedback", "console.feedback_settings_page", ("console.save_feedback_settings",)),
    )),
)
