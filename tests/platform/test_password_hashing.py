"""Argon2id at the documented parameters (aftersales/signin/hashers.py), and PBKDF2 hashes
from before upgraded at the next sign-in. The test settings hash with MD5 for speed; these
tests put the production list back."""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from rest_framework.test import APIClient

from aftersales.settings import base


@pytest.fixture
def production_hashers(settings):
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    return settings


def _sign_in(username, password):
    return APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def test_new_passwords_are_argon2id_at_the_documented_parameters(production_hashers):
    encoded = make_password("correct horse battery")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password("correct horse battery", encoded)
    assert not check_password("wrong horse battery", encoded)
    assert identify_hasher(encoded).algorithm == "argon2"


def test_the_parameters_come_from_the_settings(production_hashers):
    production_hashers.PASSWORD_ARGON2_MEMORY_KIB = 12288
    production_hashers.PASSWORD_ARGON2_TIME_COST = 3
    assert make_password("x" * 12).startswith("argon2$argon2id$v=19$m=12288,t=3,p=1$")


@pytest.mark.django_db
def test_a_pbkdf2_hash_signs_in_and_is_upgraded(production_hashers, make_user):
    user = make_user("agent", username="old-hash")
    user.password = make_password("an old password!", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    assert _sign_in("old-hash", "an old password!").status_code == 200
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert _sign_in("old-hash", "an old password!").status_code == 200
    assert _sign_in("old-hash", "not the password").status_code in (400, 401)


@pytest.mark.django_db
def test_a_hash_with_other_argon2_parameters_is_upgraded(production_hashers, make_user):
    """Django's default Argon2 (100 MiB, 8 lanes) verifies, then is rehashed at ours."""
    user = make_user("agent", username="heavy-hash")
    production_hashers.PASSWORD_ARGON2_MEMORY_KIB = 102400
    production_hashers.PASSWORD_ARGON2_PARALLELISM = 8
    user.password = make_password("a heavy password")
    user.save(update_fields=["password"])
    assert "m=102400,t=2,p=8" in user.password
    production_hashers.PASSWORD_ARGON2_MEMORY_KIB = base.PASSWORD_ARGON2_MEMORY_KIB
    production_hashers.PASSWORD_ARGON2_PARALLELISM = base.PASSWORD_ARGON2_PARALLELISM
    assert _sign_in("heavy-hash", "a heavy password").status_code == 200
    user.refresh_from_db()
    assert "m=19456,t=2,p=1" in user.password
    assert django_settings.PASSWORD_ARGON2_TIME_COST == 2
