"""Organisation pages: directory, detail with members and invitations, invitation acceptance."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dx_platform.accounts.invitations import remember_invitation
from dx_platform.accounts.selectors import account_exists
from dx_platform.core.auth import AuthenticatedRequest
from dx_platform.core.pagination import paginate

from . import permissions, selectors, services
from .filters import MunicipalityFilter
from .forms import InvitationForm, MfaPolicyForm, RoleForm
from .models import Organization


def municipality_directory(request: HttpRequest) -> HttpResponse:
    """Public directory of all 1,741 municipalities, filterable."""
    filterset = MunicipalityFilter(request.GET or None, queryset=selectors.municipality_list())
    if filterset.is_bound and not filterset.is_valid():
        # An invalid value would make django-filter drop every filter and list all 1,741.
        return render(
            request,
            "organizations/municipality_directory.html",
            {"filter": filterset, "page": None},
            status=400,
        )
    return render(
        request,
        "organizations/municipality_directory.html",
        {"filter": filterset, "page": paginate(request, filterset.qs)},
    )


def municipality_detail(request: HttpRequest, code: str) -> HttpResponse:
    municipality = get_object_or_404(selectors.municipality_list(), code=code)
    return render(
        request,
        "organizations/municipality_detail.html",
        {"municipality": municipality, "populations": selectors.population_history(municipality=municipality)},
    )


@login_required
def organization_list(request: AuthenticatedRequest) -> HttpResponse:
    kind = request.GET.get("kind")
    organizations = selectors.organization_list(
        user=request.user, kind=kind if kind in Organization.Kind.values else None
    )
    return render(
        request,
        "organizations/organization_list.html",
        {"page": paginate(request, organizations), "kind": kind, "kinds": Organization.Kind.choices},
    )


def _detail_context(request: AuthenticatedRequest, organization: Organization, **forms: Any) -> dict[str, Any]:
    user = request.user
    roles = permissions.invitable_roles(user, organization)
    my_role = selectors.role_of(user=user, organization=organization)
    context = {
        "organization": organization,
        "my_role": my_role.label if my_role else None,
        "members": selectors.member_list(user=user, organization=organization),
        "can_manage": permissions.can_manage_members(user, organization),
        "invitations": selectors.invitation_list(user=user, organization=organization)[:50],
        "invite_form": forms.get("invite_form") or (InvitationForm(roles=roles) if roles else None),
        "role_form": RoleForm(organization=organization),
        "can_set_mfa": permissions.can_set_mfa_policy(user, organization),
        "mfa_form": MfaPolicyForm(initial={"mfa_required": organization.mfa_required}),
        "can_view_audit": permissions.can_view_audit_log(user, organization),
        "invitation_valid_days": settings.INVITATION_VALID_DAYS,
    }
    if organization.kind == Organization.Kind.PREFECTURE and organization.prefecture_id is not None:
        context["municipal_orgs"] = selectors.municipal_organizations(
            user=user, prefecture_id=organization.prefecture_id
        )
    return context


@login_required
def organization_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(selectors.organization_list(user=request.user), pk=pk)
    return render(request, "organizations/organization_detail.html", _detail_context(request, organization))


@login_required
@require_POST
def invitation_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(selectors.organization_list(user=request.user), pk=pk)
    if not permissions.can_manage_members(request.user, organization):
        raise PermissionDenied(_("You cannot invite people to this organisation."))
    form = InvitationForm(request.POST, roles=permissions.invitable_roles(request.user, organization))
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                organization=organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error("email", exc)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("organizations:detail", pk=organization.pk)
    return render(
        request,
        "organizations/organization_detail.html",
        _detail_context(request, organization, invite_form=form),
        status=400,
    )


def _redirect_with_errors(request: HttpRequest, organization_id: int, errors: list[str]) -> HttpResponse:
    for message in errors:
        messages.error(request, message)
    return redirect("organizations:detail", pk=organization_id)


@login_required
@require_POST
def invitation_revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(selectors.visible_invitations(user=request.user), pk=pk)
    try:
        services.invitation_revoke(invitation=invitation, by=request.user)
    except ValidationError as exc:
        return _redirect_with_errors(request, invitation.organization_id, exc.messages)
    messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("organizations:detail", pk=invitation.organization_id)


@login_required
@require_POST
def membership_change_role(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(selectors.visible_memberships(user=request.user), pk=pk)
    form = RoleForm(request.POST, organization=membership.organization)
    if not form.is_valid():
        return _redirect_with_errors(request, membership.organization_id, [str(error) for error in form.errors["role"]])
    try:
        services.membership_change_role(membership=membership, role=form.cleaned_data["role"], by=request.user)
    except ValidationError as exc:  # the last administrator or coordinator
        return _redirect_with_errors(request, membership.organization_id, exc.messages)
    messages.success(request, _("The role was changed."))
    return redirect("organizations:detail", pk=membership.organization_id)


@login_required
@require_POST
def membership_remove(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(selectors.visible_memberships(user=request.user), pk=pk)
    try:
        services.membership_remove(membership=membership, by=request.user)
    except ValidationError as exc:
        return _redirect_with_errors(request, membership.organization_id, exc.messages)
    messages.success(request, _("%(user)s was removed.") % {"user": membership.user.email})
    if membership.user == request.user:
        return redirect("home")
    return redirect("organizations:detail", pk=membership.organization_id)


@login_required
@require_POST
def mfa_policy(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(selectors.organization_list(user=request.user), pk=pk)
    form = MfaPolicyForm(request.POST)
    form.is_valid()
    required = bool(form.cleaned_data.get("mfa_required"))
    services.organization_set_mfa_required(organization=organization, required=required, by=request.user)
    messages.success(
        request,
        _("Two-factor authentication is now required.")
        if required
        else _("Two-factor authentication is now optional."),
    )
    return redirect("organizations:detail", pk=organization.pk)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Where an invitation link lands: sign up or sign in, then join with the invited role."""
    invitation = selectors.invitation_from_token(token)
    if invitation is None:
        return render(request, "organizations/invitation_invalid.html", status=404)
    try:
        services.check_invitation_open(invitation)
    except ValidationError as exc:
        return render(
            request,
            "organizations/invitation_invalid.html",
            {"reason": exc.messages[0]},
            status=410,
        )
    context: dict[str, Any] = {"invitation": invitation}
    if not request.user.is_authenticated:
        remember_invitation(request, token)
        get_adapter(request).stash_verified_email(request, invitation.email)
        here = reverse("organizations:invitation_accept", args=[token])
        context["has_account"] = account_exists(email=invitation.email)
        context["signup_url"] = f"{reverse('account_signup')}?{urlencode({'email': invitation.email})}"
        context["login_url"] = f"{reverse('account_login')}?{urlencode({'next': here})}"
        return render(request, "organizations/invitation_accept.html", context)
    if request.method == "POST":
        try:
            services.invitation_accept(invitation=invitation, user=request.user)
        except ValidationError as exc:
            context["error"] = exc.messages[0]
            return render(request, "organizations/invitation_accept.html", context, status=400)
        messages.success(
            request,
            _("You joined %(org)s as %(role)s.")
            % {"org": invitation.organization.name, "role": invitation.get_role_display()},
        )
        return redirect("organizations:detail", pk=invitation.organization_id)
    return render(request, "organizations/invitation_accept.html", context)
