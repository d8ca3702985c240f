from django.contrib import admin

from .models import Invitation, Membership, Municipality, Organization, PopulationRecord, Prefecture


@admin.register(Prefecture)
class PrefectureAdmin(admin.ModelAdmin):
    list_display = ("pref_code", "code", "name", "name_en")
    search_fields = ("name", "name_kana", "name_en", "code")


class PopulationInline(admin.TabularInline):
    model = PopulationRecord
    extra = 0


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("code", "prefecture", "name", "kind", "size_class")
    list_filter = ("kind", "size_class", "prefecture")
    search_fields = ("code", "name", "name_kana", "name_hiragana")
    inlines = (PopulationInline,)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "prefecture", "mfa_required", "is_demo")
    list_filter = ("kind", "mfa_required", "is_demo")
    search_fields = ("name",)
    raw_id_fields = ("municipality",)
    inlines = (MembershipInline,)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = (
        "email",
        "organization",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    search_fields = ("email",)
    raw_id_fields = ("organization", "invited_by", "accepted_by")
