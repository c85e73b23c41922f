"""Budget optimizer: which creators to book so the expected outcome is largest within the budget.

    maximize   Σ value_i · x_i                       x_i ∈ {0, 1}
    subject to Σ price_i · x_i ≤ budget               (prices and budget: integer minor units)
               price_i ≤ max_share_pct % of budget   (a creator above the cap is never chosen)
               Σ x_i ≥ min_creators
               Σ coverage_ic · x_i ≥ min_coverage_c  for each target country c

Exact by MILP with HiGHS (``highspy``) up to ``EXACT_LIMIT`` candidates; above that a greedy heuristic,
with the LP relaxation (also HiGHS) as the upper bound. Either way the result carries the bound and the relative
optimality gap ``(bound − value) / bound`` so nobody mistakes a heuristic answer for an optimum.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import linprog

from accord.core.errors import ValidationFailed
from accord.core.money import round_half_even

EXACT_LIMIT = 10_000


@dataclass
class Problem:
    prices: Sequence[int] | npt.NDArray[np.int64]
    values: Sequence[float] | npt.NDArray[np.float64]
    budget: int
    max_share_pct: Decimal | int = Decimal(100)
    min_creators: int = 0
    coverage: npt.NDArray[np.float64] | None = None  # [n, c]
    min_coverage: Sequence[float] = ()  # [c]

    def __post_init__(self) -> None:
        self.price_arr = np.asarray(self.prices, dtype=np.int64)
        self.value_arr = np.asarray(self.values, dtype=np.float64)
        n = self.price_arr.shape[0]
        if self.value_arr.shape[0] != n:
            raise ValidationFailed("prices and values differ in length", fields={"values": "length"})
        if (self.price_arr < 0).any():
            raise ValidationFailed("prices must not be negative", fields={"prices": "negative"})
        if self.budget < 0:
            raise ValidationFailed("the budget must not be negative", fields={"budget": "negative"})
        if isinstance(self.max_share_pct, float):
            raise ValidationFailed("max_share_pct must be a Decimal or int", fields={"max_share_pct": "float"})
        self.min_cov = np.asarray(self.min_coverage, dtype=np.float64).reshape(-1)
        c = self.min_cov.shape[0]
        self.cov = np.zeros((n, c)) if self.coverage is None else np.asarray(self.coverage, dtype=np.float64)
        if self.cov.size == 0:
            self.cov = self.cov.reshape(n, c)
        if self.cov.shape[1] != self.min_cov.shape[0]:
            raise ValidationFailed("coverage columns and minimums differ", fields={"min_coverage": "length"})

    @property
    def n(self) -> int:
        return int(self.price_arr.shape[0])

    @property
    def cap(self) -> int:
        """The most one creator may cost: max_share_pct of the budget, rounded half-even to the minor unit."""
        return round_half_even(Decimal(self.budget) * Decimal(self.max_share_pct) / Decimal(100))

    def allowed(self) -> npt.NDArray[np.bool_]:
        return self.price_arr <= min(self.cap, self.budget)

    def feasible(self, chosen: Sequence[int]) -> bool:
        idx = np.asarray(chosen, dtype=np.int64)
        if idx.size and not self.allowed()[idx].all():
            return False
        if int(self.price_arr[idx].sum()) > self.budget or len(idx) < self.min_creators:
            return False
        return not (self.min_cov.size and (self.cov[idx].sum(axis=0) < self.min_cov - 1e-9).any())


@dataclass
class Solution:
    chosen: list[int]
    value: float
    spent: int
    bound: float
    gap: float
    method: str  # "milp" | "greedy"
    status: str  # "optimal" | "feasible" | "infeasible" | "time_limit"
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"


def _gap(bound: float, value: float) -> float:
    if bound <= 0:
        return 0.0
    return max(0.0, (bound - value) / bound)


def _matrix(problem: Problem) -> tuple[sparse.csr_matrix, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    n = problem.n
    rows = [problem.price_arr.astype(np.float64)[None, :], np.ones((1, n))]
    lower = [-np.inf, float(problem.min_creators)]
    upper = [float(problem.budget), np.inf]
    if problem.min_cov.size:
        rows.append(problem.cov.T)
        lower.extend(problem.min_cov.tolist())
        upper.extend([np.inf] * problem.min_cov.size)
    return sparse.csr_matrix(np.vstack(rows)), np.array(lower), np.array(upper)


def lp_bound(problem: Problem) -> float | None:
    """The LP relaxation's optimum (an upper bound on any selection); None when even that is infeasible."""
    if problem.n == 0:
        return 0.0 if problem.min_creators == 0 and not (problem.min_cov > 0).any() else None
    a, lower, upper = _matrix(problem)
    ub_rows, ub_rhs = [], []
    for i in range(a.shape[0]):
        if np.isfinite(upper[i]):
            ub_rows.append(a[i])
            ub_rhs.append(upper[i])
        if np.isfinite(lower[i]):
            ub_rows.append(-a[i])
            ub_rhs.append(-lower[i])
    hi = np.where(problem.allowed(), 1.0, 0.0)
    res = linprog(
        -problem.value_arr,
        A_ub=sparse.vstack(ub_rows).tocsr(),
        b_ub=np.array(ub_rhs),
        bounds=np.column_stack([np.zeros(problem.n), hi]),
        method="highs",
    )
    if res.status != 0:
        return None
    return float(-res.fun)


