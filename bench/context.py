"""What every benchmark gets: sizes, the bench database, an agency, its admin and a token."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.sizes import Sizes

ROOT = Path(__file__).resolve().parent.parent
WORK_DIR = ROOT / "bench" / ".work"  # git-ignored scratch space, removed after each use
_STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[bench {time.monotonic() - _STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


@dataclass
class Bench:
    sizes: Sizes
    database: str
    database_url: str
    smoke: bool
    agency: object = None
    admin: object = None
    token: str = ""
    brand_slugs: list[str] = field(default_factory=list)

    def setup_people(self) -> None:
        """An agency and its admin (a member of every brand the bench makes), with an API token."""
        from tenants import services
        from tenants.models import User

        self.admin = User.objects.create_user(
            username="bench-admin", email="bench-admin@example.test", password=None
        )
        self.agency = services.create_agency(name="Bench Agency", slug="bench", admin=self.admin)
        _token, self.token = services.issue_staff_token(user=self.admin)

    def new_brand(self, slug: str) -> object:
        """A brand made the product's way (provisioning service, cloned), admin as member."""
        from tenants import services

        return services.create_brand(
            agency=self.agency,
            name=slug.replace("-", " ").title(),
            slug=slug,
            created_by=self.admin,
        )

    def auth_header(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Token {self.token}"}
