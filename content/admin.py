"""A brand's content in the Django admin, read-only, for platform staff inspecting that brand
(see tenants.admin_inspection)."""

from django.contrib import admin

from content.models import Brief, Draft, GenerationJob, InboxItem
from tenants.admin_inspection import BrandContentAdmin


@admin.register(Draft)
class DraftAdmin(BrandContentAdmin):
    list_display = ["id", "kind", "status", "channel", "risk_score", "version", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["text"]


@admin.register(GenerationJob)
class GenerationJobAdmin(BrandContentAdmin):
    list_display = ["id", "kind", "status", "attempts", "failure_code", "created_at"]
    list_filter = ["status", "kind"]


@admin.register(Brief)
class BriefAdmin(BrandContentAdmin):
    list_display = ["id", "title", "deadline", "created_at"]
    search_fields = ["title", "key_message"]


@admin.register(InboxItem)
class InboxItemAdmin(BrandContentAdmin):
    list_display = ["id", "kind", "author_handle", "received_at"]
    search_fields = ["text", "author_handle"]
