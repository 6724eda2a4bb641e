"""Portfolio margin: stress-test risk units per base coin, as ``/v5/asset/portfolio-margin`` reports them.

Each base coin with derivatives positions is one risk unit. Its positions are revalued on 11 price moves (-10
% to +10 % in 2 % steps) and, for options, 3 implied-volatility shocks per expiry (33 scenarios). Perpetuals
and futures lose or gain linearly in the move; options are repriced with Black-76 on the shocked forward and
volatility. At each price point the worst IV shock (one shock for all expiries) is chosen; ``ALL`` = perpetual
+ option P&L. Maintenance margin = maximum loss + contingency components; initial margin = 1.2 x maintenance.

The contingency coefficients are the simulator's own choices (Bybit does not publish them):
``futureContingency`` 0.02 % of gross perpetual/future notional; ``futureDeltaContingency`` 0.3 % of the
notional hedged across tenors; ``usdtUsdcContingency`` 0.1 % of the notional hedged across settle coins;
``optionContingency`` 0.2 % of the index per short option contract; ``optionVegaContingency`` half the vega
hedged across expiries. IV shocks scale the volatility (``sigma x (1 + shock)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..market.calendar import date_code
from ..market.options import black76_price
from .numbers import ZERO, q8, s, s8
from .positions import PositionView

PRICE_MOVES = tuple(Decimal(k) / 100 for k in range(-10, 11, 2))
IV_SHOCKS = (Decimal("-0.2"), Decimal("0"), Decimal("0.2"))
IM_FACTOR = Decimal("1.2")
FUTURE_CONTINGENCY = Decimal("0.0002")
FUTURE_DELTA_CONTINGENCY = Decimal("0.003")
USDT_USDC_CONTINGENCY = Decimal("0.001")
OPTION_CONTINGENCY = Decimal("0.002")
OPTION_VEGA_CONTINGENCY = Decimal("0.5")
CLOSE_FEE_RATE = Decimal("0.00055")
#: ``contractType`` codes of perpetual/future rows (simulator convention).
CONTRACT_TYPES = {"LinearPerpetual": 1, "LinearFutures": 2, "InversePerpetual": 3, "InverseFutures": 4}


def scale_text(value: Decimal) -> str:
    """Return a price move or IV shock as Bybit prints it (``"-0.1"``, ``"-0.08"``, ``"0.0"``)."""
    text = format(value.normalize(), "f")
    return text if "." in text else f"{text}.0"


def hedged(amounts: list[Decimal]) -> Decimal:
    """Return the amount offset between positive and negative entries: min(sum of longs, sum of shorts)."""
    longs = sum((a for a in amounts if a > 0), ZERO)
    shorts = -sum((a for a in amounts if a < 0), ZERO)
    return min(longs, shorts)


@dataclass
class RiskUnit:
    """The stress test of one base coin (amounts in USD)."""

    coin: str
    perp: list[Decimal]
    option: list[Decimal]
    all: list[Decimal]
    shock_list: list[Decimal]
    max_loss: Decimal
    worst: int
    contingency: dict[str, Decimal]
    mm: Decimal
    im: Decimal
    perp_rows: list[dict[str, Any]] = field(default_factory=list)
    expiry_rows: list[dict[str, Any]] = field(default_factory=list)
    close_fee: Decimal = ZERO


def _perp_pnl(view: PositionView, move: Decimal) -> Decimal:
    """USD P&L of a perpetual/future on a relative price move (inverse: USD contracts x move)."""
    pos = view.pos
    if pos.inst.category == "inverse":
        return q8(pos.size * move)
    return q8(pos.size * view.mark * move)


def _notional(view: PositionView) -> Decimal:
    pos = view.pos
    return pos.size if pos.inst.category == "inverse" else pos.size * view.mark


def _option_pnls(view: PositionView) -> list[list[Decimal]]:
    """P&L of an option position at every (price move, IV shock) pair, against its unshocked model value."""
    quote, inst = view.quote, view.pos.inst
    assert quote is not None and inst.strike is not None
    is_call = inst.option_type == "Call"
    forward, sigma, years = quote.underlying_price, quote.mark_iv, quote.t_years
    base = black76_price(forward, inst.strike, years, sigma, is_call)
    table = []
    for move in PRICE_MOVES:
        row = []
        for shock in IV_SHOCKS:
            value = black76_price(
                forward * (1 + float(move)), inst.strike, years, sigma * (1 + float(shock)), is_call
            )
            row.append(q8(view.pos.size * Decimal(repr(value - base))))
        table.append(row)
    return table


def risk_unit(coin: str, views: list[PositionView]) -> RiskUnit:
    """Return the stress test of the positions (all of base coin ``coin``)."""
    perps = [v for v in views if v.pos.inst.category != "option"]
    options = [v for v in views if v.pos.inst.category == "option"]
    perp_rows, perp_totals = [], [ZERO] * len(PRICE_MOVES)
    for view in perps:
        pnls = [_perp_pnl(view, move) for move in PRICE_MOVES]
        perp_totals = [a + b for a, b in zip(perp_totals, pnls, strict=True)]
        inst = view.pos.inst
        perp_rows.append(
            {
                "symbolName": inst.symbol,
                "position": s(view.pos.size),
                "pnlRanges": [
                    {"priceScale": scale_text(m), "pnls": [s8(p)]}
                    for m, p in zip(PRICE_MOVES, pnls, strict=True)
                ],
                "sessionAvgPrice": s8(view.pos.session_avg),
                "markPrice": s(view.mark),
                "orderSize": "0",
                "contractType": CONTRACT_TYPES.get(inst.contract_type, 0),
                "settleCoin": inst.settle_coin,
                "symbolAlias": inst.symbol,
            }
        )
    by_expiry: dict[int, list[tuple[PositionView, list[list[Decimal]]]]] = {}
    for view in options:
        by_expiry.setdefault(view.pos.inst.delivery_ms, []).append((view, _option_pnls(view)))
    zero_grid = [[ZERO] * len(IV_SHOCKS) for _ in PRICE_MOVES]
    option_grid = [row[:] for row in zero_grid]
    expiry_rows = []
    for expiry in sorted(by_expiry):
        grid = [row[:] for row in zero_grid]
        position_rows = []
        for view, table in by_expiry[expiry]:
            for i, row in enumerate(table):
                for j, value in enumerate(row):
                    grid[i][j] += value
                    option_grid[i][j] += value
            position_rows.append(
                {
                    "symbolName": view.pos.inst.symbol,
                    "position": s(view.pos.size),
                    "markPrice": s(view.mark),
                    "pnlRanges": _ranges(table),
                }
            )
        expiry_rows.append(
            {
                "expiryDateRepresentation": date_code(expiry),
                "pnlRanges": _ranges(grid),
                "optionPositionPnlRanges": position_rows,
            }
        )
    chosen = [min(range(len(IV_SHOCKS)), key=row.__getitem__) for row in option_grid]
    option_totals = [row[j] for row, j in zip(option_grid, chosen, strict=True)]
    shock_list = [IV_SHOCKS[j] if options else ZERO for j in chosen]
    totals = [a + b for a, b in zip(perp_totals, option_totals, strict=True)]
    worst = min(range(len(totals)), key=lambda i: (totals[i], i))
    max_loss = max(ZERO, -totals[worst])
    contingency = _contingency(perps, options, by_expiry)
    mm = max_loss + contingency["contingencyComponents"]
    close_fee = -q8(sum((abs(_notional(v)) for v in perps), ZERO) * CLOSE_FEE_RATE)
    return RiskUnit(
        coin,
        perp_totals,
        option_totals,
        totals,
        shock_list,
        max_loss,
        worst,
        contingency,
        mm,
        mm * IM_FACTOR,
        perp_rows,
        expiry_rows,
        close_fee,
    )


def _ranges(grid: list[list[Decimal]]) -> list[dict[str, Any]]:
    return [
        {"priceScale": scale_text(m), "pnls": [s8(v) for v in row]}
        for m, row in zip(PRICE_MOVES, grid, strict=True)
    ]


def _contingency(
    perps: list[PositionView], options: list[PositionView], by_expiry: dict[int, list[Any]]
) -> dict[str, Decimal]:
    gross = sum((abs(_notional(v)) for v in perps), ZERO)
    by_tenor: dict[int, Decimal] = {}
    by_settle: dict[str, Decimal] = {}
    for view in perps:
        inst = view.pos.inst
        by_tenor[inst.delivery_ms] = by_tenor.get(inst.delivery_ms, ZERO) + _notional(view)
        by_settle[inst.settle_coin] = by_settle.get(inst.settle_coin, ZERO) + _notional(view)
    short_qty = sum((-v.pos.size for v in options if v.pos.size < 0), ZERO)
    index = options[0].index if options else ZERO
    vega_by_expiry = [
        sum((Decimal(repr(view.quote.vega)) * view.pos.size for view, _ in rows if view.quote), ZERO)
        for rows in by_expiry.values()
    ]
    parts = {
        "optionContingency": q8(short_qty * index * OPTION_CONTINGENCY),
        "futureDeltaContingency": q8(hedged(list(by_tenor.values())) * FUTURE_DELTA_CONTINGENCY),
        "optionVegaContingency": q8(hedged(vega_by_expiry) * OPTION_VEGA_CONTINGENCY),
        "usdtUsdcContingency": q8(hedged(list(by_settle.values())) * USDT_USDC_CONTINGENCY),
        "futureContingency": q8(gross * FUTURE_CONTINGENCY),
    }
    parts["contingencyComponents"] = sum(parts.values(), ZERO)
    return parts


def asset_pnl_range(unit: RiskUnit, spot_balance: Decimal, usd_index: Decimal) -> dict[str, Any]:
    """Return one ``assetPnlRange`` entry of ``/v5/asset/portfolio-margin``."""

    def single(values: list[Decimal]) -> dict[str, Any]:
        return {
            "pnlRanges": [
                {"priceScale": scale_text(m), "pnls": [s8(v)]}
                for m, v in zip(PRICE_MOVES, values, strict=True)
            ]
        }

    return {
        "baseCoin": unit.coin,
        "totalPnlRanges": {
            "ALL": single(unit.all),
            "PERPETUAL": single(unit.perp),
            "OPTION": single(unit.option),
        },
        "perpPositionPnlRanges": unit.perp_rows,
        "optionExpiryDatePnlRanges": unit.expiry_rows,
        "contingency": {name: s8(value) for name, value in unit.contingency.items()},
        "asset": {"coin": unit.coin, "assetIM": s(unit.im), "assetMM": s(unit.mm)},
        "maxLossPriceMove": scale_text(PRICE_MOVES[unit.worst]),
        "maxLossIvShock": scale_text(unit.shock_list[unit.worst]),
        "totalClosePzFee": s8(unit.close_fee),
        "spotHedgeInfo": {
            "hedgeSpotSize": "0",
            "walletBalance": s8(spot_balance),
            "usdIndexPrice": s(usd_index),
            "pnlRanges": [],
        },
        "maxLossIvShockList": [scale_text(shock) for shock in unit.shock_list],
    }
