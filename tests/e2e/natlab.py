"""A NAT lab of network namespaces: an "internet" and homes behind masquerading routers.

::

    home A: 10.1.0.10 --- router A (10.1.0.1 | 203.0.113.2) ---+
                                                               +--- internet 203.0.113.1
    home B: 10.2.0.10 --- router B (10.2.0.1 | 203.0.113.3) ---+    (jamdesk signal, coturn)

Each router masquerades its home behind its public address and drops every packet from the
internet that does not belong to a connection the home opened (what an ordinary home router
does). ``udp_blocked`` makes a router drop all UDP from its home, as some campus firewalls do.
Only documentation (RFC 5737) and private (RFC 1918) addresses are used, and they exist only
inside these namespaces: no packet can leave them.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid

INTERNET = "203.0.113.1"


class NatLab:
    """The namespaces above; :meth:`prefix` runs a command in one of them."""

    def __init__(self, homes: int = 2) -> None:
        tag = uuid.uuid4().hex[:6]
        self.internet = f"jd-inet-{tag}"
        self.routers = [f"jd-r{i}-{tag}" for i in range(1, homes + 1)]
        self.homes = [f"jd-home{i}-{tag}" for i in range(1, homes + 1)]
        self._made: list[str] = []
        try:
            self._build()
        except subprocess.CalledProcessError:
            self.close()
            raise

    @staticmethod
    def available() -> str | None:
        """Why the lab cannot be built here, or ``None``."""
        for tool in ("ip", "iptables"):
            if shutil.which(tool) is None:
                return f"the NAT lab needs {tool} (iproute2, iptables)"
        return None

    def _ip(self, *args: str) -> None:
        subprocess.run(["ip", *args], check=True, capture_output=True)

    def run(self, ns: str, *args: str) -> None:
        """Run a command inside namespace ``ns`` (it must succeed)."""
        subprocess.run(["ip", "netns", "exec", ns, *args], check=True, capture_output=True)

    def _build(self) -> None:
        for ns in (self.internet, *self.routers, *self.homes):
            self._ip("netns", "add", ns)
            self._made.append(ns)
            self._ip("-n", ns, "link", "set", "lo", "up")
        self._ip("-n", self.internet, "link", "add", "br0", "type", "bridge")
        self._ip("-n", self.internet, "addr", "add", f"{INTERNET}/24", "dev", "br0")
        self._ip("-n", self.internet, "link", "set", "br0", "up")
        # Like the real internet, the public side has a way out for any address: a gateway
        # whose MAC address nobody has, so packets to it vanish. Without it a send to a
        # private address fails at once (ENETUNREACH), which no server on the internet sees.
        self._ip("-n", self.internet, "neigh", "add", "203.0.113.254", "lladdr",
                 "02:00:00:00:00:fe", "dev", "br0", "nud", "permanent")  # fmt: skip
        self._ip("-n", self.internet, "route", "add", "default", "via", "203.0.113.254")
        for i, (router, home) in enumerate(zip(self.routers, self.homes, strict=True), start=1):
            # router's internet side
            self._ip("-n", router, "link", "add", "wan", "type", "veth", "peer", "name", f"up{i}")
            self._ip("-n", router, "link", "set", f"up{i}", "netns", self.internet)
            self._ip("-n", self.internet, "link", "set", f"up{i}", "master", "br0", "up")
            self._ip("-n", router, "addr", "add", f"203.0.113.{i + 1}/24", "dev", "wan")
            self._ip("-n", router, "link", "set", "wan", "up")
            # the home behind it
            self._ip("-n", router, "link", "add", "lan", "type", "veth", "peer", "name", "eth0")
            self._ip("-n", router, "link", "set", "eth0", "netns", home)
            self._ip("-n", router, "addr", "add", f"10.{i}.0.1/24", "dev", "lan")
            self._ip("-n", router, "link", "set", "lan", "up")
            self._ip("-n", home, "addr", "add", f"10.{i}.0.10/24", "dev", "eth0")
            self._ip("-n", home, "link", "set", "eth0", "up")
            self._ip("-n", home, "route", "add", "default", "via", f"10.{i}.0.1")
            self.run(router, "sysctl", "-qw", "net.ipv4.ip_forward=1")
            self.run(router, "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", "wan",
                     "-j", "MASQUERADE")  # fmt: skip
            self.run(router, "iptables", "-A", "FORWARD", "-i", "wan", "-m", "conntrack",
                     "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT")  # fmt: skip
            self.run(router, "iptables", "-A", "FORWARD", "-i", "wan", "-j", "DROP")
            self.run(router, "iptables", "-A", "INPUT", "-i", "wan", "-m", "conntrack",
                     "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT")  # fmt: skip
            self.run(router, "iptables", "-A", "INPUT", "-i", "wan", "-j", "DROP")

    def udp_blocked(self, home: int) -> None:
        """Router ``home`` (from 1) drops all UDP from its home: no ICE, no TURN over UDP."""
        self.run(self.routers[home - 1], "iptables", "-I", "FORWARD", "-i", "lan",
                 "-p", "udp", "-j", "DROP")  # fmt: skip

    def prefix(self, ns: str) -> list[str]:
        """``ip netns exec ns``, to start a process there."""
        return ["ip", "netns", "exec", ns]

    def home(self, number: int) -> list[str]:
        """The prefix for a computer in home ``number`` (from 1)."""
        return self.prefix(self.homes[number - 1])

    def close(self) -> None:
        """Delete every namespace (their processes must be stopped first)."""
        for ns in reversed(self._made):
            subprocess.run(["ip", "netns", "del", ns], check=False, capture_output=True)
