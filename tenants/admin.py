from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from tenants.models import Agency, AgencyMembership, ApiKey, Brand, Domain, Membership, User

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
    list_display = ["name", "slug", "agency", "status", "timezone", "created_at"]
    list_filter = ["status", "agency"]
    search_fields = ["name", "slug"]
    readonly_fields = ["schema_name", "slug", "created_at"]
    inlines = [DomainInline, MembershipInline]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "prefix", "scopes", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "secret_hash", "created_at", "last_used_at"]
