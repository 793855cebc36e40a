"""The draw's proof: the hashing rules of SOLVER.md and SERVICE.md, and the check of a draw record.

Plain standard library (hashlib, json): anyone can recompute a draw with this module alone,
without the solver, OR-Tools or the database. ``wenping-sched verify-draw`` and the stand-alone
script in ``docs/verify-draw.md`` follow exactly these rules:

- ``lottery_digest`` = sha256 hex of the canonical JSON (keys sorted, no spaces, UTF-8) of
  ``{"panel_id", "total", "tickets"}``;
- ``commitment`` = sha256 hex of ``f"{nonce}:{lottery_digest}"`` (published before the seed exists);
- ``seed`` = ``int(sha256(f"{nonce}:{witness_input}"), 16) % 2**31``;
- ``ticket`` = ``int(sha256(f"{seed}:{panel_id}"), 16) % total``;
- tickets are numbered from 0 in the order of ``tickets`` (each set's experts sorted, the list
  sorted by its ``experts`` lists); the drawn set is the one whose run of tickets holds ``ticket``;
- an expert's chance is the share of tickets whose set holds the expert (4 decimals).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

MIN_TOTAL = 1000
SEED_MODULUS = 2**31


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces; non-ASCII written as itself (hashed as UTF-8)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_tickets(tickets: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Tickets in the contract's order: each set's experts sorted, the list sorted by those lists."""
    pairs = sorted((sorted(str(e) for e in t["experts"]), int(t["count"])) for t in tickets)
    return [{"experts": experts, "count": count} for experts, count in pairs]


def lottery_digest(panel_id: str, total: int, tickets: Sequence[Mapping[str, Any]]) -> str:
    """sha256 hex of the canonical JSON of ``{"panel_id", "total", "tickets"}``."""
    body = {
        "panel_id": panel_id,
        "total": total,
        "tickets": [{"experts": list(t["experts"]), "count": t["count"]} for t in tickets],
    }
    return sha256_hex(canonical_json(body))


def commitment(nonce: str, digest: str) -> str:
    """What the office publishes before anyone knows the seed."""
    return sha256_hex(f"{nonce}:{digest}")


def seed_from(nonce: str, witness_input: str) -> int:
    """The seed: neither the office (committed first) nor the witness (spoke second) could choose it."""
    return int(sha256_hex(f"{nonce}:{witness_input}"), 16) % SEED_MODULUS


def ticket_for(seed: int, panel_id: str, total: int) -> int:
    """The drawn ticket, from the seed and the panel's id."""
    return int(sha256_hex(f"{seed}:{panel_id}"), 16) % total


def set_for_ticket(tickets: Sequence[Mapping[str, Any]], ticket: int) -> list[str]:
    """The set whose run of tickets (numbered from 0 in the list's order) holds ``ticket``."""
    if ticket < 0:
        raise ValueError("ticket must not be negative")
    first = 0
    for t in tickets:
        if ticket < first + int(t["count"]):
            return list(t["experts"])
        first += int(t["count"])
    raise ValueError(f"ticket {ticket} is beyond the {first} tickets of the lottery")


def chances(tickets: Sequence[Mapping[str, Any]], total: int | None = None) -> dict[str, float]:
    """Each expert's share of the tickets, to 4 decimals, keyed by id in sorted order."""
    total = total if total is not None else sum(int(t["count"]) for t in tickets)
    held: dict[str, int] = {}
    for t in tickets:
        for e in t["experts"]:
            held[str(e)] = held.get(str(e), 0) + int(t["count"])
    return {e: round(n / total, 4) for e, n in sorted(held.items())}


