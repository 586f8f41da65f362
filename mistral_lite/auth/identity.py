"""The identity a request acts as, once authentication has looked at it."""

from __future__ import annotations

from dataclasses import dataclass

from mistral_lite.project import DEFAULT_PROJECT

READER = "reader"
OPERATOR = "operator"
ADMIN = "admin"
ROLES = (READER, OPERATOR, ADMIN)


@dataclass(frozen=True)
class Identity:
    """A token's holder: `token_id` None means authentication is off (everyone is an admin of the
    default project, as in Mistral without authentication)."""

    role: str = ADMIN
    project_id: str = DEFAULT_PROJECT
    token_id: str | None = None
    name: str = "anonymous"

    @property
    def authenticated(self) -> bool:
        return self.token_id is not None


ANONYMOUS = Identity()
