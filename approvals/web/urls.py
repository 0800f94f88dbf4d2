"""Approver view routes outside any brand: sign-in and the brand picker (mounted at /approve/)."""

from django.urls import path

from approvals.web import views

urlpatterns = [
    path("", views.home, name="approver-home"),
    path("sign-in/", views.sign_in, name="approver-sign-in"),
    path("link/<str:token>/", views.open_link, name="approver-link"),
    path("sign-out/", views.sign_out, name="approver-sign-out"),
]
