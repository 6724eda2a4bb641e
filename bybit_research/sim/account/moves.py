"""Position moves of the demo account (``/v5/position/move-history``): block trades that would move positions
to another UID, which the counterparty rejected, so the account's positions and balances never changed.

Every few days (seeded) the account asked to move part of a position in a USDT perpetual it trades: one or
two legs per block trade, each an order of the block trade with its price (the mark price then) and
quantity; the counterparty (the taker or the maker side) rejected it a few seconds later. Rows carry
``createdAt`` / ``updatedAt`` as JSON numbers and ``userId`` / ``resultCode`` as integers, as documented.
"""

from __future__ import annotations

import random
import uuid
from decimal import Decimal

from ..market import Market
from ..market.calendar import DAY_MS
from .rows import Row

#: The perpetuals whose positions the account tried to move, with the quantity step of each.
MOVED = (("BTCUSDT", "0.001"), ("ETHUSDT", "0.01"), ("SOLUSDT", "0.1"))
#: Days between attempts (drawn uniformly) and the rejection delay in ms.
GAP_DAYS = (4, 14)
REJECT_DELAY_MS = (800, 6_000)
#: The rejection of each party (Bybit's result code and message for a refused block trade).
REJECTIONS = (
    ("Taker", 110096, "The counterparty rejected the block trade"),
    ("Maker", 110097, "The counterparty rejected the block trade"),
)


def move_rows(market: Market, seed: int, uid: int, start_ms: int, end_ms: int) -> list[Row]:
    """Return the move attempts created in ``[start_ms, end_ms)``, oldest first; ``_t`` is ``createdAt``
    and ``_rid`` grows with it."""
    rng = random.Random(seed * 1_000_003 + start_ms // DAY_MS)
    rows: list[Row] = []
    t = start_ms + rng.randint(*GAP_DAYS) * DAY_MS
    while t < end_ms:
        created = t + rng.randint(0, DAY_MS - 1)
        block = uuid.UUID(int=rng.getrandbits(128)).hex
        party, code, message = REJECTIONS[rng.randrange(len(REJECTIONS))]
        updated = created + rng.randint(*REJECT_DELAY_MS)
        for leg in range(rng.choice((1, 1, 2))):
            symbol, step = MOVED[rng.randrange(len(MOVED))]
            inst = market.instrument(symbol, "linear")
            if inst is None or created >= end_ms:
                continue
            tick = Decimal(inst.tick_size)
            price = (Decimal(repr(market.mark_price(symbol, created))) / tick).to_integral_value() * tick
            qty = Decimal(step) * rng.randint(10, 500)
            rows.append(
                {
                    "blockTradeId": block,
                    "category": "linear",
                    "orderId": str(uuid.UUID(int=rng.getrandbits(128))),
                    "userId": uid,
                    "symbol": symbol,
                    "side": "Buy" if (leg + rng.randrange(2)) % 2 else "Sell",
                    "price": format(price, "f"),
                    "qty": format(qty, "f"),
                    "execFee": "0",
                    "status": "Rejected",
                    "execId": "",
                    "resultCode": code,
                    "resultMessage": message,
                    "createdAt": created,
                    "updatedAt": updated,
                    "rejectParty": party,
                    "_t": created,
                    "_rid": len(rows) + 1,
                    "_cat": "linear",
                    "_symbol": symbol,
                }
            )
        t += rng.randint(*GAP_DAYS) * DAY_MS
    return rows
