"""Platform API serializers: translate JSON to service arguments and models back to JSON."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tenants.models import Agency, ApiKey, Brand, Membership, User, slug_validator
from tenants.roles import Role, Scope


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "slug", "created_at"]
        read_only_fields = ["id", "created_at"]


class BrandSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    api_root = serializers.SerializerMethodField()

    class Meta:
        model = Brand
        fields = [
            "id",
            "name",
            "slug",
            "agency",
            "timezone",
            "locale",
            "currency",
            "status",
            "created_at",
            "api_root",
        ]
        read_only_fields = fields

    def get_api_root(self, brand: Brand) -> str:
        return f"/brands/{brand.slug}/api/v1/"


class BrandCreateSerializer(serializers.Serializer):
    agency = serializers.SlugField(help_text="Slug of the agency that owns the brand.")
    name = serializers.CharField(max_length=200)
    slug = serializers.CharField(max_length=40, validators=[slug_validator])
    timezone = serializers.CharField(max_length=64, default="UTC")
    locale = serializers.CharField(max_length=16, default="en")
    currency = serializers.CharField(
        max_length=3,
        default="EUR",
        help_text="ISO 4217 code; the default for the brand's money settings and boosts.",
    )
    hostname = serializers.CharField(max_length=253, required=False, allow_blank=True)


class BrandUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    timezone = serializers.CharField(max_length=64, required=False)
    locale = serializers.CharField(max_length=16, required=False)
    currency = serializers.CharField(max_length=3, required=False)
    status = serializers.ChoiceField(choices=Brand.Status.choices, required=False)


class BrandDeleteSerializer(serializers.Serializer):
    confirm = serializers.CharField(help_text="The brand's slug, repeated to confirm deletion.")


class MemberUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()


class MembershipSerializer(serializers.ModelSerializer):
    user = MemberUserSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "created_at"]
        read_only_fields = fields


class MembershipCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(
        help_text="The person's email address; they are emailed a sign-in link (an account is "
        "made for an address that has none)."
    )
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationSerializer(serializers.Serializer):
    """The same answer whether or not the address already had an account."""

    id = serializers.IntegerField(help_text="The membership's id.")
    email = serializers.EmailField(source="user.email")
    role = serializers.CharField()
    created_at = serializers.DateTimeField()


class MembershipUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class MyMembershipSerializer(serializers.Serializer):
    brand = serializers.CharField(source="brand.slug")
    brand_name = serializers.CharField(source="brand.name")
    role = serializers.CharField()


class MeSerializer(serializers.ModelSerializer):
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name", "memberships"]
        read_only_fields = fields

    @extend_schema_field(MyMembershipSerializer(many=True))
    def get_memberships(self, user: User) -> list[dict[str, str]]:
        memberships = user.memberships.select_related("brand").order_by("brand__name")
        return MyMembershipSerializer(memberships, many=True).data


class ApiKeySerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=Scope.choices), allow_empty=False
    )


class ApiKeyCreatedSerializer(ApiKeySerializer):
    secret = serializers.CharField(
        read_only=True, help_text="The full key. Shown once: store it now."
    )

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "secret"]
        read_only_fields = fields


class StaffTokenSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The token's first part, to tell it apart.")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    current = serializers.SerializerMethodField(help_text="Whether this request used it.")

    def get_current(self, token: Any) -> bool:
        request = self.context.get("request")
        auth = getattr(request, "auth", None)
        return getattr(auth, "pk", None) == token.pk and isinstance(auth, type(token))


class StaffTokenIssuedSerializer(StaffTokenSerializer):
    token = serializers.CharField(help_text="The token, shown only in this response.")
