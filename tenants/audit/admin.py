from typing import Any

from django.contrib import admin

from tenants.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only (the database refuses changes anyway). Platform staff
    read a deleted brand's entries here."""

    list_display = ["at", "brand_slug", "action", "actor_label", "subject_kind", "subject_id"]
    list_filter = ["action", "actor_kind"]
    search_fields = ["brand_slug", "actor_label", "subject_label"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
