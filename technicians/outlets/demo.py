"""Demo outlets (``manage.py seed_demo``): the company's own Pudong outlet with the demo
technicians, and a partner outlet with its dispatcher login ``outlet_dispatcher`` and two
technicians of its own (one certified, one whose certificate is not recorded yet, so
the dispatch refusal shows). Created once, through the services (audited)."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from aftersales.roles import Role
from parts.models import StockLocation
from technicians.models import CertificationType, Technician
from technicians.services import certification_create, technician_create
from tickets.models import Area

from .models import Outlet
from .services import (
    outlet_add_dispatcher,
    outlet_add_technician,
    outlet_create,
)

PARTNER_TECHNICIANS = [
    ("partner_tech1", "Zhou Qiang 周强", "P00001", True),
    ("partner_tech2", "Wu Lei 吴磊", "P00002", False),
]


def seed_demo_outlets(*, actor, technicians, password):
    if Outlet.objects.exists():
        return
    own = outlet_create(
        actor=actor,
        code="PD-01",
        name="Pudong service outlet 浦东服务网点",
        kind="own",
        address="88 Zhangyang Road, Pudong 浦东新区张杨路88号",
        contact_phone="021-5888 0001",
        opening_hours="Mon–Sat 9:00–18:00 周一至周六",
        stock_location=StockLocation.objects.filter(code="OUT-PD").first(),
        areas=list(Area.objects.filter(code="pudong")),
    )
    for technician in technicians:
        outlet_add_technician(outlet=own, actor=actor, technician=technician)
    partner = outlet_create(
        actor=actor,
        code="HD-P1",
        name="Huadong Appliance Repair 华东家电维修",
        kind="partner",
        company_name="Shanghai Huadong Appliance Repair Co., Ltd. 上海华东家电维修有限公司",
        contract_number="PC-2026-001",
        address="1200 Caoxi Road, Xuhui 徐汇区漕溪路1200号",
        contact_name="Chen Jing 陈静",
        contact_phone="021-6433 2000",
        opening_hours="Daily 8:30–20:00 每天",
        areas=list(Area.objects.filter(code__in=["xuhui", "minhang"])),
    )
    dispatcher, _ = get_user_model().objects.get_or_create(username="outlet_dispatcher")
    dispatcher.set_password(password)
    dispatcher.save()
    dispatcher.groups.add(Group.objects.get_or_create(name=Role.OUTLET_DISPATCHER)[0])
    outlet_add_dispatcher(outlet=partner, actor=actor, user=dispatcher)
    cert_type = CertificationType.objects.order_by("code").first()
    today = timezone.localdate()
    for username, full_name, employee_no, certified in PARTNER_TECHNICIANS:
        technician = Technician.objects.filter(employee_no=employee_no).first() or (
            technician_create(
                actor=actor,
                username=username,
                full_name=full_name,
                phone=f"138{employee_no[1:]:0>8}",
                employee_no=employee_no,
                areas=list(Area.objects.filter(code__in=["xuhui", "minhang"])),
                password=password,
            )
        )
        outlet_add_technician(outlet=partner, actor=actor, technician=technician)
        if certified and cert_type is not None:
            certification_create(
                actor=actor,
                technician=technician,
                type=cert_type,
                number=f"PC-{employee_no}",
                issued_on=today - datetime.timedelta(days=200),
                issuer="Huadong training centre",
            )
