from django.urls import path
from rest_framework.routers import SimpleRouter

from media.api import views

router = SimpleRouter()
router.register("boosts", views.BoostViewSet, basename="boost")
router.register("boost-alerts", views.AlertListView, basename="boost-alert")

urlpatterns = [
    path("media-budgets/", views.MonthlyBudgetView.as_view(), name="media-budgets"),
    path("media-settings/", views.MediaSettingsView.as_view(), name="media-settings"),
    path("media-reports/", views.BrandReportView.as_view(), name="media-reports"),
    *router.urls,
]
