"""The names of audited actions, in one place: `<object>.<verb>`, with the outcome
(`success`, `failure`, `denied`) in its own column.

What is audited (DESIGN.md, AuditEvent): every change to users, supporters, resources, program
settings, API clients, program sessions and attendance; every read of encounter rows by anyone
but the supporter who logged them; every read of reports and of the roster (supporters and
users, except a person reading their own profile); sign-ins and tokens; and every refusal (403)
the API answers to a caller it knows (`api.request`, outcome `denied`).

A change of one field is `<object>.change.<field>` (`resource.change.phone`), one event per
changed field, so the trail says what changed; unchanged fields leave nothing."""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    # Signing in and tokens
    auth_sign_in = "auth.sign_in"
    auth_token = "auth.token"  # noqa: S105 (an action name, not a secret)
    # People
    user_create = "user.create"
    user_invite = "user.invite"
    user_password_set = "user.password.set"  # noqa: S105 (an action name)
    user_roles_change = "user.roles.change"
    user_activate = "user.activate"
    user_deactivate = "user.deactivate"
    user_list = "user.list"
    user_read = "user.read"
    supporter_create = "supporter.create"
    supporter_list = "supporter.list"
    supporter_read = "supporter.read"
    supporter_import = "supporter.import"  # a roster CSV applied; each row is its own events
    # The resource directory
    resource_create = "resource.create"
    resource_review = "resource.review"
    resource_delete = "resource.delete"
    # Program sessions; attendance is `attendance.<status>` on the supporter
    program_session_create = "program_session.create"
    program_session_cancel = "program_session.cancel"
    # Debrief requests: who needed a debrief is confidential, so reading the list is audited
    debrief_request_list = "debrief_request.list"
    debrief_request_assign = "debrief_request.assign"
    debrief_request_close = "debrief_request.close"
    # API clients
    api_client_create = "api_client.create"
    api_client_scopes_change = "api_client.scopes.change"
    api_client_revoke = "api_client.revoke"
    # Reads of rows and counts about people
    encounter_list = "encounter.list"
    encounter_read = "encounter.read"
    report_read = "report.read"
    report_export = "report.export"  # a report downloaded as a file (also read: report.read)
    audit_read = "audit.read"
    audit_export = "audit.export"
    # A refusal answered by the API (outcome "denied"); the object is the route asked for
    api_request = "api.request"
    # Background jobs (the mail queue)
    job_retry = "job.retry"
    # Tools
    demo_load = "demo.load"


# Objects whose changes are audited field by field as `<prefix>.change.<field>`.
CHANGE_PREFIXES = ("user", "supporter", "resource", "program_session", "settings")
ATTENDANCE_PREFIX = "attendance"


def field_changed(prefix: str, field: str) -> str:
    """`resource.change.phone`: one field of one object changed."""
    assert prefix in CHANGE_PREFIXES, prefix
    return f"{prefix}.change.{field}"


def attendance_recorded(status: str) -> str:
    """`attendance.attended`: a supporter's attendance at a session was recorded."""
    return f"{ATTENDANCE_PREFIX}.{status}"


def is_known_action(action: str) -> bool:
    """The name follows this catalogue (tests hold every written event to it)."""
    if action in AuditAction._value2member_map_:
        return True
    prefix, _, rest = action.partition(".")
    if prefix == ATTENDANCE_PREFIX:
        return bool(rest)
    verb, _, field = rest.partition(".")
    return prefix in CHANGE_PREFIXES and verb == "change" and bool(field)
