from __future__ import annotations

from rest_framework import serializers

from dx_platform.core.lgcode import validate_lg_code

from ..models import Membership, Municipality, Organization, Prefecture


class PrefectureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Prefecture
        fields = (
            "pref_code",
            "code",
            "name",
            "name_kana",
            "name_hiragana",
            "name_en",
            "iso3166_2",
            "capital",
            "website_url",
        )


class MunicipalityCodeSerializer(serializers.Serializer):
    """A municipality's code as a lookup takes it: six digits with a valid check digit."""

    code = serializers.CharField(validators=[validate_lg_code])


class MunicipalitySerializer(serializers.ModelSerializer):
    pref_code = serializers.CharField(source="prefecture.pref_code", read_only=True)
    prefecture_name = serializers.CharField(source="prefecture.name", read_only=True)
    population = serializers.IntegerField(read_only=True, allow_null=True)
    population_as_of = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Municipality
        fields = (
            "code",
            "pref_code",
            "prefecture_name",
            "name",
            "name_kana",
            "name_hiragana",
            "kind",
            "size_class",
            "population",
            "population_as_of",
            "lat",
            "lng",
            "website_url",
        )


class OrganizationSerializer(serializers.ModelSerializer):
    pref_code = serializers.CharField(source="prefecture.pref_code", read_only=True, allow_null=True)
    municipality_code = serializers.CharField(source="municipality.code", read_only=True, allow_null=True)

    class Meta:
        model = Organization
        fields = (
            "id",
            "kind",
            "name",
            "pref_code",
            "municipality_code",
            "partner_category",
            "mfa_required",
            "is_demo",
        )


class MembershipSerializer(serializers.ModelSerializer):
    organization = OrganizationSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ("organization", "role")


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField()
    is_staff = serializers.BooleanField()
    memberships = MembershipSerializer(many=True)
