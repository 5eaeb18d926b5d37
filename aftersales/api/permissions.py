"""Role-based access for the API: least privilege, declared per view.

A view declares ``read_roles`` and ``write_roles`` (role codes), and ``action_roles`` for
actions that differ (by viewset action name). Reads default to every staff role; writes
default to nobody. Superusers pass. Object visibility (404 for what a
role may not see) is the job of each view's selector-backed ``get_queryset``; rules
about *which* write (e.g. "only the assigned technician checks in") live in services.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from aftersales.roles import Role, roles_of

ALL_ROLES = frozenset(Role.values)


class RolePermission(BasePermission):
    message = "Your role may not do this."

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if user.is_superuser:
            return True
        action_map = getattr(view, "action_map", None)
        if action_map is not None and request.method.lower() not in action_map:
            return True  # unsupported method: let the view answer 405, not 403
        roles = roles_of(user)
        action_roles = getattr(view, "action_roles", {})
        action = getattr(view, "action", None)
        if action in action_roles:
            allowed = action_roles[action]
        elif request.method in SAFE_METHODS:
            allowed = getattr(view, "read_roles", ALL_ROLES)
        else:
            allowed = getattr(view, "write_roles", frozenset())
        return bool(roles & set(allowed))
