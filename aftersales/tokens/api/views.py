"""``/api/v1/integrator-tokens/``: supervisors issue, list, rotate and revoke the tokens
of integrator accounts. The key appears once, in the answer that issues it."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from aftersales.api.actions import service_action
from aftersales.roles import Role

from .. import selectors, services
from ..filtersets import IntegratorTokenFilterSet
from .serializers import (
    IntegratorTokenCreateInputSerializer,
    IntegratorTokenIssuedSerializer,
    IntegratorTokenRotateInputSerializer,
    IntegratorTokenSerializer,
)

SUPERVISORS = frozenset({Role.SUPERVISOR})


def _issued(token, key):
    token.token = key
    return IntegratorTokenIssuedSerializer(token).data


class IntegratorTokenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Integrator tokens: name, prefix, expiry and last use; never the key."""

    serializer_class = IntegratorTokenSerializer
    filterset_class = IntegratorTokenFilterSet
    read_roles = SUPERVISORS
    write_roles = SUPERVISORS
    ordering_fields = ["created_at", "last_used_at", "name"]

    def get_queryset(self):
        return selectors.integrator_token_list()

    @extend_schema(
        request=IntegratorTokenCreateInputSerializer,
        responses={201: IntegratorTokenIssuedSerializer},
    )
    def create(self, request):
        """Issue a token to an integrator account; the answer holds the key, this once."""
        data = IntegratorTokenCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, key = services.integrator_token_create(actor=request.user, **data.validated_data)
        return Response(_issued(token, key), status=status.HTTP_201_CREATED)

    rotate = service_action(
        services.integrator_token_rotate,
        subject="token",
        name="rotate",
        input=IntegratorTokenRotateInputSerializer,
        output=IntegratorTokenIssuedSerializer,
        respond=lambda view, result: Response(_issued(*result)),
        summary="Rotate: a new key; the old one stops at once",
    )
    revoke = service_action(
        services.integrator_token_revoke,
        subject="token",
        name="revoke",
        summary="Revoke: the token is refused from now on",
    )
