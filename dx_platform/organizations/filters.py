"""Filters of the public municipality directory (pages and API share them)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Municipality, Prefecture


class MunicipalityFilter(django_filters.FilterSet):
    prefecture = django_filters.ModelChoiceFilter(
        label=_("Prefecture"),
        field_name="prefecture",
        to_field_name="pref_code",
        queryset=Prefecture.objects.all(),
    )
    kind = django_filters.MultipleChoiceFilter(
        label=_("Kind"), choices=Municipality.Kind.choices, widget=forms.CheckboxSelectMultiple
    )
    size_class = django_filters.MultipleChoiceFilter(
        label=_("Size class"), choices=Municipality.SizeClass.choices, widget=forms.CheckboxSelectMultiple
    )
    q = django_filters.CharFilter(label=_("Name"), method="filter_name")

    class Meta:
        model = Municipality
        fields = ("prefecture", "kind", "size_class")

    def filter_name(self, queryset: QuerySet[Municipality], name: str, value: str) -> QuerySet[Municipality]:
        return queryset.filter(
            Q(name__contains=value) | Q(name_kana__contains=value) | Q(name_hiragana__contains=value)
        )
