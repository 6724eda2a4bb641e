"""Bad input to the newer account functions: ValueError naming what is allowed, nothing sent."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from tests.conftest import NOW, MarketClient

COINS = [f"C{i}" for i in range(21)]

CASES = [
    ("too many coins", lambda c: c.withdrawable(COINS), r"withdrawable\(\) takes at most 20 coins, got 21"),
    ("no coins", lambda c: c.withdrawable([]), "non-empty list of coins"),
    ("coin shape", lambda c: c.withdrawable("US DT"), "coins must be a coin name"),
    ("balance type", lambda c: c.coin_balance("USDT", "SPOT"), r"allowed: 'UNIFIED', 'FUND'"),
    (
        "to type",
        lambda c: c.coin_balance("USDT", to_account_type="SPOT"),
        r"to_account_type 'SPOT' .* 'FUND'",
    ),
    ("same type", lambda c: c.coin_balance("USDT", "FUND", "fund"), "must differ from account_type"),
    (
        "ltv alone",
        lambda c: c.coin_balance("USDT", with_ltv_transfer_safe_amount=True),
        "needs to_account_type",
    ),
    ("coin info", lambda c: c.coin_info("BTC,ETH"), "coin must be a coin name"),
    ("pay info", lambda c: c.pay_info("$"), "coin must be a coin name"),
    ("tiers", lambda c: c.spot_margin_tiers("BTC USDT"), "currency must be a coin name"),
    (
        "instruments category",
        lambda c: c.account_instruments("option"),
        r"allowed: 'spot', 'linear', 'inverse'",
    ),
    ("instruments symbol", lambda c: c.account_instruments("linear", "BTCUSD"), "category 'inverse'"),
    ("analysis inverse", lambda c: c.spot_trade_analysis("BTCUSD"), "category 'inverse', not 'spot'"),
    ("analysis range", lambda c: c.spot_trade_analysis("BTCUSDT", "2024-06-02", "2024-06-01"), "before end"),
    ("move status", lambda c: c.move_position_history(status="Done"), r"allowed: 'Processing', 'Filled'"),
    ("move category", lambda c: c.move_position_history(category="futures"), "allowed: 'spot', 'linear'"),
    (
        "move lookback",
        lambda c: c.move_position_history(NOW - pd.Timedelta(days=800), NOW - pd.Timedelta(days=790)),
        "keeps 730 days of history",
    ),
    ("move block id", lambda c: c.move_position_history(block_trade_id="a&b"), "characters no Bybit id has"),
    (
        "pre orders spot status",
        lambda c: c.pre_upgrade_order_history("spot", order_status="Filled"),
        "order_status is not for category='spot'",
    ),
    (
        "pre orders filter",
        lambda c: c.pre_upgrade_order_history("linear", order_filter="tpslOrder"),
        r"allowed: 'Order', 'StopOrder'",
    ),
    ("pre fills spot", lambda c: c.pre_upgrade_executions("spot"), r"allowed: 'linear', 'inverse', 'option'"),
    (
        "pre pnl option",
        lambda c: c.pre_upgrade_closed_pnl("BTCUSDT", "option"),
        r"allowed: 'linear', 'inverse'",
    ),
    (
        "pre log category",
        lambda c: c.pre_upgrade_transaction_log(category="inverse"),
        "allowed: 'linear', 'option'",
    ),
    (
        "pre log type",
        lambda c: c.pre_upgrade_transaction_log(type="TRADE;x"),
        "type must be a transaction type",
    ),
    ("pre deliveries symbol", lambda c: c.pre_upgrade_delivery_records("BTCUSDT"), "is not an option symbol"),
    (
        "pre deliveries expiry",
        lambda c: c.pre_upgrade_delivery_records(exp_date="30FEB24"),
        "not a real date",
    ),
    ("pre settlements", lambda c: c.pre_upgrade_settlement_records("BTCUSD"), "category 'inverse'"),
]


@pytest.mark.parametrize(("name", "call", "message"), CASES, ids=[case[0] for case in CASES])
def test_refused_before_any_request(
    client: MarketClient, app: Any, name: str, call: Any, message: str
) -> None:
    client.account_info()  # the clock is known: a refusal needs no request at all
    app.reset_counts()
    with pytest.raises(ValueError, match=message):
        call(client)
    assert sum(app.requests.values()) == 0, dict(app.requests)
