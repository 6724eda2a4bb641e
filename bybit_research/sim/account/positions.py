"""Open positions of the demo account valued at "now": the rows of ``/v5/position/list`` and the per-position
figures the wallet and portfolio margin build on."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..market import Instrument, Market, OptionQuote
from ..market.risk import tier_of
from .margin import cross_liquidation_price, futures_margin, leverage_of, short_option_margin
from .numbers import ZERO, dec, price_dec, q8, s, s8
from .state import AccountState, PositionState, contract_value, is_session_settled, price_pnl

BREAK_EVEN_FEE = Decimal("0.00055")


@dataclass
class PositionView:
    """One position valued at an instant. Amounts are in the settle coin.

    ``upl`` is the unrealised P&L not yet in the wallet (against ``sessionAvgPrice`` for USDC perpetuals, the
    entry price otherwise); ``option_value`` the signed mark value of an option position; ``im``/``mm`` the
    regular-margin requirements.
    """

    pos: PositionState
    mark: Decimal
    index: Decimal
    upl: Decimal
    value: Decimal
    option_value: Decimal
    im: Decimal
    mm: Decimal
    quote: OptionQuote | None = None


def value_position(market: Market, pos: PositionState, now_ms: int) -> PositionView:
    """Value one position at ``now_ms``."""
    inst = pos.inst
    held, direction = abs(pos.size), pos.direction
    index = Decimal(repr(market.index_price(inst.base_coin, now_ms)))
    if inst.category == "option":
        quote = market.option_quote(inst.symbol, now_ms)
        mark = dec(quote.mark_price, 4)
        upl = q8((mark - pos.avg) * held * direction)
        option_value = q8(mark * pos.size)
        im = mm = ZERO
        if direction < 0:
            strike = Decimal(repr(inst.strike))
            im, mm = short_option_margin(index, mark, pos.avg, strike, inst.option_type == "Call", held)
        return PositionView(pos, mark, index, upl, q8(mark * held), option_value, q8(im), q8(mm), quote)
    mark = price_dec(market.mark_price(inst.symbol, now_ms), inst.tick_size)
    basis = pos.session_avg if is_session_settled(inst) else pos.avg
    upl = q8(price_pnl(inst, basis, mark, held, direction)) if held else ZERO
    value = q8(contract_value(inst, pos.avg, held)) if held else ZERO
    im, mm = futures_margin(inst, value)
    return PositionView(pos, mark, index, upl, value, ZERO, q8(im), q8(mm))


def open_views(
    market: Market, state: AccountState, now_ms: int, category: str | None = None
) -> list[PositionView]:
    """Return the valued open positions (optionally of one category), in a stable symbol order."""
    views = []
    for key in sorted(state.positions):
        pos = state.positions[key]
        if pos.size != 0 and (category is None or pos.inst.category == category):
            views.append(value_position(market, pos, now_ms))
    return views


def break_even_price(inst: Instrument, pos: PositionState) -> Decimal | None:
    """Return the price at which closing the position (taker fee) leaves its realised P&L at zero.

    Linear (reference): ``(entry x qty - realised) / (qty - |qty| x fee)`` with signed ``qty``. Inverse, the
    same balance in coin terms: ``qty x (1/entry - 1/P) - |qty| x fee / P + realised = 0`` gives
    ``P = (qty + |qty| x fee) / (qty / entry + realised)``. ``fee`` is ``max(taker rate, 0.055 %)``. ``None``
    when no positive price breaks even.
    """
    signed, held = pos.size, abs(pos.size)
    if inst.is_inverse:
        numerator, denominator = signed + held * BREAK_EVEN_FEE, signed / pos.avg + pos.cur_realised
    else:
        numerator, denominator = pos.avg * signed - pos.cur_realised, signed - held * BREAK_EVEN_FEE
    if denominator == 0 or numerator / denominator <= 0:
        return None
    return numerator / denominator


def position_row(
    view: PositionView, portfolio_margin: bool, cushion: Decimal | None = None
) -> dict[str, Any]:
    """Return one ``/v5/position/list`` row (PM mode blanks leverage, liqPrice and position IM/MM).

    ``cushion`` is the account's margin balance above its maintenance margin in the position's settle coin;
    the (cross margin) liquidation price is derived from it, and left blank without it.
    """
    pos, inst = view.pos, view.pos.inst
    held, direction = abs(pos.size), pos.direction
    is_option = inst.category == "option"
    greeks = {"delta": "", "gamma": "", "vega": "", "theta": ""}
    if view.quote is not None:
        for name in greeks:
            greeks[name] = s8(getattr(view.quote, name) * float(pos.size))
    break_even = ""
    if held and not is_option:
        price = break_even_price(inst, pos)
        break_even = "" if price is None else s8(price)
    liq = ""
    if held and not is_option and not portfolio_margin and cushion is not None:
        price = cross_liquidation_price(inst, view.mark, pos.size, cushion)
        liq = "" if price is None else s(price_dec(float(price), inst.tick_size))
    margin_im = "" if portfolio_margin else s8(view.im)
    margin_mm = "" if portfolio_margin else s8(view.mm)
    tier = None if portfolio_margin or is_option else tier_of(inst, float(view.value))
    return {
        "positionIdx": 0,
        "riskId": 0 if tier is None else tier.id,
        "riskLimitValue": "0" if tier is None else str(tier.limit),
        "symbol": inst.symbol,
        "side": "Buy" if direction > 0 else "Sell" if direction < 0 else "",
        "size": s(held),
        "avgPrice": s8(pos.avg),
        "positionValue": s8(view.value),
        "autoAddMargin": 0,
        "positionStatus": "Normal",
        "leverage": "" if portfolio_margin else leverage_of(inst),
        "breakEvenPrice": break_even,
        "markPrice": s(view.mark),
        "liqPrice": liq,
        "bustPrice": "",
        "positionIM": margin_im,
        "positionIMByMp": margin_im,
        "positionMM": margin_mm,
        "positionMMByMp": margin_mm,
        "positionBalance": "",
        "takeProfit": "" if is_option else "0",
        "stopLoss": "" if is_option else "0",
        "trailingStop": "" if is_option else "0",
        "sessionAvgPrice": s8(pos.session_avg) if is_session_settled(inst) and held else "",
        **greeks,
        "unrealisedPnl": s8(view.upl),
        "curRealisedPnl": s8(pos.cur_realised),
        "cumRealisedPnl": s8(pos.cum_realised),
        "adlRankIndicator": (1 + pos.seq % 5) if held else 0,
        "tpslMode": "Full",
        "createdTime": str(pos.created_ms),
        "updatedTime": str(pos.updated_ms),
        "openTime": pos.created_ms if held else 0,
        "seq": pos.seq,
        "isReduceOnly": False,
        "mmrSysUpdatedTime": "",
        "leverageSysUpdatedTime": "",
        "tradeMode": 0,
    }
