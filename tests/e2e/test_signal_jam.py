"""A jam over a signalling URL: ``jamdesk signal``, a host and a joiner as real processes."""

from __future__ import annotations

import signal
from collections.abc import Callable

from tests.e2e.conftest import JamProcess
from tests.e2e.signalling import start_signal


def test_join_through_the_signalling_server_with_a_link(
    jamdesk: Callable[..., JamProcess],
) -> None:
    server, url = start_signal(jamdesk, data="srv")
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


def test_when_the_host_is_lost_the_new_host_is_reached_through_the_server(
    jamdesk: Callable[..., JamProcess],
) -> None:
    _, url = start_signal(jamdesk, data="srv")
    ana = jamdesk(
        "host", "--headless", "--name", "Ana", "--signal", url, "--no-advertise", data="a"
    )
    code = ana.event("hosting")["code"]
    bo = jamdesk("join", code, "--headless", "--name", "Bo", "--signal", url, data="bo")
    bo_id = bo.event("joined")["participant_id"]
    cy = jamdesk("join", code, "--headless", "--name", "Cy", "--signal", url, data="cy")
    cy.event("joined")

    ana.proc.send_signal(signal.SIGKILL)
    bo.event("host", me=True)  # Bo joined earliest: it takes over and registers the code again
    bo.wait_log("registered the room at")
    cy.wait_for(lambda line: line.get("event") == "host" and line["host_id"] == bo_id)
    cy.send({"cmd": "chat", "text": "still here"})  # Cy came back through the server
    bo.event("room_event", kind="chat_posted")

    dee = jamdesk("join", code, "--headless", "--name", "Dee", "--signal", url, data="dee")
    dee.event("joined")  # a newcomer reaches the new host by the same code
    bo.send({"cmd": "end"})
    for member in (cy, dee):
        member.event("room_event", kind="room_ended")
    assert bo.finish() == 0
