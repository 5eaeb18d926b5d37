from rest_framework import mixins, status, viewsets

from aftersales.api.idempotency import IdempotentCreateMixin
from aftersales.roles import Role

from ..filtersets import TechnicianFilterSet
from ..models import Technician
from ..selectors import technician_list
from ..services import technician_create
from .serializers import TechnicianSerializer


class TechnicianViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Technician.objects.none()  # for the schema; requests use get_queryset()
    serializer_class = TechnicianSerializer
    filterset_class = TechnicianFilterSet
    read_roles = (Role.AGENT, Role.SUPERVISOR, Role.AUDITOR, Role.TECHNICIAN)
    write_roles = (Role.SUPERVISOR,)
    search_fields = ["full_name", "employee_no"]
    ordering_fields = ["employee_no", "full_name"]

    def get_queryset(self):
        return technician_list(user=self.request.user)

    def create_response(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        username = data.pop("user")["username"]
        technician = technician_create(actor=request.user, username=username, **data)
        return status.HTTP_201_CREATED, self.get_serializer(technician).data
