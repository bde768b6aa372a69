"""Who takes a referred claim (pure): by claim kind (skills), authority and workload, with the reasons recorded.

Among the active adjusters whose skills cover the claim's kind (no skills listed: every kind), prefer those whose
authority covers the payable amount (they can settle it alone), then the fewest open claims, then the lowest id.
When nobody has the skill, the claim goes to the least-loaded adjuster of all, and the record says so.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Adjuster:
    id: int
    name: str
    skills: tuple[str, ...]  # claims.kinds codes; empty: every kind
    authority_fen: int
    unlimited: bool  # an administrator's authority has no limit
    open_claims: int
    manager: bool = False  # a claims manager supervises: given claims only when no other adjuster is active

    def handles(self, kind: str) -> bool:
        return not self.skills or kind in self.skills

    def covers(self, amount_fen: int) -> bool:
        return self.unlimited or amount_fen <= self.authority_fen


@dataclass(frozen=True)
class Assignment:
    adjuster_id: int | None
    reasons: tuple[str, ...]


def choose(adjusters: list[Adjuster], kind: str, payable_fen: int) -> Assignment:
    if not adjusters:
        return Assignment(None, ("No active adjuster: the claim waits in the team's queue.",))
    adjusters = [a for a in adjusters if not a.manager] or adjusters  # managers confirm, reassign, take escalations
    skilled = [a for a in adjusters if a.handles(kind)]
    reasons: list[str] = []
    pool = skilled
    if not skilled:
        pool = adjusters
        reasons.append(f"No adjuster lists {kind!r} among their skills: assigned among all adjusters.")
    able = [a for a in pool if a.covers(payable_fen)]
    if able:
        pool = able
    else:
        reasons.append(
            "No eligible adjuster's authority covers the payable amount: an approval will need a second person."
        )
    chosen = min(pool, key=lambda a: (a.open_claims, a.id))
    skill = "handles every kind" if not chosen.skills else f"handles {kind}"
    authority = "unlimited authority" if chosen.unlimited else f"authority {chosen.authority_fen / 100:.2f} CNY"
    reasons.insert(
        0,
        f"Assigned to {chosen.name}: {skill}, {authority}, {chosen.open_claims} open claim(s) "
        f"(fewest among {len(pool)} eligible).",
    )
    return Assignment(chosen.id, tuple(reasons))
