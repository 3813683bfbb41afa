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
