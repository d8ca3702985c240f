"""Serializer of the community search's results."""

from __future__ import annotations

from rest_framework import serializers

from ...models import SearchEntry


class SearchResultSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.name", default=None, read_only=True, allow_null=True)
    prefecture = serializers.CharField(source="prefecture.pref_code", default=None, read_only=True, allow_null=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = SearchEntry
        fields = (
            "kind",
            "object_id",
            "title",
            "organization",
            "prefecture",
            "size_class",
            "population",
            "area",
            "outcome",
            "url",
        )
