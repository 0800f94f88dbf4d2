"""Seed demo data on an empty database and print where everything is."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import Resolver404, resolve

from demo.seeding import DEMO_BRANDS, DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Seed a demo agency with two brands and one user per role (only on an empty database)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed_demo()
        base = settings.PUBLIC_BASE_URL
        first = DEMO_BRANDS[0][0]
        approver_view = f"/brands/{first}/approve/"
        try:
            resolve(approver_view)
            approver_line = f"  Approver view  {base}{approver_view}"
        except Resolver404:
            approver_line = "  Approver view  (not built yet)"
        if result.created:
            self.stdout.write(self.style.SUCCESS("Seeded the demo agency."))
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "Brandroom is starting:",
                    f"  API root       {base}/api/v1/  (brand: {base}/brands/{first}/api/v1/)",
                    f"  API docs       {base}/api/docs/",
                    f"  Admin          {base}/admin/",
                    approver_line,
                    f"  Health         {base}/api/v1/health/",
                    "",
                    "Demo sign-in: username = a role (agency_admin, account_lead, copywriter,",
                    f"  client_approver, ...), password '{DEMO_PASSWORD}'.",
                    "",
                ]
            )
        )
