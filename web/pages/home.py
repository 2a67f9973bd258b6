"""Every role gets a home that fits it: what `/` shows a signed-in person.

The rule (`home_role`): a person lands on the home of the first role they hold in `HOME_ORDER`
(coordinator, admin, supporter, report viewer, resource editor). Coordinators get the inbox's
counts and every area of the workspace; admins the administration areas; supporters their phone
home (also at `/supporter`, for coordinators who support too); report viewers land on the
reports and resource editors on the directory's curation list. A person without a role gets a
short page that says so, never a welcome with nothing to do."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from domain.actors import Actor
from domain.codes import Role
from domain.inbox.service import inbox_counts
from web.pages.common import page
from web.pages.supporter import supporter_home
from web.session import Visitor
from web.workspace import workspace_links

HOME_ORDER = (
    Role.coordinator,
    Role.admin,
    Role.supporter,
    Role.report_viewer,
    Role.resource_editor,
)
# Roles whose home is a workspace area of its own: a redirect, not a page.
LANDING_AREAS = {Role.report_viewer: "/reports", Role.resource_editor: "/curation"}
# One line under each workspace area's link on the coordinator and admin homes.
AREA_DESCRIPTIONS = {
    "inbox": "Debrief requests, supporters at their cap or due a refresher, resources to review.",
    "roster": "Supporters, their training and this month's load; invite or import people.",
    "schedule": "Trainings and monthly sessions; attendance in one tap per supporter.",
    "tally": "The month's figures to show at the monthly session.",
    "reports": "Encounters by month or quarter, as charts with their tables.",
    "curation": "The resource directory and the entries due for review.",
    "users": "People, their roles, invitations and deactivation.",
    "api_clients": "Credentials and scopes for the institution's systems.",
    "mail": "Invitations, debrief notifications and reminders on their way, and failures.",
    "audit": "Who did what and when; search and export.",
    "settings": "Program name, caps, the refresher rule, time zone and more.",
}


def home_role(actor: Actor) -> Role | None:
    """The role whose home the person lands on: the first of `HOME_ORDER` they hold."""
    return next((role for role in HOME_ORDER if role in actor.roles), None)


def home_page(request: Request, session: Session, visitor: Visitor) -> Response:
    role = home_role(visitor.actor)
    if role in LANDING_AREAS:
        return RedirectResponse(LANDING_AREAS[role], status_code=303)
    if role == Role.coordinator:
        counts = inbox_counts(session=session, actor=visitor.actor)
        return workspace_home(request, session, visitor, "home_coordinator.html", counts=counts)
    if role == Role.admin:
        return workspace_home(request, session, visitor, "home_admin.html")
    if role == Role.supporter:
        return supporter_home(request, session, visitor)
    return page(request, session, visitor, "home_member.html", active="home")


def workspace_home(
    request: Request, session: Session, visitor: Visitor, template: str, **context: Any
) -> Response:
    areas = [(link, AREA_DESCRIPTIONS.get(link.key, "")) for link in workspace_links(visitor.actor)]
    return page(request, session, visitor, template, active="home", areas=areas, **context)
