"""Private ``/v5/user/*`` endpoints: the information of the API key that signs the request.

ccxt calls ``/v5/user/query-api`` (with ``/v5/account/info``) to learn whether the account is unified before
it asks for balances. Fields follow Bybit's "Get API Key Information" page; ``rsaPublicKey`` and ``isMaster``
are not on that page but are in real answers (ccxt's recorded example).
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any

from ..core import Request, route
from ..credentials import API_KEYS
from ..market.calendar import DAY_MS

#: Keys without a bound IP expire this many days after they were created.
KEY_LIFETIME_DAYS = 90
#: The demo keys were created this many days before the current day.
KEY_AGE_DAYS = 30
#: The actions each permission group grants (what Bybit lists for a key with every permission).
PERMISSION_ACTIONS = {
    "ContractTrade": ["Order", "Position"],
    "Spot": ["SpotTrade"],
    "Wallet": ["AccountTransfer", "SubMemberTransfer"],
    "Options": ["OptionsTrade"],
    "Derivatives": ["DerivativesTrade"],
    "CopyTrading": [],
    "BlockTrade": [],
    "Exchange": ["ExchangeHistory"],
    "NFT": [],
}


def _iso(t_ms: int) -> str:
    return datetime.fromtimestamp(t_ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@route("/v5/user/query-api", auth=True)
def query_api(exchange: Any, request: Request) -> dict[str, Any]:
    """The signing key: permissions, read-only flag, validity, and the account it belongs to (a UTA)."""
    granted = request.permissions
    permissions = {
        group: list(actions) if granted is None or group in granted else []
        for group, actions in PERMISSION_ACTIONS.items()
    }
    created = (request.now_ms // DAY_MS - KEY_AGE_DAYS) * DAY_MS
    known = API_KEYS.get(request.api_key or "")
    return {
        "id": str(zlib.crc32((request.api_key or "").encode()) % 100_000_000),
        "note": "bybit_research simulator demo key",
        "apiKey": request.api_key or "",
        "readOnly": 1 if request.read_only else 0,
        "secret": "",
        "permissions": permissions,
        "ips": ["*"],
        "type": 1,
        "deadlineDay": KEY_LIFETIME_DAYS - KEY_AGE_DAYS,
        "expiredAt": _iso(created + KEY_LIFETIME_DAYS * DAY_MS),
        "createdAt": _iso(created),
        "unified": 0,
        "uta": 1,
        "userID": request.uid if request.uid is not None else exchange.account.uid,
        "inviterID": 0,
        "vipLevel": "No VIP",
        "mktMakerLevel": "0",
        "affiliateID": 0,
        "rsaPublicKey": (known.public_key_pem or "") if known else "",
        "isMaster": True,
    }
