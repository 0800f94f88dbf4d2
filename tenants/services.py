"""Changes to platform data: agencies, brands and their schemas, memberships, API keys."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_exists

from brandroom.currencies import is_currency
from tenants import provisioning, selectors
from tenants.audit import services as audit
from tenants.audit.models import AuditAction
from tenants.authentication import hash_secret
from tenants.errors import (
    AlreadyMember,
    ConfirmationRequired,
    InvalidRole,
    LastAdminRemoval,
    RoleNotYours,
    SlugTaken,
    TenantsError,
)
from tenants.hostnames import normalize_hostname
from tenants.models import (
    Agency,
    AgencyMembership,
    ApiKey,
    Brand,
    Domain,
    Membership,
    StaffToken,
    User,
    WorkerPing,
)
from tenants.roles import AgencyRole, Role, Scope, may_grant, may_manage
from tenants.sign_in_links import issue_sign_in_link
from tenants.signals import brand_provisioned
from tenants.timezones import is_canonical_zone


def create_agency(*, name: str, slug: str, admin: User | None = None) -> Agency:
    """Create an agency, optionally with its first admin."""
    with transaction.atomic():
        agency = Agency.objects.create(name=name, slug=slug)
        if admin is not None:
            AgencyMembership.objects.create(agency=agency, user=admin, role=AgencyRole.AGENCY_ADMIN)
    return agency


def _check_timezone(name: str) -> None:
    if not is_canonical_zone(name):
        raise TenantsError(
            f"Unknown time zone '{name}': use an IANA name such as 'Europe/Zurich' or 'UTC'.",
            field="timezone",
        )


def _check_currency(code: str) -> str:
    if not is_currency(code.upper()):
        raise TenantsError(
            f"Unknown currency '{code}': use an ISO 4217 code such as 'EUR', 'AUD' or 'JPY'.",
            field="currency",
        )
    return code.upper()


def schema_name_for(*, slug: str) -> str:
    return "brand_" + slug.replace("-", "_")


def create_brand(
    *,
    agency: Agency,
    name: str,
    slug: str,
    timezone_name: str = "UTC",
    locale: str = "en",
    currency: str = "EUR",
    created_by: User | None = None,
    hostname: str | None = None,
) -> Brand:
    """Create a brand with its own schema (cloned from the template) and seed its defaults.

    The creator becomes the brand's agency admin. If the schema cannot be created the brand
    row is removed again, so no half-made brand is left behind.
    """
    _check_timezone(timezone_name)
    currency = _check_currency(currency)
    if Brand.objects.filter(slug=slug).exists():
        raise SlugTaken(f"A brand with the slug '{slug}' already exists.", field="slug")
    schema_name = schema_name_for(slug=slug)
    if schema_name == provisioning.template_schema_name():
        raise SlugTaken(f"The slug '{slug}' is reserved; choose another.", field="slug")
    if schema_exists(schema_name):
        # Left by a brand removed outside Brandroom: a new brand must never inherit its data.
        raise SlugTaken(
            f"The slug '{slug}' cannot be used: data of an earlier brand with this slug is"
            " still stored. Choose another slug, or ask an operator to remove that data.",
            field="slug",
        )
    if hostname:
        hostname = normalize_hostname(hostname)
    if hostname and Domain.objects.filter(domain=hostname).exists():
        raise SlugTaken(f"The hostname '{hostname}' already belongs to a brand.", field="hostname")
    try:
        with transaction.atomic():
            brand = Brand.objects.create(
                agency=agency,
                name=name,
                slug=slug,
                schema_name=schema_name,
                timezone=timezone_name,
                locale=locale,
                currency=currency,
            )
            if hostname:
                Domain.objects.create(tenant=brand, domain=hostname, is_primary=True)
            if created_by is not None:
                Membership.objects.create(brand=brand, user=created_by, role=Role.AGENCY_ADMIN)
    except IntegrityError as exc:  # lost a race with a concurrent create of the same brand
        field = "hostname" if "domain" in str(exc) else "slug"
        raise SlugTaken(f"The {field} is already taken.", field=field) from exc
    try:
        state = provisioning.ensure_template_current()
        # The schema, its seeded defaults and the audit entry in one transaction: one commit
        # (one WAL flush) instead of one per seeding statement, which at ~50 ms a creation was
        # most of its time on a busy server, and nothing of it is left if any part fails.
        with transaction.atomic():
            provisioning.create_brand_schema(brand, state=state)
            brand_provisioned.send(sender=Brand, brand=brand)
            audit.record(
                action=AuditAction.BRAND_CREATED,
                subject=brand,
                after=_state(brand),
                brand=brand,
                actor=created_by,
            )
    except BaseException as exc:
        # Undo what this call made; a schema that was there before is not ours to drop.
        brand.delete(force_drop=not isinstance(exc, provisioning.SchemaAlreadyExists))
        raise
    from tenants.tasks import make_spare_schemas
    from tenants.worker import enqueue_on_commit

    # Replace the spare this brand may have taken, off the request path.
    enqueue_on_commit(make_spare_schemas)
    return brand


def refill_spare_schemas() -> int:
    """Make spare brand schemas at the template's migration state until BRAND_SPARE_SCHEMAS are
    ready, dropping spares of another state (from the worker; safe to run twice)."""
    return provisioning.refill_spare_schemas()


def _state(brand: Brand) -> dict[str, object]:
    names = ["name", "slug", "status", "timezone", "locale", "currency"]
    return {"agency": brand.agency.slug} | {name: getattr(brand, name) for name in names}


def suspend_brand(*, brand: Brand) -> Brand:
    """Block API and view access to the brand; nothing is deleted."""
    with transaction.atomic():
        Brand.objects.filter(pk=brand.pk).update(status=Brand.Status.SUSPENDED)
        audit.record_changes(
            action=AuditAction.BRAND_SUSPENDED,
            subject=brand,
            values={"status": Brand.Status.SUSPENDED},
            brand=brand,
        )
    brand.status = Brand.Status.SUSPENDED
    return brand


def activate_brand(*, brand: Brand) -> Brand:
    """Restore access to a suspended brand."""
    with transaction.atomic():
        Brand.objects.filter(pk=brand.pk).update(status=Brand.Status.ACTIVE)
        audit.record_changes(
            action=AuditAction.BRAND_ACTIVATED,
            subject=brand,
            values={"status": Brand.Status.ACTIVE},
            brand=brand,
        )
    brand.status = Brand.Status.ACTIVE
    return brand


def update_brand(
    *,
    brand: Brand,
    name: str | None = None,
    timezone_name: str | None = None,
    locale: str | None = None,
    currency: str | None = None,
) -> Brand:
    """Change a brand's name, time zone, locale or currency. A new currency is the default
    for money entered from now on; amounts already stored keep their own currency."""
    if timezone_name is not None:
        _check_timezone(timezone_name)
    if currency is not None:
        currency = _check_currency(currency)
    values = {"name": name, "timezone": timezone_name, "locale": locale, "currency": currency}
    values = {field: value for field, value in values.items() if value is not None}
    with transaction.atomic():
        audit.record_changes(
            action=AuditAction.BRAND_UPDATED, subject=brand, values=values, brand=brand
        )
        for field, value in values.items():
            setattr(brand, field, value)
        if values:
            brand.save(update_fields=list(values))
    return brand


def delete_brand(*, brand: Brand, confirm: str | None) -> None:
    """Delete a brand and drop its schema, only when ``confirm`` repeats the brand's slug."""
    if confirm != brand.slug:
        raise ConfirmationRequired(
            f"Deleting a brand drops all its data; repeat its slug '{brand.slug}' in 'confirm'.",
            field="confirm",
        )
    # The entry is in the public schema, so it outlives the brand's schema dropped here.
    with transaction.atomic():
        audit.record(
            action=AuditAction.BRAND_DELETED, subject=brand, before=_state(brand), brand=brand
        )
        brand.delete(force_drop=True)


