"""What every benchmark operation needs: signed-in clients, sample ids, a floor cursor."""

import random
from dataclasses import dataclass

import psycopg2
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def _api_client(user):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def fetch(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


@dataclass
class Context:
    users: dict
    api: dict
    page: Client
    ticket_ids: list
    customer_ids: list
    rng: random.Random
    floor_connection: object
    ticket_count: int

    @classmethod
    def build(cls, seed=7):
        user_model = get_user_model()
        users = {}
        for role in ("agent", "supervisor", "integrator", "auditor"):
            users[role] = user_model.objects.filter(groups__name=role).order_by("id").first()
        # The technician with the most assigned tickets: the heaviest "my jobs" list.
        [(tech_user,)] = fetch(
            "SELECT tech.user_id FROM tickets_ticket t JOIN technicians_technician tech "
            "ON tech.id = t.technician_id GROUP BY tech.user_id ORDER BY count(*) DESC LIMIT 1"
        )
        users["technician"] = user_model.objects.get(pk=tech_user)
        missing = [role for role, user in users.items() if user is None]
        if missing:
            raise SystemExit(f"No {missing} users: run `make bench-data` first.")
        page = Client()
        page.force_login(users["agent"])
        rng = random.Random(seed)
        [(count,)] = fetch(
            "SELECT reltuples::bigint FROM pg_class WHERE relname = 'tickets_ticket'"
        )
        ticket_ids = [
            row[0]
            for row in fetch(
                "SELECT id FROM tickets_ticket TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT 2000"
            )
        ]
        customer_ids = [
            row[0]
            for row in fetch(
                "SELECT id FROM tickets_customer TABLESAMPLE SYSTEM (5) REPEATABLE (7) LIMIT 2000"
            )
        ]
        db = settings.DATABASES["default"]
        floor = psycopg2.connect(
            dbname=db["NAME"],
            user=db["USER"],
            password=db["PASSWORD"],
            host=db["HOST"],
            port=db["PORT"] or 5432,
        )
        floor.autocommit = True
        return cls(
            users=users,
            api={role: _api_client(u) for role, u in users.items()},
            page=page,
            ticket_ids=ticket_ids,
            customer_ids=customer_ids,
            rng=rng,
            floor_connection=floor,
            ticket_count=count,
        )

    def pick(self, values, i):
        return values[i % len(values)]


def signed_in_page(ctx, role):
    """A browser session (Django's test client) of the bench's user with ``role``, signed
    in as a person would be: supervisors (and staff) with their second factor done, through
    a confirmed TOTP device added once if the data has none."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from aftersales.roles import second_factor_required

    user = ctx.users[role]
    client = Client()
    client.force_login(user)
    if second_factor_required(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
