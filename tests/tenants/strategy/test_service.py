from decimal import Decimal

import pytest

from saypro.tenants.strategy.service import weighted_progress


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], None),
        ([(Decimal(1), Decimal(40))], Decimal("40.00")),
        ([(Decimal(3), Decimal(40)), (Decimal(1), Decimal(100))], Decimal("55.00")),
        (
            [(Decimal("1.5"), Decimal("33.33")), (Decimal("1.5"), Decimal("66.67"))],
            Decimal("50.00"),
        ),
        (
            [(Decimal(1), Decimal(0)), (Decimal(2), Decimal(1))],
            Decimal("0.67"),
        ),  # 0.666… rounds half-up
        ([(Decimal(1), Decimal("0.005")), (Decimal(1), Decimal(0))], Decimal("0.00")),
    ],
)
def test_weighted_progress(rows: list[tuple[Decimal, Decimal]], expected: Decimal | None) -> None:
    assert weighted_progress(rows) == expected
