"""The actor for operator commands (CLI, demo seeding): every permission in one organization."""

from dataclasses import dataclass, field

from .catalogue import ALL_PERMISSIONS


@dataclass(frozen=True)
class _SystemRole:
    name: str = "System"
    permission_set: frozenset[str] = field(default=ALL_PERMISSIONS)
    is_administrator: bool = True


@dataclass(frozen=True)
class SystemActor:
    organization_id: int
    label: str = "system"
    role: _SystemRole = field(default_factory=_SystemRole)

    is_token = False
    is_system = True
    is_authenticated = True
    is_active = True
    all_locations = True
    pk = None

    def granted_location_ids(self) -> frozenset[int]:
        return frozenset()

    def audit_label(self) -> str:
        return self.label
