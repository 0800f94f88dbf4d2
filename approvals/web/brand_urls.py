"""Approver view routes inside a brand (mounted at /brands/<slug>/approve/)."""

from django.urls import path

from approvals.web import brand_views, inbox_views

urlpatterns = [
    path("", brand_views.queue, name="approver-queue"),
    path("recent/", brand_views.recent, name="approver-recent"),
    path("steps/<int:step_id>/", brand_views.detail, name="approver-step"),
    path("steps/<int:step_id>/decide/", brand_views.decide, name="approver-decide"),
    path("inbox/", inbox_views.inbox, name="approver-inbox"),
    path("inbox/<int:item_id>/", inbox_views.inbox_item, name="approver-inbox-item"),
    path("inbox/<int:item_id>/reply/", inbox_views.inbox_reply, name="approver-inbox-reply"),
    path("inbox/<int:item_id>/suggest/", inbox_views.inbox_suggest, name="approver-inbox-suggest"),
    path(
        "inbox/<int:item_id>/incident/",
        inbox_views.inbox_incident,
        name="approver-inbox-incident",
    ),
]
