"""Approver view routes inside a brand (mounted at /brands/<slug>/approve/)."""

from django.urls import path

from approvals.web import brand_views

urlpatterns = [
    path("", brand_views.queue, name="approver-queue"),
    path("recent/", brand_views.recent, name="approver-recent"),
    path("steps/<int:step_id>/", brand_views.detail, name="approver-step"),
    path("steps/<int:step_id>/decide/", brand_views.decide, name="approver-decide"),
]
