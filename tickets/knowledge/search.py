"""Suggestions: which published articles of a category match what the customer says.

Text is segmented by ``jieba`` (Chinese has no spaces between words; ``cut_for_search``
also yields the shorter words inside long ones, 洗衣机 → 洗衣 + 洗衣机), lower-cased, English
words reduced to a crude stem, stop words dropped. Articles store that segmented text
(``Article.search_text``), so the database only matches words:

- ``fts``: PostgreSQL full-text search with the ``simple`` configuration (no stemming of
  its own) over the pre-segmented text (the stored ``search_vector`` column, migration
  0002), the query's words OR-ed, ranked by ``ts_rank``;
- ``trigram``: ``pg_trgm``'s ``word_similarity`` of the segmented query to the text;
- ``combined``: both scores added;
- ``python`` (SQLite, ``make run``): the same tokens matched in Python over the published
  articles of the category, weighted by inverse document frequency.

The text score is then blended with the article's helpfulness (``blend``), and the best
``limit`` come back. ``KNOWLEDGE_SUGGEST_METHOD`` ("auto": the measured best on PostgreSQL,
``python`` elsewhere) chooses; the README gives the measured hit rates.
"""

import logging
import math
import re

import jieba
from django.conf import settings
from django.db import connection

from .choices import SuggestMethod
from .models import Article

jieba.setLogLevel(logging.WARNING)

# The trade's words jieba's dictionary does not know as one word.
TRADE_WORDS = (
    "不制冷",
    "不制热",
    "不加热",
    "不出水",
    "不排水",
    "不脱水",
    "不进水",
    "不转",
    "不启动",
    "不开机",
    "不通电",
    "漏水",
    "滴水",
    "结冰",
    "结霜",
    "跳闸",
    "异响",
    "异味",
    "噪音",
    "外机",
    "内机",
    "遥控器",
    "显示屏",
    "故障码",
    "热水器",
    "油烟机",
    "燃气灶",
    "净水器",
    "打火",
    "滤网",
)
for _word in TRADE_WORDS:
    jieba.add_word(_word, freq=20000)

_STOP_TEXT = """
    的 了 是 我 我家 家 你 他 它 很 都 也 就 还 又 在 有 和 与 就是 一直 一下 一点 点 时 时候
    会 把 被 吗 呢 吧 啊 呀 哦 嗯 么 怎么 怎么办 什么 为什么 这个 那个 这 那 个 台 请问 现在 老是
    总是 突然 特别 非常 好像 可以 能 要 用 a an the is are was were be been my our it its
    this that to of in on at and or but not when while with for from very so too just keeps
    keep has have had do does did i we you he she they me us them after before there here
    please help"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
_WORD = re.compile(r"\w+", re.UNICODE)
_ASCII = re.compile(r"^[a-z0-9]+$")


def _stem(word):
    """A crude English stem, the same for the articles and the queries (leaking → leak)."""
    if not _ASCII.match(word) or len(word) <= 4:
        return word
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def segment(text):
    """The search words of ``text``: jieba's words (and their sub-words), lower-cased,
    stemmed, without stop words and punctuation, in order of appearance, each once."""
    seen = []
    for token in jieba.cut_for_search((text or "").lower()):
        token = token.strip()
        if not token or not _WORD.fullmatch(token) or token in STOP_WORDS:
            continue
        token = _stem(token)
        if token not in seen:
            seen.append(token)
    return seen


def search_text_of(version):
    """The segmented text stored on an article for its current ``version``."""
    parts = [
        version.title_en,
        version.title_zh,
        version.symptoms_en,
        version.symptoms_zh,
        version.causes_en,
        version.causes_zh,
    ]
    return " ".join(segment(" ".join(p for p in parts if p)))


def blend(score, *, helped, not_helped):
    """The text score weighted by helpfulness: the share of "helped" answers (Laplace
    smoothed, so a new article is neutral) moves the score by at most ±30 %."""
    share = (helped + 1) / (helped + not_helped + 2)
    return score * (0.7 + 0.6 * share)


def method_in_use():
    """The configured method, "auto" resolved by the database vendor."""
    method = getattr(settings, "KNOWLEDGE_SUGGEST_METHOD", "auto")
    if connection.vendor != "postgresql":
        return SuggestMethod.PYTHON
    if method == "auto":
        return SuggestMethod.FTS
    return SuggestMethod(method)


def _tsquery(words):
    return " | ".join("'" + w.replace("'", "") + "'" for w in words)


_FTS_SQL = """
    SELECT a.id, ts_rank(a.search_vector, q.query, 1) AS score,
           a.helped, a.not_helped
    FROM knowledge_article a, to_tsquery('simple', %s) AS q(query)
    WHERE a.current_id IS NOT NULL {category}
      AND a.search_vector @@ q.query
    ORDER BY score DESC, a.id LIMIT %s
