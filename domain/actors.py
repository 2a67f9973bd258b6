"""Who is acting. Every service takes an `Actor` and checks its permissions itself."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.codes import Role, label
from domain.errors import PermissionDenied


@dataclass(frozen=True)
class Actor:
    """`audit_label` is how audit events name the actor: `user:12`, `cli`, `setup`, ..."""

    audit_label: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    user_id: int | None = None
    ip: str | None = None
    client_id: int | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def for_user(cls, user_id: int, roles: frozenset[Role], ip: str | None = None) -> Actor:
        return cls(audit_label=f"user:{user_id}", roles=roles, user_id=user_id, ip=ip)

    @classmethod
    def operator(cls, audit_label: str = "cli") -> Actor:
        """Someone with shell access to the server (the CLI): trusted with every role."""
        return cls(audit_label=audit_label, roles=frozenset(Role))

    @classmethod
    def for_api_client(cls, client_id: int, scopes: frozenset[str], ip: str | None = None) -> Actor:
        """An institution's system: it acts through scopes only, never through roles."""
        return cls(audit_label=f"api_client:{client_id}", client_id=client_id, scopes=scopes, ip=ip)

    @property
    def is_api_client(self) -> bool:
        return self.client_id is not None

    def has_any_role(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


def may(actor: Actor, *roles: Role, scope: str | None = None) -> bool:
    """The actor holds one of `roles`, or (an API client) has `scope`."""
    return actor.has_any_role(*roles) or (scope is not None and actor.has_scope(scope))


def require_role(actor: Actor, *roles: Role, to: str, scope: str | None = None) -> None:
    """Refuse unless the actor holds one of `roles` (or, for an API client, `scope`);
    `to` completes "You need ... to ..."."""
    if may(actor, *roles, scope=scope):
        return
    if actor.is_api_client:
        raise PermissionDenied(f"This API client needs the {scope or 'right'} scope to {to}.")
    names = " or ".join(label(role).lower() for role in roles)
    raise PermissionDenied(f"You need the {names} role to {to}.")


PROGRAM_MANAGERS = (Role.coordinator, Role.admin)
RESOURCE_MANAGERS = (Role.resource_editor, Role.coordinator)
