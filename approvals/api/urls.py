from django.urls import path
from rest_framework.routers import SimpleRouter

from approvals.api import views

router = SimpleRouter()
router.register("approvals/policy/rules", views.ChainRuleViewSet, basename="approval-rule")
router.register("approvals/requests", views.RequestViewSet, basename="approval-request")
router.register("approvals/audit", views.AuditViewSet, basename="approval-audit")
router.register("approvals/rota/windows", views.CoverageWindowViewSet, basename="rota-window")
router.register("approvals/quiet-hours", views.QuietHoursViewSet, basename="quiet-hours")
router.register("approvals/incidents", views.IncidentViewSet, basename="incident")

urlpatterns = [
    path("approvals/policy/", views.PolicyView.as_view(), name="approval-policy"),
    path("approvals/policy/preset/", views.PresetView.as_view(), name="approval-preset"),
    path("approvals/queue/", views.QueueView.as_view(), name="approval-queue"),
    path(
        "approvals/steps/<int:step_id>/decision/",
        views.DecideView.as_view(),
        name="approval-decide",
    ),
    path("approvals/audit/export/", views.AuditExportView.as_view(), name="approval-audit-export"),
    path("approvals/figures/", views.FiguresView.as_view(), name="approval-figures"),
    path("approvals/rota/on-duty/", views.OnDutyView.as_view(), name="rota-on-duty"),
    path(
        "approvals/incidents/<int:incident_id>/updates/",
        views.IncidentChangeView.as_view(),
        name="incident-change",
    ),
    path("approvals/crisis/", views.CrisisView.as_view(), name="crisis-state"),
    path(
        "approvals/notifications/me/",
        views.NotificationSettingsView.as_view(),
        name="notification-settings",
    ),
    *router.urls,
]
