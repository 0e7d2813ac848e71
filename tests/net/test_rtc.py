"""Checks on SDP offers before aiortc (which accepts anything) sees them."""

import pytest

from jamdesk.net.rtc import offer_problem

GOOD = (
    "v=0\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "a=fingerprint:sha-256 AB\r\n"
    "a=ice-ufrag:x\r\n"
    "a=ice-pwd:y\r\n"
)


def test_offer_checks_what_a_data_channel_session_needs() -> None:
    assert offer_problem(GOOD) is None
    assert offer_problem("garbage") == "not an SDP session description"
    assert offer_problem(GOOD.replace("a=fingerprint:sha-256 AB\r\n", "")) == "no DTLS fingerprint"
    assert offer_problem(GOOD.replace("a=ice-pwd:y\r\n", "")) == "no ICE credentials"
    assert offer_problem("v=0\r\nm=audio 9 RTP 0") == "no data channel section"


class RTCSctpTransport:
    """A stand-in with aiortc's class name, for the exception filter's pure logic."""

    async def _transmit(self) -> None:
        raise ConnectionError("Cannot send encrypted data, not connected")


@pytest.mark.allow_warnings  # the other error is the point: it must reach asyncio's handler
async def test_aiortc_shutdown_races_are_quiet_and_others_are_not(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import asyncio
    import logging

    from jamdesk.net.rtc import quiet_shutdown_races

    loop = asyncio.get_running_loop()
    quiet_shutdown_races(loop)
    race = loop.create_task(RTCSctpTransport()._transmit())
    other = loop.create_task(asyncio.sleep(0))
    await asyncio.gather(race, other, return_exceptions=True)
    handler = loop.get_exception_handler()
    assert handler is not None
    with caplog.at_level(logging.INFO):
        handler(
            loop,
            {
                "message": "Task exception was never retrieved",
                "future": race,
                "exception": race.exception(),
            },
        )
        handler(
            loop,
            {
                "message": "Task exception was never retrieved",
                "future": other,
                "exception": ValueError("a real bug"),
            },
        )
    assert any(
        r.levelno == logging.INFO and "closed mid-send" in r.getMessage() for r in caplog.records
    )
    assert any(r.levelno == logging.ERROR and r.name == "asyncio" for r in caplog.records)
    loop.set_exception_handler(None)


def test_ice_servers_are_read_with_turn_credentials() -> None:
    from jamdesk.net.rtc import ice_server

    stun = ice_server("stun:stun.example.org:3478")
    assert (stun.urls, stun.username, stun.credential) == ("stun:stun.example.org:3478", None, None)
    turn = ice_server("turn:ana:s3cret@turn.example.org:3478?transport=tcp")
    assert (turn.urls, turn.username, turn.credential) == (
        "turn:turn.example.org:3478?transport=tcp",
        "ana",
        "s3cret",
    )
    with pytest.raises(ValueError, match="not a STUN or TURN server"):
        ice_server("http://example.org")
