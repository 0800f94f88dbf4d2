"""Platform staff inspect one brand's content in the Django admin, read-only.

A brand's drafts, approvals and boosts live in its own schema, which the admin (on the public
schema) cannot see. A staff member picks a brand to inspect (a link on the brand's admin
page); while it is picked, admin pages run on that brand's schema (its tables first, the
public ones still there), and each app registers read-only admins for its own models with
``BrandContentAdmin``. Without a picked brand those pages send them to pick one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from tenants.models import Brand

SESSION_KEY = "admin_inspected_brand"


def _tenant_app_labels() -> set[str]:
    from django.apps import apps

    brand_apps = set(settings.TENANT_APPS) - set(settings.SHARED_APPS)
    return {config.label for config in apps.get_app_configs() if config.name in brand_apps}


def inspected_brand(request: HttpRequest) -> Brand | None:
    slug = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not slug:
        return None
    return Brand.objects.filter(slug=slug).first()


class InspectBrandMiddleware:
    """On admin pages of a staff member who picked a brand, run on that brand's schema; on a
    brand model's admin page with none picked, send them to pick one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.labels: set[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith("/admin/") or not getattr(
            request.user, "is_staff", False
        ):
            return self.get_response(request)
        if self.labels is None:
            self.labels = _tenant_app_labels()
        parts = request.path_info.split("/")
        on_brand_model = len(parts) > 2 and parts[2] in self.labels
        brand = inspected_brand(request)
        if brand is None:
            if on_brand_model:
                messages.info(request, "Pick a brand to inspect its content first.")
                return redirect("admin:tenants_brand_changelist")
            return self.get_response(request)
        connection.set_tenant(brand)
        try:
            return self.get_response(request)
        finally:
            connection.set_schema_to_public()


def start_inspecting(request: HttpRequest, brand_id: int) -> HttpResponse:
    brand = get_object_or_404(Brand, pk=brand_id)
    request.session[SESSION_KEY] = brand.slug
    messages.info(
        request,
        f"Inspecting {brand.name}: its drafts, approvals and boosts are listed below, "
        "read-only. Stop from the brand list.",
    )
    return redirect("admin:index")


def stop_inspecting(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    return redirect("admin:tenants_brand_changelist")


class BrandContentAdmin(admin.ModelAdmin):
    """A brand model's admin for support staff: read-only, on the inspected brand's schema."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_staff) and inspected_brand(request) is not None

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
