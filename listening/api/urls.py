from django.urls import path

from listening.api import views

urlpatterns = [
    path("listening/signals/", views.SignalListView.as_view(), name="listening-signals"),
    path("listening/aggregates/", views.AggregatesView.as_view(), name="listening-aggregates"),
    path(
        "listening/segments/<int:pk>/",
        views.SegmentActivityView.as_view(),
        name="listening-segment",
    ),
    path(
        "listening/segments/<int:pk>/adopt-active-hours/",
        views.AdoptActiveHoursView.as_view(),
        name="listening-segment-adopt",
    ),
    path(
        "listening/segments/<int:pk>/rules/",
        views.SegmentRuleListView.as_view(),
        name="listening-segment-rules",
    ),
    path(
        "listening/segments/<int:pk>/rules/<int:rule_id>/",
        views.SegmentRuleDetailView.as_view(),
        name="listening-segment-rule",
    ),
    path("listening/triggers/", views.TriggerListView.as_view(), name="listening-triggers"),
    path(
        "listening/triggers/dry-run/",
        views.DryRunView.as_view(),
        name="listening-trigger-dry-run",
    ),
    path(
        "listening/triggers/<int:pk>/",
        views.TriggerDetailView.as_view(),
        name="listening-trigger",
    ),
    path(
        "listening/triggers/<int:pk>/dry-run/",
        views.TriggerDryRunView.as_view(),
        name="listening-trigger-saved-dry-run",
    ),
    path(
        "listening/triggers/<int:pk>/firings/",
        views.TriggerFiringListView.as_view(),
        name="listening-trigger-firings",
    ),
    path("listening/alerts/", views.TriggerAlertListView.as_view(), name="listening-alerts"),
    path(
        "listening/alerts/<int:pk>/",
        views.TriggerAlertDetailView.as_view(),
        name="listening-alert",
    ),
    path(
        "listening/alerts/<int:pk>/acknowledge/",
        views.AcknowledgeAlertView.as_view(),
        name="listening-alert-acknowledge",
    ),
    path(
        "listening/crisis-warnings/",
        views.CrisisWarningListView.as_view(),
        name="listening-crisis-warnings",
    ),
    path(
        "listening/crisis-warnings/<int:pk>/confirm/",
        views.ConfirmWarningView.as_view(),
        name="listening-crisis-warning-confirm",
    ),
    path(
        "listening/crisis-warnings/<int:pk>/dismiss/",
        views.DismissWarningView.as_view(),
        name="listening-crisis-warning-dismiss",
    ),
]
