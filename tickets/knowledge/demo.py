"""Demo data for ``seed_demo``: the fault catalogue of the demo categories (catalogue.py)
and one answered support question. Idempotent, written through the services."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from aftersales.roles import Role
from tickets.models import ProductCategory

from . import services
from .catalogue import CATALOGUE
from .models import Article, SupportQuestion

CATEGORY_NAMES = {
    "aircon": "Air conditioners 空调",
    "washer": "Washing machines 洗衣机",
    "fridge": "Refrigerators 冰箱",
}


def catalogue_seed(*, actor, catalogue=CATALOGUE):
    """Write each catalogue entry not written yet (by code); returns the articles by code."""
    existing = set(Article.objects.filter(code__isnull=False).values_list("code", flat=True))
    categories = {}
    for code, category, title, symptoms, causes, steps in catalogue:
        if code in existing:
            continue
        if category not in categories:
            categories[category], _created = ProductCategory.objects.get_or_create(
                code=category, defaults={"name": CATEGORY_NAMES.get(category, category)}
            )
        services.article_create(
            actor=actor,
            category=categories[category],
            code=code,
            title_en=title[0],
            title_zh=title[1],
            symptoms_en=symptoms[0],
            symptoms_zh=symptoms[1],
            causes_en=causes[0],
            causes_zh=causes[1],
            steps_en=steps[0],
            steps_zh=steps[1],
        )
    return Article.objects.in_bulk([entry[0] for entry in catalogue], field_name="code")


def seed_demo_knowledge(*, actor, password=None):
    """The catalogue, a technical-support login (``support``) and one answered question."""
    catalogue_seed(actor=actor)
    users = get_user_model().objects
    expert = users.filter(username="support").first()
    if expert is None and password:
        expert = users.create_user(username="support", password=password)
        expert.groups.add(Group.objects.get_or_create(name=Role.TECH_SUPPORT)[0])
    agent = users.filter(username="agent").first()
    if expert and agent and not SupportQuestion.objects.exists():
        question = services.support_question_ask(
            actor=agent,
            question="空调显示 E4 断电重启后还在，客户问还能不能用？",
            category=ProductCategory.objects.filter(code="aircon").first(),
        )
        services.support_question_answer(
            question=question,
            actor=expert,
            answer="E4 是排气温度保护，不要继续使用，预约上门检查制冷剂。",
        )
