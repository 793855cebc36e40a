"""Leximin by marginals at one start (solver.marginals): against brute force over every member set."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.leximin import classes, leximin, round_tickets
from solver.marginal_fit import fit
from solver.marginals import marginal_leximin
from solver.pricing import Family
from tests.solver.test_leximin import brute_force_leximin


@st.composite
def one_start_families(draw: Any) -> Family:
    """Small panels at one start; most of them made fillable by the first ``size`` candidates."""
    n = draw(st.integers(4, 9))
    size = draw(st.integers(1, min(4, n)))
    seats = draw(st.sampled_from([(), (1,), (1, 1), (1, 1, 1), (2,), (1, 0, 1)]))
    if sum(seats) > size:
        seats = ()
    ranked = draw(st.booleans())
    rank = [draw(st.integers(0, 1)) if ranked else 0 for _ in range(n)]
    sigma = [draw(st.integers(0, (1 << len(seats)) - 1)) if seats else 0 for _ in range(n)]
    senior = [draw(st.booleans()) for _ in range(n)]
    employer = [draw(st.integers(0, 4)) for _ in range(n)]
    free = draw(st.lists(st.sampled_from([True, True, True, False]), min_size=n, max_size=n))
    min_senior = draw(st.sampled_from([0, 0, 1, 2]))
    cap = draw(st.sampled_from([1, 1, 2]))
    if draw(st.integers(0, 4)):
        # The first `size` candidates make a set: distinct employers, the seats, the seniors, free.
        slots = [k for k, need in enumerate(seats) for _ in range(need)]
        for j in range(size):
            employer[j] = 10 + j
            free[j] = True
            if j < len(slots):
                sigma[j] |= 1 << slots[j]
            if j < min_senior:
                senior[j] = True
        min_senior = min(min_senior, size)
    quotas = None
    if ranked:
        q0 = sum(1 for j in range(size) if rank[j] == 0)
        quotas = (q0, size - q0)
    fixed = [0] if draw(st.integers(0, 4)) == 0 else []
    if fixed:
        free[0] = True
    return Family(
        size=size,
        seat_counts=tuple(seats),
        min_senior=min_senior,
        cap=cap,
        rank=rank,
        sigma=sigma,
        senior=senior,
        employer=employer,
        fixed=fixed,
        patterns=[sum(1 << i for i in range(n) if free[i])],
        quotas=quotas,
    )


def every_set(fam: Family) -> list[tuple[int, ...]]:
    return [s for s in itertools.combinations(range(fam.n), fam.size) if fam.is_member_set(s)]


def class_chances(
    sets: list[tuple[int, ...]], weights: list[float], groups: list[list[int]]
) -> dict[int, float]:
    """Each candidate's chance when the members of a class share its seats equally (as the tickets do)."""
    out: dict[int, float] = {}
    for g in groups:
        share = sum(w * sum(1 for i in s if i in g) for s, w in zip(sets, weights, strict=True)) / len(g)
        out.update({i: share for i in g})
    return out


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_start_families())
def test_marginal_route_is_the_brute_force_leximin_or_steps_aside(fam: Family) -> None:
    sets = every_set(fam)
    fast = marginal_leximin(fam, classes(fam))
    if not sets:
        assert fast is None or not fast.exact
        assert leximin(fam) is None
        return
    truth = brute_force_leximin(sets)
    if fast is not None and fast.exact:
        assert set(fast.chances) == set(truth)
        for i, p in truth.items():
            assert abs(fast.chances[i] - p) <= 1e-6, (i, fast.chances[i], p)
        assert all(s in sets for s in fast.sets)
        assert abs(sum(fast.weights) - 1) <= 1e-9 and min(fast.weights) > 0
        realised = class_chances(fast.sets, fast.weights, fast.classes)
        for i, p in truth.items():
            assert abs(realised[i] - p) <= 1e-6
    elif fast is not None:
        assert all(s in sets for s in fast.sets)  # the seeds handed to column generation
    # Whatever route answers, the lottery is the leximin one and its tickets are sets of F.
    lex = leximin(fam)
    assert lex is not None and lex.exact
    for i, p in truth.items():
        assert abs(lex.chances[i] - p) <= 1e-6, (lex.method, i, lex.chances[i], p)
    tickets = round_tickets(fam, lex, 1000)
    assert sum(tickets.values()) == 1000 and all(s in sets for s in tickets)


