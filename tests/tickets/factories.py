"""factory_boy factories. Tickets are made through the services, never by hand, so that
numbers, deadlines and events are real; ``advance`` walks a ticket to a given status."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from aftersales.roles import Role
from technicians.models import Certification, CertificationType, Technician
from tickets import services
from tickets.choices import TicketStatus
from tickets.models import Area, Customer, Product, ProductCategory, ProductModel


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ["code"]

    code = "pudong"
    name = "Pudong"


class ProductCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory
        django_get_or_create = ["code"]

    code = "aircon"
    name = "Air conditioners"


class ProductModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductModel
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"AC-{n:04d}")
    name = factory.LazyAttribute(lambda o: f"Split air conditioner {o.code}")
    category = factory.SubFactory(ProductCategoryFactory)
    warranty_months = 24


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    address = "1 Century Avenue"
    area = factory.SubFactory(AreaFactory)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    customer = factory.SubFactory(CustomerFactory)
    model = factory.SubFactory(ProductModelFactory)
    serial_number = factory.Sequence(lambda n: f"SN{n:08d}")
    purchase_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=90))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ():
            self.groups.add(Group.objects.get_or_create(name=role)[0])


class TechnicianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Technician
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, roles=[Role.TECHNICIAN])
    full_name = factory.Sequence(lambda n: f"Technician {n}")
    employee_no = factory.Sequence(lambda n: f"T{n:05d}")
    phone = factory.Sequence(lambda n: f"137{n:08d}")
    max_jobs_per_day = 6
    working_days = "1234567"

    @factory.post_generation
    def areas(self, create, extracted, **kwargs):
        self.areas.set(extracted if extracted is not None else [AreaFactory()])

    @factory.post_generation
    def certified_for(self, create, extracted, **kwargs):
        """Categories (codes) to hold a valid certificate for; default the test category.

        ``certified_for=[]`` makes an uncertified technician.
        """
        codes = ["aircon"] if extracted is None else extracted
        for code in codes:
            CertificationFactory(technician=self, type=CertificationTypeFactory.for_category(code))


class CertificationTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificationType
        django_get_or_create = ["code"]
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"cert{n}")
    name = factory.LazyAttribute(lambda o: f"Certificate {o.code}")
    validity_months = 36

    @classmethod
    def for_category(cls, code):
        cert_type = cls(code=f"{code}-qualified", name=f"{code} qualification")
        cert_type.categories.add(ProductCategoryFactory(code=code, name=code))
        return cert_type


class CertificationFactory(factory.django.DjangoModelFactory):
    """A valid certificate: issued a year ago, expiring in two years."""

    class Meta:
        model = Certification

    technician = factory.SubFactory(TechnicianFactory, certified_for=[])
    type = factory.SubFactory(CertificationTypeFactory)
    number = factory.Sequence(lambda n: f"NO-{n:06d}")
    issuer = "Ministry of Human Resources"
    issued_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=365))
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=730))


def appointment(days=1, hour=10, hours=2):
    start = timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0)
    start += datetime.timedelta(days=days)
    return start, start + datetime.timedelta(hours=hours)


def make_ticket(*, actor, customer=None, product=None, **fields):
    customer = customer or (product.customer if product else CustomerFactory())
    values = {"channel": "phone", "category": "repair", "description": "Not cooling"}
    values.update(fields)
    return services.ticket_create(actor=actor, customer=customer, product=product, **values)


def advance(ticket, status, *, desk, supervisor, technician):
    """Walk ``ticket`` through the services to ``status`` (the happy path), from the
    status it is in."""
    path = [
        TicketStatus.TRIAGED,
        TicketStatus.DISPATCHED,
        TicketStatus.ON_SITE,
        TicketStatus.AWAITING_CONFIRMATION,
        TicketStatus.CLOSED,
        TicketStatus.FOLLOWED_UP,
    ]
    steps = {
        TicketStatus.TRIAGED: lambda t: services.ticket_triage(
            ticket=t, actor=desk, priority="p2", warranty_decision="in_warranty"
        ),
        TicketStatus.DISPATCHED: lambda t: services.ticket_dispatch(
            ticket=t,
            actor=supervisor,
            technician=technician,
            appointment_start=appointment()[0],
            appointment_end=appointment()[1],
        ),
        TicketStatus.ON_SITE: lambda t: services.ticket_check_in(ticket=t, actor=technician.user),
        TicketStatus.AWAITING_CONFIRMATION: lambda t: services.ticket_complete(
            ticket=t,
            actor=technician.user,
            fault_class="hardware",
            fault_code="E4",
            diagnosis="Compressor relay",
            work_done="Relay replaced",
            test_passed=True,
        ),
        TicketStatus.CLOSED: lambda t: services.ticket_confirm(
            ticket=t, actor=technician.user, accepted=True, satisfaction=5
        ),
        TicketStatus.FOLLOWED_UP: lambda t: services.ticket_follow_up(
            ticket=t, actor=desk, satisfaction=5, via="phone"
        ),
    }
    if status == TicketStatus.CANCELLED:
        return services.ticket_cancel(ticket=ticket, actor=desk, reason="Customer withdrew")
    # From where the ticket stands (a rejected confirmation sends it back to triaged).
    done = path.index(ticket.status) + 1 if ticket.status in path else 0
    for step in path[done:]:
        if ticket.status == status:
            break
        ticket = steps[step](ticket)
    return ticket
