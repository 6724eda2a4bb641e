"""Frames keep everything and survive the ecosystem: fields the table does not know become typed columns,
columns never depend on the data, and every public function's frame round-trips through Parquet and Feather
with its ``attrs``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from bybit_research import _api
from bybit_research.analytics.pm_report import PortfolioMarginReport
from bybit_research.market.snapshots import instruments, tickers, trades
from tests.conftest import NOW, FakeClient, MarketClient

START, END = NOW - pd.Timedelta(days=2), NOW - pd.Timedelta(days=1)

#: one call of every public function against the simulator (a new function without one fails the test below)
SAMPLE_CALLS: dict[str, Callable[[MarketClient], Any]] = {
    "klines": lambda c: c.klines("BTCUSDT", 60, START, END),
    "orderbook": lambda c: c.orderbook("BTCUSDT", limit=5),
    "tickers": lambda c: c.tickers("linear"),
    "instruments": lambda c: c.instruments("linear"),
    "trades": lambda c: c.trades("BTCUSDT", limit=20),
    "funding_rates": lambda c: c.funding_rates(["BTCUSDT", "ETHUSDT"], START, END),
    "open_interest": lambda c: c.open_interest("BTCUSDT", "1h", START, END),
    "historical_volatility": lambda c: c.historical_volatility("BTC", 7, START, END),
    "long_short_ratio": lambda c: c.long_short_ratio("BTCUSDT", "1h", START, END),
    "insurance": lambda c: c.insurance(),
    "risk_limits": lambda c: c.risk_limits("linear", "BTCUSDT"),
    "delivery_prices": lambda c: c.delivery_prices("linear"),
    "price_limit": lambda c: c.price_limit("BTCUSDT"),
    "rpi_orderbook": lambda c: c.rpi_orderbook("BTCUSDT", limit=5),
    "full_orderbook": lambda c: c.full_orderbook("ETHUSDT", "spot"),
    "adl_alert": lambda c: c.adl_alert(),
    "new_delivery_prices": lambda c: c.new_delivery_prices("BTC"),
    "index_price_components": lambda c: c.index_price_components("BTCUSDT"),
    "fee_groups": lambda c: c.fee_groups(),
    "collateral_tiers": lambda c: c.collateral_tiers(),
    "server_time": lambda c: c.server_time(),
    "option_chain": lambda c: c.option_chain("BTC"),
    "wallet_balance": lambda c: c.wallet_balance(),
    "account_summary": lambda c: c.account_summary(),
    "all_coins_balance": lambda c: c.all_coins_balance("FUND"),
    "account_info": lambda c: c.account_info(),
    "fee_rates": lambda c: c.fee_rates("linear"),
    "collateral_info": lambda c: c.collateral_info(),
    "coin_greeks": lambda c: c.coin_greeks(),
    "mmp_state": lambda c: c.mmp_state("BTC"),
    "portfolio_margin": lambda c: c.portfolio_margin(),
    "positions": lambda c: c.positions("linear"),
    "orders": lambda c: c.orders("linear"),
    "executions": lambda c: c.executions("linear", START - pd.Timedelta(days=5), END),
    "closed_pnl": lambda c: c.closed_pnl("linear", START - pd.Timedelta(days=20), END),
    "closed_options_positions": lambda c: c.closed_options_positions(START - pd.Timedelta(days=40), END),
    "order_history": lambda c: c.order_history("linear", START - pd.Timedelta(days=5), END),
    "transaction_log": lambda c: c.transaction_log(START, END),
    "borrow_history": lambda c: c.borrow_history(None, START, END),
    "delivery_records": lambda c: c.delivery_records("inverse", "2024-03-15", "2024-04-10"),
    "settlement_records": lambda c: c.settlement_records(START, END),
    "coin_balance": lambda c: c.coin_balance("USDT", with_transfer_safe_amount=True),
    "withdrawable": lambda c: c.withdrawable(["USDT", "BTC"]),
    "asset_overview": lambda c: c.asset_overview(),
    "coin_info": lambda c: c.coin_info(),
    "pay_info": lambda c: c.pay_info(),
    "user_settings": lambda c: c.user_settings(),
    "api_key_info": lambda c: c.api_key_info(),
    "account_instruments": lambda c: c.account_instruments("linear"),
    "spot_margin_tiers": lambda c: c.spot_margin_tiers(),
    "option_asset_info": lambda c: c.option_asset_info(),
    "move_position_history": lambda c: c.move_position_history(START - pd.Timedelta(days=60), END),
    "spot_trade_analysis": lambda c: c.spot_trade_analysis("BTCUSDT", START - pd.Timedelta(days=30), END),
    "pre_upgrade_order_history": lambda c: c.pre_upgrade_order_history("linear"),
    "pre_upgrade_executions": lambda c: c.pre_upgrade_executions("linear"),
    "pre_upgrade_closed_pnl": lambda c: c.pre_upgrade_closed_pnl("BTCUSDT"),
    "pre_upgrade_transaction_log": lambda c: c.pre_upgrade_transaction_log(START, END),
    "pre_upgrade_delivery_records": lambda c: c.pre_upgrade_delivery_records(),
    "pre_upgrade_settlement_records": lambda c: c.pre_upgrade_settlement_records(),
}
#: functions whose frame is empty against the simulator, and why (their empty frames still round-trip)
EMPTY_BY_DESIGN = {
    name: "the demo account was opened as a unified account: it has no history from before an upgrade"
    for name in SAMPLE_CALLS
    if name.startswith("pre_upgrade_")
}


def test_every_public_function_has_a_sample_call() -> None:
    assert set(SAMPLE_CALLS) == set(_api.NAMES)


@pytest.mark.parametrize("name", sorted(SAMPLE_CALLS))
def test_frames_round_trip_through_parquet_and_feather_with_their_attrs(
    name: str, client: MarketClient, tmp_path: Path
) -> None:
    result = SAMPLE_CALLS[name](client)
    if isinstance(result, PortfolioMarginReport):  # a report of frames: each of them
        frames = [value for value in vars(result).values() if isinstance(value, pd.DataFrame)]
        assert len(frames) == 11 and all(
            frame.attrs["endpoint"] == "/v5/asset/portfolio-margin" for frame in frames
        )
        for frame in frames:
            _round_trip(frame, tmp_path)
        return
    if not isinstance(result, pd.DataFrame):  # server_time: a Timestamp
        assert isinstance(result, pd.Timestamp) and result.tzinfo is not None
        return
    assert (len(result) == 0) == (name in EMPTY_BY_DESIGN), name
    _round_trip(result, tmp_path)


def _round_trip(result: pd.DataFrame, tmp_path: Path) -> None:
    json.dumps(result.attrs)  # JSON-safe, as Parquet and Feather metadata need
    result.to_parquet(tmp_path / "f.parquet")
    result.to_feather(tmp_path / "f.feather")
    for back in (pd.read_parquet(tmp_path / "f.parquet"), pd.read_feather(tmp_path / "f.feather")):
        pd.testing.assert_frame_equal(back, result)
        assert back.attrs == result.attrs


def _ticker_row(**extra: Any) -> dict[str, Any]:
    return {"symbol": "BTCUSDT", "lastPrice": "100.5", "markPrice": "100.4", **extra}


def test_fields_the_table_does_not_know_become_typed_columns() -> None:
    row = _ticker_row(
        newRatio="0.0123",
        newCount=7,
        newTime="1718454896000",
        isNewThing=True,
        newLabel="alpha",
        newOrderId="123456",
        newShape={"width": "2.5", "kind": "wide"},
    )
    frame = tickers(FakeClient(lambda path, params: {"category": "linear", "list": [row]}), "linear")
    dtypes = frame.dtypes.astype(str).to_dict()
    assert frame.loc["BTCUSDT", "new_ratio"] == 0.0123 and dtypes["new_ratio"] == "float64"
    assert dtypes["new_count"] == "Int64" and frame.loc["BTCUSDT", "new_count"] == 7
    assert dtypes["new_time"] == "datetime64[ms, UTC]"
    assert frame.loc["BTCUSDT", "new_time"] == pd.Timestamp(1718454896000, unit="ms", tz="UTC")
    assert dtypes["is_new_thing"] == "bool" and dtypes["new_label"] == "str"
    assert dtypes["new_order_id"] == "str"  # identifiers stay text even when they look numeric
    assert frame.loc["BTCUSDT", "width"] == 2.5 and frame.loc["BTCUSDT", "kind"] == "wide"


def test_an_unknown_flag_of_recent_trades_is_kept() -> None:
    row = {
        "execId": "1",
        "symbol": "BTCUSDT",
        "price": "100",
        "size": "0.5",
        "side": "Buy",
        "time": "1718454896000",
        "isBlockTrade": False,
        "isRPITrade": True,
        "isFutureFlag": False,
        "seq": "9",
    }
    frame = trades(FakeClient(lambda path, params: {"list": [row]}), "BTCUSDT")
    assert frame["is_rpi_trade"].tolist() == [True] and frame["is_future_flag"].tolist() == [False]


def _instrument(symbol: str, pre_listing: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "contractType": "LinearPerpetual",
        "status": "Trading",
        "launchTime": "1585526400000",
        "priceFilter": {"tickSize": "0.1"},
        "unifiedMarginTrade": True,
        "forbidUplWithdrawal": False,
        "isPreListing": pre_listing is not None,
        "preListingInfo": pre_listing,
    }


PRE_LISTING = {
    "curAuctionPhase": "CallAuction",
    "phases": [{"phase": "CallAuction", "startTime": "1", "endTime": "2"}],
    "auctionFeeInfo": {"auctionFeeRate": "0", "takerFeeRate": "0.001", "makerFeeRate": "0.0004"},
    "skipCallAuction": False,
}


def test_columns_and_dtypes_do_not_depend_on_the_data() -> None:
    def frame_of(rows: list[dict[str, Any]]) -> pd.DataFrame:
        client = FakeClient(lambda path, params: {"category": "linear", "list": rows, "nextPageCursor": ""})
        return instruments(client, "linear")

    none_pre_listing = frame_of([_instrument("AUSDT", None), _instrument("BUSDT", None)])
    one_pre_listing = frame_of([_instrument("AUSDT", None), _instrument("BUSDT", PRE_LISTING)])
    empty = frame_of([])
    for column in ("cur_auction_phase", "phases", "auction_fee_rate", "taker_fee_rate", "skip_call_auction"):
        assert column in none_pre_listing.columns
    assert list(none_pre_listing.columns) == list(one_pre_listing.columns) == list(empty.columns)
    pd.testing.assert_series_equal(none_pre_listing.dtypes, one_pre_listing.dtypes)
    pd.testing.assert_series_equal(none_pre_listing.dtypes, empty.dtypes)
    assert one_pre_listing.loc["BUSDT", "taker_fee_rate"] == 0.001
    assert np.isnan(none_pre_listing.loc["AUSDT", "taker_fee_rate"])
    assert str(one_pre_listing.dtypes["skip_call_auction"]) == "boolean"
