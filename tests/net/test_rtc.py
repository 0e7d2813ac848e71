"""Checks on SDP offers before aiortc (which accepts anything) sees them."""

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
