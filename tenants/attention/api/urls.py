from django.urls import path

from tenants.attention.api import views

urlpatterns = [
    path("attention/", views.AttentionView.as_view(), name="attention"),
    path(
        "agencies/<slug:slug>/readiness/",
        views.AgencyReadinessView.as_view(),
        name="agency-readiness",
    ),
]
