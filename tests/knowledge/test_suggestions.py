"""Suggestions: the measured comparison of the methods on the 30 phrasings (README table),
and the chosen method's top-1 hit rate of at least 80 %."""

import time

import pytest
from django.db import connection

from tickets.knowledge.choices import SuggestMethod
from tickets.knowledge.search import blend, method_in_use, segment, suggest

from .conftest import PHRASINGS

METHODS = [SuggestMethod.FTS, SuggestMethod.TRIGRAM, SuggestMethod.COMBINED, SuggestMethod.PYTHON]


def _rates(catalogue, method, *, with_category):
    top1 = top3 = 0
    misses = []
    started = time.perf_counter()
    for item in PHRASINGS:
        category = catalogue[item["article"]].category_id if with_category else None
        codes = [a.code for a in suggest(item["text"], category_id=category, method=method)]
        top1 += codes[:1] == [item["article"]]
        top3 += item["article"] in codes[:3]
        if codes[:1] != [item["article"]]:
            misses.append((item["text"], codes[:3]))
    elapsed = (time.perf_counter() - started) / len(PHRASINGS) * 1000
    return top1 / len(PHRASINGS), top3 / len(PHRASINGS), elapsed, misses


def test_segment_splits_chinese_and_drops_stop_words():
    assert segment("洗衣机脱水时响声很大") == ["洗衣", "洗衣机", "脱水", "响声", "很大"]
    assert segment("The fridge is LEAKING water") == ["fridge", "leak", "water"]
    assert segment("，。!?") == []


def test_blend_moves_the_score_by_helpfulness():
    assert blend(1.0, helped=0, not_helped=0) == pytest.approx(1.0)
    assert blend(1.0, helped=9, not_helped=0) > blend(1.0, helped=0, not_helped=0)
    assert blend(1.0, helped=0, not_helped=9) < 1.0
    assert (
        0.7
        <= blend(1.0, helped=0, not_helped=10**6)
        < blend(1.0, helped=10**6, not_helped=0)
        <= 1.3
    )


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the methods compared run on PostgreSQL"
)
def test_methods_measured_on_thirty_phrasings(catalogue):
    """Prints each method's hit rates (the README's table); the chosen one ranks the right
    article first for at least 80 % of the phrasings, with and without the unit's category."""
    assert len(PHRASINGS) == 30
    results = {}
    for method in METHODS:
        for with_category in (True, False):
            results[method, with_category] = _rates(catalogue, method, with_category=with_category)
    print("\nmethod     category  top-1  top-3  ms/query")
    for (method, with_category), (top1, top3, ms, misses) in results.items():
        print(
            f"{method:<10} {'yes' if with_category else 'no':<9} "
            f"{top1:5.0%}  {top3:5.0%}  {ms:6.1f}"
        )
        for text, codes in misses:
            print(f"    miss: {text} → {codes}")
    chosen = method_in_use()
    assert chosen == SuggestMethod.FTS
    assert results[chosen, True][0] >= 0.8
    assert results[chosen, False][0] >= 0.8
    assert results[SuggestMethod.PYTHON, True][0] >= 0.8  # the SQLite fallback too


@pytest.mark.django_db
def test_the_fallback_is_chosen_off_postgresql(catalogue):
    """SQLite (``make run``): jieba tokens matched in Python, the same interface."""
    if connection.vendor == "postgresql":
        assert method_in_use() == SuggestMethod.FTS
    else:
        assert method_in_use() == SuggestMethod.PYTHON
    assert suggest("洗衣机脱水时响声很大")[0].code == "washer-spin-noise"


@pytest.mark.django_db
def test_suggest_keeps_to_the_category_and_published(catalogue, supervisor):
    from tickets.knowledge import services

    washer = catalogue["washer-leak"].category
    services.article_create(
        actor=supervisor,
        category=washer,
        published=False,
        title_zh="洗衣机漏水草稿",
        symptoms_zh="洗衣机漏水",
        steps_zh="草稿",
    )
    found = suggest("漏水", category_id=washer.pk)
    assert found and all(a.category_id == washer.pk and a.current_id for a in found)
    assert found[0].code == "washer-leak"
    assert suggest("   ") == []


@pytest.mark.django_db
def test_suggest_runs_two_queries(catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert suggest("fridge is leaking water")
