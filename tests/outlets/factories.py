import factory

from technicians.outlets.models import Outlet
from tests.tickets.factories import AreaFactory


class OutletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outlet
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"OUT{n:03d}")
    name = factory.Sequence(lambda n: f"Outlet {n}")
    kind = "own"
    address = "88 Zhangyang Road"
    contact_phone = "021-5888 0000"
    opening_hours = "Mon–Sat 9:00–18:00"

    class Params:
        partner = factory.Trait(kind="partner", company_name="Huadong Repair Co.")

    @factory.post_generation
    def areas(self, create, extracted, **kwargs):
        self.areas.set(extracted if extracted is not None else [AreaFactory()])

    @factory.post_generation
    def dispatchers(self, create, extracted, **kwargs):
        for user in extracted or ():
            self.dispatchers.add(user)
