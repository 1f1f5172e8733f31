"""Handler flags the middlewares read: one name each, so a typo cannot silently unguard one."""

from __future__ import annotations

from typing import Final

#: A handler that changes a group's settings: in groups only the group's administrators
#: may run it (``GroupAdminMiddleware``).
GROUP_ADMIN: Final = "group_admin"

#: ``flags=`` of such a handler.
ADMIN_ONLY: Final[dict[str, bool]] = {GROUP_ADMIN: True}
