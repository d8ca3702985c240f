"""Cost sharing of a joint procurement, pure Python: each participant's share in whole yen.

The total is split by weights (equal parts, population, expected usage, or a mix of them) and
rounded by the largest-remainder method, so the shares always add up to the total exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Seat:
    key: int  # the participant's id
    population: int
    usage: float | None


class SharingError(ValueError):
    pass


def shares(*, total: int, seats: list[Seat], flat: int = 0, population: int = 0, usage: int = 0) -> dict[int, int]:
    """Yen per participant key; the weights are percent and add up to 100."""
    if total < 0:
        raise SharingError("the total cost cannot be negative")
    if (flat, population, usage) != tuple(
        max(0, w) for w in (flat, population, usage)
    ) or flat + population + usage != 100:
        raise SharingError("the weights are percentages that add up to 100")
    if not seats:
        return {}
    count = len(seats)
    people = sum(seat.population for seat in seats)
    volume = sum(Fraction(seat.usage or 0) for seat in seats)
    if population and not people:
        raise SharingError("a share by population needs the participants' populations")
    if usage and not volume:
        raise SharingError("a share by usage needs each participant's expected usage")
    exact = {
        seat.key: total
        * (
            Fraction(flat, 100 * count)
            + (Fraction(population * seat.population, 100 * people) if population else 0)
            + (Fraction(usage, 100) * Fraction(seat.usage or 0) / volume if usage else 0)
        )
        for seat in seats
    }
    floors = {key: int(value) for key, value in exact.items()}  # exact values are never negative
    left = total - sum(floors.values())
    # The yen left over go to the largest remainders; ties to the earlier key, so the result is stable.
    for key in sorted(exact, key=lambda k: (-(exact[k] - floors[k]), k))[:left]:
        floors[key] += 1
    return floors
