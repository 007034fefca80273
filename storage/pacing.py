"""Rate-limit state shared by every server process (PostgreSQL): per limit, its recent request times.

Reserving locks the rows of every limit a send is under, in key order, so processes sharing a limit
take turns and together never exceed it; what to reserve is decided by ``bot.runtime.pacing``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql

from storage.models import PacingSlot, table_of

SLOT = table_of(PacingSlot)
Plan = Callable[[dict[str, list[float]]], float]


def reserve(conn: Connection, keys: Sequence[str], plan: Plan) -> float:
    """Lock the limits' rows, let ``plan`` change their times (seconds since the epoch), store them;
    returns what ``plan`` returns (the moment the send may go). PostgreSQL only."""
    wanted = sorted(set(keys))
    conn.execute(
        postgresql.insert(SLOT).values([{"key": k, "times": "[]"} for k in wanted]).on_conflict_do_nothing()
    )
    rows = conn.execute(
        select(SLOT.c.key, SLOT.c.times).where(SLOT.c.key.in_(wanted)).order_by(SLOT.c.key).with_for_update()
    )
    state = {r.key: json.loads(r.times) for r in rows}
    before = {k: list(v) for k, v in state.items()}
    at = plan(state)
    for key, times in state.items():
        if times != before.get(key):
            conn.execute(update(SLOT).where(SLOT.c.key == key).values(times=json.dumps(times)))
    return at
