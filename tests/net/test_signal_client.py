"""The host's registration at a real signalling server on loopback: a code still held by
someone else (a lost host the server has not yet noticed) is waited for, within patience."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest

from jamdesk.net.lan import SessionDescription
from jamdesk.net.signal_client import HostSignal, RefusedError
from jamdesk.protocol.signal import Register, Registered, decode_signal, encode_signal
from jamdesk.signal_server.server import SignalServer


@pytest.fixture
async def server() -> AsyncIterator[SignalServer]:
    signal = SignalServer("127.0.0.1", 0)
    await signal.start()
    yield signal
    await signal.close()


async def never_asked(offer: SessionDescription, remote: str) -> SessionDescription:
    raise AssertionError("no joiner in this test")


class Said(logging.Handler):
    """Sets ``event`` when a record containing ``text`` is logged."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text, self.event = text, asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.event.set()


async def test_a_held_code_is_refused_at_once_or_waited_for_with_patience(
    server: SignalServer,
) -> None:
    url = f"http://127.0.0.1:{server.port}"
    async with aiohttp.ClientSession() as session:
        lost_host = await session.ws_connect(f"{url}/v1/ws")  # still registered, as if lost
        await lost_host.send_str(encode_signal(Register(code="ALGO7X")))
        assert decode_signal(await lost_host.receive_str(timeout=10)) == Registered(code="ALGO7X")

        impatient = HostSignal(url, "ALGO7X", never_asked)
        with pytest.raises(RefusedError) as refused:
            await impatient.start()
        assert refused.value.code == "code_taken"
        assert str(refused.value) == "Another room already uses this code."
        await impatient.close()

        said = Said("still holds ALGO7X")
        logging.getLogger("jamdesk.net.signal_client").addHandler(said)
        try:
            patient = HostSignal(url, "ALGO7X", never_asked)
            registering = asyncio.ensure_future(patient.start(patience_s=30))
            await asyncio.wait_for(said.event.wait(), 10)  # refused once, and asking again
            assert not registering.done()
            await lost_host.close()  # the server lets go of the lost host's registration
            await asyncio.wait_for(registering, 10)
        finally:
            logging.getLogger("jamdesk.net.signal_client").removeHandler(said)
        assert "ALGO7X" in server.relay.rooms
        await patient.close()
