"""Roles and the permission table: the one place that says who may do what on a brand.

Every brand endpoint names an action from ``PERMISSIONS``; ``tenants.permissions.BrandPermission``
grants it when the caller's membership role is listed, or, for an integrator's API key, when the
key holds the action's scope. Actions with no scope are never open to API keys.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    # Agency side
    AGENCY_ADMIN = "agency_admin"
    ACCOUNT_LEAD = "account_lead"
    STRATEGIST = "strategist"
    COPYWRITER = "copywriter"
    COMMUNITY_MANAGER = "community_manager"
    MEDIA_SPECIALIST = "media_specialist"
    ANALYST = "analyst"
    # Client side
    CLIENT_APPROVER = "client_approver"
    CLIENT_LEGAL = "client_legal"
    CLIENT_PR = "client_pr"
    CLIENT_VIEWER = "client_viewer"


class AgencyRole(models.TextChoices):
    AGENCY_ADMIN = "agency_admin"
    STAFF = "staff"


AGENCY_ROLES = frozenset(
    {
        Role.AGENCY_ADMIN,
        Role.ACCOUNT_LEAD,
        Role.STRATEGIST,
        Role.COPYWRITER,
        Role.COMMUNITY_MANAGER,
        Role.MEDIA_SPECIALIST,
        Role.ANALYST,
    }
)
CLIENT_ROLES = frozenset(
    {Role.CLIENT_APPROVER, Role.CLIENT_LEGAL, Role.CLIENT_PR, Role.CLIENT_VIEWER}
)
ALL_ROLES = AGENCY_ROLES | CLIENT_ROLES
LEADS = frozenset({Role.AGENCY_ADMIN, Role.ACCOUNT_LEAD})
WRITERS = LEADS | {Role.STRATEGIST, Role.COPYWRITER, Role.COMMUNITY_MANAGER}
CLIENT_DECIDERS = frozenset({Role.CLIENT_APPROVER, Role.CLIENT_LEGAL, Role.CLIENT_PR})


class Scope(models.TextChoices):
    READ = "read"
    WRITE_CONTENT = "write:content"
    # Grants no action: decisions are people's (see approvals.decide). Kept so keys that hold it
    # and scripts that ask for it keep working.
    WRITE_APPROVALS = "write:approvals"
    WRITE_MEDIA = "write:media"
    INGEST_INBOX = "ingest:inbox"
    INGEST_METRICS = "ingest:metrics"
    INGEST_SIGNALS = "ingest:signals"


# action -> (roles that may do it, API key scope that may do it or None)
PERMISSIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "brand.read": (ALL_ROLES, Scope.READ),
    "brand.update": (LEADS, None),
    # Suspending and deleting also need the agency's own admin role (tenants.api.views).
    "brand.delete": (frozenset({Role.AGENCY_ADMIN}), None),
    "members.read": (ALL_ROLES, None),
    "members.manage": (LEADS, None),
    "api_keys.manage": (frozenset({Role.AGENCY_ADMIN}), None),
    "content.read": (ALL_ROLES, Scope.READ),
    "content.write": (WRITERS, Scope.WRITE_CONTENT),
    "voice.write": (LEADS | {Role.STRATEGIST}, Scope.WRITE_CONTENT),
    "content.generate": (WRITERS, Scope.WRITE_CONTENT),
    "assistant.configure": (LEADS, None),
    "inbox.ingest": (WRITERS, Scope.INGEST_INBOX),
    "usage.read": (AGENCY_ROLES, Scope.READ),
    "approvals.read": (ALL_ROLES, Scope.READ),
    # Decisions are a person's (the trail names who decided): no API key scope grants them.
    "approvals.decide": (LEADS | CLIENT_DECIDERS, None),
    "approvals.policy": (LEADS, None),
    "rota.manage": (LEADS, None),
    # Everyone sets their own quiet hours; someone else's also needs rota.manage.
    "quiet_hours.set": (ALL_ROLES, None),
    "incidents.manage": (LEADS | {Role.COMMUNITY_MANAGER, Role.CLIENT_PR, Role.CLIENT_LEGAL}, None),
    "audit.read": (LEADS | CLIENT_DECIDERS, Scope.READ),
    # The product-wide trail (members, keys, settings, boosts, budgets): leads only, no key.
    "brand_audit.read": (LEADS, None),
    "media.read": (ALL_ROLES, Scope.READ),
    "media.write": (LEADS | {Role.MEDIA_SPECIALIST}, Scope.WRITE_MEDIA),
    # Boost results and organic results (post snapshots, channel days) alike.
    "metrics.ingest": (LEADS | {Role.MEDIA_SPECIALIST}, Scope.INGEST_METRICS),
    # Organic results, figures and KPIs: everyone on the brand reads them.
    "results.read": (ALL_ROLES, Scope.READ),
    # Departments and their members: the people who answer to the client.
    "departments.manage": (LEADS, None),
    # Defining KPIs and their targets: the leads and the agency's analysts and strategists.
    "kpis.manage": (LEADS | {Role.ANALYST, Role.STRATEGIST}, None),
    # The rolling plan: everyone on the brand reads it; the leads and strategists shape it
    # (pillars, cadence, campaigns); the people who make content place and move plan items.
    # Internal notes on drafts and boosts: the agency team's own discussion, never clients'.
    "notes.read": (AGENCY_ROLES, None),
    "notes.write": (AGENCY_ROLES, None),
    "plan.read": (ALL_ROLES, Scope.READ),
    "plan.manage": (LEADS | {Role.STRATEGIST}, None),
    "plan.write": (WRITERS, Scope.WRITE_CONTENT),
    # Monthly media budgets and spend thresholds: the people who answer to the client.
    "media.manage": (LEADS, None),
    # Customer signals: integrators stream them with a scope of their own; people who work
    # with data (leads, community managers, analysts) may send a batch by hand.
    "signals.ingest": (LEADS | {Role.COMMUNITY_MANAGER, Role.ANALYST}, Scope.INGEST_SIGNALS),
    # Signals, their aggregates, segments' activity, triggers and their firings.
    "listening.read": (ALL_ROLES, Scope.READ),
    # Defining, dry-running and enabling triggers (they write briefs): leads and strategists.
    "triggers.manage": (LEADS | {Role.STRATEGIST}, None),
    # Acknowledging an alert trigger's cockpit row: whoever was on duty (any role can be on the
    # rota) or the leads; people only.
    "trigger_alerts.acknowledge": (ALL_ROLES, None),
    "webhooks.manage": (frozenset({Role.AGENCY_ADMIN}), None),
    "events.read": (AGENCY_ROLES, Scope.READ),
}


# Who may hand out or take away which role: agency admins any role, account leads any role
# below admin (their own included), everyone else nothing (``members.manage`` already stops them).
ROLE_RANK: dict[str, int] = {Role.AGENCY_ADMIN: 3, Role.ACCOUNT_LEAD: 2}


def rank(role: str) -> int:
    return ROLE_RANK.get(role, 1)


def may_grant(by_role: str, role: str) -> bool:
    """True when a member with ``by_role`` may give someone ``role``: never above their own."""
    return rank(role) <= rank(by_role)


def may_manage(by_role: str, target_role: str) -> bool:
    """True when a member with ``by_role`` may change or remove a member who has
    ``target_role``: only someone below them, except that agency admins manage each other."""
    return by_role == Role.AGENCY_ADMIN or rank(target_role) < rank(by_role)


def role_may(role: str | None, action: str) -> bool:
    """True when a member with ``role`` may perform ``action`` on their brand."""
    roles, _scope = PERMISSIONS[action]
    return role is not None and role in roles


def scopes_may(scopes: list[str], action: str) -> bool:
    """True when an API key holding ``scopes`` may perform ``action``."""
    _roles, scope = PERMISSIONS[action]
    return scope is not None and scope in scopes
