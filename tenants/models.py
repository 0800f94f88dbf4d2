"""Platform data in the public schema: agencies, brands (tenants), users, memberships, API keys."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django_tenants.models import DomainMixin, TenantMixin

from tenants.roles import AgencyRole, Role

slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$",
    "Use 1-40 lowercase letters, digits and hyphens, not starting or ending with a hyphen.",
)


class User(AbstractUser):
    """A person: agency staff or a client approver. Lives in the public schema."""

    email = models.EmailField(unique=True)

    REQUIRED_FIELDS = ["email"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        # set_password() keeps the new raw password until the save: that is a password change.
        password_changed = self._password is not None
        super().save(*args, **kwargs)
        if password_changed or not self.is_active:
            # A new password or a deactivated account ends every staff token at once.
            self.staff_tokens.all().delete()


class Agency(models.Model):
    """An organisation that runs social media for the brands it owns."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=40, unique=True, validators=[slug_validator])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class AgencyMembership(models.Model):
    """Agency staff; agency admins may create brands and manage their people."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="agency_memberships")
    role = models.CharField(max_length=32, choices=AgencyRole.choices, default=AgencyRole.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "user"], name="unique_agency_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.role} of {self.agency}"


class Brand(TenantMixin):
    """A client brand: the tenant. Everything it owns lives in its own PostgreSQL schema."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        SUSPENDED = "suspended"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="brands")
    name = models.CharField(max_length=200)
    slug = models.CharField(max_length=40, unique=True, validators=[slug_validator])
    timezone = models.CharField(max_length=64, default="UTC")
    locale = models.CharField(max_length=16, default="en")
    # ISO 4217: the brand's money, which money settings default to (the approval policy's
    # boost thresholds, boosts, monthly paid budgets).
    currency = models.CharField(max_length=3, default="EUR")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    # Schemas are created explicitly by tenants.provisioning so the cost is visible and cloned.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["active", "suspended"]), name="brand_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Domain(DomainMixin):
    """A hostname that routes straight to one brand (optional; path routing always works)."""

    def clean(self) -> None:
        # The admin's inline goes through here; the API through tenants.services.create_brand.
        from tenants.errors import TenantsError
        from tenants.hostnames import normalize_hostname

        try:
            self.domain = normalize_hostname(self.domain)
        except TenantsError as exc:
            raise ValidationError({"domain": exc.message}) from None


class Membership(models.Model):
    """A user's role on one brand; the only thing that grants access to a brand's data."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "user"], name="unique_brand_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.role} on {self.brand}"


class ApiKey(models.Model):
    """An integrator's credential for one brand. Only a hash of the secret is stored."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def credential_id(self) -> str:
        """Names the key to the kernel's idempotency and throttles (a KeyCredential)."""
        return str(self.pk)


class StaffToken(models.Model):
    """A person's API token (``Authorization: Token <key>.<secret>``) for staff tools.

    Only a SHA-256 digest of the secret is stored; the token stops working at ``expires_at``,
    when it is revoked (deleted), and when its person changes password or is deactivated."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_tokens")
    key = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"token {self.key}… of {self.user}"


class WorkerPing(models.Model):
    """A round trip through the broker and a worker, recording which brand the worker ran in.

    Operators use it (``manage.py check_worker``) to prove that workers consume messages and
    that a message sent for a brand runs in that brand's schema.
    """

    requested_schema = models.CharField(max_length=63)
    ran_in_schema = models.CharField(max_length=63, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"ping {self.pk} for {self.requested_schema}"


class SignInLink(models.Model):
    """A one-time emailed sign-in link. Only a hash of its token is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_in_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sign-in link for {self.user} (expires {self.expires_at:%Y-%m-%d %H:%M})"
