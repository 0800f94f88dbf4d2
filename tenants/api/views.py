"""Platform API (public schema): the caller, agencies, brands, memberships and API keys."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, generics, permissions, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brandroom import roots
from brandroom.broker import check_broker
from brandroom.http.client_address import client_address
from brandroom.http.idempotency import shows_a_secret
from brandroom.liveness.report import report as background_report
from tenants import selectors, services
from tenants.api import serializers as s
from tenants.models import Agency, Brand, Membership, User
from tenants.roles import role_may
from tenants.sign_in_limits import SignInThrottled, password_attempt


def brand_for(request: Request, slug: str, action: str) -> Brand:
    """The brand named in the URL, if the caller may do ``action`` on it; 404 for non-members."""
    brand = Brand.objects.filter(slug=slug).select_related("agency").first()
    role = selectors.role_on_brand(user=request.user, brand=brand) if brand else None
    if brand is None or role is None:
        raise exceptions.NotFound("Brand not found.")
    if not role_may(role, action):
        raise exceptions.PermissionDenied(f"The role '{role}' may not do '{action}'.")
    return brand


class PlatformBrandView(APIView):
    """A platform route about one brand (``brands/<slug>/...``): like the brand API's views it
    names the action each method needs from the permission table, so the table, the schema and
    the permission matrix test all read the same declaration."""

    actions_required: dict[str, str] = {}

    def brand(self, request: Request, slug: str) -> Brand:
        return brand_for(request, slug, self.actions_required[request.method])


class PlatformRootView(APIView):
    """Where the platform API's resources are, and how a brand's API is reached."""

    authentication_classes: list[type] = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response(
            {
                "links": roots.links(
                    request._request, prefix=roots.PLATFORM_API_PREFIX, base=request.path
                ),
                "brand_api": request.build_absolute_uri("/brands/") + "{brand}/api/v1/",
                "docs": request.build_absolute_uri("/api/docs/"),
                "sign_in": "POST auth/token/ with username and password; send the token back as "
                "'Authorization: Token <token>'.",
            }
        )


class HealthView(APIView):
    """Readiness of this web process (the database and the broker answer: 200, else 503), and
    for operators whether workers and the scheduler are alive and how far behind each queue is
    (reported in the body, with ``problems``; they do not make this web process unready)."""

    authentication_classes: list[type] = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: dict, 503: dict})
    def get(self, request: Request) -> Response:
        checks: dict[str, str] = {}
        healthy = True
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            checks["database"] = "ok"
        except Exception as exc:  # a health check reports failures, it does not raise them
            checks["database"] = f"error: {exc.__class__.__name__}"
            healthy = False
        try:
            checks["broker"] = f"ok ({check_broker()})"
        except Exception as exc:
            checks["broker"] = f"error: {exc.__class__.__name__}"
            healthy = False
        body: dict[str, object] = {"status": "ok" if healthy else "unavailable", "checks": checks}
        if healthy:
            try:
                body.update(background_report().as_dict())
            except Exception as exc:
                body["problems"] = [f"background report failed: {exc.__class__.__name__}"]
        return Response(
            body,
            status=status.HTTP_200_OK if healthy else status.HTTP_503_SERVICE_UNAVAILABLE,
        )


# DRF's token serializer refuses bad credentials as a non-field "authorization" error.
@extend_validation_errors(["authorization"], field_name="non_field_errors", methods=["post"])
class TokenView(APIView):
    """Exchange a username and password for a staff token (for staff tools). It expires after
    STAFF_TOKEN_TTL_HOURS; a password change or deactivation revokes it."""

    authentication_classes: list[type] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list[type] = []

    @extend_schema(request=AuthTokenSerializer, responses={200: s.StaffTokenIssuedSerializer})
    def post(self, request: Request) -> Response:
        username = request.data.get("username")
        try:
            with password_attempt(
                username=username if isinstance(username, str) else "",
                address=client_address(request),
            ):
                credentials = AuthTokenSerializer(data=request.data, context={"request": request})
                credentials.is_valid(raise_exception=True)
        except SignInThrottled as exc:
            raise exceptions.Throttled(wait=exc.retry_after, detail=str(exc)) from None
        token, raw = services.issue_staff_token(user=credentials.validated_data["user"])
        body = s.StaffTokenSerializer(token, context={"request": request}).data | {"token": raw}
        return Response(body)


class StaffTokenListView(APIView):
    """The caller's own staff tokens (never the tokens themselves: their first characters)."""

    @extend_schema(responses=s.StaffTokenSerializer(many=True))
    def get(self, request: Request) -> Response:
        tokens = selectors.staff_tokens_of(user=request.user)
        return Response(
            s.StaffTokenSerializer(tokens, many=True, context={"request": request}).data
        )


class StaffTokenDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, key: str) -> Response:
        """Revoke one of the caller's own staff tokens; it stops working at once."""
        if not services.revoke_staff_token(user=request.user, key=key):
            raise exceptions.NotFound("No token of yours with this key.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(generics.RetrieveAPIView):
    serializer_class = s.MeSerializer

    def get_object(self) -> User:
        if not isinstance(self.request.user, User):
            raise exceptions.PermissionDenied("API keys have no user profile.")
        return self.request.user


class AgencyListView(generics.ListCreateAPIView):
    """Agencies the caller belongs to; platform staff may create new ones."""

    serializer_class = s.AgencySerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Agency.objects.none()
        return selectors.agencies_for_user(user=self.request.user)

    def perform_create(self, serializer: s.AgencySerializer) -> None:
        if not self.request.user.is_staff:
            raise exceptions.PermissionDenied("Only platform staff may create agencies.")
        serializer.instance = services.create_agency(
            name=serializer.validated_data["name"],
            slug=serializer.validated_data["slug"],
            admin=self.request.user,
        )


class BrandListView(APIView):
    """Brands the caller is a member of; agency admins create brands here."""

    @extend_schema(responses=s.BrandSerializer(many=True))
    def get(self, request: Request) -> Response:
        brands = selectors.brands_for_user(user=request.user)
        return Response(s.BrandSerializer(brands, many=True).data)

    @extend_schema(request=s.BrandCreateSerializer, responses={201: s.BrandSerializer})
    def post(self, request: Request) -> Response:
        data = s.BrandCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        agency = Agency.objects.filter(slug=values["agency"]).first()
        if agency is None or not selectors.is_agency_admin(user=request.user, agency=agency):
            raise exceptions.ValidationError(
                {"agency": ["No agency with this slug that you administer."]}
            )
        brand = services.create_brand(
            agency=agency,
            name=values["name"],
            slug=values["slug"],
            timezone_name=values["timezone"],
            locale=values["locale"],
            currency=values["currency"],
            hostname=values.get("hostname") or None,
            created_by=request.user,
        )
        return Response(s.BrandSerializer(brand).data, status=status.HTTP_201_CREATED)


class BrandDetailView(PlatformBrandView):
    """One brand: read it, rename or suspend/reactivate it, delete it with confirmation."""

    actions_required = {"GET": "brand.read", "PATCH": "brand.update", "DELETE": "brand.delete"}

    @extend_schema(responses=s.BrandSerializer)
    def get(self, request: Request, slug: str) -> Response:
        return Response(s.BrandSerializer(self.brand(request, slug)).data)

    @extend_schema(request=s.BrandUpdateSerializer, responses=s.BrandSerializer)
    def patch(self, request: Request, slug: str) -> Response:
        brand = self.brand(request, slug)
        data = s.BrandUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        new_status = values.pop("status", None)
        if new_status and new_status != brand.status:
            if not selectors.is_agency_admin(user=request.user, agency=brand.agency):
                raise exceptions.PermissionDenied("Only the agency's admins may suspend a brand.")
            if new_status == Brand.Status.SUSPENDED:
                services.suspend_brand(brand=brand)
            else:
                services.activate_brand(brand=brand)
        services.update_brand(
            brand=brand,
            name=values.get("name"),
            timezone_name=values.get("timezone"),
            locale=values.get("locale"),
            currency=values.get("currency"),
        )
        return Response(s.BrandSerializer(brand).data)

    @extend_schema(request=s.BrandDeleteSerializer, responses={204: None})
    def delete(self, request: Request, slug: str) -> Response:
        brand = self.brand(request, slug)
        if not selectors.is_agency_admin(user=request.user, agency=brand.agency):
            raise exceptions.PermissionDenied("Only the agency's admins may delete a brand.")
        confirm = request.data.get("confirm") or request.query_params.get("confirm")
        services.delete_brand(brand=brand, confirm=confirm)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MembershipListView(PlatformBrandView):
    """The brand's members; account leads and agency admins add people by email."""

    actions_required = {"GET": "members.read", "POST": "members.manage"}

    @extend_schema(responses=s.MembershipSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        brand = self.brand(request, slug)
        members = selectors.memberships_of_brand(brand=brand)
        return Response(s.MembershipSerializer(members, many=True).data)

    @extend_schema(request=s.MembershipCreateSerializer, responses={201: s.InvitationSerializer})
    def post(self, request: Request, slug: str) -> Response:
        """Invite someone by email: they get the role and an emailed sign-in link."""
        brand = self.brand(request, slug)
        data = s.MembershipCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.invite_member(brand=brand, actor=request.user, **data.validated_data)
        return Response(s.InvitationSerializer(membership).data, status=status.HTTP_201_CREATED)


class MembershipDetailView(PlatformBrandView):
    actions_required = {"PATCH": "members.manage", "DELETE": "members.manage"}

    @extend_schema(request=s.MembershipUpdateSerializer, responses=s.MembershipSerializer)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        brand = self.brand(request, slug)
        membership = get_object_or_404(Membership, brand=brand, pk=pk)
        data = s.MembershipUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.change_member_role(
            membership=membership, role=data.validated_data["role"], actor=request.user
        )
        return Response(s.MembershipSerializer(membership).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        brand = self.brand(request, slug)
        services.remove_member(
            membership=get_object_or_404(Membership, brand=brand, pk=pk), actor=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiKeyListView(PlatformBrandView):
    """The brand's API keys. The secret is returned once, when the key is created."""

    actions_required = {"GET": "api_keys.manage", "POST": "api_keys.manage"}

    @extend_schema(responses=s.ApiKeySerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        brand = self.brand(request, slug)
        keys = selectors.api_keys_of_brand(brand=brand)
        return Response(s.ApiKeySerializer(keys, many=True).data)

    @extend_schema(request=s.ApiKeyCreateSerializer, responses={201: s.ApiKeyCreatedSerializer})
    def post(self, request: Request, slug: str) -> Response:
        brand = self.brand(request, slug)
        data = s.ApiKeyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key, secret = services.create_api_key(
            brand=brand,
            name=data.validated_data["name"],
            scopes=data.validated_data["scopes"],
            created_by=request.user,
        )
        body = s.ApiKeySerializer(key).data | {"secret": secret}
        return shows_a_secret(
            Response(body, status=status.HTTP_201_CREATED),
            original=f"created API key {key.pk} ('{key.name}', prefix {key.prefix})",
        )


class ApiKeyRevokeView(PlatformBrandView):
    actions_required = {"POST": "api_keys.manage"}

    @extend_schema(request=None, responses=s.ApiKeySerializer)
    def post(self, request: Request, slug: str, pk: int) -> Response:
        brand = self.brand(request, slug)
        key = services.revoke_api_key(key=get_object_or_404(brand.api_keys, pk=pk))
        return Response(s.ApiKeySerializer(key).data)
