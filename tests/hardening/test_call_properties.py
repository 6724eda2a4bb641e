"""Every public function of the registry (``bybit_research._api.FUNCTIONS``, market and account) over an
exchange that answers each request with a random V5-shaped answer of the endpoint asked (sometimes damaged):
the caller gets a frame, a timestamp or a report, or a ``BybitError`` naming the endpoint; never an exception
from inside a parser.

Examples per call: the hypothesis profile loaded in ``tests/conftest.py`` (a third of it per call, at least
five; ``HYPOTHESIS_PROFILE=thorough`` for a long search).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bybit_research import _api
from bybit_research.analytics.pm_report import PortfolioMarginReport
from bybit_research.client import Client
from bybit_research.endpoints import ENDPOINTS, FLOAT
from bybit_research.errors import BybitError
from tests.hardening.conftest import SERVER_TIME
from tests.hardening.test_parser_properties import ANYTHING, BODIES, compact, result_of, value_of

DAY = {"start": "2024-06-14", "end": "2024-06-15"}

#: one call of every public function, with arguments its checks accept (one request window where it pages)
CALLS: dict[str, Callable[[Client], Any]] = {
    "klines": lambda c: c.klines("BTCUSDT", 60, start="2024-06-15", end="2024-06-15 04:00"),
    "orderbook": lambda c: c.orderbook("BTCUSDT"),
    "rpi_orderbook": lambda c: c.rpi_orderbook("BTCUSDT"),
    "full_orderbook": lambda c: c.full_orderbook("BTCUSDT"),
    "tickers": lambda c: c.tickers("option", base_coin="BTC"),
    "instruments": lambda c: c.instruments("linear"),
    "trades": lambda c: c.trades("BTCUSDT"),
    "funding_rates": lambda c: c.funding_rates("BTCUSDT", **DAY),
    "open_interest": lambda c: c.open_interest("BTCUSDT", "1h", limit=5),
    "historical_volatility": lambda c: c.historical_volatility("BTC"),
    "long_short_ratio": lambda c: c.long_short_ratio("BTCUSDT", "1h", limit=5),
    "insurance": lambda c: c.insurance(),
    "adl_alert": lambda c: c.adl_alert(),
    "risk_limits": lambda c: c.risk_limits("linear", symbol="BTCUSDT"),
    "delivery_prices": lambda c: c.delivery_prices("option", base_coin="BTC"),
    "new_delivery_prices": lambda c: c.new_delivery_prices("BTC"),
    "price_limit": lambda c: c.price_limit("BTCUSDT"),
    "index_price_components": lambda c: c.index_price_components("BTCUSDT"),
    "fee_groups": lambda c: c.fee_groups(),
    "collateral_tiers": lambda c: c.collateral_tiers(),
    "server_time": lambda c: c.server_time(),
    "option_chain": lambda c: c.option_chain("BTC"),
    "wallet_balance": lambda c: c.wallet_balance(),
    "account_summary": lambda c: c.account_summary(),
    "all_coins_balance": lambda c: c.all_coins_balance("FUND"),
    "coin_balance": lambda c: c.coin_balance("USDT"),
    "withdrawable": lambda c: c.withdrawable(["USDT", "BTC"]),
    "asset_overview": lambda c: c.asset_overview(),
    "coin_info": lambda c: c.coin_info("USDT"),
    "pay_info": lambda c: c.pay_info(),
    "account_info": lambda c: c.account_info(),
    "user_settings": lambda c: c.user_settings(),
    "api_key_info": lambda c: c.api_key_info(),
    "account_instruments": lambda c: c.account_instruments("linear"),
    "fee_rates": lambda c: c.fee_rates("linear"),
    "collateral_info": lambda c: c.collateral_info(),
    "spot_margin_tiers": lambda c: c.spot_margin_tiers(),
    "coin_greeks": lambda c: c.coin_greeks(),
    "option_asset_info": lambda c: c.option_asset_info(),
    "mmp_state": lambda c: c.mmp_state("BTC"),
    "portfolio_margin": lambda c: c.portfolio_margin(),
    "positions": lambda c: c.positions("linear", settle_coin="USDT"),
    "orders": lambda c: c.orders("linear", settle_coin="USDT"),
    "executions": lambda c: c.executions("linear", **DAY),
    "closed_pnl": lambda c: c.closed_pnl("linear", **DAY),
    "closed_options_positions": lambda c: c.closed_options_positions(**DAY),
    "order_history": lambda c: c.order_history("linear", **DAY),
    "move_position_history": lambda c: c.move_position_history(**DAY),
    "spot_trade_analysis": lambda c: c.spot_trade_analysis("BTCUSDT"),
    "transaction_log": lambda c: c.transaction_log(**DAY),
    "borrow_history": lambda c: c.borrow_history(**DAY),
    "delivery_records": lambda c: c.delivery_records("linear", **DAY),
    "settlement_records": lambda c: c.settlement_records(**DAY),
    "pre_upgrade_order_history": lambda c: c.pre_upgrade_order_history("linear", **DAY),
    "pre_upgrade_executions": lambda c: c.pre_upgrade_executions("linear", **DAY),
    "pre_upgrade_closed_pnl": lambda c: c.pre_upgrade_closed_pnl("BTCUSDT", **DAY),
    "pre_upgrade_transaction_log": lambda c: c.pre_upgrade_transaction_log(**DAY),
    "pre_upgrade_delivery_records": lambda c: c.pre_upgrade_delivery_records(),
    "pre_upgrade_settlement_records": lambda c: c.pre_upgrade_settlement_records(),
}


def sometimes(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly ``strategy``'s values, sometimes any JSON value in their place."""
    return st.one_of(strategy, strategy, strategy, ANYTHING)


