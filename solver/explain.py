"""Why a panel could not be filled, in the contract's reason codes, from the data alone.

The checks go from the most basic to the most circumstantial: no work time in the window
(``no_workday``); too few eligible experts after avoidance, overall, per seat sector, senior or
per employer (``size_shortage``, ``sector_shortage``, ``senior_shortage``,
``employer_diversity``); never enough of them free together (``no_common_slot``); and lastly
the eligible experts being taken by the other panels or at their ``max_load`` (``capacity``).
Each message names the pools, the avoided organisations and the numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime

from solver.calendar import WorkCalendar
from solver.heuristics import State, exact_pick, greedy_pick
from solver.instance import Expert, Panel, PanelAssignment, PanelInstance, Reason
from solver.panel_data import POOL_CITY, PanelData, Prepared, is_eligible, minutes, overlaps


def pools_label(pools: Iterable[str]) -> str:
    """``("阿克塞县", "city")`` → 阿克塞县和市级专家库."""
    names = ["市级" if p == POOL_CITY else p for p in pools]
    return "和".join(names) + "专家库"


def _day(t: datetime) -> str:
    return t.strftime("%Y-%m-%d")


def _when(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


def avoidance(expert: Expert, panel: Panel) -> list[str]:
    """Why an expert of the panel's pools is avoided: the organisations, or 协调员排除."""
    why = []
    if expert.id in panel.exclude:
        why.append("协调员排除")
    if expert.employer in panel.conflicts:
        why.append(expert.employer)
    why.extend(i for i in expert.interests if i in panel.conflicts and i not in why)
    return why


def _avoided_text(avoided: list[Expert], panel: Panel) -> str:
    orgs: list[str] = []
    excluded = False
    for e in avoided:
        for w in avoidance(e, panel):
            if w == "协调员排除":
                excluded = True
            elif w not in orgs:
                orgs.append(w)
    parts = []
    if orgs:
        parts.append(f"与{'、'.join(orgs)}存在利害关系回避")
    if excluded:
        parts.append("被协调员排除")
    return "或".join(parts)


def _shortage(what: str, needed: int, in_pools: list[Expert], eligible: int, panel: Panel) -> str:
    """e.g. 阿克塞县和市级专家库共有民族宗教专家2名，均因与阿克塞县民宗局存在利害关系回避."""
    where = pools_label(panel.pools)
    if not in_pools:
        return f"{where}中没有{what}，评审组需要{needed}名"
    avoided = [e for e in in_pools if not is_eligible(e, panel)]
    text = f"{where}共有{what}{len(in_pools)}名"
    if avoided and eligible == 0:
        return f"{text}，均因{_avoided_text(avoided, panel)}，评审组需要{needed}名"
    if avoided:
        why = _avoided_text(avoided, panel)
        return f"{text}，其中{len(avoided)}名因{why}，可用{eligible}名，评审组需要{needed}名"
    return f"{text}，评审组需要{needed}名"


def explain_unfilled(
    instance: PanelInstance,
    assignments: Sequence[PanelAssignment],
    unfilled_ids: Sequence[str],
    *,
    calendar: WorkCalendar | None = None,
    prep: Prepared | None = None,
) -> dict[str, tuple[Reason, ...]]:
    """The reasons of each panel in ``unfilled_ids``, given the panels that were filled."""
    prep = prep or Prepared(instance, 0, calendar)
    by_id = {pd.panel.id: pd for pd in prep.panels}
    state = State(prep)
    owner: dict[int, list[tuple[int, int, str]]] = {}
    for a in assignments:
        span = (minutes(a.start), minutes(a.end))
        for eid in a.experts:
            e = prep.index[eid]
            state.load[e] += 1
            state.taken[e].append(span)
            owner.setdefault(e, []).append((*span, a.id))
    return {pid: explain_panel(prep, by_id[pid], state, owner) for pid in unfilled_ids}