def _city_like_panel() -> Family:
    """Twenty local candidates at one start, two per employer, three single seats and a senior."""
    n = 20
    return Family(
        size=5,
        seat_counts=(1, 1, 1),
        min_senior=1,
        cap=1,
        rank=[0] * n,
        sigma=[1 << (i % 4) if i % 4 < 3 else 0 for i in range(n)],
        senior=[i % 3 == 0 for i in range(n)],
        employer=[i // 2 for i in range(n)],
        fixed=[],
        patterns=[(1 << n) - 1],
        quotas=(5,),
    )


def test_a_typical_batch_panel_takes_the_marginal_route() -> None:
    fam = _city_like_panel()
    lex = leximin(fam)
    assert lex is not None and lex.exact and lex.method == "marginals"
    assert abs(sum(lex.chances.values()) - fam.size) <= 1e-6


def test_interchangeable_candidates_get_k_over_n() -> None:
    # Any 3 of 8 with nothing to tell them apart: one class, chance 3/8 each, one LP level.
    fam = Family(
        size=3,
        seat_counts=(),
        min_senior=0,
        cap=1,
        rank=[0] * 8,
        sigma=[0] * 8,
        senior=[False] * 8,
        employer=list(range(8)),
        fixed=[],
        patterns=[(1 << 8) - 1],
    )
    fast = marginal_leximin(fam, classes(fam))
    assert fast is not None and fast.exact and fast.rounds == 1
    assert all(abs(p - 3 / 8) <= 1e-9 for p in fast.chances.values()) and len(fast.chances) == 8


def test_several_starts_are_left_to_column_generation() -> None:
    fam = _city_like_panel()
    fam.patterns = [(1 << 20) - 1 - 1, (1 << 20) - 1 - 2]
    fam.__post_init__()
    assert marginal_leximin(fam, classes(fam)) is None
    lex = leximin(fam)
    assert lex is not None and lex.method == "columns"


def test_candidates_in_no_set_are_found_without_a_level_round_each() -> None:
    # Three local seats, two city seats, and only the city has the seat sectors: the two city
    # members must be the two seat holders, so the twenty city candidates without a seat sector
    # are in no set (chance 0), while the four city seat holders share the two seats.
    local = 6
    city = 24
    n = local + city
    fam = Family(
        size=5,
        seat_counts=(1, 1),
        min_senior=0,
        cap=1,
        rank=[0] * local + [1] * city,
        sigma=[0] * local + [1, 1, 2, 2] + [0] * (city - 4),
        senior=[False] * n,
        employer=list(range(n)),
        fixed=[],
        patterns=[(1 << n) - 1],
        quotas=(3, 2),
    )
    fast = marginal_leximin(fam, classes(fam))
    assert fast is not None and fast.exact
    assert set(fast.chances) == set(range(local + 4))
    assert all(abs(fast.chances[i] - 0.5) <= 1e-6 for i in range(local))
    assert all(abs(fast.chances[i] - 0.5) <= 1e-6 for i in range(local, local + 4))
    assert fast.rounds <= 3  # one level round per class in no set would take over twenty
    sets = every_set(fam)
    assert all(s in sets for s in fast.sets)


def test_a_city_year_panel_with_many_candidates_in_no_set_matches_column_generation(monkeypatch: Any) -> None:
    # A panel of the city year (3 local and 2 city members; the city ones must hold seats): most
    # city candidates are in no set. Level rounds alone fix those a dual or two at a time (24
    # rounds here); the support LPs find them at once.
    fam = Family(
        size=5,
        seat_counts=(1, 1, 1),
        min_senior=1,
        cap=1,
        rank=[0] * 11 + [1] * 48,
        sigma=[int(k) for k in "20000000002002002000002000151000000000200000500000025200012"],
        senior=[b == "1" for b in "01100000010001000001011001010000110010100100010010100001000"],
        employer=[
            0,
            1,
            2,
            3,
            2,
            4,
            3,
            5,
            6,
            7,
            8,
            9,
            9,
            10,
            11,
            12,
            11,
            13,
            14,
            15,
            16,
            16,
            14,
            17,
            18,
            18,
            10,
            19,
            17,
            20,
            16,
            20,
            10,
            19,
            21,
            21,
            22,
            18,
            19,
            23,
            13,
            12,
            16,
            20,
            19,
            15,
            14,
            16,
            18,
            14,
            12,
            21,
            9,
            19,
            21,
            21,
            21,
            16,
            22,
        ],
        fixed=[],
        patterns=[(1 << 59) - 1],
        quotas=(3, 2),
    )
    fast = marginal_leximin(fam, classes(fam))
    assert fast is not None and fast.exact and fast.rounds <= 6
    monkeypatch.setattr("solver.leximin.marginal_leximin", lambda fam, groups: None)
    slow = leximin(fam)
    assert slow is not None and slow.exact and slow.method == "columns"
    assert set(fast.chances) == set(slow.chances)
    assert all(abs(fast.chances[i] - slow.chances[i]) <= 1e-5 for i in slow.chances)


def test_fit_writes_a_known_mix_of_sets_as_a_lottery_over_f() -> None:
    # The point of a lottery over three sets of F, given without them: the fit finds sets of F
    # whose mix has exactly the point's class counts.
    fam = _city_like_panel()
    groups = [sorted(g) for g in classes(fam)]
    sets = every_set(fam)
    chosen, mix = [sets[0], sets[len(sets) // 2], sets[-1]], [0.5, 0.3, 0.2]
    where = {i: c for c, g in enumerate(groups) for i in g}
    point = [0.0] * len(groups)
    for s, w in zip(chosen, mix, strict=True):
        for i in s:
            point[where[i]] += w
    fitted = fit(fam, groups, point, [])
    assert fitted is not None
    got_sets, weights = fitted
    assert all(s in sets for s in got_sets) and abs(sum(weights) - 1) <= 1e-9
    got = [0.0] * len(groups)
    for s, w in zip(got_sets, weights, strict=True):
        for i in s:
            got[where[i]] += w
    assert all(abs(a - b) <= 1e-7 for a, b in zip(got, point, strict=True))
    # A point no lottery over F has (a class above its size) gets no fit.
    assert fit(fam, groups, [len(g) + 1.0 for g in groups], []) is None
