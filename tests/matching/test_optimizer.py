"""The budget optimizer against brute force on small instances, and the greedy fallback's honesty about its gap."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.matching import optimizer
from accord.matching.optimizer import Problem, brute_force, optimize, solve_exact, solve_greedy


def _problem(seed: int, n: int = 11) -> Problem:
    rng = np.random.default_rng(seed)
    return Problem(
        prices=rng.integers(1_000, 60_000, n),
        values=np.round(rng.random(n) * 1_000, 3),
        budget=int(rng.integers(50_000, 200_000)),
        max_share_pct=Decimal(int(rng.integers(20, 101))),
        min_creators=int(rng.integers(0, 4)),
        coverage=rng.random((n, 2)) * 100,
        min_coverage=[float(rng.integers(0, 150)), float(rng.integers(0, 80))],
    )


@pytest.mark.parametrize("seed", range(25))
def test_milp_finds_the_brute_force_optimum(seed: int) -> None:
    problem = _problem(seed)
    best, _ = brute_force(problem)
    solution = solve_exact(problem)
    if best < 0:
        assert solution.status == "infeasible"
        return
    assert solution.status == "optimal"
    assert solution.value == pytest.approx(best, rel=1e-9)
    assert problem.feasible(solution.chosen)
    assert solution.gap == pytest.approx(0.0, abs=1e-6)


@settings(max_examples=30, deadline=None)
@given(
    prices=st.lists(st.integers(0, 10_000), min_size=1, max_size=9),
    budget=st.integers(0, 30_000),
    pct=st.integers(1, 100),
    data=st.data(),
)
def test_milp_matches_brute_force_on_random_knapsacks(
    prices: list[int], budget: int, pct: int, data: st.DataObject
) -> None:
    values = data.draw(st.lists(st.integers(0, 1000), min_size=len(prices), max_size=len(prices)))
    problem = Problem(prices=prices, values=values, budget=budget, max_share_pct=pct)
    best, _ = brute_force(problem)
    assert solve_exact(problem).value == pytest.approx(best)


@pytest.mark.parametrize("seed", range(10))
def test_greedy_is_feasible_and_reports_a_true_bound(seed: int) -> None:
    problem = _problem(seed, n=12)
    best, _ = brute_force(problem)
    greedy = solve_greedy(problem)
    if greedy.status == "feasible":
        assert problem.feasible(greedy.chosen)
        assert greedy.value <= best + 1e-9
        assert greedy.bound >= best - 1e-6  # the LP relaxation bounds every selection
        assert greedy.gap == pytest.approx((greedy.bound - greedy.value) / greedy.bound) if greedy.bound else True


def test_caps_and_integer_budget_hold() -> None:
    problem = Problem(
        prices=[30_001, 30_000, 30_000, 39_999], values=[100, 10, 10, 50], budget=100_000, max_share_pct=30
    )
    assert problem.cap == 30_000
    solution = solve_exact(problem)
    assert solution.chosen == [1, 2]  # 30,001 and 39,999 exceed 30 % of the budget
    assert solution.spent == 60_000
    with pytest.raises(Exception, match="Decimal or int"):
        Problem(prices=[1], values=[1], budget=10, max_share_pct=0.5)  # type: ignore[arg-type]


def test_infeasible_constraints_are_reported() -> None:
    problem = Problem(prices=[10, 10], values=[1, 1], budget=15, min_creators=2)
    assert solve_exact(problem).status == "infeasible"
    assert solve_greedy(problem).status == "infeasible"


def test_large_instances_fall_back_to_greedy_with_a_gap() -> None:
    rng = np.random.default_rng(3)
    n = 300
    problem = Problem(prices=rng.integers(1_000, 50_000, n), values=rng.random(n) * 1e4, budget=400_000, min_creators=5)
    greedy = optimize(problem, exact_limit=100)
    assert greedy.method == "greedy" and problem.feasible(greedy.chosen)
    exact = optimize(problem, exact_limit=optimizer.EXACT_LIMIT)
    assert exact.method == "milp" and exact.status == "optimal"
    assert greedy.value <= exact.value + 1e-6
    assert 0 <= greedy.gap < 0.05
    assert greedy.bound >= exact.value - 1e-6
