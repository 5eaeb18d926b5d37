"""The safety net's registrations: one line per tracked model (README, "Adding a model to
the safety net"). The snapshot models are ``audits.<Model>History`` (``audits.history``)."""

from django.contrib.auth.models import Group, User

from audits.history import track
from parts.models import Part, StockCount, StockLevel, StockLocation
from technicians.models import (
    Absence,
    Certification,
    CertificationType,
    Technician,
    TrainingRecord,
)
from tickets.models import (
    Area,
    Customer,
    Product,
    ProductCategory,
    ProductModel,
    SlaPolicy,
    Ticket,
    WorkingCalendar,
)

# One line per tracked model (README, "Adding a model to the safety net").
TicketHistory = track(Ticket, exclude=["confirmation_signature"])
# The pinyin keys are derived from the name (no history of their own, and none left
# behind in the snapshots once an erasure has redacted the name).
CustomerHistory = track(Customer, exclude=["name_pinyin", "name_initials"])
ProductHistory = track(Product)
ProductModelHistory = track(ProductModel)
AreaHistory = track(Area)
ProductCategoryHistory = track(ProductCategory)
SlaPolicyHistory = track(SlaPolicy)
WorkingCalendarHistory = track(WorkingCalendar)
TechnicianHistory = track(Technician)
UserHistory = track(User, exclude=["password"])
GroupHistory = track(Group)
CertificationTypeHistory = track(CertificationType)
CertificationHistory = track(Certification)
TrainingRecordHistory = track(TrainingRecord)
AbsenceHistory = track(Absence)
PartHistory = track(Part)
StockLocationHistory = track(StockLocation)
# Levels are the running sum of the ledger (movements are append-only by their own
# trigger); a level written around the stock service shows here.
StockLevelHistory = track(StockLevel)
StockCountHistory = track(StockCount)
