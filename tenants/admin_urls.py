"""The admin's sign-in, mounted ahead of the Django admin's own (which has no brute-force
limit)."""

from django.urls import path

from tenants.admin import throttled_login

urlpatterns = [path("login/", throttled_login, name="admin-login")]
