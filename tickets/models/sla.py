"""The SLA machinery: working calendars, policies, the clock's history and its marks."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..calendar import CalendarSpec
from ..choices import CustomerTier, Priority, TicketCategory

MINUTES_PER_DAY = 1440


def _validate_time_zone(value):
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Unknown time zone: %(zone)s") % {"zone": value}) from exc


class WorkingCalendar(models.Model):
    """When the service clock runs: weekly hours plus per-date exceptions, in a time zone.

    Exceptions are data, not code: each year's public holidays and the adjusted working
    weekends (调休) are published late, so they are edited in the admin.
    """

    code = models.SlugField(max_length=32, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=120, verbose_name=_("name"))
    time_zone = models.CharField(
        max_length=64, validators=[_validate_time_zone], verbose_name=_("time zone")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")

    def __str__(self):
        return self.name

    def spec(self):
        """The calendar as plain values for ``tickets.calendar`` (two queries)."""
        weekly = [[] for _day in range(7)]
        for hours in self.hours.order_by("weekday", "start_minute"):
            weekly[hours.weekday].append((hours.start_minute, hours.end_minute))
        exceptions = {
            exception.date: tuple(tuple(window) for window in exception.windows)
            for exception in self.exceptions.all()
        }
        return CalendarSpec(
            time_zone=self.time_zone,
            weekly=tuple(tuple(day) for day in weekly),
            exceptions=exceptions,
        )


class WorkingHours(models.Model):
    """One working window of a weekday, in minutes since local midnight (1440 = 24:00)."""

    calendar = models.ForeignKey(
        WorkingCalendar, on_delete=models.CASCADE, related_name="hours", verbose_name=_("calendar")
    )
    weekday = models.PositiveSmallIntegerField(
        choices=[(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
                 (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday"))], verbose_name=_("weekday")
    )  # fmt: skip
    start_minute = models.PositiveSmallIntegerField(verbose_name=_("start (minute of the day)"))
    end_minute = models.PositiveSmallIntegerField(verbose_name=_("end (minute of the day)"))

    class Meta:
        ordering = ["calendar", "weekday", "start_minute"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    start_minute__lt=models.F("end_minute"), end_minute__lte=MINUTES_PER_DAY
                ),
                name="workinghours_window_in_day",
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="workinghours_weekday_0_6"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {_hhmm(self.start_minute)}–{_hhmm(self.end_minute)}"


class CalendarException(models.Model):
    """A date whose hours replace the weekday's: a holiday (no windows) or an adjusted
    working day (windows on a weekend). ``windows`` is a list of [start, end] minutes."""

    calendar = models.ForeignKey(
        WorkingCalendar,
        on_delete=models.CASCADE,
        related_name="exceptions",
        verbose_name=_("calendar"),
    )
    date = models.DateField(verbose_name=_("date"))
    name = models.CharField(max_length=120, blank=True, verbose_name=_("name"))
    windows = models.JSONField(default=list, blank=True, verbose_name=_("windows"))

    class Meta:
        ordering = ["calendar", "date"]
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendarexception_one_a_day")
        ]

    def __str__(self):
        return f"{self.date} {self.name}".strip()

    def clean(self):
        try:
            CalendarSpec(
                time_zone="UTC",
                weekly=(((0, 60),),) * 7,
                exceptions={self.date: tuple(tuple(w) for w in self.windows)},
            )
        except (TypeError, ValueError) as exc:
            raise ValidationError({"windows": str(exc)}) from exc


def _hhmm(minutes):
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class SlaPolicyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class SlaPolicy(models.Model):
    """Targets for a kind of request; blank criteria match anything, the most specific wins.

    Targets are working hours on ``calendar``; ``warning_fraction`` of a target raises
    the warning (escalation level 1), the due instant the breach (level 2), and
    ``level3_after_hours`` working hours past the breach the third level.
    """

    name = models.CharField(max_length=120, verbose_name=_("name"))
    priority = models.CharField(
        max_length=4, choices=Priority.choices, blank=True, verbose_name=_("priority")
    )
    category = models.CharField(
        max_length=32, choices=TicketCategory.choices, blank=True, verbose_name=_("category")
    )
    customer_tier = models.CharField(
        max_length=16, choices=CustomerTier.choices, blank=True, verbose_name=_("customer tier")
    )
    calendar = models.ForeignKey(
        WorkingCalendar, on_delete=models.PROTECT, related_name="+", verbose_name=_("calendar")
    )
    response_hours = models.DecimalField(
        max_digits=6, decimal_places=2, verbose_name=_("response target (hours)")
    )
    dispatch_hours = models.DecimalField(
        max_digits=6, decimal_places=2, verbose_name=_("dispatch target (hours)")
    )
    resolution_hours = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        verbose_name=_("resolution target (hours)"),
    )
    warning_fraction = models.DecimalField(
        max_digits=3, decimal_places=2, default=0.75, verbose_name=_("warning fraction")
    )
    level3_after_hours = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=4,
        verbose_name=_("level 3 escalation after (hours)"),
    )
    follow_up_days = models.PositiveSmallIntegerField(
        default=7, verbose_name=_("follow-up after (days)")
    )
    is_default = models.BooleanField(default=False, verbose_name=_("default policy"))
    active = models.BooleanField(default=True, verbose_name=_("active"))

    objects = SlaPolicyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="slapolicy_one_default"
            ),
            models.CheckConstraint(
                condition=Q(warning_fraction__gt=0, warning_fraction__lt=1),
                name="slapolicy_warning_fraction_0_1",
            ),
            models.CheckConstraint(
                condition=Q(response_hours__gt=0, dispatch_hours__gt=0),
                name="slapolicy_targets_positive",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def specificity(self):
        return sum(bool(value) for value in (self.priority, self.category, self.customer_tier))

    def matches(self, *, priority, category, customer_tier):
        return all(
            not wanted or wanted == actual
            for wanted, actual in (
                (self.priority, priority),
                (self.category, category),
                (self.customer_tier, customer_tier),
            )
        )


class SlaClockEntry(models.Model):
    """One (re)computation of a ticket's deadlines and why: the clock's history, so that
    any deadline can be explained and replayed (intake, reclassification, resume)."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="+", verbose_name=_("ticket")
    )
    reason = models.CharField(max_length=32, verbose_name=_("reason"))
    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.PROTECT, related_name="+", verbose_name=_("policy")
    )
    paused_seconds = models.PositiveIntegerField(verbose_name=_("paused (seconds)"))
    response_due_at = models.DateTimeField(verbose_name=_("response due at"))
    dispatch_due_at = models.DateTimeField(verbose_name=_("dispatch due at"))
    resolution_due_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("resolution due at")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["ticket", "created_at", "id"]
        verbose_name = _("SLA clock entry")
        verbose_name_plural = _("SLA clock entries")
        indexes = [models.Index(fields=["ticket", "created_at"], name="slaclock_ticket_time")]

    def __str__(self):
        return f"{self.ticket_id} {self.reason}"


