"""Reads of the knowledge base shared by the API and the pages."""

from django.db.models import Q

from aftersales.roles import Role, has_role
from aftersales.text import is_digits
from tickets.models import Ticket

from .models import Article, ArticleVersion, SupportQuestion, TicketArticle
from .search import suggest

READER_ROLES = (
    Role.AGENT,
    Role.SUPERVISOR,
    Role.TECHNICIAN,
    Role.TECH_SUPPORT,
    Role.AUDITOR,
)
QUEUE_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.TECHNICIAN, Role.TECH_SUPPORT, Role.AUDITOR)


def article_list(*, user, category_id=None, product_model_id=None, drafts=False):
    """Published articles (and, for their editors, the drafts too) with what lists read."""
    articles = Article.objects.select_related("current", "category", "product_model")
    if not (drafts and has_role(user, Role.SUPERVISOR, Role.TECH_SUPPORT)):
        articles = articles.published()
    if category_id:
        articles = articles.filter(category_id=category_id)
    if product_model_id:
        articles = articles.filter(Q(product_model_id=product_model_id) | Q(product_model=None))
    return articles.order_by("category_id", "id")


def article_versions(*, article):
    return ArticleVersion.objects.filter(article=article).select_related("created_by")


def articles_for_ticket(*, ticket, limit=5):
    """The articles for the unit of a job: its model's and its category's, best matching
    the ticket's description first (the suggestions), then the rest of the category."""
    if not ticket.product_id:
        return []
    model = ticket.product.model
    found = suggest(ticket.description, category_id=model.category_id, limit=limit)
    if len(found) < limit:
        seen = {a.pk for a in found}
        more = article_list(user=None, category_id=model.category_id, product_model_id=model.pk)
        found += list(more.exclude(pk__in=seen)[: limit - len(found)])
    return found


def question_list(*, user):
    """Support questions: technicians see those they asked, the desk, experts and auditors
    all of them."""
    questions = SupportQuestion.objects.select_related(
        "ticket", "category", "asked_by", "answered_by", "draft_article"
    )
    if has_role(user, Role.AGENT, Role.SUPERVISOR, Role.TECH_SUPPORT, Role.AUDITOR):
        return questions
    return questions.filter(asked_by=user)


def ticket_article_uses(*, ticket):
    return TicketArticle.objects.filter(ticket=ticket).select_related("version", "actor")


def visible_tickets(user):
    return Ticket.objects.visible_to(user)


def published_version(pk):
    """The published article version ``pk`` (the intake's pick), or None."""
    if not pk or not is_digits(str(pk)):
        return None
    return ArticleVersion.objects.filter(pk=pk, published=True).select_related("article").first()
