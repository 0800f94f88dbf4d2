from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html

from brandroom.http.client_address import client_address
from tenants import admin_inspection, services
from tenants.models import Agency, AgencyMembership, ApiKey, Brand, Domain, Membership, User
from tenants.sign_in_limits import SignInThrottled, password_attempt

admin.site.register(User, UserAdmin)


class AgencyMembershipInline(admin.TabularInline):
    model = AgencyMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [AgencyMembershipInline]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    # Brands are created through tenants.services (which makes the schema), not the admin form.
    list_display = ["name", "slug", "agency", "status", "timezone", "created_at", "content"]
    list_filter = ["status", "agency"]
    search_fields = ["name", "slug"]
    readonly_fields = ["schema_name", "slug", "created_at"]
    inlines = [DomainInline, MembershipInline]

    @admin.display(description="Content")
    def content(self, brand: Brand) -> str:
        return format_html(
            '<a href="{}">Inspect drafts, approvals, boosts</a>',
            reverse("admin:tenants_brand_inspect", args=[brand.pk]),
        )

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "<int:brand_id>/inspect/",
                self.admin_site.admin_view(admin_inspection.start_inspecting),
                name="tenants_brand_inspect",
            ),
            path(
                "stop-inspecting/",
                self.admin_site.admin_view(admin_inspection.stop_inspecting),
                name="tenants_brand_stop_inspecting",
            ),
        ]
        return own + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        brand = admin_inspection.inspected_brand(request)
        if brand is not None:
            messages.info(
                request,
                format_html(
                    'Inspecting {}. <a href="{}">Stop inspecting</a>',
                    brand.name,
                    reverse("admin:tenants_brand_stop_inspecting"),
                ),
            )
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request: object) -> bool:
        return False

    # Deleting goes through the service so the brand's schema goes with the row: a schema left
    # behind would keep data nobody can reach and block the slug for a new brand.
    def delete_model(self, request: object, obj: Brand) -> None:
        services.delete_brand(brand=obj, confirm=obj.slug)

    def delete_queryset(self, request: object, queryset: QuerySet[Brand]) -> None:
        for brand in queryset:
            services.delete_brand(brand=brand, confirm=brand.slug)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "prefix", "scopes", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "secret_hash", "created_at", "last_used_at"]


class _NotSignedIn(Exception):
    def __init__(self, page: HttpResponse) -> None:
        self.page = page


def throttled_login(request: HttpRequest) -> HttpResponse:
    """The Django admin's sign-in with the same brute-force limit as the API and the phone
    view: a wrong password counts against the account tried and the address, and past either
    budget the answer is 429 with ``Retry-After`` without the password being checked."""
    if request.method != "POST":
        return admin.site.login(request)
    try:
        with password_attempt(
            username=request.POST.get("username", ""), address=client_address(request)
        ):
            page = admin.site.login(request)
            if not (request.user.is_authenticated and request.user.is_staff):
                raise _NotSignedIn(page)
    except _NotSignedIn as wrong:
        return wrong.page
    except SignInThrottled as exc:
        refused = HttpResponse(
            f"Too many failed sign-ins. Try again in {exc.retry_after} seconds.\n",
            status=429,
            content_type="text/plain; charset=utf-8",
        )
        refused["Retry-After"] = str(exc.retry_after)
        return refused
    return page
