"""The crisis warnings page of the phone view (mounted at /brands/<slug>/approve/warnings/)."""

from django.urls import path

from listening.web import views

urlpatterns = [
    path("", views.warnings_page, name="crisis-warnings-page"),
    path("<int:warning_id>/decide/", views.decide_warning, name="crisis-warning-decide"),
]
