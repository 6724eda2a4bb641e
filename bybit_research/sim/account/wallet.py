"""The wallet of the demo account at "now": coin balances valued with the open positions, account totals in
USD,
and the margin figures of the current margin mode (regular: position sums; portfolio: risk units)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..market import Market
from .borrowing import BORROW_IM_RATE, BORROW_MM_RATE, COINS, accrued_interest
from .margin import DEFAULT_LEVERAGE, LEVERAGE
from .numbers import ZERO, q8, s8, truncate4
from .portfolio_margin import RiskUnit, risk_unit
from .positions import PositionView
from .rows import Row
from .state import AccountState


@dataclass
class Figures:
    """Everything the wallet-balance and portfolio-margin endpoints report, computed once per instant and
    mode."""

    portfolio: bool
    coins: dict[str, dict[str, Any]]
    totals: dict[str, Decimal]
    units: dict[str, RiskUnit] = field(default_factory=dict)
    borrow_im: Decimal = ZERO
    borrow_mm: Decimal = ZERO


def order_im(order: Row) -> Decimal:
    """Initial margin of an open derivatives order (order value / leverage); spot orders lock funds
    instead."""
    if order["_cat"] in ("spot", "option"):
        return ZERO
    leverage = LEVERAGE.get(order["_base"], DEFAULT_LEVERAGE)
    return q8(Decimal(order["leavesValue"]) / Decimal(leverage))


def compute_figures(
    market: Market,
    state: AccountState,
    views: list[PositionView],
    open_orders: list[Row],
    locked: dict[str, Decimal],
    now_ms: int,
    portfolio: bool,
) -> Figures:
    """Return the wallet figures at ``now_ms`` in regular or portfolio margin mode."""
    coins: dict[str, dict[str, Any]] = {}
    totals = {name: ZERO for name in ("wallet", "upl", "equity", "im", "mm", "borrow_usd")}
    indexes: dict[str, Decimal] = {}
    for coin in sorted(set(COINS) | set(state.balances)):
        index = Decimal(repr(market.index_price(coin, now_ms)))
        indexes[coin] = index
        settled = [v for v in views if v.pos.inst.settle_coin == coin]
        wallet = state.balances.get(coin, ZERO)
        upl = sum((v.upl for v in settled if v.pos.inst.category != "option"), ZERO)
        option_value = sum((v.option_value for v in settled), ZERO)
        equity = wallet + upl + option_value
        position_im = sum((v.im for v in settled), ZERO)
        position_mm = sum((v.mm for v in settled), ZERO)
        orders_im = sum((order_im(o) for o in open_orders if o["_settle"] == coin), ZERO)
        borrowed = max(ZERO, -wallet)
        usd_value = q8(equity * index)
        coins[coin] = {
            "coin": coin,
            "equity": s8(equity),
            "usdValue": s8(usd_value),
            "walletBalance": s8(wallet),
            "locked": s8(locked.get(coin, ZERO)),
            "spotHedgingQty": "0",
            "borrowAmount": s8(borrowed),
            "accruedInterest": s8(accrued_interest(borrowed, coin, state.last_interest_ms, now_ms)),
            "totalOrderIM": "" if portfolio else s8(orders_im),
            "totalPositionIM": "" if portfolio else s8(position_im),
            "totalPositionMM": "" if portfolio else s8(position_mm),
            "unrealisedPnl": s8(upl),
            "cumRealisedPnl": s8(state.cum_realised.get(coin, ZERO)),
            "bonus": "0",
            "marginCollateral": True,
            "collateralSwitch": True,
            "colRes": "1",
            "spotBorrow": "0",
            "free": "",
            "availableToWithdraw": "",
            "availableToBorrow": "",
            "_nonzero": wallet != 0 or equity != 0,
        }
        totals["wallet"] += q8(wallet * index)
        totals["upl"] += q8(upl * index)
        totals["equity"] += usd_value
        totals["im"] += q8((position_im + orders_im) * index)
        totals["mm"] += q8(position_mm * index)
        totals["borrow_usd"] += q8(borrowed * index)
    figures = Figures(portfolio, coins, totals)
    figures.borrow_im = q8(totals["borrow_usd"] * BORROW_IM_RATE)
    figures.borrow_mm = q8(totals["borrow_usd"] * BORROW_MM_RATE)
    by_coin: dict[str, list[PositionView]] = {}
    for view in views:
        by_coin.setdefault(view.pos.inst.base_coin, []).append(view)
    figures.units = {coin: risk_unit(coin, unit_views) for coin, unit_views in sorted(by_coin.items())}
    margin_balance = totals["wallet"] + totals["upl"]
    if portfolio:
        im = sum((unit.im for unit in figures.units.values()), ZERO) + figures.borrow_im
        mm = sum((unit.mm for unit in figures.units.values()), ZERO) + figures.borrow_mm
        base = totals["equity"]
    else:
        im = totals["im"] + figures.borrow_im
        mm = totals["mm"] + figures.borrow_mm
        base = margin_balance
    totals.update(margin=margin_balance, account_im=im, account_mm=mm, available=base - im, rate_base=base)
    return figures


def pm_totals(figures: Figures) -> tuple[Decimal, Decimal]:
    """Return (IM, MM) of the account in portfolio margin, whatever the current mode."""
    im = sum((unit.im for unit in figures.units.values()), ZERO) + figures.borrow_im
    mm = sum((unit.mm for unit in figures.units.values()), ZERO) + figures.borrow_mm
    return im, mm


def _rate(amount: Decimal, base: Decimal) -> str:
    return truncate4(amount / base) if base > 0 else "0"


def wallet_balance_result(figures: Figures, coin_filter: list[str] | None) -> dict[str, Any]:
    """Return the ``result`` of ``/v5/account/wallet-balance`` (accountType UNIFIED).

    ``coin_filter`` None lists the coins with a balance; a list (possibly empty) lists exactly those coins.
    """
    totals = figures.totals
    if coin_filter is not None:
        blank = {"coin": "", "_nonzero": False}
        chosen = [
            figures.coins.get(coin) or {**_zero_coin(coin, figures.portfolio), **blank, "coin": coin}
            for coin in coin_filter
        ]
    else:
        chosen = [row for row in figures.coins.values() if row["_nonzero"]]
    im, mm, base = totals["account_im"], totals["account_mm"], totals["rate_base"]
    account = {
        "accountType": "UNIFIED",
        "accountIMRate": _rate(im, base),
        "accountMMRate": _rate(mm, base),
        "accountIMRateByMp": _rate(im, base),
        "accountMMRateByMp": _rate(mm, base),
        "totalEquity": s8(totals["equity"]),
        "totalWalletBalance": s8(totals["wallet"]),
        "totalMarginBalance": s8(totals["margin"]),
        "totalAvailableBalance": s8(totals["available"]),
        "totalPerpUPL": s8(totals["upl"]),
        "totalInitialMargin": s8(im),
        "totalMaintenanceMargin": s8(mm),
        "totalInitialMarginByMp": s8(im),
        "totalMaintenanceMarginByMp": s8(mm),
        "accountLTV": "0",
        "coin": [{k: v for k, v in row.items() if not k.startswith("_")} for row in chosen],
    }
    return {"list": [account]}


def _zero_coin(coin: str, portfolio: bool) -> dict[str, Any]:
    zero = "0.00000000"
    row: dict[str, Any] = {
        name: zero
        for name in (
            "equity",
            "usdValue",
            "walletBalance",
            "locked",
            "borrowAmount",
            "accruedInterest",
            "totalOrderIM",
            "totalPositionIM",
            "totalPositionMM",
            "unrealisedPnl",
            "cumRealisedPnl",
        )
    }
    if portfolio:
        row.update(totalOrderIM="", totalPositionIM="", totalPositionMM="")
    row.update(
        spotHedgingQty="0",
        bonus="0",
        marginCollateral=True,
        collateralSwitch=True,
        colRes="1",
        spotBorrow="0",
        free="",
        availableToWithdraw="",
        availableToBorrow="",
    )
    return row


def portfolio_wallet(figures: Figures) -> dict[str, str]:
    """Return the ``wallet`` block of ``/v5/asset/portfolio-margin`` (agrees with wallet-balance in PM
    mode)."""
    totals = figures.totals
    im, mm = pm_totals(figures)
    equity = totals["equity"]
    return {
        "equity": s8(equity),
        "cashBalance": s8(totals["wallet"]),
        "marginBalance": s8(totals["margin"]),
        "availableBalance": s8(equity - im),
        "accountIM": s8(im),
        "accountMM": s8(mm),
        "accountMMRate": _rate(mm, equity),
        "accountIMRate": _rate(im, equity),
    }
