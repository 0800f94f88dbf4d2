from django.urls import path

from content.api import platform_views

urlpatterns = [
    path(
        "agencies/<slug:slug>/ai-usage/",
        platform_views.AgencyUsageView.as_view(),
        name="agency-ai-usage",
    ),
]
