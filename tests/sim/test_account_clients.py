"""Real clients against the simulator over TCP: pybit's account methods and ccxt's ``load_markets`` and
``fetch_balance``, unmodified, with default options, signing with the demo key.

Both clients sign with their own clock, so the simulator runs on the wall clock; values are compared with
the account at the instant the simulator answered (the envelope's ``time``).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from bybit_research.sim import create_app, serve
from bybit_research.sim.credentials import DEMO_API_KEY, DEMO_API_SECRET, DEMO_UID

pytestmark = pytest.mark.tcp
WEEK = 7 * 86_400_000


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Any, str]]:
    app = create_app(now_ms=None)
    with serve(app=app) as url:
        yield app, url


@pytest.fixture(scope="module")
def session(served: tuple[Any, str]) -> Any:
    from pybit.unified_trading import HTTP

    _, url = served
    http = HTTP(testnet=False, api_key=DEMO_API_KEY, api_secret=DEMO_API_SECRET)
    http.endpoint = url  # pybit builds every URL from this attribute
    return http


def balances_at(app: Any, now_ms: int) -> dict[str, str]:
    figures = app.exchange.account.figures(now_ms)
    return {coin: row["walletBalance"] for coin, row in figures.coins.items() if row["_nonzero"]}


def test_pybit_wallet_positions_and_orders_are_the_accounts(served: tuple[Any, str], session: Any) -> None:
    app, _ = served
    reply = session.get_wallet_balance(accountType="UNIFIED")
    assert reply["retCode"] == 0
    coins = {row["coin"]: row["walletBalance"] for row in reply["result"]["list"][0]["coin"]}
    assert coins == balances_at(app, reply["time"]) and set(coins) == {"BTC", "ETH", "SOL", "USDC", "USDT"}
    positions = session.get_positions(category="linear", settleCoin="USDT")["result"]["list"]
    held = [
        v for v in app.exchange.account.views(reply["time"], "linear") if v.pos.inst.settle_coin == "USDT"
    ]
    assert sorted(p["symbol"] for p in positions) == sorted(v.pos.inst.symbol for v in held) and positions
    orders = session.get_open_orders(category="linear", settleCoin="USDT")["result"]["list"]
    assert {o["symbol"] for o in orders} == {"BTCUSDT", "ETHUSDT"} and all(
        o["orderStatus"] == "New" for o in orders
    )
    info = session.get_account_info()["result"]
    assert info["unifiedMarginStatus"] == 5 and info["marginMode"] == "REGULAR_MARGIN"
    fees = session.get_fee_rates(category="linear", symbol="BTCUSDT")["result"]["list"]
    assert fees == [{"symbol": "BTCUSDT", "takerFeeRate": "0.00055", "makerFeeRate": "0.0002"}]


def test_pybit_follows_execution_cursors_over_the_default_week(served: tuple[Any, str], session: Any) -> None:
    app, _ = served
    ids: list[str] = []
    cursor = None
    pages = 0
    while True:
        extra: dict[str, str] = {"cursor": cursor} if cursor else {}
        reply = session.get_executions(category="linear", limit=100, **extra)  # pybit sends the cursor as is
        ids += [row["execId"] for row in reply["result"]["list"]]
        pages += 1
        cursor = reply["result"]["nextPageCursor"]
        if not cursor:
            break
    now = reply["time"]
    rows = app.exchange.account.rows_between("executions", now - WEEK, now, now)
    expected = [r["execId"] for r in rows if r["_cat"] == "linear"]
    # the first page was answered a little earlier than the last; nothing new is filed in between
    assert ids == expected and len(ids) == len(set(ids)) and pages >= 2  # the window holds an active week


def test_pybit_history_and_asset_methods(session: Any) -> None:
    replies = {
        "closed_pnl": session.get_closed_pnl(category="linear"),
        "order_history": session.get_order_history(category="linear"),
        "transaction_log": session.get_transaction_log(),
        "collateral_info": session.get_collateral_info(),
        "coin_greeks": session.get_coin_greeks(),
        "borrow_history": session.get_borrow_history(),
        "coins_balance": session.get_coins_balance(accountType="FUND"),
        "coin_balance": session.get_coin_balance(accountType="UNIFIED", coin="USDT"),
        "mmp_state": session.get_mmp_state(baseCoin="BTC"),
        "coin_info": session.get_coin_info(),
        "api_key": session.get_api_key_information(),
        "closed_options": session.get_closed_options_positions(category="option"),
        "deliveries": session.get_option_delivery_record(category="option"),
        "settlements": session.get_usdc_contract_settlement(category="linear"),
        "transferable": session.get_transferable_amount(coinName="USDT,BTC"),
        "instruments": session.get_account_instruments_info(category="inverse"),
        "pre_upgrade": session.get_pre_upgrade_order_history(category="linear"),
    }
    assert {name: reply["retCode"] for name, reply in replies.items()} == dict.fromkeys(replies, 0)
    result = {name: reply["result"] for name, reply in replies.items()}
    assert len(result["closed_pnl"]["list"]) == 50 and result["closed_pnl"]["nextPageCursor"]  # busy week
    assert len(result["order_history"]["list"]) == 20 and len(result["transaction_log"]["list"]) == 20
    assert [g["baseCoin"] for g in result["coin_greeks"]["list"]] == ["BTC", "ETH"]
    assert {b["currency"] for b in result["borrow_history"]["list"]} == {"USDC"}
    assert result["coins_balance"]["accountType"] == "FUND" and result["coins_balance"]["memberId"] == str(
        DEMO_UID
    )
    usdt = result["coin_balance"]["balance"]
    assert usdt["coin"] == "USDT" and Decimal(usdt["transferBalance"]) <= Decimal(usdt["walletBalance"])
    assert result["transferable"]["availableWithdrawalMap"]["USDT"] == usdt["transferBalance"]
    assert result["mmp_state"]["result"][0]["baseCoin"] == "BTC"
    assert result["api_key"]["apiKey"] == DEMO_API_KEY and result["api_key"]["uta"] == 1
    assert {row["symbol"] for row in result["instruments"]["list"]} >= {"BTCUSD", "ETHUSD"}
    assert result["pre_upgrade"] == {"list": [], "nextPageCursor": "", "category": "linear"}


def test_pybit_reads_the_rest_of_the_account_surface(served: tuple[Any, str], session: Any) -> None:
    app, _ = served
    replies = {
        "moves": session.get_move_position_history(limit=200),
        "overview": session.get_asset_overview(),
        "settings": session.get_user_setting_config(),
        "instruments": session.get_account_instruments_info(category="linear", limit=5),
        "pre_fills": session.get_pre_upgrade_trade_history(category="linear"),
        "pre_pnl": session.get_pre_upgrade_closed_pnl(category="linear", symbol="BTCUSDT"),
        "pre_log": session.get_pre_upgrade_transaction_log(category="option"),
        "pre_deliveries": session.get_pre_upgrade_option_delivery_record(category="option"),
        "pre_settlements": session.get_pre_upgrade_usdc_session_settlement(category="linear"),
    }
    assert {name: reply["retCode"] for name, reply in replies.items()} == dict.fromkeys(replies, 0)
    result = {name: reply["result"] for name, reply in replies.items()}
    now = replies["moves"]["time"]
    moved = app.exchange.account.moves(now - WEEK, now, now)
    assert [row["orderId"] for row in result["moves"]["list"]] == [row["orderId"] for row in moved]
    accounts = [row["accountType"] for row in result["overview"]["list"]]
    assert accounts == ["UnifiedTradingAccount", "FundingAccount"]
    assert set(result["settings"]) == {"lpaSpot", "lpaPerp", "smsef", "fmsef", "deltaEnable"}
    assert len(result["instruments"]["list"]) == 5 and result["instruments"]["nextPageCursor"]
    assert all("isPublicRpi" in row for row in result["instruments"]["list"])
    for name in ("pre_fills", "pre_pnl", "pre_log", "pre_deliveries", "pre_settlements"):
        assert result[name]["list"] == [] and result[name]["nextPageCursor"] == "", name


def test_pybit_sends_the_position_tiers_unsigned(session: Any) -> None:
    """pybit's ``spot_margin_trade_get_position_tiers`` leaves out ``auth=True`` (every other SDK signs the
    request, and Bybit's page shows it signed): the private endpoint answers HTTP 401, as for any request
    without the auth headers (reference §1.4). The same request signed succeeds."""
    from pybit.exceptions import FailedRequestError

    with pytest.raises(FailedRequestError, match="ErrCode: 401"):
        session.spot_margin_trade_get_position_tiers(currency="BTC")
    signed = session._submit_request(  # pybit's own request path, signed
        method="GET", path=f"{session.endpoint}/v5/spot-margin-trade/position-tiers", query={}, auth=True
    )
    assert signed["retCode"] == 0 and signed["result"]["list"][0]["positionTiersRatioList"]


def test_pybit_sees_the_documented_refusals(session: Any) -> None:
    from pybit.exceptions import InvalidRequestError

    with pytest.raises(InvalidRequestError, match="coin is required for accountType UNIFIED") as caught:
        session.get_coins_balance(accountType="UNIFIED")
    assert caught.value.status_code == 10001
    with pytest.raises(InvalidRequestError, match="cannot be accessed by unified account users") as caught:
        session.get_contract_transaction_log()
    assert caught.value.status_code == 100028


def test_ccxt_loads_markets_and_fetches_the_balance(served: tuple[Any, str]) -> None:
    import ccxt

    app, url = served
    exchange = ccxt.bybit({"apiKey": DEMO_API_KEY, "secret": DEMO_API_SECRET})
    exchange.urls["api"] = {key: url for key in exchange.urls["api"]}
    app.reset_counts()
    markets = exchange.load_markets()
    assert {"BTC/USDT", "BTC/USDT:USDT", "BTC/USD:BTC", "ETH/USDC:USDC"} <= set(markets)
    assert any(m["option"] for m in markets.values()) and exchange.currencies["USDT"]["networks"]
    balance = exchange.fetch_balance()
    requested = dict(app.requests)
    for path in (
        "/v5/asset/coin/query-info",
        "/v5/user/query-api",
        "/v5/account/info",
        "/v5/account/wallet-balance",
    ):
        assert requested.get(path) == 1, path  # ccxt's currency load and unified-account detection
    assert requested["/v5/market/instruments-info"] >= 6  # spot, linear, inverse, options of BTC, ETH, SOL
    now = balance["timestamp"]
    figures = app.exchange.account.figures(now)
    for coin, row in figures.coins.items():
        if not row["_nonzero"]:
            continue
        assert balance["total"][coin] == float(row["walletBalance"]), coin
        used = Decimal(row["locked"]) + Decimal(row["totalPositionIM"]) + Decimal(row["totalOrderIM"])
        assert balance["used"][coin] == pytest.approx(float(used)), coin
    assert exchange.options["enableUnifiedAccount"] is True and exchange.options["unifiedMarginStatus"] == 5
