"""factory_boy factories; local government codes get valid check digits."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress

from dx_platform.accounts.models import User
from dx_platform.core.lgcode import lg_check_digit
from dx_platform.organizations.models import Membership, Municipality, Organization, Prefecture


def _lg_code(code5: str) -> str:
    return f"{code5}{lg_check_digit(code5)}"


class PrefectureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prefecture
        django_get_or_create = ("pref_code",)

    pref_code = factory.Sequence(lambda n: f"{n % 47 + 1:02d}")
    code = factory.LazyAttribute(lambda o: _lg_code(f"{o.pref_code}000"))
    name = factory.LazyAttribute(lambda o: f"テスト県{o.pref_code}")
    name_kana = "テストケン"
    name_hiragana = "てすとけん"
    name_en = factory.LazyAttribute(lambda o: f"Test {o.pref_code}")
    iso3166_2 = factory.LazyAttribute(lambda o: f"JP-{o.pref_code}")
    capital = "テスト市"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    prefecture = factory.SubFactory(PrefectureFactory)
    # Three digits after the prefecture; wraps after 1,000 (each test starts with an empty database).
    code = factory.LazyAttributeSequence(lambda o, n: _lg_code(f"{o.prefecture.pref_code}{n % 1000:03d}"))
    name = factory.Sequence(lambda n: f"テスト町{n}")
    name_kana = "テストチョウ"
    name_hiragana = "てすとちょう"
    kind = Municipality.Kind.TOWN
    size_class = Municipality.SizeClass.TOWN
    lat = 36.0
    lng = 138.0


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.jp")
    name = factory.Sequence(lambda n: f"利用者{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def verified(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """Users have a verified primary address unless verified=False is passed."""
        self.save()
        if create:
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=extracted is not False)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = Organization.Kind.PARTNER
    name = factory.Sequence(lambda n: f"Partner {n}")
    partner_category = Organization.PartnerCategory.GOVTECH


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = "partner"