def explain_panel(
    prep: Prepared, pd: PanelData, state: State, owner: dict[int, list[tuple[int, int, str]]]
) -> tuple[Reason, ...]:
    """Reasons for one panel; the first one names the most basic rule that binds."""
    panel = pd.panel
    experts = prep.experts
    reasons = []
    # no_workday: the window holds no start on the grid inside a work block
    if not pd.starts:
        blocks = prep.calendar.work_blocks(panel.window)
        w0, w1 = panel.window
        if not blocks:
            msg = f"窗口内（{_day(w0)}至{_day(w1)}）没有工作日"
        else:
            longest = max(int((b - a).total_seconds()) // 60 for a, b in blocks)
            msg = (
                f"窗口内（{_day(w0)}至{_day(w1)}）没有能容纳{pd.duration}分钟会议的工作时段"
                f"（最长的一段工作时间为{longest}分钟）"
            )
        reasons.append(Reason("no_workday", msg, (("window_blocks", len(blocks)),)))

    in_pools = [e for e in experts if e.pool in panel.pools]
    eligible = [experts[i] for i in pd.eligible]
    where = pools_label(panel.pools)
    limit = prep.instance.rules.max_same_employer
    if len(eligible) < panel.size:
        reasons.append(
            Reason(
                "size_shortage",
                _shortage("专家", panel.size, in_pools, len(eligible), panel),
                (("needed", panel.size), ("eligible", len(eligible))),
            )
        )
    for k, n in pd.seats:
        have = sum(1 for e in eligible if k in e.sectors)
        if have < n:
            pool_k = [e for e in in_pools if k in e.sectors]
            reasons.append(
                Reason(
                    "sector_shortage",
                    _shortage(f"{k}专家", n, pool_k, have, panel),
                    (("sector", k), ("needed", n), ("eligible", have)),
                )
            )
    if not any(r.code == "sector_shortage" for r in reasons) and pd.seats:
        matched = _seat_matching(pd, [prep.index[e.id] for e in eligible], prep)
        if matched < pd.seat_total:
            sectors = "、".join(k for k, _ in pd.seats)
            reasons.append(
                Reason(
                    "sector_shortage",
                    f"{where}的可用专家中，同一人兼任多个领域，{sectors}席位共需{pd.seat_total}名不同的专家，"
                    f"最多只能凑出{matched}名",
                    (("sectors", [k for k, _ in pd.seats]), ("needed", pd.seat_total), ("eligible", matched)),
                )
            )
    seniors = sum(1 for e in eligible if e.senior)
    if seniors < panel.min_senior:
        reasons.append(
            Reason(
                "senior_shortage",
                _shortage(
                    "高级职称专家", panel.min_senior, [e for e in in_pools if e.senior], seniors, panel
                ),
                (("needed", panel.min_senior), ("eligible", seniors)),
            )
        )
    elif pd.seats:
        # Enough seniors and enough seat holders, but together they exceed the panel: some seats
        # must go to seniors, and there may be too few seniors in those sectors.
        overlap = panel.min_senior + pd.seat_total - panel.size
        senior_holders = sum(
            min(n, sum(1 for e in eligible if e.senior and k in e.sectors)) for k, n in pd.seats
        )
        if overlap > 0 and senior_holders < overlap:
            sectors = "、".join(k for k, _n in pd.seats)
            reasons.append(
                Reason(
                    "senior_shortage",
                    f"评审组{panel.size}人中须有{panel.min_senior}名高级职称、{pd.seat_total}个领域席位，"
                    f"至少{overlap}个席位须由高级职称专家担任，而{where}的{sectors}专家中"
                    f"具有高级职称的只有{senior_holders}名",
                    (
                        ("needed", overlap),
                        ("eligible", senior_holders),
                        ("sectors", [k for k, _ in pd.seats]),
                    ),
                )
            )
    employers = Counter(e.employer for e in eligible)
    reachable = sum(min(n, limit) for n in employers.values())
    if len(eligible) >= panel.size and reachable < panel.size:
        reasons.append(
            Reason(
                "employer_diversity",
                f"{where}的{len(eligible)}名可用专家只来自{len(employers)}个单位，"
                f"每个单位至多{limit}名，最多组成{reachable}人，评审组需要{panel.size}名",
                (("needed", panel.size), ("employers", len(employers)), ("reachable", reachable)),
            )
        )
    if reasons:
        return tuple(reasons)

    fresh = State(prep)  # nobody taken, initial loads: only busy times count
    time_reason = _no_common_slot(prep, pd, fresh)
    if time_reason is not None:
        return (time_reason,)
    return (_capacity(prep, pd, state, owner),)


def _seat_matching(pd: PanelData, eligible: list[int], prep: Prepared) -> int:
    """Largest number of seats filled by distinct experts (augmenting paths; seats are few)."""
    seats = [k for k, n in pd.seats for _ in range(n)]
    holder: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for e in eligible:
            if seats[i] in prep.sectors[e] and e not in seen:
                seen.add(e)
                if e not in holder or augment(holder[e], seen):
                    holder[e] = i
                    return True
        return False

    return sum(1 for i in range(len(seats)) if augment(i, set()))


def _free(prep: Prepared, pd: PanelData, state: State, start: int, *, with_load: bool) -> list[int]:
    end = start + pd.duration
    out = []
    for e in pd.eligible:
        if not prep.is_free(e, start, end):
            continue
        if with_load and (state.load[e] >= prep.max_load[e] or overlaps(state.taken[e], start, end)):
            continue
        out.append(e)
    return out


def _formable(prep: Prepared, pd: PanelData, free: list[int], state: State) -> bool:
    if len(free) < pd.size:
        return False
    return greedy_pick(prep, pd, free, state) is not None or exact_pick(prep, pd, free, state) is not None


def _combination(prep: Prepared, pd: PanelData, free: list[int]) -> str:
    """Which requirements cannot be met together by these free experts, as concretely as we can say."""
    panel = pd.panel
    seats = sum(n for _k, n in pd.seats)
    cap = prep.instance.rules.max_same_employer
    by_employer: dict[str, int] = {}
    for e in free:
        by_employer[prep.employer[e]] = by_employer.get(prep.employer[e], 0) + 1
    distinct = sum(min(n, cap) for n in by_employer.values())
    if distinct < panel.size:
        return f"每个单位至多{cap}名，按单位计只能凑出{distinct}名，评审组需要{panel.size}名"
    # Seniors and seat holders must overlap when together they exceed the panel's size.
    overlap = panel.min_senior + seats - panel.size
    if overlap > 0:
        senior_seat_holders = sum(
            min(n, sum(1 for e in free if prep.senior[e] and k in prep.sectors[e])) for k, n in pd.seats
        )
        if senior_seat_holders < overlap:
            sectors = "、".join(k for k, _n in pd.seats)
            return (
                f"{panel.size}人中须有{panel.min_senior}名高级职称、{seats}个领域席位，"
                f"至少{overlap}个席位须由高级职称专家担任，而{sectors}专家中具有高级职称的只有{senior_seat_holders}名"
            )
    return "领域席位、高级职称和单位回避要求无法同时满足"


def _no_common_slot(prep: Prepared, pd: PanelData, fresh: State) -> Reason | None:
    """None when the panel can be formed at some start from busy times alone."""
    best_n, best_start = -1, pd.starts[0]
    seen: set[tuple[int, ...]] = set()
    for start in pd.starts:
        free = _free(prep, pd, fresh, start, with_load=False)
        key = tuple(free)
        if key in seen:
            continue
        seen.add(key)
        if len(free) > best_n:
            best_n, best_start = len(free), start
        if _formable(prep, pd, free, fresh):
            return None
    panel = pd.panel
    w0, w1 = panel.window
    when = _when(prep.start_time[best_start])
    free = _free(prep, pd, fresh, best_start, with_load=False)
    missing = [f for f in pd.fixed if f not in free]
    detail = ""
    if best_n < panel.size:
        detail = f"最多{best_n}名（{when}），评审组需要{panel.size}名"
    else:
        short = [k for k, n in pd.seats if sum(1 for e in free if k in prep.sectors[e]) < n]
        if short:
            detail = f"最多{best_n}名（{when}），但其中{'、'.join(short)}专家不足"
        elif sum(1 for e in free if prep.senior[e]) < panel.min_senior:
            detail = f"最多{best_n}名（{when}），但其中高级职称专家不足{panel.min_senior}名"
        else:
            detail = f"最多{best_n}名（{when}），但{_combination(prep, pd, free)}"
    if missing:
        names = "、".join(prep.experts[f].name or prep.experts[f].id for f in missing)
        detail += f"；已确定的专家{names}在这些时段没有空"
    msg = f"窗口内（{_day(w0)}至{_day(w1)}）各时段同时空闲的符合条件专家{detail}"
    return Reason(
        "no_common_slot",
        msg,
        (
            ("needed", panel.size),
            ("max_free", best_n),
            ("best_start", prep.start_time[best_start].isoformat()),
        ),
    )


def _capacity(
    prep: Prepared, pd: PanelData, state: State, owner: dict[int, list[tuple[int, int, str]]]
) -> Reason:
    """The panel is formable on busy times alone: other panels or max_load took the experts."""
    panel = pd.panel
    at_cap = [e for e in pd.eligible if state.load[e] >= prep.max_load[e]]
    best: tuple[int, int] | None = None
    for start in pd.starts:
        n = len(_free(prep, pd, state, start, with_load=True))
        if best is None or n > best[0]:
            best = (n, start)
    assert best is not None
    n_free, start = best
    end = start + pd.duration
    busy_elsewhere = sorted(
        {
            pid
            for e in pd.eligible
            for a, b, pid in owner.get(e, ())
            if a < end and start < b and prep.is_free(e, start, end)
        }
    )
    taken_n = sum(
        1 for e in pd.eligible if prep.is_free(e, start, end) and overlaps(state.taken[e], start, end)
    )
    parts = []
    if at_cap:
        parts.append(f"{len(at_cap)}名已达到工作量上限")
    if taken_n:
        shown = "、".join(busy_elsewhere[:5]) + ("等" if len(busy_elsewhere) > 5 else "")
        parts.append(f"{taken_n}名在{_when(prep.start_time[start])}已被评审组{shown}占用")
    detail = "，".join(parts) if parts else "与同期其他评审组争用专家"
    msg = (
        f"{pools_label(panel.pools)}的{len(pd.eligible)}名符合条件专家中，{detail}；"
        f"剩余专家任一时段最多{n_free}名同时可用，凑不齐{panel.size}人的评审组"
    )
    return Reason(
        "capacity",
        msg,
        (
            ("needed", panel.size),
            ("eligible", len(pd.eligible)),
            ("at_max_load", len(at_cap)),
            ("taken_by_panels", busy_elsewhere),
            ("max_free", n_free),
        ),
    )
