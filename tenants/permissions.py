"""DRF permission for brand endpoints: membership role or API key scope, per the table in roles."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, permissions
from rest_framework.request import Request

from tenants.models import ApiKey
from tenants.roles import PERMISSIONS, role_may, scopes_may
from tenants.route_lookup import member_role

SAFE_METHODS = permissions.SAFE_METHODS


def required_action(request: Request, view: Any) -> str:
    """The action a view needs for this request: ``view.actions`` by viewset action or method,
    else ``read_action`` for safe methods and ``write_action`` for the rest."""
    actions: dict[str, str] = getattr(view, "actions_required", {})
    name = getattr(view, "action", None)
    if name in actions:
        return actions[name]
    if request.method in actions:
        return actions[request.method]
    if request.method in SAFE_METHODS:
        return view.read_action
    return view.write_action


class BrandPermission(permissions.BasePermission):
    """Grants a brand action to members whose role allows it and to API keys of that brand with
    the action's scope. Anyone else learns nothing: a 404, as if the brand did not exist."""

    def has_permission(self, request: Request, view: Any) -> bool:
        # Credentials first: a caller who has not signed in gets the same 401 whether the
        # brand exists or not (routing lets a request for an unknown brand through with none).
        if not request.user or not request.user.is_authenticated:
            return False
        brand = getattr(request._request, "brand", None)
        if brand is None:
            raise exceptions.NotFound("Brand not found.")
        action = required_action(request, view)
        auth = request.auth
        if isinstance(auth, ApiKey):
            if auth.brand_id != brand.id:
                raise exceptions.NotFound("Brand not found.")
            if not scopes_may(auth.scopes, action):
                scope = PERMISSIONS[action][1]
                raise exceptions.PermissionDenied(
                    f"This API key may not do '{action}'"
                    + (f": it needs the '{scope}' scope." if scope else ".")
                )
            return True
        role = member_role(request._request, user=request.user, brand=brand)
        if role is None:
            raise exceptions.NotFound("Brand not found.")
        request._request.brand_role = role  # type: ignore[attr-defined]
        if not role_may(role, action):
            raise exceptions.PermissionDenied(f"The role '{role}' may not do '{action}'.")
        return True


class BrandScopedMixin:
    """Base for brand API views: requires BrandPermission and exposes ``self.brand``."""

    permission_classes = [BrandPermission]
    read_action = "brand.read"
    write_action = "brand.update"
    actions_required: dict[str, str] = {}

    @property
    def brand(self) -> Any:
        return self.request._request.brand  # type: ignore[attr-defined]


class IsPerson(permissions.BasePermission):
    """A signed-in person (session or token). API keys belong to a brand, not the platform."""

    message = "Sign in as a person; API keys only reach their brand's routes."

    def has_permission(self, request: Request, view: Any) -> bool:
        from tenants.models import User

        return isinstance(request.user, User) and request.user.is_authenticated
