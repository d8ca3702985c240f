"""Writes on organisations: invitations, memberships and the two-factor policy.

Every service checks permission itself (through permissions.py), so views, the API and
commands cannot forget to.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dx_platform.core.links import absolute_url
from dx_platform.notifications.services import notification_create

from . import permissions
from .models import ROLES_BY_KIND, Invitation, Membership, Organization, Role

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    from dx_platform.accounts.models import User

INVITATION_SALT = "dx_platform.organizations.invitation"


def invitation_token(invitation: Invitation) -> str:
    """The secret part of an invitation link: the invitation's uuid, signed with SECRET_KEY."""
    return signing.dumps(str(invitation.uuid), salt=INVITATION_SALT)


def invitation_url(invitation: Invitation) -> str:
    return absolute_url(reverse("organizations:invitation_accept", args=[invitation_token(invitation)]))


def _check_role(organization: Organization, role: str) -> None:
    allowed = ROLES_BY_KIND[organization.kind]
    if role not in allowed:
        raise ValidationError(
            _("The role %(role)s does not exist in a %(kind)s; choose %(allowed)s."),
            code="invalid_role",
            params={
                "role": role,
                "kind": organization.get_kind_display(),
                "allowed": ", ".join(str(Role(r).label) for r in allowed),
            },
        )


def invitation_create(*, organization: Organization, email: str, role: str, by: User) -> Invitation:
    """Invite someone by email; a new invitation replaces an earlier open one to the same address."""
    if not permissions.can_manage_members(by, organization):
        raise PermissionDenied(_("You cannot invite people to this organisation."))
    _check_role(organization, role)
    email = email.strip().lower()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError(
            _("%(email)s is already a member of %(org)s; change their role instead."),
            code="already_member",
            params={"email": email, "org": organization.name},
        )
    now = timezone.now()
    with transaction.atomic():
        # Lock the organisation, so two submissions of the same invitation queue up here instead of
        # both replacing the old one and colliding on the one-open-invitation constraint.
        Organization.objects.select_for_update(of=("self",)).get(pk=organization.pk)
        for earlier in Invitation.objects.filter(
            organization=organization, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
        ):
            earlier.revoked_at = now
            earlier.save(update_fields=["revoked_at"])
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            role=role,
            invited_by=by,
            expires_at=now + dt.timedelta(days=settings.INVITATION_VALID_DAYS),
        )
    from .tasks import send_invitation_email  # here: the tasks module imports this one

    transaction.on_commit(lambda: send_invitation_email.delay(invitation_id=invitation.pk))
    return invitation


def invitation_send_email(*, invitation_id: int) -> bool:
    """Email the invitation link once, unless it is no longer open; True if this call sent it."""
    # Claim and send in one transaction: if sending fails the claim is undone and the retry sends.
    with transaction.atomic():
        now = timezone.now()
        claimed = Invitation.objects.filter(
            pk=invitation_id,
            sent_at__isnull=True,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).update(sent_at=now)
        if not claimed:
            return False
        invitation = Invitation.objects.select_related("organization", "invited_by").get(pk=invitation_id)
        context = {"invitation": invitation, "link": invitation_url(invitation)}
        subject = render_to_string("emails/invitation_subject.txt", context).strip()
        send_mail(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
            message=render_to_string("emails/invitation.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
    return True


def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    if not permissions.can_manage_members(by, invitation.organization):
        raise PermissionDenied(_("You cannot manage invitations of this organisation."))
    with transaction.atomic():
        # Locked, so an acceptance that happened since the page loaded is seen and never undone.
        invitation = Invitation.objects.select_for_update(of=("self",)).get(pk=invitation.pk)
        if invitation.status != Invitation.Status.PENDING:
            raise ValidationError(
                _("Only a pending invitation can be revoked; this one is %(status)s."),
                code="not_pending",
                params={"status": invitation.get_status_display()},
            )
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def check_invitation_open(invitation: Invitation) -> None:
    """Raise a ValidationError that says why the invitation can no longer be used.

    An invitation carries its sender's authority: once they may no longer invite to the
    organisation (removed, demoted), their open invitations give nothing.
    """
    status = invitation.status
    messages: dict[str, StrPromise] = {
        Invitation.Status.ACCEPTED: _("This invitation has already been used."),
        Invitation.Status.REVOKED: _("This invitation was withdrawn. Ask the person who invited you for a new one."),
        Invitation.Status.EXPIRED: _(
            "This invitation expired on %(date)s. Ask the person who invited you for a new one."
        ),
    }
    if status in messages:
        raise ValidationError(
            messages[status],
            code=status,
            params={"date": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M")},
        )
    inviter = invitation.invited_by
    if inviter is None or not permissions.can_manage_members(inviter, invitation.organization):
        raise ValidationError(
            _(
                "The person who sent this invitation can no longer invite people to %(org)s. "
                "Ask the organisation's administrator for a new invitation."
            ),
            code="inviter_lost_authority",
            params={"org": invitation.organization.name},
        )


def _owns_email(user: User, email: str) -> bool:
    return (
        user.email.lower() == email.lower()
        or EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()
    )


def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Join the organisation with the invited role; the invitation must be open and for this user."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",)).select_related("organization").get(pk=invitation.pk)
        )
        check_invitation_open(invitation)
        if not _owns_email(user, invitation.email):
            raise ValidationError(
                _(
                    "This invitation was sent to %(invited)s, but you are signed in as %(current)s. "
                    "Sign out and sign in with the invited address."
                ),
                code="wrong_account",
                params={"invited": invitation.email, "current": user.email},
            )
        _check_role(invitation.organization, invitation.role)
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    user=user, organization=invitation.organization, role=invitation.role
                )
        except IntegrityError:
            raise ValidationError(
                _("You are already a member of %(org)s."),
                code="already_member",
                params={"org": invitation.organization.name},
            ) from None
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        if invitation.invited_by and invitation.invited_by != user:
            notification_create(
                recipient=invitation.invited_by,
                title=format_lazy(
                    _("{user} joined {org} as {role}"),
                    user=user.email,
                    org=invitation.organization.name,
                    role=Role(invitation.role).label,
                ),
                url=reverse("organizations:detail", args=[invitation.organization_id]),
            )
    permissions.forget_access(user)
    return membership