def add_member(*, brand: Brand, user: User, role: str, actor: User | None = None) -> Membership:
    """Give a user a role on a brand. ``actor`` is the member doing it (None for seeding): nobody
    hands out a role above their own, and someone already on the brand is a 409 (change their
    role with ``change_member_role``)."""
    _check_role(role)
    if actor is not None:
        _check_may_grant(_acting_role(brand=brand, actor=actor), role)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(brand=brand, user=user, role=role)
            audit.record(
                action=AuditAction.MEMBER_ADDED,
                subject=membership,
                after={"user": user.email, "role": role},
                brand=brand,
                actor=actor,
            )
            return membership
    except IntegrityError as exc:
        raise AlreadyMember(
            f"{user.email} is already a member of {brand.name}; change their role instead.",
            field="email",
        ) from exc


INVITATION_LIFETIME = timedelta(days=7)


def _free_username(email: str) -> str:
    base = "".join(c for c in email.split("@", 1)[0].lower() if c.isalnum() or c in "._-")[:100]
    base = base or "member"
    name = base
    while User.objects.filter(username=name).exists():
        name = f"{base}-{secrets.token_hex(3)}"
    return name


def invite_member(*, brand: Brand, email: str, role: str, actor: User | None = None) -> Membership:
    """Give the person with this email a role on the brand, creating their account (with no
    password: they sign in by the emailed link) when there is none, and email them a sign-in
    link on commit. The caller learns the same either way: whether the address already had an
    account on the platform is none of a brand's business."""
    _check_role(role)
    if actor is not None:
        _check_may_grant(_acting_role(brand=brand, actor=actor), role)
    email = email.strip()
    with transaction.atomic():
        # Two invitations of the same new address at once must not make two accounts.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [email.lower()])
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User(username=_free_username(email), email=email)
            user.set_unusable_password()
            user.save()
        membership = add_member(brand=brand, user=user, role=role, actor=actor)
        from tenants.tasks import send_invitation
        from tenants.worker import enqueue_on_commit

        enqueue_on_commit(send_invitation, membership.pk, actor.pk if actor is not None else None)
    return membership


