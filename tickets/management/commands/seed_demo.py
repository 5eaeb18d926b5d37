"""``manage.py seed_demo``: idempotent demo data and logins (api-contract.md, Operations)."""

import datetime

import holidays
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from aftersales.roles import Role
from audits.chain import audit_seal, audit_verify
from audits.choices import AuditSource
from audits.context import audit_context
from audits.services import audit_verification_record
from parts.demo import seed_demo_parts
from parts.models import StockLocation
from technicians.demo import seed_demo_technician_papers
from technicians.models import Certification, CertificationType, Technician
from technicians.outlets.demo import seed_demo_outlets
from technicians.selectors import dispatch_candidates
from technicians.services import (
    certification_create,
    certification_type_create,
    technician_create,
    technician_update,
)
from technicians.tools.demo import seed_demo_tools
from tickets import services
from tickets.charges.demo import seed_demo_charges
from tickets.choices import TicketStatus
from tickets.depot.demo import seed_demo_depot
from tickets.incidents.demo import seed_demo_incidents
from tickets.knowledge.demo import seed_demo_knowledge
from tickets.models import (
    Area,
    CalendarException,
    ChecklistItem,
    Customer,
    FaultCode,
    Product,
    ProductCategory,
    ProductModel,
    SlaPolicy,
    Ticket,
    WorkingCalendar,
    WorkingHours,
)
from tickets.surveys.demo import seed_demo_surveys
from tickets.warranty.demo import seed_demo_warranty

AREAS = [("pudong", "Pudong 浦东"), ("xuhui", "Xuhui 徐汇"), ("minhang", "Minhang 闵行")]
CATEGORIES = [
    ("aircon", "Air conditioners 空调"),
    ("washer", "Washing machines 洗衣机"),
    ("fridge", "Refrigerators 冰箱"),
]
MODELS = [
    ("KFR-35GW", "Split air conditioner 3.5 kW", "aircon", 72),
    ("XQG100", "Front-loading washer 10 kg", "washer", 36),
    ("BCD-520", "French-door refrigerator 520 L", "fridge", 36),
]
DESK_USERS = [
    ("agent", Role.AGENT),
    ("agent2", Role.AGENT),
    ("supervisor", Role.SUPERVISOR),
    ("auditor", Role.AUDITOR),
    ("integrator", Role.INTEGRATOR),
]
# Certificate types (code, name, categories, months) and who holds what: (employee no,
# type, number, days since issue, days to expiry). Zhang Wei's electrician card has
# expired and his washer qualification is about to: the dispatch screen shows both.
CERTIFICATION_TYPES = [
    ("cooling", "Refrigeration & A/C repair 制冷空调维修", ["aircon", "fridge"], 36),
    ("washer", "Washer brand qualification 洗衣机品牌资质", ["washer"], 24),
    ("electrician", "Low-voltage electrician 低压电工", ["aircon", "washer", "fridge"], 72),
]
CERTIFICATES = [
    ("T00001", "cooling", "ZL-2024-0001", 400, 695),
    ("T00001", "electrician", "DG-2022-0101", 1100, 1090),
    ("T00002", "washer", "XY-2025-0002", 200, 530),
    ("T00002", "cooling", "ZL-2025-0002", 100, 995),
    ("T00003", "electrician", "DG-2019-0033", 2200, -10),
    ("T00003", "washer", "XY-2024-0003", 700, 20),
]
TECHNICIANS = [
    ("tech1", "Wang Lei 王磊", "T00001", ["pudong", "xuhui"]),
    ("tech2", "Li Na 李娜", "T00002", ["xuhui", "minhang"]),
    ("tech3", "Zhang Wei 张伟", "T00003", ["minhang", "pudong"]),
]
CUSTOMERS = [
    ("Chen Jing 陈静", "13800000001", "pudong", "vip", "KFR-35GW", 200),
    ("Liu Yang 刘洋", "13800000002", "xuhui", "standard", "XQG100", 500),
    ("Zhao Min 赵敏", "13800000003", "minhang", "standard", "BCD-520", 1500),
    ("Sun Hao 孙浩", "13800000004", "pudong", "standard", "KFR-35GW", 30),
    ("Zhou Xin 周欣", "13800000005", "xuhui", "vip", "BCD-520", 90),
    ("Wu Tao 吴涛", "13800000006", "minhang", "standard", "XQG100", 700),
]
# The work record's catalogues (the technician's job page): fault codes and completion
# checks per demo category, labelled in English and Chinese.
FAULT_CODES = [
    ("aircon", "E1", "Indoor temperature sensor fault", "室内温度传感器故障", "electrical"),
    ("aircon", "E4", "Compressor relay failure", "压缩机继电器故障", "electrical"),
    ("aircon", "F1", "Refrigerant leak", "制冷剂泄漏", "mechanical"),
    ("aircon", "U1", "Wrong mode or settings", "模式或设置错误", "user_error"),
    ("washer", "E21", "Drain pump blocked", "排水泵堵塞", "mechanical"),
    ("washer", "E30", "Door lock fault", "门锁故障", "electrical"),
    ("washer", "S01", "Control board firmware", "控制板程序故障", "software"),
    ("fridge", "R1", "Defrost thermostat failure", "化霜温控器故障", "electrical"),
    ("fridge", "R5", "Door seal worn", "门封老化", "mechanical"),
]
CHECKLISTS = {
    "aircon": [
        ("Tested in front of the customer", "已当面试机", True),
        ("Drain hose checked", "已检查排水管", False),
        ("Area cleaned", "现场已清洁", True),
    ],
    "washer": [
        ("Test wash run in front of the customer", "已当面试洗", True),
        ("Transport bolts removed", "运输螺栓已拆除", False),
        ("Area cleaned", "现场已清洁", True),
    ],
    "fridge": [
        ("Cooling checked in front of the customer", "已当面确认制冷", True),
        ("Area cleaned", "现场已清洁", True),
    ],
}
# One ticket per status (two for the open ones), so every screen has something to show.
TICKET_PLAN = [
    TicketStatus.NEW,
    TicketStatus.NEW,
    TicketStatus.TRIAGED,
    TicketStatus.TRIAGED,
    TicketStatus.DISPATCHED,
    TicketStatus.DISPATCHED,
    TicketStatus.ON_SITE,
    TicketStatus.AWAITING_CONFIRMATION,
    TicketStatus.CLOSED,
    TicketStatus.FOLLOWED_UP,
    TicketStatus.CANCELLED,
]


