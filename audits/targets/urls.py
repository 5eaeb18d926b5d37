"""The pages of this app."""

urlpatterns = []
