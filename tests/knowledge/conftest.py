"""Fixtures of the knowledge tests: the demo catalogue, the roles that use it."""

import json
from pathlib import Path

import pytest

from aftersales.roles import Role
from tickets.knowledge.demo import catalogue_seed

PHRASINGS = json.loads((Path(__file__).parent / "phrasings.json").read_text("utf-8"))["phrasings"]


@pytest.fixture
def catalogue(db):
    """The demo catalogue (20 articles of aircon, washer, fridge), by code."""
    return catalogue_seed(actor=None)


@pytest.fixture
def expert(make_user):
    return make_user(Role.TECH_SUPPORT, username="expert")