class Command(BaseCommand):
    help = "Create (or refresh) demo data: reference data, users, technicians, tickets."

    def handle(self, *args, **options):
        password = settings.DEMO_PASSWORD
        try:
            # The demo logins follow the same password policy as everyone else.
            validate_password(password)
        except ValidationError as error:
            raise CommandError(f"DEMO_PASSWORD is refused: {' '.join(error.messages)}") from error
        with audit_context(source=AuditSource.COMMAND), transaction.atomic():
            users = self._users(password)
            self._reference()
            self._work_record_catalogues(users["supervisor"])
            technicians = self._technicians(password, users["supervisor"])
            self._certificates(users["supervisor"])
            seed_demo_parts(actor=users["supervisor"], technicians=technicians)
            outlet = StockLocation.objects.get(code="OUT-PD")
            for technician in technicians:
                if technician.home_outlet_id is None:
                    technician_update(
                        technician=technician, actor=users["supervisor"], home_outlet=outlet
                    )
            if not Ticket.objects.exists():
                self._tickets(users, technicians)
            seed_demo_technician_papers(actor=users["supervisor"], technicians=technicians)
            seed_demo_warranty(actor=users["supervisor"])
            seed_demo_surveys(actor=users["supervisor"])
            seed_demo_knowledge(actor=users["supervisor"], password=password)
            seed_demo_incidents(actor=users["supervisor"])
            seed_demo_outlets(actor=users["supervisor"], technicians=technicians, password=password)
            seed_demo_tools(actor=users["supervisor"], technicians=technicians)
            self._control_room(users)
            seed_demo_charges(actor=users["supervisor"], password=password)  # after the tickets
            seed_demo_depot(actor=users["supervisor"], password=password)
        self._trail_chain()
        call_command("seed_demo_costs", verbosity=0)  # by name: costs is a floor above
        call_command("seed_demo_targets", verbosity=0)  # after costs: it needs the manager
        self._print_logins(password)

    def _trail_chain(self):
        """The audit-trail page's chain status (issue 14): seal the demo's events and record
        one verification, as beat would within the hour (audits.tasks.audit_verify_task)."""
        with audit_context(source=AuditSource.COMMAND):
            audit_seal()
            audit_verification_record(report=audit_verify())

    def _users(self, password):
        user_model = get_user_model()
        users = {}
        for username, role in DESK_USERS:
            user, _ = user_model.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_staff = role == Role.SUPERVISOR  # supervisors may browse the admin
            user.save()
            user.groups.add(Group.objects.get(name=role))
            users[username] = user
        admin, _ = user_model.objects.get_or_create(username="admin")
        admin.is_staff = admin.is_superuser = True
        admin.set_password(password)
        admin.save()
        return users

    def _calendars(self):
        """A Mon–Sat 08:00–20:00 calendar with mainland-China holidays and adjusted working
        days for this year and the next (from the `holidays` package; edit in the admin)."""
        calendar, _ = WorkingCalendar.objects.update_or_create(
            code="cn-mon-sat",
            defaults={"name": "Mon–Sat 08:00–20:00, mainland China", "time_zone": "Asia/Shanghai"},
        )
        calendar.hours.all().delete()
        WorkingHours.objects.bulk_create(
            WorkingHours(calendar=calendar, weekday=day, start_minute=8 * 60, end_minute=20 * 60)
            for day in range(6)
        )
        year = timezone.localdate().year
        cn = holidays.country_holidays("CN", years=[year, year + 1])
        days = {day: (str(name), []) for day, name in cn.items()}
        days.update(
            {day: ("Adjusted working day 调休", [[8 * 60, 20 * 60]]) for day in cn.weekend_workdays}
        )
        for day, (name, windows) in days.items():
            CalendarException.objects.update_or_create(
                calendar=calendar, date=day, defaults={"name": name[:120], "windows": windows}
            )
        SlaPolicy.objects.update_or_create(
            name="VIP, business hours",
            defaults={
                "customer_tier": "vip",
                "calendar": calendar,
                "response_hours": 8,
                "dispatch_hours": 24,
                "warning_fraction": "0.75",
                "level3_after_hours": 2,
            },
        )

    def _reference(self):
        self._calendars()
        for code, name in AREAS:
            Area.objects.update_or_create(code=code, defaults={"name": name})
        for code, name in CATEGORIES:
            ProductCategory.objects.update_or_create(code=code, defaults={"name": name})
        for code, name, category, months in MODELS:
            ProductModel.objects.update_or_create(
                code=code,
                defaults={
                    "name": name,
                    "warranty_months": months,
                    "category": ProductCategory.objects.get(code=category),
                },
            )

    def _work_record_catalogues(self, actor):
        """Fault codes and completion checklists of the demo categories (once each),
        through the reference-data services."""
        categories = {c.code: c for c in ProductCategory.objects.all()}
        for category, code, english, chinese, fault_class in FAULT_CODES:
            if not FaultCode.objects.filter(category=categories[category], code=code).exists():
                services.fault_code_create(
                    actor=actor,
                    category=categories[category],
                    code=code,
                    description_en=english,
                    description_zh=chinese,
                    fault_class=fault_class,
                )
        for category, items in CHECKLISTS.items():
            if ChecklistItem.objects.filter(category=categories[category]).exists():
                continue
            for position, (english, chinese, required) in enumerate(items, start=1):
                services.checklist_item_create(
                    actor=actor,
                    category=categories[category],
                    label_en=english,
                    label_zh=chinese,
                    position=position,
                    required=required,
                )

    def _technicians(self, password, actor):
        technicians = []
        for username, full_name, employee_no, areas in TECHNICIANS:
            technician = Technician.objects.filter(employee_no=employee_no).first()
            if technician is None:
                technician = technician_create(
                    actor=actor,
                    username=username,
                    full_name=full_name,
                    phone=f"137{employee_no[1:]:0>8}",
                    employee_no=employee_no,
                    areas=list(Area.objects.filter(code__in=areas)),
                    password=password,
                )
            technician.user.set_password(password)
            technician.user.save()
            technicians.append(technician)
        return technicians

    def _certificates(self, actor):
        """Certificate types and certificates, recorded once (renewals would be new rows)."""
        today = timezone.localdate()
        types = {}
        for code, name, categories, months in CERTIFICATION_TYPES:
            types[code] = CertificationType.objects.filter(code=code).first() or (
                certification_type_create(
                    actor=actor,
                    code=code,
                    name=name,
                    validity_months=months,
                    categories=list(ProductCategory.objects.filter(code__in=categories)),
                )
            )
        for employee_no, code, number, issued_ago, expires_in in CERTIFICATES:
            if Certification.objects.filter(type=types[code], number=number).exists():
                continue
            technician = Technician.objects.get(employee_no=employee_no)
            issued = today - datetime.timedelta(days=issued_ago)
            certification_create(
                actor=actor,
                technician=technician,
                type=types[code],
                number=number,
                issuer="Shanghai MOHRSS",
                issued_on=issued,
                expires_on=today + datetime.timedelta(days=expires_in),
            )

    def _tickets(self, users, technicians):
        agent, supervisor = users["agent"], users["supervisor"]
        today = timezone.localdate()
        products = []
        for name, phone, area, tier, model, age_days in CUSTOMERS:
            customer = Customer.objects.filter(phone=phone).first() or services.customer_create(
                actor=agent,
                name=name,
                phone=phone,
                area=Area.objects.get(code=area),
                tier=tier,
                address=f"{100 + len(products)} Demo Road, Shanghai",
                email=f"{phone}@example.com",
            )
            product = Product.objects.filter(customer=customer).first() or (
                services.product_register(
                    actor=agent,
                    customer=customer,
                    model=ProductModel.objects.get(code=model),
                    serial_number=f"SN-{phone[-6:]}",
                    purchase_date=today - datetime.timedelta(days=age_days),
                )
            )
            products.append(product)
        descriptions = [
            "Not cooling, error E4 on the display",
            "Leaks water during spin",
            "Loud noise from the compressor",
            "Does not power on",
            "Installation of a new unit",
            "Door seal torn",
        ]
        for index, target in enumerate(TICKET_PLAN):
            product = products[index % len(products)]
            ticket = services.ticket_create(
                actor=agent,
                customer=product.customer,
                product=product,
                channel=["phone", "web", "email", "api"][index % 4],
                category="installation" if index == 4 else "repair",
                description=descriptions[index % len(descriptions)],
            )
            self._advance(ticket, target, agent, supervisor, technicians, index)

    def _control_room(self, users):
        """The control room's demo (/dashboard/): an open complaint, to show the 4-hour
        rule, and the daily figures behind its charts (in production beat's job)."""
        if not Ticket.objects.filter(category="complaint").exists():
            product = Product.objects.order_by("id").first()
            services.ticket_create(
                actor=users["agent"],
                customer=product.customer,
                product=product,
                channel="phone",
                category="complaint",
                description="The technician came two hours late and left a mess",
            )
        first = timezone.localdate() - datetime.timedelta(days=83)
        services.ticket_daily_stats_refresh(first=first)

    def _advance(self, ticket, target, agent, supervisor, technicians, index):
        if target == TicketStatus.NEW:
            return
        if target == TicketStatus.CANCELLED:
            services.ticket_cancel(ticket=ticket, actor=agent, reason="Customer fixed it")
            return
        # The warranty decision is derived from the unit's terms and contracts.
        ticket = services.ticket_triage(ticket=ticket, actor=agent, priority="p2")
        if target == TicketStatus.TRIAGED:
            return
        start = (timezone.localtime() + datetime.timedelta(days=1)).replace(
            hour=9 + index % 8, minute=0, second=0, microsecond=0
        )
        # The best-ranked qualified technician, as the dispatch screen would suggest.
        technician = next(
            c["technician"]
            for c in dispatch_candidates(ticket=ticket, day=start.date())
            if c["eligible"]
        )
        technician = Technician.objects.select_related("user").get(pk=technician.pk)
        ticket = services.ticket_dispatch(
            ticket=ticket,
            actor=supervisor,
            technician=technician,
            appointment_start=start,
            appointment_end=start + datetime.timedelta(hours=2),
        )
        steps = [
            (
                TicketStatus.ON_SITE,
                lambda t: services.ticket_check_in(ticket=t, actor=technician.user),
            ),
            (
                TicketStatus.AWAITING_CONFIRMATION,
                lambda t: services.ticket_complete(
                    ticket=t,
                    actor=technician.user,
                    fault_class="hardware",
                    fault_code="E4",
                    diagnosis="Faulty relay on the control board",
                    work_done="Relay replaced",
                    test_passed=True,
                ),
            ),
            (
                TicketStatus.CLOSED,
                lambda t: services.ticket_confirm(
                    ticket=t,
                    actor=technician.user,
                    accepted=True,
                    satisfaction=5,
                    comment="Quick and tidy",
                ),
            ),
            (
                TicketStatus.FOLLOWED_UP,
                lambda t: services.ticket_follow_up(
                    ticket=t,
                    actor=agent,
                    via="phone",
                    answers={
                        "timeliness": 5,
                        "attitude": 5,
                        "skill": 4,
                        "cleanliness": 5,
                        "overall": 5,
                    },
                ),
            ),
        ]
        for status, step in steps:
            if ticket.status == target:
                return
            ticket = step(ticket)
            if status == target:
                return

    def _print_logins(self, password):
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready. Logins (password for all: "
                f"{password!r}, set DEMO_PASSWORD to change):"
            )
        )
        rows = [("admin", "superuser (Django admin at /admin/)")]
        rows += [(username, role.label) for username, role in DESK_USERS]
        rows += [(username, f"technician {name}") for username, name, _, _ in TECHNICIANS]
        # The commercial side's logins (issue 17): a partner outlet's dispatcher, finance
        # (refunds, settlement, expense claims) and the general manager (large claims).
        rows += [
            ("outlet_dispatcher", f"{Role.OUTLET_DISPATCHER.label} (partner outlet HD-P1)"),
            ("finance", Role.FINANCE.label),
            ("manager", Role.MANAGER.label),
            ("workshop", f"{Role.WORKSHOP.label} (depot repair, /depot/)"),
        ]
        for username, what in rows:
            self.stdout.write(f"  {username:<18} {what}")
        self.stdout.write(
            "  admin and supervisor set up two-factor sign-in (any TOTP authenticator app) "
            "the first time they sign in."
        )
