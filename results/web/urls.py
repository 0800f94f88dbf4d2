"""The brand results page (mounted at /brands/<slug>/results/)."""

from django.urls import path

from results.web import views

urlpatterns = [path("", views.results_page, name="results-page")]
