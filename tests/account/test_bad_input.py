"""Bad input to the account functions: ValueError naming what is allowed, nothing sent."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from tests.conftest import NOW, MarketClient

CASES = [
    ("category", lambda c: c.executions("futures"), r"category 'futures' is not supported by /v5/execution"),
    ("spot positions", lambda c: c.positions("spot"), r"allowed: 'linear', 'inverse', 'option'"),
    ("closed pnl option", lambda c: c.closed_pnl("option"), r"allowed: 'linear', 'inverse'"),
    ("start after end", lambda c: c.executions("linear", "2024-06-10", "2024-06-01"), "must be before end"),
    ("start equals end", lambda c: c.order_history("linear", "2024-06-10", "2024-06-10"), "must be before"),
    ("coin", lambda c: c.wallet_balance(coin="BT C"), r"coin must be a coin name such as 'BTC'"),
    ("currency", lambda c: c.collateral_info("BTC-USDT"), r"currency must be a coin name"),
    ("pm base coin", lambda c: c.portfolio_margin("BTC/USDT"), r"base_coin must be a coin name"),
    ("coin list", lambda c: c.wallet_balance(coin=[]), "non-empty list of coins"),
    (
        "account type",
        lambda c: c.wallet_balance("CONTRACT"),
        r"account_type 'CONTRACT' is not valid; allowed: 'UNIFIED'",
    ),
    ("transfer type", lambda c: c.all_coins_balance("SPOT"), r"allowed: 'UNIFIED', 'FUND'"),
    ("unified coins", lambda c: c.all_coins_balance("UNIFIED"), r"needs coin= \(up to 10 coins\)"),
    (
        "settle spot",
        lambda c: c.executions("spot", settle_coin="USDT"),
        "settle_coin is not for category='spot'",
    ),
    ("settle linear", lambda c: c.positions("linear", settle_coin="BTC"), r"allowed: 'USDT', 'USDC'"),
    (
        "settle spot orders",
        lambda c: c.orders("spot", settle_coin="USDT"),
        "settle_coin is not for category='spot'",
    ),
    (
        "settle linear history",
        lambda c: c.executions("linear", settle_coin="BTC"),
        r"settle_coin 'BTC' is not valid; allowed: 'USDT', 'USDC'",
    ),
    (
        "settle linear orders",
        lambda c: c.order_history("linear", settle_coin="ETH"),
        r"settle_coin 'ETH' is not valid; allowed: 'USDT', 'USDC'",
    ),
    (
        "linear positions by base coin",
        lambda c: c.positions("linear", base_coin="BTC"),
        r"base_coin is for category='option' only; with 'linear' pass symbol= or settle_coin=",
    ),
    (
        "inverse positions by base coin",
        lambda c: c.positions("inverse", base_coin="BTC"),
        r"base_coin is for category='option' only; with 'inverse' pass symbol= \(inverse lists every",
    ),
    ("spot pair as linear", lambda c: c.executions("linear", symbol="ETHBTC"), "is not a linear symbol"),
    ("control character in an id", lambda c: c.executions("linear", order_id="a\x00"), "holds characters"),
    (
        "control character in a block trade id",
        lambda c: c.move_position_history(block_trade_id="b\x07"),
        "holds characters no Bybit id has",
    ),
    ("option fees", lambda c: c.fee_rates("option", symbol="BTCUSDT"), "per base coin: pass base_coin="),
    ("exec type", lambda c: c.executions("linear", exec_type="trade"), r"allowed: 'Trade', 'AdlTrade'"),
    ("order status", lambda c: c.order_history("linear", order_status="done"), r"allowed: 'New'"),
    ("log type", lambda c: c.transaction_log(type="TRADE&x=1"), "type must be a transaction type such as"),
    ("classic category", lambda c: c.transaction_log(category="linear", classic=True), "takes no category"),
    ("symbol of another category", lambda c: c.closed_pnl("linear", symbol="BTCUSD"), "category 'inverse'"),
    ("expiry", lambda c: c.delivery_records("option", exp_date="31FEB24"), "is not a real date"),
    (
        "max pages",
        lambda c: c.executions("linear", NOW - pd.Timedelta(days=700), NOW, max_pages=50),
        "max_pages=50",
    ),
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
