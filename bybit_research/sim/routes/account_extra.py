"""The rest of the private ``/v5/account/*`` endpoints: option asset info, transferable amounts, the
account's instrument list, MMP state, repayment info, spot trade analysis, trade-behaviour settings and the
classic account's contract transaction log."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from ..account.coin_info import known_coins
from ..account.funding import truncate8, unified_transferable
from ..account.numbers import ZERO, s8
from ..account.paging import resolve_window
from ..account.rows import public
from ..account.spot_analysis import trade_analysis
from ..core import ROUTES, ParamError, Request, SimError, route
from ..market.calendar import DAY_MS
from .account_common import coin_list, require_category

#: At most this many coins per ``/v5/account/withdrawal`` request.
WITHDRAWAL_COINS_MAX = 20
#: Base coins whose option market maker protection can be queried.
MMP_COINS = ("BTC", "ETH", "SOL")
#: Symbols where RPI (retail price improvement) orders are enabled (base coins quoted in USDT).
RPI_COINS = ("BTC", "ETH", "SOL")
#: Decimals Bybit keeps for each coin in repayment figures (``coinScale``; from its documented example).
COIN_SCALES = {"USDT": 4, "USDC": 6, "BTC": 9, "ETH": 8, "SOL": 8}
#: The trade-behaviour settings of the demo account (Bybit's defaults).
USER_SETTINGS = {"lpaSpot": False, "lpaPerp": False, "smsef": False, "fmsef": False, "deltaEnable": "0"}
UNIFIED_ACCOUNT_REFUSED = 100028


def _four(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.0001")), "f")


@route("/v5/account/option-asset-info", auth=True)
def option_asset_info(exchange: Any, request: Request) -> dict[str, Any]:
    """Option P&L and margin per base coin, summed over the option positions (4 decimals).

    ``totalRPL`` is the positions' cumulative realised P&L; ``assetIM``/``assetMM`` their margin (the risk
    unit's in portfolio margin, where positions carry none).
    """
    account, now = exchange.account, request.now_ms
    totals: dict[str, dict[str, Decimal]] = {}
    for view in account.views(now, "option"):
        coin = view.pos.inst.base_coin
        row = totals.setdefault(coin, {name: ZERO for name in ("delta", "rpl", "upl", "im", "mm")})
        if view.quote is not None:
            row["delta"] += Decimal(repr(view.quote.delta)) * view.pos.size
        row["rpl"] += view.pos.cum_realised
        row["upl"] += view.upl
        row["im"] += view.im
        row["mm"] += view.mm
    if account.portfolio_margin:
        units = account.figures(now).units
        for coin, row in totals.items():
            row["im"], row["mm"] = units[coin].im, units[coin].mm
    rows = [
        {
            "coin": coin,
            "totalDelta": _four(row["delta"]),
            "totalRPL": _four(row["rpl"]),
            "totalUPL": _four(row["upl"]),
            "assetIM": _four(row["im"]),
            "assetMM": _four(row["mm"]),
            "sendTime": now,
        }
        for coin, row in sorted(totals.items())
    ]
    return {"result": rows}


@route("/v5/account/withdrawal", auth=True, uid_limit=50)
def withdrawal(exchange: Any, request: Request) -> dict[str, Any]:
    """How much of each coin can leave the unified account now (``coinName``: up to 20 coins)."""
    coins = coin_list(request, "coinName")
    if coins is None:
        raise ParamError("params error: coinName is required")
    if len(coins) > WITHDRAWAL_COINS_MAX:
        raise ParamError(f"params error: at most {WITHDRAWAL_COINS_MAX} coins per request")
    unknown = [coin for coin in coins if coin not in known_coins()]
    if unknown:
        raise ParamError(f"params error: coinName {','.join(unknown)} invalid")
    now = request.now_ms
    figures = exchange.account.figures(now)
    amounts = {
        coin: truncate8(
            unified_transferable(figures, coin, Decimal(repr(exchange.market.index_price(coin, now))))
        )
        for coin in coins
    }
    return {"availableWithdrawal": amounts[coins[0]], "availableWithdrawalMap": amounts}


@route("/v5/account/instruments-info", auth=True, uid_limit=10)
def account_instruments(exchange: Any, request: Request) -> dict[str, Any]:
    """The market's instruments of ``category`` (spot, linear, inverse) with the account's RPI permissions.

    ``limit`` [1, 200] (default 200) and ``cursor`` page linear and inverse; spot is one page.
    """
    category = require_category(request, ("spot", "linear", "inverse"), "/v5/account/instruments-info")
    limit = request.limit(200, 1, 200)
    query = {"category": category, "limit": str(limit)}
    for name in ("symbol", "cursor"):
        value = request.get(name)
        if value is not None:
            query[name] = value
    inner = Request("GET", "/v5/market/instruments-info", urlencode(query), query, {}, now_ms=request.now_ms)
    result: dict[str, Any] = ROUTES[("GET", "/v5/market/instruments-info")].handler(exchange, inner)
    for row in result["list"]:
        rpi = row["baseCoin"] in RPI_COINS and row["quoteCoin"] == "USDT"
        row["isPublicRpi"] = rpi
        row["myRpiPermission"] = rpi  # deprecated: always equal to isPublicRpi
    return result


@route("/v5/account/mmp-state", auth=True)
def mmp_state(exchange: Any, request: Request) -> dict[str, Any]:
    """Market maker protection of one option base coin (the demo account has it switched off)."""
    base = request.require("baseCoin")
    if base not in MMP_COINS:
        raise ParamError(f"params error: baseCoin invalid, must be one of {', '.join(MMP_COINS)}")
    state = {
        "baseCoin": base,
        "mmpEnabled": False,
        "window": "0",
        "frozenPeriod": "0",
        "qtyLimit": "0",
        "deltaLimit": "0",
        "vegaLimit": "0",
        "mmpFrozenUntil": "0",
        "mmpFrozen": False,
    }
    return {"result": [state]}


def _scaled(value: Decimal, coin: str, rounding: str = ROUND_DOWN) -> str:
    """``value`` at the coin's ``coinScale``: assets cut down, liabilities (``ROUND_UP``) rounded up."""
    step = Decimal(1).scaleb(-COIN_SCALES.get(coin, 8))
    return format(value.quantize(step, rounding=rounding), "f")


