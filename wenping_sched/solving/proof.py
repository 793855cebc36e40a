"""The draw proof's arithmetic (SOLVER.md, "The witnessed draw"), for the operations that store records.

The functions are the solver's own (``solver.draw_proof``, standard library only): the app
commits, reveals and verifies with exactly what ``wenping-sched verify-draw`` runs.
"""

from __future__ import annotations

from solver.draw_proof import (
    MIN_TOTAL,
    canonical_tickets,
    chances,
    check_lottery,
    commitment,
    lottery_digest,
    seed_from,
    set_for_ticket,
    ticket_for,
    verify_record,
)

__all__ = [
    "MIN_TOTAL",
    "canonical_tickets",
    "chances",
    "check_lottery",
    "commitment",
    "lottery_digest",
    "seed_from",
    "set_for_ticket",
    "ticket_for",
    "verify_record",
]
