"""The knowledge base (issue 18): suggestion latency for a handful of the 30 test phrasings
against ~2,000 published articles (the demo catalogue plus generated variants of it, in the
demo categories; set up once, idempotent, bulk-inserted with their segmented search text).
Target p95 < 100 ms."""

import itertools
import json
from pathlib import Path

from django.db import transaction

from bench.context import signed_in_page
from bench.harness import Operation, operation
from tickets.knowledge.catalogue import CATALOGUE
from tickets.knowledge.demo import catalogue_seed
from tickets.knowledge.models import Article, ArticleVersion
from tickets.knowledge.search import search_text_of, suggest

from .tickets import _ok

ARTICLES = 2000
PHRASINGS = Path(__file__).resolve().parents[2] / "tests" / "knowledge" / "phrasings.json"
SAMPLE = (0, 5, 14, 17, 23, 25, 29, 2)  # Chinese and English, three categories
VARIANTS = ("型号A", "型号B", "老款", "新款", "变频", "定频", "商用", "家用")


def _catalogue():
    """The demo catalogue and ARTICLES − 20 variants of its entries ("<title> (变频 12)")."""
    with transaction.atomic():
        catalogue_seed(actor=None)
    have = Article.objects.filter(code__startswith="bench-").count()
    missing = ARTICLES - len(CATALOGUE) - have
    if missing <= 0:
        return
    by_code = Article.objects.filter(code__in=[c[0] for c in CATALOGUE]).in_bulk(field_name="code")
    entries = itertools.cycle(CATALOGUE)
    for start in range(have, have + missing, 200):
        with transaction.atomic():
            for n in range(start, min(start + 200, have + missing)):
                code, _cat, title, symptoms, causes, steps = next(entries)
                tag = f"{VARIANTS[n % len(VARIANTS)]} {n}"
                article = Article.objects.create(
                    code=f"bench-{n}", category_id=by_code[code].category_id
                )
                version = ArticleVersion.objects.create(
                    article=article,
                    number=1,
                    title_en=f"{title[0]} ({tag})",
                    title_zh=f"{title[1]}（{tag}）",
                    symptoms_en=symptoms[0],
                    symptoms_zh=symptoms[1],
                    causes_en=causes[0],
                    causes_zh=causes[1],
                    steps_en=steps[0],
                    steps_zh=steps[1],
                )
                Article.objects.filter(pk=article.pk).update(
                    current=version, search_text=search_text_of(version)
                )


@operation
def knowledge_suggestions(ctx):
    _catalogue()
    phrasings = json.loads(PHRASINGS.read_text("utf-8"))["phrasings"]
    texts = [phrasings[i]["text"] for i in SAMPLE]
    return Operation(
        name="knowledge suggestions as the agent types (~2,000 articles)",
        iterations=40,
        note="jieba segmentation + full-text ('simple') over the segmented text, 2 queries",
        run=lambda i: suggest(texts[i % len(texts)]),
    )


@operation
def knowledge_suggestions_panel(ctx):
    """The same, as the intake page asks for it: the htmx panel over HTTP, signed in as an
    agent (session, role check, the template)."""
    _catalogue()
    phrasings = json.loads(PHRASINGS.read_text("utf-8"))["phrasings"]
    texts = [phrasings[i]["text"] for i in SAMPLE]
    client = signed_in_page(ctx, "agent")
    return Operation(
        name="knowledge suggestion panel at intake (HTML, ~2,000 articles)",
        iterations=40,
        run=lambda i: _ok(
            client.get("/tickets/new/suggestions/", {"description": texts[i % len(texts)]})
        ),
    )
