"""A brand's boosts in the Django admin, read-only, for platform staff inspecting that brand
(see tenants.admin_inspection)."""

from django.contrib import admin

from media.models import Boost
from tenants.admin_inspection import BrandContentAdmin


@admin.register(Boost)
class BoostAdmin(BrandContentAdmin):
    list_display = ["id", "network", "objective", "status", "budget_total", "currency"]
    list_filter = ["status", "network"]
