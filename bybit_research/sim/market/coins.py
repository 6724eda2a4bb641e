"""The coins of the synthetic market: reference price level, volatility, listing dates and contract sizes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CoinSpec:
    """One base coin and how its contracts are specified.

    ``ref_price`` is the level the random walk wanders around; ``annual_vol`` its volatility; ``launch`` the
    date
    (``YYYY-MM-DD``) its USDT perpetual was listed (spot a little earlier, see ``spot_lead_days``);
    ``tick``/``qty``
    the USDT perpetual's tick size and quantity step; ``usd_volume`` a typical daily USD turnover of the
    perpetual;
    ``funding_interval`` in minutes.
    """

    coin: str
    ref_price: float
    annual_vol: float
    launch: str
    tick: str
    qty: str
    usd_volume: float
    funding_interval: int = 480
    max_leverage: int = 50
    spot: bool = True
    spot_lead_days: int = 120


COINS: tuple[CoinSpec, ...] = (
    CoinSpec("BTC", 95_000.0, 0.55, "2020-03-26", "0.10", "0.001", 8e9, max_leverage=100, spot_lead_days=500),
    CoinSpec("ETH", 3_300.0, 0.70, "2020-10-22", "0.01", "0.01", 4e9, max_leverage=100, spot_lead_days=300),
    CoinSpec("SOL", 180.0, 0.85, "2021-06-01", "0.010", "0.1", 1.5e9, max_leverage=75),
    CoinSpec("XRP", 2.2, 0.85, "2021-05-13", "0.0001", "1", 1e9, max_leverage=75),
    CoinSpec("DOGE", 0.30, 0.95, "2021-05-13", "0.00001", "1", 8e8),
    CoinSpec("ADA", 0.80, 0.85, "2021-05-13", "0.0001", "1", 4e8),
    CoinSpec("AVAX", 35.0, 0.90, "2021-09-08", "0.001", "0.1", 3e8),
    CoinSpec("LINK", 20.0, 0.85, "2021-05-13", "0.001", "0.1", 3e8),
    CoinSpec("DOT", 6.0, 0.85, "2021-05-13", "0.001", "0.1", 2e8),
    CoinSpec("LTC", 100.0, 0.75, "2021-05-13", "0.01", "0.1", 2e8),
    CoinSpec("BNB", 650.0, 0.60, "2021-05-13", "0.01", "0.01", 3e8),
    CoinSpec("TRX", 0.25, 0.60, "2021-05-13", "0.00001", "1", 1e8),
    CoinSpec("NEAR", 5.0, 0.90, "2021-10-14", "0.001", "0.1", 1.5e8),
    CoinSpec("OP", 1.8, 0.95, "2022-06-01", "0.0001", "0.1", 1.5e8),
    CoinSpec("APT", 9.0, 0.95, "2022-10-19", "0.0001", "0.01", 1.5e8),
    CoinSpec("ARB", 0.70, 0.95, "2023-03-23", "0.0001", "0.1", 1.5e8),
    CoinSpec("SUI", 3.5, 1.00, "2023-05-03", "0.00010", "10", 4e8, funding_interval=240),
    CoinSpec("TON", 5.0, 0.80, "2023-08-10", "0.0001", "0.1", 1e8, funding_interval=240),
    CoinSpec("WIF", 1.5, 1.20, "2024-03-01", "0.0001", "1", 2e8, funding_interval=240, spot=False),
    CoinSpec("HYPE", 35.0, 1.10, "2025-05-30", "0.001", "0.01", 3e8, funding_interval=60, spot=False),
)

COIN_SPECS: dict[str, CoinSpec] = {spec.coin: spec for spec in COINS}

#: Coins with USDC perpetuals/futures, USDT futures, inverse contracts and options.
USDC_PERP_COINS = ("BTC", "ETH", "SOL")
USDC_SPOT_COINS = ("BTC", "ETH", "SOL")
USDT_FUTURE_COINS = ("BTC", "ETH", "SOL")
USDC_FUTURE_COINS = ("BTC", "ETH")
INVERSE_PERP_COINS = ("BTC", "ETH", "XRP", "SOL", "LTC")
INVERSE_FUTURE_COINS = ("BTC", "ETH")
OPTION_COINS = ("BTC", "ETH", "SOL")

#: Inverse contract tick sizes (the USDT ones are too fine for USD-contract markets).
INVERSE_TICKS = {"BTC": "0.50", "ETH": "0.05", "XRP": "0.0001", "SOL": "0.010", "LTC": "0.01"}
#: Option tick sizes and the quantity step by coin.
OPTION_TICKS = {"BTC": "5", "ETH": "0.1", "SOL": "0.01"}
OPTION_QTY = {"BTC": "0.01", "ETH": "0.1", "SOL": "1"}
#: Launch dates of USDC perpetuals and inverse perpetuals (older than the USDT ones for BTC/ETH).
USDC_PERP_LAUNCH = "2022-05-20"
INVERSE_LAUNCH = {
    "BTC": "2018-11-15",
    "ETH": "2019-01-25",
    "XRP": "2019-03-01",
    "SOL": "2021-12-01",
    "LTC": "2021-12-01",
}


def decimals(step: str) -> int:
    """Return the number of decimals of a decimal string such as ``"0.010"`` (3)."""
    return len(step.split(".")[1]) if "." in step else 0


def scale_down(step: str, factor_exp: int) -> str:
    """Return ``step`` divided by ``10**factor_exp`` as a decimal string (``"0.10"``, 1 -> ``"0.010"``)."""
    digits = decimals(step) + factor_exp
    value = float(step) / 10**factor_exp
    return f"{value:.{digits}f}"