def email_invitation(*, membership_id: int, actor_id: int | None) -> bool:
    """Email the member a sign-in link to the brand (from the worker, so the link's token only
    ever exists in the email). False when the membership is gone (removed since)."""
    membership = Membership.objects.select_related("user", "brand").filter(pk=membership_id).first()
    if membership is None or not membership.user.is_active:
        return False
    inviter = User.objects.filter(pk=actor_id).first() if actor_id else None
    brand, user = membership.brand, membership.user
    url = issue_sign_in_link(
        user=user, lifetime=INVITATION_LIFETIME, next_path=f"/brands/{brand.slug}/approve/"
    )
    who = (inviter.get_full_name() or inviter.email) if inviter else "Brandroom"
    send_mail(
        subject=f"You are invited to {brand.name} on Brandroom",
        message=(
            f"Hello,\n\n{who} added you to {brand.name} on Brandroom as "
            f"{Role(membership.role).label}.\n\nSign in here (the link works once, for "
            f"{INVITATION_LIFETIME.days} days):\n{url}\n\nIf you did not expect this, ignore "
            "this email."
        ),
        from_email=None,
        recipient_list=[user.email],
    )
    return True


def change_member_role(*, membership: Membership, role: str, actor: User) -> Membership:
    """Change a member's role: only for members below the caller (agency admins manage each
    other), never to a role above the caller's own, never one's own role, and never the
    brand's last agency admin away."""
    _check_role(role)
    brand = membership.brand
    actor_role = _acting_role(brand=brand, actor=actor)
    if membership.user_id == actor.pk:
        raise RoleNotYours("You cannot change your own role.", field="role")
    _check_may_manage(actor_role, membership)
    _check_may_grant(actor_role, role)
    with transaction.atomic():
        if role != Role.AGENCY_ADMIN:
            _keep_an_admin(membership)
        audit.record_changes(
            action=AuditAction.MEMBER_ROLE_CHANGED,
            subject=membership,
            values={"role": role},
            brand=brand,
            actor=actor,
        )
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def remove_member(*, membership: Membership, actor: User | None = None) -> None:
    """Take a user's access to a brand away. Removing someone else follows the same rank rule
    as changing their role (leaving oneself is always allowed); the last agency admin stays."""
    if actor is not None and membership.user_id != actor.pk:
        _check_may_manage(_acting_role(brand=membership.brand, actor=actor), membership)
    with transaction.atomic():
        _keep_an_admin(membership)
        audit.record(
            action=AuditAction.MEMBER_REMOVED,
            subject=membership,
            before={"user": membership.user.email, "role": membership.role},
            brand=membership.brand,
            actor=actor,
        )
        membership.delete()


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise InvalidRole(f"Unknown role '{role}'.", field="role")


