"""Flow: a town administrator invites a colleague, who accepts by creating an account."""

from __future__ import annotations

import re

from django.core import mail

from dx_platform.organizations.models import Membership, Role
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory


def test_admin_invites_and_the_invitee_joins_with_the_role(region, new_page, live_server):
    town = region["home"]["town"]
    admin = MembershipFactory(organization=town, role=Role.ADMIN).user

    page = new_page()
    sign_in(page, admin.email)
    page.goto(f"/organizations/{town.pk}/")
    invite = page.get_by_role("region", name="メンバーを招待する")
    invite.get_by_label("メールアドレス").fill("shinjin@town.example.jp")
    invite.get_by_label("役割").select_option(label="編集者")
    invite.get_by_role("button", name="招待を送る").click()
    assert "shinjin@town.example.jp に招待を送りました。" in page.get_by_role("status").inner_text()

    (email,) = mail.outbox
    link = re.search(r"https?://\S+/invitations/accept/\S+/", email.body).group(0)
    path = link[link.index("/invitations/") :]

    invitee = new_page()
    invitee.goto(path)
    assert town.name in invitee.locator("main").inner_text()
    invitee.get_by_role("link", name="アカウントを作成").click()
    assert invitee.get_by_label("メールアドレス").input_value() == "shinjin@town.example.jp"
    invitee.get_by_label("氏名").fill("新人 花子")
    invitee.get_by_label(re.compile(r"^パスワード:?$")).fill("a-long-passphrase-42")
    invitee.get_by_label("パスワード (再入力)").fill("a-long-passphrase-42")
    invitee.locator("main").get_by_role("button", name="ユーザー登録").click()

    assert invitee.get_by_role("heading", level=1).inner_text() == "ようこそ、新人 花子 さん"
    assert "編集者" in invitee.get_by_role("region", name="所属組織").inner_text()
    membership = Membership.objects.get(user__email="shinjin@town.example.jp")
    assert (membership.organization, membership.role) == (town, Role.EDITOR)

    # The administrator is told in the app that the colleague joined.
    page.goto("/notifications/")
    assert "shinjin@town.example.jp さんが" in page.locator("main").inner_text()


def test_expired_link_explains_itself(region, new_page):
    from django.utils import timezone

    from dx_platform.organizations.services import invitation_create, invitation_token

    town = region["home"]["town"]
    admin = MembershipFactory(organization=town, role=Role.ADMIN).user
    invitation = invitation_create(organization=town, email="late@example.jp", role="viewer", by=admin)
    type(invitation).objects.filter(pk=invitation.pk).update(expires_at=timezone.now())

    page = new_page()
    page.goto(f"/invitations/accept/{invitation_token(invitation)}/")
    assert "期限切れ" in page.get_by_role("alert").inner_text()
