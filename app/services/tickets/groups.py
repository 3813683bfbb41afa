"""Groups (teams) that tickets are routed to, and their members."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from app.extensions import db
from app.models import Agent, TicketGroup, TicketGroupMember
from app.services.errors import DomainError, NotFoundError
from app.services.platform import audit
from app.services.platform.audit import Actor


@dataclass(frozen=True)
class GroupView:
    group: TicketGroup
    members: list[Agent]


def all_groups() -> list[TicketGroup]:
    return list(db.session.scalars(select(TicketGroup).order_by(TicketGroup.name)))


def groups_with_members() -> list[GroupView]:
    members: dict[int, list[Agent]] = {}
    for group_id, agent in db.session.execute(select(TicketGroupMember.group_id, Agent)
                                              .join(Agent, Agent.id == TicketGroupMember.agent_id)
                                              .order_by(Agent.display_name)):
        members.setdefault(group_id, []).append(agent)
    return [GroupView(g, members.get(g.id, [])) for g in all_groups()]


def save_group(name: str, member_ids: list[int], *, group_id: int | None = None, by: Actor) -> TicketGroup:
    """Create a group or rename it and set its members. One commit, audited."""
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise DomainError("Give the group a name of up to 80 characters.", field="name")
    clash = db.session.scalar(select(TicketGroup.id).where(db.func.lower(TicketGroup.name) == name.lower()))
    if clash is not None and clash != group_id:
        raise DomainError("There is a group with this name already.", field="name")
    if group_id is None:
        group = TicketGroup(name=name)
        db.session.add(group)
    else:
        group = db.session.get(TicketGroup, group_id)
        if group is None:
            raise NotFoundError("No such group.")
        group.name = name
    db.session.flush()
    active = set(db.session.scalars(select(Agent.id).where(Agent.id.in_(member_ids), Agent.active.is_(True))))
    db.session.execute(delete(TicketGroupMember).where(TicketGroupMember.group_id == group.id))
    db.session.add_all(TicketGroupMember(group_id=group.id, agent_id=agent_id) for agent_id in sorted(active))
    audit.record("ticket_group.saved", actor=by, target=group, details={"name": name, "members": sorted(active)})
    db.session.commit()
    return group
