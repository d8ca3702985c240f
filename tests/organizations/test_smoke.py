def test_people(people, region):
    from dx_platform.organizations import permissions

    assert permissions.can_manage_members(people["admin"], region["home"]["town"])
