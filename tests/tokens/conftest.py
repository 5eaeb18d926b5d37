import pytest

from aftersales.roles import Role
from aftersales.tokens import services


@pytest.fixture
def shop(make_user):
    """An integrator account (a web shop's)."""
    return make_user(Role.INTEGRATOR, username="shop", first_name="Web", last_name="Shop")


@pytest.fixture
def issue(supervisor):
    """issue(user, name="Shop", **kw) → (token, key), issued by the supervisor."""

    def factory(user, name="Shop", **kwargs):
        return services.integrator_token_create(user=user, name=name, actor=supervisor, **kwargs)

    return factory


@pytest.fixture
def bearer(anon_client):
    """bearer(key) → an API client sending ``Authorization: Token <key>``."""

    def factory(key):
        anon_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return anon_client

    return factory