# The role that manages each kind of organisation; every such organisation keeps one holder.
MANAGER_ROLE: dict[str, str] = {
    Organization.Kind.MUNICIPALITY: Role.ADMIN,
    Organization.Kind.PREFECTURE: Role.COORDINATOR,
}


def _keep_a_manager(membership: Membership, new_role: str | None) -> None:
    """Refuse to remove or demote the last administrator (or coordinator) of an organisation."""
    manager_role = MANAGER_ROLE.get(membership.organization.kind)
    if manager_role is None or membership.role != manager_role or new_role == manager_role:
        return
    # Locking the managers serialises two managers demoting each other at the same moment.
    managers = (
        Membership.objects.select_for_update(of=("self",))
        .filter(organization_id=membership.organization_id, role=manager_role)
        .order_by("pk")
    )
    if not any(other.pk != membership.pk for other in managers):
        raise ValidationError(
            _("%(org)s would have no %(role)s left. Give someone else the role of %(role)s first."),
            code="last_manager",
            params={"org": membership.organization.name, "role": Role(manager_role).label},
        )


def _revoke_invitations_beyond_authority(user: User) -> None:
    """Withdraw the open invitations a user sent to organisations they no longer manage."""
    permissions.forget_access(user)
    now = timezone.now()
    for invitation in (
        Invitation.objects.select_for_update(of=("self",))
        .filter(invited_by=user, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)
        .select_related("organization")
    ):
        if not permissions.can_manage_members(user, invitation.organization):
            invitation.revoked_at = now
            invitation.save(update_fields=["revoked_at"])


def membership_change_role(*, membership: Membership, role: str, by: User) -> Membership:
    organization = membership.organization
    if not permissions.can_manage_members(by, organization):
        raise PermissionDenied(_("You cannot manage the members of this organisation."))
    _check_role(organization, role)
    if membership.role == role:
        return membership
    with transaction.atomic():
        _keep_a_manager(membership, role)
        membership.role = role
        membership.save(update_fields=["role"])
        _revoke_invitations_beyond_authority(membership.user)
        notification_create(
            recipient=membership.user,
            title=format_lazy(_("Your role in {org} is now {role}"), org=organization.name, role=Role(role).label),
            url=reverse("organizations:detail", args=[organization.pk]),
        )
    return membership


def membership_remove(*, membership: Membership, by: User) -> None:
    if not permissions.can_manage_members(by, membership.organization):
        raise PermissionDenied(_("You cannot manage the members of this organisation."))
    with transaction.atomic():
        _keep_a_manager(membership, None)
        membership.delete()
        _revoke_invitations_beyond_authority(membership.user)


def organization_set_mfa_required(*, organization: Organization, required: bool, by: User) -> Organization:
    """A prefecture requires (or stops requiring) TOTP of its and its municipalities' members."""
    if not permissions.can_set_mfa_policy(by, organization):
        raise PermissionDenied(_("Only the prefecture's coordinators can set this policy."))
    organization.mfa_required = required
    organization.save(update_fields=["mfa_required"])
    return organization
