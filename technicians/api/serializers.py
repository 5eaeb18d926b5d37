from django.contrib.auth.password_validation import validate_password
from rest_framework import serializers

from tickets.models import Area

from ..models import Technician


class TechnicianSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", max_length=150)
    password = serializers.CharField(
        write_only=True, required=False, style={"input_type": "password"}
    )
    areas = serializers.SlugRelatedField(slug_field="code", many=True, queryset=Area.objects.all())
    max_jobs_per_day = serializers.IntegerField(min_value=1, max_value=50, required=False)

    class Meta:
        model = Technician
        fields = [
            "id",
            "username",
            "password",
            "full_name",
            "phone",
            "employee_no",
            "areas",
            "max_jobs_per_day",
            "active",
            "created_at",
        ]
        read_only_fields = ["active", "created_at"]

    def validate_password(self, value):
        validate_password(value)
        return value
