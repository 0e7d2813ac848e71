"""The room panels offer exactly the actions a role may take."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from jamdesk.core.commands import Command, Demote, Promote, Remove, TransferHost
from jamdesk.core.events import MemberJoined, RoleChanged
from jamdesk.core.kinds import Role
from jamdesk.ui.room_panels import PeoplePanel, room_task_items
from tests.factories import room_log


def test_people_menu_follows_the_role(qtbot: QtBot) -> None:
    log = room_log(host_id="h")
    for pid, name in (("c", "Cy"), ("p", "Pia"), ("q", "Quinn")):
        log.append(pid, [MemberJoined(participant_id=pid, name=name)], 1)
    log.append("h", [RoleChanged(participant_id="c", role=Role.COHOST)], 2)
    sent: list[Command] = []
    panel = PeoplePanel(sent.append)
    qtbot.addWidget(panel)

    def menu(me: str, them: str) -> list[type]:
        panel.show_state(log.state, me)
        return [type(cmd) for _, cmd in panel.actions_for(them)]

    assert menu("h", "p") == [Promote, TransferHost, Remove]
    assert menu("h", "c") == [Demote, TransferHost, Remove]
    assert menu("c", "p") == [Remove]
    assert menu("c", "h") == []
    assert menu("p", "q") == []
    assert menu("h", "h") == []
    assert panel.count() == 4


def test_room_task_rows_name_their_owner() -> None:
    from jamdesk.core.events import TaskAdded

    log = room_log(host_id="h")
    log.append("p", [MemberJoined(participant_id="p", name="Pia")], 1)
    log.append("p", [TaskAdded(task_id="t3", owner_id="p", title="Problem 2")], 2)
    (row,) = room_task_items(log.state)
    assert (row.task_id, row.title, row.done, row.detail) == ("t3", "Problem 2", False, "Pia")


def test_initials_skip_marks() -> None:
    from jamdesk.ui.theme import initials

    assert initials("Ana Lima") == "AL"
    assert initials("👻 Bo") == "B"
    assert initials("👻 Bo Chen Diaz") == "BC"
    assert initials("  ") == "?"


def test_people_list_says_how_each_member_reaches_the_host(qtbot: QtBot, shots: Path) -> None:
    log = room_log(host_id="h")
    for pid, name in (("b", "Bo"), ("c", "Cy"), ("d", "Dee")):
        log.append(pid, [MemberJoined(participant_id=pid, name=name)], 1)
    panel = PeoplePanel(lambda _cmd: None)
    qtbot.addWidget(panel)
    panel.resize(420, 240)
    panel.show_state(log.state, "b", {"b": "relayed", "c": "turn", "d": "direct"})
    rows = {panel.item(i).text().split()[0]: panel.item(i) for i in range(panel.count())}
    assert rows["Bo"].text().endswith("· relayed")
    assert "end-to-end encrypted" in rows["Bo"].toolTip()
    assert rows["Cy"].text().endswith("· via TURN")
    assert rows["Dee"].text().endswith("· direct")
    assert "·" not in rows["Ana"].text().split("active")[1]  # the host has no path
    panel.grab().save(str(shots / "people-paths.png"))
    for paths in (None, {"b": "direct", "c": "direct"}):  # a LAN room, or all direct
        panel.show_state(log.state, "b", paths)
        assert not any("direct" in panel.item(i).text() for i in range(panel.count()))
