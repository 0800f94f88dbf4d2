"""A brand's approvals in the Django admin, read-only, for platform staff inspecting that brand
(see tenants.admin_inspection)."""

from django.contrib import admin

from approvals.models import ApprovalRequest, ApprovalStep, Incident
from tenants.admin_inspection import BrandContentAdmin


class StepInline(admin.TabularInline):
    model = ApprovalStep
    extra = 0
    fields = ["position", "roles", "status", "deadline_at", "escalated_at", "decided_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(BrandContentAdmin):
    list_display = ["id", "subject_kind", "subject_id", "status", "band", "created_at"]
    list_filter = ["status", "subject_kind", "band"]
    inlines = [StepInline]


@admin.register(Incident)
class IncidentAdmin(BrandContentAdmin):
    list_display = ["id", "summary", "severity", "status", "created_at"]
    list_filter = ["status"]
