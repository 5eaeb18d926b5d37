"""What every page module shares: the role gate and the desk's roles."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from aftersales.roles import Role, has_role, roles_of

PAGE_SIZE = 50
DESK = (Role.AGENT, Role.SUPERVISOR)


def role_required(*roles):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


def _is_field_technician(user):
    roles = roles_of(user)
    return Role.TECHNICIAN in roles and not roles & {*DESK, Role.AUDITOR}
