"""The cost shares of a joint procurement always add up to the total, for any populations, usages and weights."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from community.cost_sharing import Seat
from community.selectors.procurement import Sharing, shares_of

seats = st.lists(
    st.builds(
        Seat,
        key=st.just(0),
        population=st.integers(min_value=0, max_value=4_000_000),
        usage=st.one_of(st.none(), st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)),
    ),
    min_size=1,
    max_size=40,
).map(lambda drawn: [Seat(key=i + 1, population=s.population, usage=s.usage) for i, s in enumerate(drawn)])


@st.composite
def sharings(draw: st.DrawFn) -> Sharing:
    rule = draw(st.sampled_from(["flat", "population", "usage", "mixed"]))
    flat = draw(st.integers(min_value=0, max_value=100))
    population = draw(st.integers(min_value=0, max_value=100 - flat))
    return Sharing(
        total_cost_yen=None,
        sharing_rule=rule,
        flat_weight=flat,
        population_weight=population,
        usage_weight=100 - flat - population,
    )


@given(total=st.integers(min_value=0, max_value=10**12), seats=seats, sharing=sharings())
def test_the_shares_add_up_to_the_total(total, seats, sharing):
    result = shares_of(seats=seats, sharing=sharing, total=total)
    _flat, population, usage = sharing.weights()
    if result.problem:
        # Only a rule that needs figures nobody has stated leaves the shares out.
        assert (population and not sum(s.population for s in seats)) or (usage and not sum(s.usage or 0 for s in seats))
        return
    assert set(result.yen) == {seat.key for seat in seats}
    assert sum(result.yen.values()) == total
    assert all(share >= 0 for share in result.yen.values())


@given(total=st.integers(min_value=0, max_value=10**12), seats=seats)
def test_by_population_each_share_is_within_a_yen_of_its_exact_part(total, seats):
    people = sum(seat.population for seat in seats)
    result = shares_of(seats=seats, sharing=Sharing(total_cost_yen=None, sharing_rule="population"), total=total)
    if not people:
        assert result.problem and not result.yen
        return
    for seat in seats:
        assert abs(result.yen[seat.key] - Fraction(total * seat.population, people)) < 1


@given(total=st.integers(min_value=0, max_value=10**9), seats=seats)
def test_equal_shares_differ_by_a_yen_at_most(total, seats):
    result = shares_of(seats=seats, sharing=Sharing(total_cost_yen=None, sharing_rule="flat"), total=total)
    assert max(result.yen.values()) - min(result.yen.values()) <= 1
    assert sum(result.yen.values()) == total


def test_without_a_total_or_participants_there_are_no_shares():
    flat = Sharing(total_cost_yen=None, sharing_rule="flat")
    assert shares_of(seats=[Seat(1, 100, None)], sharing=flat, total=None).yen == {}
    assert shares_of(seats=[], sharing=flat, total=1000).yen == {}