@route("/v5/account/pay-info", auth=True, uid_limit=50)
def pay_info(exchange: Any, request: Request) -> dict[str, Any]:
    """Collateral that could repay the account's liabilities, and the liability of ``coin`` (or of all).

    Without ``coin``, ``borrowInfo`` holds the USD totals of every liability (``borrowSize``,
    ``assetFrozen``) and the account's available balance.
    """
    now = request.now_ms
    figures = exchange.account.figures(now)
    indexes = {coin: Decimal(repr(exchange.market.index_price(coin, now))) for coin in figures.coins}
    collateral = []
    for coin, row in figures.coins.items():
        wallet, locked, borrowed = (
            Decimal(row[name]) for name in ("walletBalance", "locked", "borrowAmount")
        )
        if wallet == 0 and borrowed == 0:
            continue
        available = max(wallet - locked, ZERO)
        collateral.append(
            {
                "coin": coin,
                "availableSize": _scaled(available, coin),
                "availableValue": s8(available * indexes[coin]),
                "coinScale": COIN_SCALES.get(coin, 8),
                "borrowSize": _scaled(borrowed, coin, ROUND_UP),
                "spotHedgeAmount": "0",
                "assetFrozen": _scaled(locked, coin),
            }
        )
    available_usd = s8(max(figures.totals["available"], ZERO))
    coin = request.get("coin")
    if coin is None:
        borrowed_usd = sum((Decimal(r["borrowAmount"]) * indexes[c] for c, r in figures.coins.items()), ZERO)
        frozen_usd = sum((Decimal(r["locked"]) * indexes[c] for c, r in figures.coins.items()), ZERO)
        borrow_info = {"borrowSize": s8(borrowed_usd), "assetFrozen": s8(frozen_usd)}
    else:
        row = figures.coins.get(coin)
        if row is None or Decimal(row["borrowAmount"]) == 0:
            raise ParamError(f"params error: coin {coin} has no liability to repay")
        borrowed = Decimal(row["borrowAmount"])
        borrow_info = {
            "coin": coin,
            "borrowSize": s8(borrowed),
            "borrowValue": s8(borrowed * indexes[coin]),
            "assetFrozen": s8(Decimal(row["locked"])),
        }
    borrow_info["availableBalance"] = available_usd
    return {"collateralInfo": {"collateralList": collateral}, "borrowInfo": borrow_info}


@route("/v5/account/trade-info-for-analysis", auth=True, uid_limit=50)
def trade_info_for_analysis(exchange: Any, request: Request) -> dict[str, Any]:
    """Aggregates of a spot symbol's fills in a window (default the last 7 days; 2-year lookback)."""
    symbol = request.require("symbol")
    inst = exchange.market.instrument(symbol, "spot")
    if inst is None:
        raise ParamError(f"params error: symbol {symbol} invalid, must be a spot symbol")
    now = request.now_ms
    start, end = resolve_window(request, now, span_days=730, default_ms=7 * DAY_MS)
    fills = [
        public(row)
        for row in exchange.account.rows_between("executions", start, end, now)
        if row["_cat"] == "spot" and row["symbol"] == symbol
    ]
    return trade_analysis(fills, inst.base_coin, inst.quote_coin)


@route("/v5/account/user-setting-config", auth=True, uid_limit=50)
def user_setting_config(exchange: Any, request: Request) -> dict[str, Any]:
    """How orders priced beyond the price limits are treated (Bybit's defaults), and delta-neutral mode."""
    return dict(USER_SETTINGS)


@route("/v5/account/contract-transaction-log", auth=True)
def contract_transaction_log(exchange: Any, request: Request) -> dict[str, Any]:
    """The classic account's derivatives log: Bybit serves it to classic and UTA 1.0 accounts only; the demo
    account is a UTA 2.0 (``unifiedMarginStatus`` 5), whose log is ``/v5/account/transaction-log``."""
    raise SimError(UNIFIED_ACCOUNT_REFUSED, "The API cannot be accessed by unified account users.")
