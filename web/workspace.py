"""The program workspace (desktop, tablet): which areas each role's navigation lists.

Pages check permissions through the domain services; this only decides what is linked."""

from __future__ import annotations

from dataclasses import dataclass

from domain.actors import Actor
from domain.codes import Role


@dataclass(frozen=True)
class WorkspaceLink:
    key: str  # templates pass it as `active` to mark the current area
    href: str
    text: str
    roles: tuple[Role, ...]


WORKSPACE_LINKS = (
    WorkspaceLink("inbox", "/inbox", "Inbox", (Role.coordinator,)),
    WorkspaceLink("roster", "/roster", "Roster", (Role.coordinator,)),
    WorkspaceLink("schedule", "/schedule", "Sessions", (Role.coordinator,)),
    WorkspaceLink("tally", "/tally", "Monthly tally", (Role.coordinator,)),
    WorkspaceLink("reports", "/reports", "Reports", (Role.coordinator, Role.report_viewer)),
    WorkspaceLink("curation", "/curation", "Directory", (Role.resource_editor, Role.coordinator)),
    WorkspaceLink("embed", "/curation/embed", "Embed", (Role.resource_editor, Role.coordinator)),
    WorkspaceLink("users", "/admin/users", "Users", (Role.admin,)),
    WorkspaceLink("api_clients", "/admin/api-clients", "API clients", (Role.admin,)),
    WorkspaceLink("mail", "/admin/mail", "Mail queue", (Role.admin,)),
    WorkspaceLink("audit", "/admin/audit", "Audit log", (Role.admin,)),
    WorkspaceLink("settings", "/settings", "Settings", (Role.coordinator, Role.admin)),
)


def workspace_links(actor: Actor) -> list[WorkspaceLink]:
    return [link for link in WORKSPACE_LINKS if actor.has_any_role(*link.roles)]
