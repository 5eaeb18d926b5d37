from django.db import models


class AuditSource(models.TextChoices):
    WEB = "web", "web"
    API = "api", "api"
    ADMIN = "admin", "admin"
    WORKER = "worker", "worker"
    COMMAND = "command", "command"
    SYSTEM = "system", "system"
