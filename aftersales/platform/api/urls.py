from rest_framework.routers import SimpleRouter

from . import inbox, webhooks

router = SimpleRouter()
router.register("webhooks", webhooks.WebhookViewSet, basename="webhook")
router.register("inbox", inbox.InboxViewSet, basename="inbox")

urlpatterns = router.urls
