"""A real nginx load balancer in front of signalling instances, configured as the README's
deployment section says (the same ``location`` block), on loopback.

``.ci/run`` installs Debian's ``nginx``; elsewhere a missing one skips the test, saying how to
install it (and fails it under ``CI=true``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CONF = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log stderr notice;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream jamdesk_signal {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://jamdesk_signal;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


class Nginx:
    """nginx on 127.0.0.1:``port`` balancing over ``upstreams`` (base URLs,
    ``http://host:port``), its files in ``workdir``; :meth:`start` waits until its worker
    runs."""

    def __init__(self, workdir: Path, port: int, upstreams: list[str]) -> None:
        path = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
        if path is None:
            message = "nginx is not installed: apt-get install nginx (.ci/run does)"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)
        workdir.mkdir(parents=True, exist_ok=True)
        servers = "\n".join(f"        server {urlsplit(u).netloc};" for u in upstreams)
        conf = workdir / "nginx.conf"
        conf.write_text(CONF.format(dir=workdir, servers=servers, port=port))
        self.url = f"http://127.0.0.1:{port}"
        self.log: list[str] = []
        self._ready = threading.Event()
        self.proc = subprocess.Popen(
            [path, "-p", str(workdir), "-c", str(conf), "-g", "daemon off;"],
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line)
            if "start worker process" in line:
                self._ready.set()
        self._ready.set()

    def start(self, timeout_s: float = 10.0) -> str:
        """Wait until nginx serves; returns its URL."""
        if not self._ready.wait(timeout_s) or self.proc.poll() is not None:
            raise AssertionError("nginx did not start:\n" + "".join(self.log[-20:]))
        return self.url

    def stop(self) -> None:
        """Stop nginx (SIGTERM: a fast shutdown)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