def check_lottery(lottery: Mapping[str, Any], size: int | None = None) -> list[str]:
    """Problems with a lottery's shape: total, counts, order, chances (empty when sound)."""
    problems: list[str] = []
    total = lottery.get("total")
    tickets = lottery.get("tickets")
    if not isinstance(total, int) or isinstance(total, bool) or total < MIN_TOTAL:
        problems.append(f"彩票总数total应为不小于{MIN_TOTAL}的整数")
        return problems
    if not isinstance(tickets, list) or not tickets:
        problems.append("tickets应为非空数组")
        return problems
    for i, t in enumerate(tickets):
        if not isinstance(t, Mapping) or not isinstance(t.get("experts"), list):
            problems.append(f"tickets[{i}]应含experts数组")
            return problems
        count = t.get("count")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            problems.append(f"tickets[{i}].count应为正整数")
            return problems
        if len(set(t["experts"])) != len(t["experts"]):
            problems.append(f"tickets[{i}]中有重复的专家")
        if size is not None and len(t["experts"]) != size:
            problems.append(f"tickets[{i}]有{len(t['experts'])}名专家，评审组应为{size}名")
    if sum(t["count"] for t in tickets) != total:
        problems.append(f"各组彩票数之和{sum(t['count'] for t in tickets)}不等于total {total}")
    if [{"experts": list(t["experts"]), "count": t["count"]} for t in tickets] != canonical_tickets(tickets):
        problems.append("tickets不是规定的顺序（每组专家编号排序，各组按专家编号列表排序）")
    if len({tuple(t["experts"]) for t in tickets}) != len(tickets):
        problems.append("同一组专家在tickets中出现了不止一次")
    published = lottery.get("chances")
    if published is not None:
        expected = chances(tickets, total)
        if not isinstance(published, Mapping) or set(map(str, published)) != set(expected):
            problems.append("chances列出的专家与tickets中的专家不一致")
        else:
            for e, p in expected.items():
                if abs(float(published[e]) - p) > 0.00005 + 1e-12:
                    problems.append(f"专家{e}公布的机会{published[e]}与彩票份额{p}不符")
    return problems


def verify_record(record: Mapping[str, Any]) -> list[str]:
    """Every problem with a draw record (as ``GET /api/v1/draws/{id}`` returns it); empty when it holds.

    Checks, in order: the lottery's shape and chances, the commitment, the seed, the ticket and the
    drawn set. A record that was never revealed can only have its lottery checked.
    """
    problems: list[str] = []
    lottery = record.get("lottery")
    if not isinstance(lottery, Mapping):
        return ["记录中没有lottery"]
    panel_id = lottery.get("panel_id")
    if not isinstance(panel_id, str) or not panel_id:
        return ["lottery.panel_id缺失"]
    problems += check_lottery(lottery)
    if problems:
        return problems
    total, tickets = lottery["total"], lottery["tickets"]
    digest = lottery_digest(panel_id, total, tickets)
    status = record.get("status")
    if status != "revealed":
        if record.get("nonce"):
            problems.append(f"状态为{status}的抽取不应公开nonce")
        return problems
    nonce = record.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        return ["已揭晓的记录缺少nonce"]
    if commitment(nonce, digest) != record.get("commitment"):
        problems.append("承诺值commitment与nonce和抽签表（lottery）不符：抽签表或nonce在承诺之后被改动")
    witness_input = record.get("witness_input")
    if not isinstance(witness_input, str):
        witness_input = ""
    seed = seed_from(nonce, witness_input)
    if record.get("seed") != seed:
        problems.append(f"种子seed应为{seed}（由nonce和监督人输入算出），记录为{record.get('seed')}")
    ticket = ticket_for(seed, panel_id, total)
    if record.get("ticket") != ticket:
        problems.append(f"中签号ticket应为{ticket}，记录为{record.get('ticket')}")
    drawn = set_for_ticket(tickets, ticket)
    experts = record.get("experts")
    if not isinstance(experts, list) or sorted(map(str, experts)) != sorted(drawn):
        problems.append(f"抽中的专家应为{'、'.join(drawn)}，记录为{experts}")
    return problems