def _acting_role(*, brand: Brand, actor: User) -> str:
    role = selectors.role_on_brand(user=actor, brand=brand)
    if role is None:
        raise RoleNotYours(f"You are not a member of {brand.name}.")
    return str(role)


def _check_may_grant(by_role: str, role: str) -> None:
    if not may_grant(by_role, role):
        raise RoleNotYours(
            f"A {by_role} cannot give anyone the role '{role}', which is above their own.",
            field="role",
        )


def _check_may_manage(by_role: str, membership: Membership) -> None:
    if not may_manage(by_role, membership.role):
        raise RoleNotYours(
            f"A {by_role} cannot change or remove a member who is {membership.role}.",
            field="role",
        )


def _keep_an_admin(membership: Membership) -> None:
    """Refuse to take the agency admin role from the brand's last agency admin (the brand's
    admin memberships are locked first, so two concurrent changes cannot both pass)."""
    if membership.role != Role.AGENCY_ADMIN:
        return
    admins = list(
        Membership.objects.select_for_update()
        .filter(brand_id=membership.brand_id, role=Role.AGENCY_ADMIN)
        .values_list("pk", flat=True)
    )
    if admins == [membership.pk]:
        raise LastAdminRemoval(
            "This is the brand's last agency admin; make someone else agency admin first.",
            field="role",
        )


def create_api_key(
    *, brand: Brand, name: str, scopes: list[str], created_by: User | None = None
) -> tuple[ApiKey, str]:
    """Create an API key for the brand; returns the key and its full secret, shown only once."""
    unknown = sorted(set(scopes) - set(Scope.values))
    if unknown:
        raise TenantsError(f"Unknown scope(s): {', '.join(unknown)}.", field="scopes")
    if not scopes:
        raise TenantsError("Give the key at least one scope.", field="scopes")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ApiKey.objects.create(
            brand=brand,
            name=name,
            prefix=prefix,
            secret_hash=hash_secret(secret),
            scopes=sorted(set(scopes)),
            created_by=created_by,
        )
        audit.record(
            action=AuditAction.API_KEY_CREATED,
            subject=key,
            after={"scopes": key.scopes},
            brand=brand,
            actor=created_by,
        )
    return key, f"{prefix}.{secret}"


def revoke_api_key(*, key: ApiKey) -> ApiKey:
    """Revoke a key; requests with it fail from now on. Revoking twice keeps the first time."""
    with transaction.atomic():
        if ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        ):
            audit.record(
                action=AuditAction.API_KEY_REVOKED,
                subject=key,
                before={"scopes": key.scopes},
                brand=key.brand,
            )
    key.refresh_from_db(fields=["revoked_at"])
    return key


def issue_staff_token(*, user: User) -> tuple[StaffToken, str]:
    """A new staff token for ``user``; returns the stored record (a digest, never the token)
    and the token itself, shown once. It expires after STAFF_TOKEN_TTL_HOURS."""
    key = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    token = StaffToken.objects.create(
        user=user,
        key=key,
        secret_hash=hash_secret(secret),
        expires_at=timezone.now() + timedelta(hours=settings.STAFF_TOKEN_TTL_HOURS),
    )
    # Expired tokens of this person are of no use to anyone: cleared as new ones are made.
    StaffToken.objects.filter(user=user, expires_at__lte=timezone.now()).delete()
    return token, f"{key}.{secret}"


def revoke_staff_token(*, user: User, key: str) -> bool:
    """Revoke one of ``user``'s own staff tokens; False when they have none with that key."""
    deleted, _ = StaffToken.objects.filter(user=user, key=key).delete()
    return bool(deleted)


def request_worker_ping() -> WorkerPing:
    """Ask a worker to answer from the current brand's schema (or public); sent on commit."""
    from tenants.tasks import answer_worker_ping
    from tenants.worker import enqueue_on_commit

    ping = WorkerPing.objects.create(requested_schema=selectors.current_schema_name())
    enqueue_on_commit(answer_worker_ping, ping.pk)
    return ping


def complete_worker_ping(*, ping_id: int) -> None:
    """Record, from inside the worker, which schema the message ran in. Safe to run twice."""
    WorkerPing.objects.filter(pk=ping_id, completed_at__isnull=True).update(
        ran_in_schema=selectors.current_schema_name(), completed_at=timezone.now()
    )
