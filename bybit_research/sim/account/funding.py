"""The demo account's two wallets as the asset endpoints see them: the Unified Trading Account and the
Funding wallet.

The opening deposits of the history were transferred from the Funding wallet (``accountType=FUND``) into the
unified account; what stayed there, :data:`FUNDING_BALANCES`, never moved again. The Funding wallet holds no
positions, so all of it is transferable. Of a unified coin, the transferable amount follows Bybit's formula
for ``/v5/account/withdrawal``: the account's available balance (USD) turned into the coin through its index
price and collateral ratio, capped by the coin's own free spot balance (``walletBalance - locked``, never
below zero).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from .borrowing import COLLATERAL_RATIO
from .numbers import Q8, ZERO, s8
from .wallet import Figures

#: What stayed in the Funding wallet after the opening transfers (the simulator's choice).
FUNDING_BALANCES: dict[str, Decimal] = {
    "USDT": Decimal("4250.5"),
    "USDC": Decimal("1200"),
    "BTC": Decimal("0.0375"),
    "ETH": Decimal("0.62"),
}
#: Account types of the asset-transfer endpoints the demo account has.
ACCOUNT_TYPES = ("UNIFIED", "FUND")
#: Internal account id Bybit reports next to the UID (``accountId`` of the single-coin balance).
ACCOUNT_ID = "1946021837"


def truncate8(value: Decimal) -> str:
    """An amount cut (not rounded) to 8 decimals: what may be moved must never exceed what is there."""
    return format(max(value, ZERO).quantize(Q8, rounding=ROUND_DOWN), "f")


def unified_transferable(figures: Figures, coin: str, index: Decimal) -> Decimal:
    """Return how much of ``coin`` can leave the unified account now (zero for a coin it does not hold)."""
    row = figures.coins.get(coin)
    if row is None:
        return ZERO
    free = max(Decimal(row["walletBalance"]) - Decimal(row["locked"]), ZERO)
    ratio = Decimal(COLLATERAL_RATIO.get(coin, "1"))
    if index <= 0 or ratio <= 0:
        return free
    available = max(figures.totals["available"], ZERO) / (index * ratio)
    return min(free, available)


def wallet_balance(figures: Figures, account_type: str, coin: str) -> Decimal:
    """Return the wallet balance of ``coin`` in the unified account or the Funding wallet."""
    if account_type == "FUND":
        return FUNDING_BALANCES.get(coin, ZERO)
    row = figures.coins.get(coin)
    return Decimal(row["walletBalance"]) if row is not None else ZERO


def transferable(figures: Figures, account_type: str, coin: str, index: Decimal) -> Decimal:
    """Return the transferable balance of ``coin`` in ``account_type`` (``UNIFIED`` or ``FUND``)."""
    if account_type == "FUND":
        return FUNDING_BALANCES.get(coin, ZERO)
    return unified_transferable(figures, coin, index)


def balance_row(
    figures: Figures, account_type: str, coin: str, index: Decimal, with_bonus: bool
) -> dict[str, str]:
    """Return one ``balance`` entry of the coin-balance endpoints: wallet and transferable balance, bonus."""
    return {
        "coin": coin,
        "walletBalance": s8(wallet_balance(figures, account_type, coin)),
        "transferBalance": truncate8(transferable(figures, account_type, coin, index)),
        "bonus": "0" if with_bonus else "",
    }