"""
_TRIGRAM_SQL = """
    SELECT a.id, word_similarity(%s, a.search_text) AS score, a.helped, a.not_helped
    FROM knowledge_article a
    WHERE a.current_id IS NOT NULL {category} AND word_similarity(%s, a.search_text) > 0.2
    ORDER BY score DESC, a.id LIMIT %s
"""
_COMBINED_SQL = """
    SELECT a.id,
           ts_rank(a.search_vector, q.query, 1)
             + word_similarity(%s, a.search_text) AS score,
           a.helped, a.not_helped
    FROM knowledge_article a, to_tsquery('simple', %s) AS q(query)
    WHERE a.current_id IS NOT NULL {category}
      AND (a.search_vector @@ q.query
           OR word_similarity(%s, a.search_text) > 0.2)
    ORDER BY score DESC, a.id LIMIT %s
"""


def _candidates_sql(method, words, category_id, pool):
    category = "AND a.category_id = %s" if category_id else ""
    cat = [category_id] if category_id else []
    phrase = " ".join(words)
    if method == SuggestMethod.FTS:
        sql, params = _FTS_SQL, [_tsquery(words), *cat, pool]
    elif method == SuggestMethod.TRIGRAM:
        sql, params = _TRIGRAM_SQL, [phrase, *cat, phrase, pool]
    else:
        sql, params = _COMBINED_SQL, [phrase, _tsquery(words), *cat, phrase, pool]
    with connection.cursor() as cursor:
        # The SQL text is fixed above; only the optional category filter is spliced in,
        # and every value is a bound parameter.
        cursor.execute(sql.format(category=category), params)  # nosec B608
        return cursor.fetchall()


def _candidates_python(words, category_id):
    rows = list(
        Article.objects.published()
        .for_category(category_id)
        .values_list("id", "search_text", "helped", "not_helped")
    )
    documents = [(pk, set(text.split()), h, n) for pk, text, h, n in rows]
    total = len(documents) or 1
    frequency = {w: sum(1 for d in documents if w in d[1]) for w in words}
    scored = []
    for pk, tokens, helped, not_helped in documents:
        score = sum(
            math.log(1 + total / frequency[w]) * min(len(w), 3) for w in words if w in tokens
        )
        if score:
            scored.append((pk, score / (1 + math.log(len(tokens) or 1)), helped, not_helped))
    return scored


def suggest(query, *, category_id=None, limit=5, method=None):
    """The published articles best matching ``query`` (of ``category_id`` when given), best
    first, each with ``suggest_score`` set; at most two queries whatever the catalogue."""
    words = segment(query)
    if not words:
        return []
    method = SuggestMethod(method) if method else method_in_use()
    if method == SuggestMethod.PYTHON:
        rows = _candidates_python(words, category_id)
    else:
        rows = _candidates_sql(method, words, category_id, limit * 4)
    ranked = sorted(
        ((pk, blend(float(score), helped=h, not_helped=n)) for pk, score, h, n in rows),
        key=lambda item: (-item[1], item[0]),
    )[:limit]
    by_id = Article.objects.select_related("current", "category").in_bulk([pk for pk, _ in ranked])
    result = []
    for pk, score in ranked:
        article = by_id[pk]
        article.suggest_score = score
        result.append(article)
    return result
