"""A jam over a signalling URL: ``jamdesk signal``, a host and a joiner as real processes."""

from __future__ import annotations

from collections.abc import Callable

from tests.e2e.conftest import JamProcess


def test_join_through_the_signalling_server_with_a_link(
    jamdesk: Callable[..., JamProcess],
) -> None:
    server = jamdesk("signal", "--port", "0", data="srv")
    url = f"http://127.0.0.1:{server.event('listening')['port']}"
    ana = jamdesk(
        "host", "--headless", "--name", "Ana", "--signal", url, "--no-advertise", data="ana"
    )
    hosting = ana.event("hosting")
    port = url.rsplit(":", 1)[1]
    link = f"jamdesk://join?signal=http%3A%2F%2F127.0.0.1%3A{port}&code={hosting['code']}"
    assert hosting["link"] == link
    bo = jamdesk("join", hosting["link"], "--headless", "--name", "Bo", data="bo")
    assert bo.event("joined")["code"] == hosting["code"]
    ana.send({"cmd": "timer.start"})
    bo.event("room_event", kind="timer_started")

    lost = jamdesk("join", "ZZZZZZ", "--headless", "--signal", url, data="cy")
    assert "No jam with code ZZZZZZ is open here." in lost.event("error")["reason"]
    assert lost.finish() == 3

    secret = jamdesk("host", "--headless", "--private", "--signal", url, data="dee")
    private = secret.event("hosting")
    assert "&room=" in private["link"]  # the server knows it by this id, not by its code
    eve = jamdesk("join", private["link"], "--headless", "--name", "Eve", data="eve")
    eve.event("joined")
    secret.wait_for(lambda line: line.get("kind") == "member_joined")
    secret.send({"cmd": "end"})
    eve.event("room_event", kind="room_ended")
    assert secret.finish() == 0

    ana.send({"cmd": "end"})
    bo.event("room_event", kind="room_ended")
    assert ana.finish() == 0
    assert bo.finish() == 0
    server.proc.terminate()
    assert server.finish() == 0
