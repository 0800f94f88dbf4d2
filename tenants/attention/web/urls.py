"""The staff cockpit page (mounted at /cockpit/)."""

from django.urls import path

from tenants.attention.web import views

urlpatterns = [path("", views.cockpit_page, name="cockpit-page")]