class SlaEventQuerySet(models.QuerySet):
    def pending_notification(self):
        return self.filter(kind=SlaEvent.Kind.ESCALATION, notified_at__isnull=True)


class SlaEvent(models.Model):
    """A mark the sweep made: a clock's warning or breach, or an escalation level reached.

    Unique per (ticket, kind, clock, level): however many sweeps run, at once or late,
    a ticket is warned, breached and escalated to each level once.
    """

    class Kind(models.TextChoices):
        WARNING = "warning", _("Warning")
        BREACH = "breach", _("Breach")
        ESCALATION = "escalation", _("Escalation")

    # No index of its own: the unique mark (``slaevent_once_per_mark``) starts with the
    # ticket, and serves every read by ticket; a second one cost each of the sweep's
    # inserts an entry for nothing.
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("ticket"),
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    clock = models.CharField(
        max_length=16, blank=True, verbose_name=_("clock")
    )  # response/dispatch/resolution
    level = models.PositiveSmallIntegerField(default=0, verbose_name=_("level"))
    due_at = models.DateTimeField(verbose_name=_("due at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    # When its messages were queued in the notification outbox (once per escalation) …
    notified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("notified at"))
    # … and when a channel first accepted one of them: an escalation with messages
    # queued but none delivered (nobody has an address, every attempt failed) shows as
    # such, on the ticket's communication log and here.
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))

    objects = SlaEventQuerySet.as_manager()

    class Meta:
        ordering = ["ticket", "due_at", "id"]
        verbose_name = _("SLA event")
        verbose_name_plural = _("SLA events")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind", "clock", "level"], name="slaevent_once_per_mark"
            )
        ]
        indexes = [
            models.Index(fields=["kind", "created_at"], name="slaevent_kind_time"),
            # The escalations not yet queued for notification (``pending_notification``).
            models.Index(
                fields=["id"],
                name="slaevent_to_notify",
                condition=models.Q(kind="escalation", notified_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.kind} {self.clock} {self.level}"