def solve_exact(problem: Problem, *, time_limit: float = 30.0, mip_rel_gap: float = 1e-6) -> Solution:
    """Branch and cut with HiGHS (highspy), warm-started with the greedy selection when that one is feasible, so a
    time limit still returns the best selection found with HiGHS's proven bound and gap."""
    import highspy

    start = time.perf_counter()
    n = problem.n
    if n == 0:
        ok = problem.feasible([])
        return Solution([], 0.0, 0, 0.0, 0.0, "milp", "optimal" if ok else "infeasible", 0.0)
    a, lower, upper = _matrix(problem)
    csc = a.tocsc()
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = a.shape[0]
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = problem.value_arr
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.where(problem.allowed(), 1.0, 0.0)
    lp.row_lower_ = np.where(np.isfinite(lower), lower, -inf)
    lp.row_upper_ = np.where(np.isfinite(upper), upper, inf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(np.float64)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("random_seed", 0)
    h.passModel(lp)
    warm = _greedy_selection(problem)
    if problem.feasible(warm):
        x0 = np.zeros(n)
        x0[warm] = 1.0
        seed = highspy.HighsSolution()
        seed.col_value = x0.tolist()
        seed.value_valid = True
        h.setSolution(seed)
    h.run()
    seconds = time.perf_counter() - start
    model_status = h.getModelStatus()
    info = h.getInfo()
    x = np.asarray(h.getSolution().col_value)
    status = {
        highspy.HighsModelStatus.kOptimal: "optimal",
        highspy.HighsModelStatus.kTimeLimit: "time_limit",
        highspy.HighsModelStatus.kInfeasible: "infeasible",
    }.get(model_status, h.modelStatusToString(model_status))
    has_solution = x.shape[0] == n and info.primal_solution_status == 2  # kSolutionStatusFeasible
    if status == "infeasible" or not has_solution:
        return Solution([], 0.0, 0, 0.0, 0.0 if status == "infeasible" else 1.0, "milp", status, seconds)
    notes: list[str] = []
    chosen = _repair(problem, sorted(int(i) for i in np.flatnonzero(x > 0.5)), notes)
    value = float(problem.value_arr[chosen].sum())
    bound = max(float(info.mip_dual_bound), value)
    return Solution(
        chosen=chosen,
        value=value,
        spent=int(problem.price_arr[chosen].sum()),
        bound=bound,
        gap=_gap(bound, value),
        method="milp",
        status=status if problem.feasible(chosen) else "infeasible",
        seconds=seconds,
        notes=notes,
    )


def _repair(problem: Problem, chosen: list[int], notes: list[str]) -> list[int]:
    """The solver works in floating point; re-check the budget in integers and drop the worst item if it overshoots."""
    while chosen and int(problem.price_arr[chosen].sum()) > problem.budget:
        worst = min(chosen, key=lambda i: problem.value_arr[i] / max(int(problem.price_arr[i]), 1))
        chosen = [i for i in chosen if i != worst]
        notes.append(f"dropped candidate {worst}: floating-point budget overshoot")
    return chosen


def _greedy_selection(problem: Problem) -> list[int]:
    """Coverage first (best coverage per price), then the minimum count (cheapest), then value per price."""
    allowed = problem.allowed()
    price = problem.price_arr
    value = problem.value_arr
    chosen: list[int] = []
    taken = np.zeros(problem.n, dtype=bool)
    spent = 0
    covered = np.zeros(problem.min_cov.shape[0])

    def take(i: int) -> None:
        nonlocal spent, covered
        chosen.append(i)
        taken[i] = True
        spent += int(price[i])
        covered = covered + problem.cov[i]

    for c in range(problem.min_cov.shape[0]):
        while covered[c] < problem.min_cov[c] - 1e-9:
            fits = allowed & ~taken & (price <= problem.budget - spent) & (problem.cov[:, c] > 0)
            if not fits.any():
                break
            ratio = np.where(fits, problem.cov[:, c] / np.maximum(price, 1), -1.0)
            take(int(np.argmax(ratio)))
    while len(chosen) < problem.min_creators:
        fits = allowed & ~taken & (price <= problem.budget - spent)
        if not fits.any():
            break
        take(int(np.argmin(np.where(fits, price, np.iinfo(np.int64).max))))
    order = np.lexsort((price, -(value / np.maximum(price, 1))))
    for i in order.tolist():
        if allowed[i] and not taken[i] and int(price[i]) <= problem.budget - spent and value[i] > 0:
            take(i)
    return sorted(chosen)


def solve_greedy(problem: Problem) -> Solution:
    """The heuristic for instances too large for the MILP; its gap is measured against the LP relaxation."""
    start = time.perf_counter()
    chosen = _greedy_selection(problem)
    spent = int(problem.price_arr[chosen].sum())
    bound = lp_bound(problem)
    total = float(problem.value_arr[chosen].sum())
    ok = problem.feasible(chosen)
    seconds = time.perf_counter() - start
    if bound is None:
        return Solution(chosen, total, spent, 0.0, 0.0, "greedy", "infeasible", seconds, ["LP relaxation infeasible"])
    return Solution(
        chosen=chosen,
        value=total,
        spent=spent,
        bound=max(bound, total),
        gap=_gap(max(bound, total), total),
        method="greedy",
        status="feasible" if ok else "infeasible",
        seconds=seconds,
    )


def optimize(problem: Problem, *, exact_limit: int = EXACT_LIMIT, time_limit: float = 30.0) -> Solution:
    """Exact MILP for up to ``exact_limit`` candidates (that may be chosen at all), greedy above."""
    usable = int(problem.allowed().sum())
    if usable <= exact_limit:
        return solve_exact(problem, time_limit=time_limit)
    return solve_greedy(problem)


def brute_force(problem: Problem) -> tuple[float, list[int]]:
    """Every subset (tests only, n ≤ ~16): the true optimum value and one optimal selection."""
    best_value, best = -1.0, []
    n = problem.n
    for mask in range(1 << n):
        chosen = [i for i in range(n) if mask >> i & 1]
        if problem.feasible(chosen):
            v = float(problem.value_arr[chosen].sum())
            if v > best_value + 1e-12:
                best_value, best = v, chosen
    return best_value, best
