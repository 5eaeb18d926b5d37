from rest_framework.routers import SimpleRouter

from . import webhooks

router = SimpleRouter()
router.register("webhooks", webhooks.WebhookViewSet, basename="webhook")

urlpatterns = router.urls
