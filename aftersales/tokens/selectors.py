"""Reads of integrator tokens shared by the API and the page."""

from django.contrib.auth import get_user_model

from aftersales.roles import Role

from .models import IntegratorToken


def integrator_token_list():
    """Every token with its holder and the people who issued and revoked it (one query):
    active ones first, then by integrator and name."""
    return IntegratorToken.objects.with_people().order_by(
        "revoked_at", "user__username", "name", "id"
    )


def token_holder_candidates():
    """Active integrator accounts that may hold a token (not staff or superusers, who
    sign in with a second factor; supervisors are left out the same way)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=False, is_superuser=False)
        .filter(groups__name=Role.INTEGRATOR)
        .exclude(groups__name=Role.SUPERVISOR)
        .distinct()
        .order_by("username")
    )
