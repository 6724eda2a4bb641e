"""Successful answers are decoded only when asked: retCode and time are read from the bytes."""

from __future__ import annotations

import httpx
import pytest

from bybit_research.client import Client
from bybit_research.http import Reply
from bybit_research.http.transports.extensions import ret_code


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b'{"retCode":0,"retMsg":"OK","result":{},"time":1}', 0),
        (b'{"retCode":10001,"retMsg":"params error","result":{}}', 10001),
        (b'{ "retCode" : -1 , "retMsg":""}', -1),
        (b'{"retMsg":"OK","retCode":0,"result":{}}', 0),  # not first: decoded instead
        (b'{"retMsg":"OK"}', None),
        (b"<html>502</html>", None),
    ],
)
def test_ret_code_from_the_bytes_or_by_decoding(content: bytes, code: int | None) -> None:
    assert ret_code(httpx.Response(200, content=content)) == code


def test_reply_reads_time_without_decoding_and_decodes_on_demand() -> None:
    reply = Reply(
        b'{"retCode":0,"retMsg":"OK","result":{"list":[["1","2"]],"time":5},"time":1672025956592}', False, {}
    )
    assert reply.time_ms == 1672025956592
    assert "body" not in reply.__dict__
    assert reply.result == {"list": [["1", "2"]], "time": 5}
    assert reply.body["retMsg"] == "OK"


def test_reply_without_envelope_time() -> None:
    reply = Reply(b'{"retCode":0,"retMsg":"SUCCESS","category":"option","result":[{"time":"1"}]}', True, {})
    assert reply.time_ms is None and reply.from_cache is True
    assert reply.result == [{"time": "1"}]


def test_fetched_kline_page_is_not_decoded_until_used() -> None:
    with Client(env="offline", cache=False) as client:
        reply = client.fetch("/v5/market/kline", {"category": "linear", "symbol": "BTCUSDT", "interval": "1"})
        assert isinstance(reply.time_ms, int) and "body" not in reply.__dict__
        assert reply.content.startswith(b'{"retCode":0')
        assert len(reply.result["list"]) == 200 and reply.body["time"] == reply.time_ms
