"""The knowledge pages: the article list and search, the article (reader, with its
versions and the feedback buttons), the editor (supervisors, technical support), the
support queue with its countdown and the question page. The intake panel and the job page
list live with those pages (tickets.views) and read ``search``/``selectors``."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from aftersales.exceptions import ApplicationError
from aftersales.roles import Role, has_role
from aftersales.text import is_digits
from tickets.models import ProductCategory

from . import services
from .forms import AnswerForm, ArticleCreateForm, ArticleForm, QuestionForm
from .search import suggest
from .selectors import READER_ROLES, article_list, article_versions, question_list, visible_tickets
from .services import TEXT_FIELDS

QUEUE_PAGE_ROLES = (*services.ASK_ROLES, Role.TECH_SUPPORT, Role.AUDITOR)


def role_required(*roles):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


def _add_errors(form, exc):
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, getattr(exc, "message", None) or str(exc))


def _next_url(request, fallback):
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@role_required(*READER_ROLES)
def article_list_page(request):
    """Search (as the desk types, ``q``) or browse the catalogue by category."""
    query = (request.GET.get("q") or "").strip()[:500]
    category = request.GET.get("category") or ""
    categories = list(ProductCategory.objects.order_by("code"))
    chosen = next((c for c in categories if c.code == category), None)
    page = None
    if query:
        articles = suggest(query, category_id=chosen.pk if chosen else None, limit=20)
    else:
        drafts = has_role(request.user, Role.SUPERVISOR, Role.TECH_SUPPORT)
        listed = article_list(
            user=request.user, category_id=chosen.pk if chosen else None, drafts=drafts
        )
        page = Paginator(listed, 25).get_page(request.GET.get("page"))
        articles = list(page)
    context = {
        "articles": articles,
        "page": page,
        "query": query,
        "categories": categories,
        "category": category,
        "can_edit": has_role(request.user, *services.EDITOR_ROLES),
    }
    template = "knowledge/_article_rows.html" if request.htmx else "knowledge/article_list.html"
    return render(request, template, context)


def _article(request, pk):
    drafts = has_role(request.user, *services.EDITOR_ROLES)
    return get_object_or_404(article_list(user=request.user, drafts=drafts), pk=pk)


@role_required(*READER_ROLES)
def article_page(request, pk):
    """The article in the reader's language (``?version=`` an older one)."""
    article = _article(request, pk)
    versions = list(article_versions(article=article))
    shown = article.current or (versions[-1] if versions else None)
    wanted = request.GET.get("version")
    if wanted and is_digits(wanted):
        shown = next((v for v in versions if v.number == int(wanted)), None)
        if shown is None:
            raise Http404
    ticket = request.GET.get("ticket")
    context = {
        "article": article,
        "version": shown,
        "versions": versions,
        "ticket_id": ticket if ticket and is_digits(ticket) else "",
        "can_edit": has_role(request.user, *services.EDITOR_ROLES),
        "can_rate": has_role(request.user, *services.FEEDBACK_ROLES) and article.current_id,
    }
    return render(request, "knowledge/article.html", context)


@role_required(*services.FEEDBACK_ROLES)
def article_feedback(request, pk):
    """POST "this helped" / "did not help" (once per user per article per ticket)."""
    if request.method != "POST":
        raise Http404
    article = _article(request, pk)
    ticket = None
    ticket_id = request.POST.get("ticket") or ""
    if ticket_id:
        if not is_digits(ticket_id):
            raise Http404
        ticket = get_object_or_404(visible_tickets(request.user), pk=ticket_id)
    try:
        services.article_feedback_record(
            article=article,
            actor=request.user,
            helped=request.POST.get("helped") == "yes",
            ticket=ticket,
        )
        messages.success(request, _("Thank you: your feedback ranks the suggestions."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(_next_url(request, reverse("knowledge-article-page", args=[article.pk])))


@role_required(*services.EDITOR_ROLES)
def article_edit_page(request, pk=None):
    """The editor: a new article, or a new version of ``pk`` (saving publishes it)."""
    article = _article(request, pk) if pk else None
    source = None
    if article is not None:
        source = article.current or article.versions.order_by("-number").first()
    if request.method == "POST":
        form = (ArticleForm if article else ArticleCreateForm)(request.POST)
        if form.is_valid():
            texts = {f: form.cleaned_data[f] for f in TEXT_FIELDS}
            try:
                if article is None:
                    article = services.article_create(
                        actor=request.user,
                        category=form.cleaned_data["category"],
                        product_model=form.cleaned_data["product_model"],
                        **texts,
                    )
                    messages.success(request, _("Article published."))
                else:
                    version = services.article_version_publish(
                        article=article,
                        actor=request.user,
                        expected_version=form.cleaned_data["expected_version"],
                        **texts,
                    )
                    messages.success(
                        request, _("Version %(number)s published.") % {"number": version.number}
                    )
                return redirect("knowledge-article-page", pk=article.pk)
            except (ValidationError, ApplicationError) as exc:
                _add_errors(form, exc)
        status = 400
    else:
        initial = {}
        if source is not None:
            initial = {f: getattr(source, f) for f in TEXT_FIELDS}
            initial["expected_version"] = article.versions.order_by("-number").first().number
        form = (ArticleForm if article else ArticleCreateForm)(initial=initial)
        status = 200
    return render(
        request, "knowledge/article_edit.html", {"form": form, "article": article}, status=status
    )


@role_required(*QUEUE_PAGE_ROLES)
def question_list_page(request):
    """The support queue: open questions by due time with their countdown, then the latest
    answered; the desk and technicians ask here (optionally about a ticket)."""
    can_ask = has_role(request.user, *services.ASK_ROLES)
    form = QuestionForm(request.POST or None, initial={"ticket": request.GET.get("ticket")})
    status = 200
    if request.method == "POST":
        if not can_ask:
            raise PermissionDenied
        if form.is_valid():
            ticket = None
            if form.cleaned_data["ticket"]:
                ticket = get_object_or_404(
                    visible_tickets(request.user), pk=form.cleaned_data["ticket"]
                )
            try:
                question = services.support_question_ask(
                    actor=request.user,
                    question=form.cleaned_data["question"],
                    ticket=ticket,
                    category=form.cleaned_data["category"],
                )
                messages.success(
                    request,
                    _("Question %(number)s sent to technical support.")
                    % {"number": question.number},
                )
                return redirect("knowledge-question-page", pk=question.pk)
            except ValidationError as exc:
                _add_errors(form, exc)
        status = 400
    questions = question_list(user=request.user)
    context = {
        "open": list(questions.filter(status="open").order_by("due_at", "id")[:100]),
        "answered": list(questions.filter(status="answered").order_by("-answered_at")[:20]),
        "form": form,
        "can_ask": can_ask,
    }
    return render(request, "knowledge/questions.html", context, status=status)


@role_required(*QUEUE_PAGE_ROLES)
def question_page(request, pk):
    """One question; technical support answers it here."""
    question = get_object_or_404(question_list(user=request.user), pk=pk)
    can_answer = has_role(request.user, *services.ANSWER_ROLES) and question.status == "open"
    form = AnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not can_answer:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.support_question_answer(
                    question=question, actor=request.user, **form.cleaned_data
                )
                messages.success(request, _("Answer sent."))
                return redirect("knowledge-question-page", pk=question.pk)
            except (ValidationError, ApplicationError) as exc:
                _add_errors(form, exc)
        status = 400
    return render(
        request,
        "knowledge/question.html",
        {"question": question, "form": form, "can_answer": can_answer},
        status=status,
    )