def optional(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """An object with any of ``fields`` (each may be missing)."""
    return st.fixed_dictionaries({}, optional=fields)


NUMBER = value_of(FLOAT)
COIN = st.sampled_from(["BTC", "ETH", "SOL"])
PNL_RANGES = sometimes(
    st.lists(sometimes(optional(priceScale=NUMBER, pnls=sometimes(st.lists(NUMBER, max_size=3)))), max_size=3)
)
POSITION = optional(
    symbolName=st.sampled_from(["BTCUSDT", "BTC-28JUN24-60000-C"]), pnlRanges=PNL_RANGES, size=NUMBER
)
EXPIRY = optional(
    expiryDateRepresentation=st.sampled_from(["28JUN24", "27DEC24"]),
    pnlRanges=PNL_RANGES,
    optionPositionPnlRanges=sometimes(st.lists(sometimes(POSITION), max_size=2)),
)
RISK_UNIT = optional(
    baseCoin=sometimes(COIN),
    totalPnlRanges=sometimes(
        st.dictionaries(
            st.sampled_from(["ALL", "PERPETUAL", "OPTION"]), sometimes(optional(pnlRanges=PNL_RANGES))
        )
    ),
    perpPositionPnlRanges=sometimes(st.lists(sometimes(POSITION), max_size=2)),
    optionExpiryDatePnlRanges=sometimes(st.lists(sometimes(EXPIRY), max_size=2)),
    contingency=sometimes(optional(optionContingency=NUMBER, futureContingency=NUMBER)),
    asset=sometimes(optional(coin=COIN, assetIM=NUMBER, assetMM=NUMBER)),
    spotHedgeInfo=sometimes(optional(pnlRanges=PNL_RANGES, hedgeSpotSize=NUMBER)),
    maxLossIvShockList=sometimes(st.lists(NUMBER, max_size=3)),
    maxLossPriceMove=NUMBER,
)
#: answers shaped deeper than the endpoint table's schema (which keeps these fields whole, as objects)
SHAPED: dict[str, st.SearchStrategy[Any]] = {
    "/v5/asset/portfolio-margin": optional(
        wallet=sometimes(st.dictionaries(st.sampled_from(["equity", "accountIM", "accountMM"]), NUMBER)),
        assetPnlRange=sometimes(st.lists(sometimes(RISK_UNIT), max_size=2)),
    ),
    "/v5/account/withdrawal": optional(
        availableWithdrawal=NUMBER,
        availableWithdrawalMap=sometimes(st.dictionaries(st.sampled_from(["USDT", "BTC", "ETH"]), NUMBER)),
    ),
}

#: answers per example beyond which the exchange sends an empty body (a random cursor could page forever)
MAX_ANSWERS = 6
PER_CALL = max(5, settings.default.max_examples // 3)


def test_every_public_function_of_the_registry_is_fuzzed() -> None:
    assert sorted(CALLS) == sorted(_api.NAMES)


class Fuzzed:
    """A mock exchange answering each request with a V5-shaped answer drawn for its path (``draw`` set per
    example); ``/v5/market/time`` is the fixed server time unless ``fuzz_time``."""

    def __init__(self) -> None:
        self.draw: Callable[..., Any] | None = None
        self.fuzz_time = False
        self.answered: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if (path == "/v5/market/time" and not self.fuzz_time) or self.draw is None:
            return httpx.Response(200, content=SERVER_TIME)
        self.answered.append(path)
        if len(self.answered) > MAX_ANSWERS or path not in ENDPOINTS:
            return httpx.Response(200, content=b"")
        spec = ENDPOINTS[path]
        asked = request.url.params.get("category")
        category = asked if asked in spec.categories else (spec.categories[0] if spec.categories else None)
        shaped = sometimes(SHAPED[path]) if path in SHAPED else result_of(spec, category)
        result = self.draw(shaped, label=f"result of {path}")
        try:
            body = compact(result)
        except ValueError:  # a float the JSON writer refuses (never sent by a server)
            body = b'{"retCode":0,"result":{}}'
        if self.draw(st.booleans(), label="damage the body"):
            cut = self.draw(st.integers(0, len(body)), label="cut")
            body = body[:cut] + self.draw(BODIES, label="tail")
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[tuple[Client, Fuzzed]]:
    """One signed, uncached client (one attempt per request) over a :class:`Fuzzed` exchange."""
    exchange = Fuzzed()
    client = Client(
        base_url="http://fuzzed.test",
        transport=httpx.MockTransport(exchange),
        cache=False,
        max_attempts=1,
        api_key="fuzzedkey123456",
        api_secret="fuzzed-secret",
    )
    yield client, exchange
    client.close()


def check_outcome(outcome: Any) -> None:
    """A frame, a finite timestamp, or a report made of frames."""
    if isinstance(outcome, pd.Timestamp):
        assert not pd.isna(outcome) and math.isfinite(outcome.value)
    elif isinstance(outcome, PortfolioMarginReport):
        frames = [value for value in vars(outcome).values() if isinstance(value, pd.DataFrame)]
        assert len(frames) == 11
    else:
        assert isinstance(outcome, pd.DataFrame)


@pytest.mark.parametrize("name", list(CALLS), ids=list(CALLS))
@settings(max_examples=PER_CALL)
@given(data=st.data())
def test_public_functions_raise_only_bybit_errors_whatever_the_server_sends(
    fuzzed: tuple[Client, Fuzzed], name: str, data: st.DataObject
) -> None:
    client, exchange = fuzzed
    exchange.draw, exchange.fuzz_time, exchange.answered = data.draw, name == "server_time", []
    try:
        outcome = CALLS[name](client)
    except BybitError as error:
        assert error.endpoint is not None, repr(error)
        return
    finally:
        exchange.draw = None
    assert exchange.answered, "no request reached the exchange"
    check_outcome(outcome)
