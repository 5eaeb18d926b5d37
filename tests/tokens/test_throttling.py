"""The API's throttles per token and per user: 429 with Retry-After, on the Redis cache.

The test settings switch both off for the rest of the suite; these tests switch them on
with the ``settings`` fixture, as an operator would with API_TOKEN_THROTTLE_RATE and
API_USER_THROTTLE_RATE."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from aftersales.settings import base

pytestmark = pytest.mark.django_db
TICKETS = "/api/v1/tickets/"


@pytest.fixture
def rates(settings):
    def set_rates(token=None, user=None):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"auth": "1000/min", "token": token, "user": user},
        }

    return set_rates


def _assert_throttled(response):
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 0 < wait <= 60
    assert "throttled" in response.data["detail"].lower()


def test_a_token_over_its_rate_gets_429_with_retry_after(rates, shop, issue, bearer):
    rates(token="3/min")
    _token, key = issue(shop)
    client = bearer(key)

    answers = [client.get(TICKETS).status_code for _ in range(3)]
    throttled = client.get(TICKETS)

    assert answers == [200, 200, 200]
    _assert_throttled(throttled)


def test_each_token_has_its_own_counter_and_the_user_rate_caps_them_together(
    rates, shop, issue, bearer
):
    rates(token="2/min", user="3/min")
    _first, first_key = issue(shop, name="Web shop")
    _second, second_key = issue(shop, name="IVR")

    shop_answers = [bearer(first_key).get(TICKETS).status_code for _ in range(3)]
    # The refused third request was counted by neither counter, so the IVR's token (a
    # counter of its own) gets the user's third and last request of the minute.
    ivr_answer = bearer(second_key).get(TICKETS).status_code
    over_user = bearer(second_key).get(TICKETS)

    assert shop_answers == [200, 200, 429] and ivr_answer == 200
    _assert_throttled(over_user)


def test_people_are_throttled_per_user_by_session_and_token_together(
    rates, agent, agent_client, client
):
    rates(user="2/min")
    client.force_login(agent)

    assert agent_client.get(TICKETS).status_code == 200
    assert client.get(TICKETS).status_code == 200
    _assert_throttled(client.get(TICKETS))
    _assert_throttled(agent_client.get(TICKETS))


def test_users_do_not_share_a_counter(rates, agent_client, supervisor_client):
    rates(user="1/min")

    assert agent_client.get(TICKETS).status_code == 200
    assert supervisor_client.get(TICKETS).status_code == 200
    assert agent_client.get(TICKETS).status_code == 429


def test_the_counters_live_in_the_shared_cache(rates, shop, issue, bearer):
    from django.core.cache import cache

    rates(token="5/min")
    token, key = issue(shop)
    bearer(key).get(TICKETS)

    assert len(cache.get(f"throttle_token_integrator-{token.pk}")) == 1


def test_a_cache_outage_lets_requests_through(rates, settings, agent_client, caplog):
    """Redis down (a closed port): the throttle counts nothing and refuses nothing."""
    rates(user="1/min")
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {
                **settings.CACHES["default"].get("OPTIONS", {}),
                "IGNORE_EXCEPTIONS": False,
            },
        }
    }

    assert [agent_client.get(TICKETS).status_code for _ in range(3)] == [200, 200, 200]
    assert "Throttle cache unavailable" in caplog.text


def test_the_suite_runs_unthrottled_by_default(agent_client):
    """The test settings' own rates: nothing here may be cut off by the API's throttles."""
    assert {agent_client.get(TICKETS).status_code for _ in range(40)} == {200}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120/min", "120/min"), (" 5/s ", "5/s"), ("none", None), ("", None), ("OFF", None)],
)
def test_throttle_rates_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("API_TEST_RATE", value)
    assert base._throttle_rate("API_TEST_RATE", "1/min") == expected


@pytest.mark.parametrize("value", ["120", "ten/min", "0/min", "5/week", "-1/min"])
def test_a_malformed_throttle_rate_stops_the_start(monkeypatch, value):
    monkeypatch.setenv("API_TEST_RATE", value)
    with pytest.raises(ImproperlyConfigured):
        base._throttle_rate("API_TEST_RATE", "1/min")
