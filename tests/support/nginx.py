"""nginx (Debian's nginx-light) as a TLS reverse proxy with a path prefix, for tests.

:class:`Nginx` writes its own configuration into a temporary folder and runs
``nginx -g 'daemon off;'`` in the foreground (one process, no master) on a free
loopback port, with a certificate for 127.0.0.1 from a test CA made by trustme.
Its locations, each under ``https://127.0.0.1:PORT``:

- ``/rt/socket.io/`` → the upstream's ``/socket.io/`` (websocket upgrade
  passed on), and ``/rt/truth`` → the upstream's ``/truth``;
- ``/down/socket.io/`` → a port nothing listens on (nginx answers 502);
- ``/maintenance/socket.io/`` → 503; ``/slow/socket.io/`` → an upstream that
  accepts and never answers, read timeout 1 s (504);
- ``/locked/socket.io/`` → basic auth required (401);
- ``/page/socket.io/`` → a 200 HTML page (a site where Socket.IO was expected).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType

PREFIX = "/rt/socket.io"
STARTUP_TIMEOUT = 15.0


def nginx_missing() -> str | None:
    """Why nginx cannot run here, or None."""
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        return "nginx is not installed: apt-get install nginx-light"
    try:
        import trustme  # noqa: F401
    except ImportError:
        return "trustme is not installed: pip install trustme"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Silent:
    """A TCP server that accepts and never answers: an upstream that hangs."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = int(self.listener.getsockname()[1])
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self) -> None:
        self.listener.close()
        for connection in self.held:
            connection.close()


class Nginx:
    """One nginx in front of ``upstream_port``; ``ca_file`` verifies its certificate."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.folder = Path(tempfile.mkdtemp(prefix="sio-nginx-"))
        self.port = 0
        self.ca_file = ""
        self.process: subprocess.Popen[bytes] | None = None
        self._silent: _Silent | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def _write_config(self) -> Path:
        import trustme

        authority = trustme.CA()
        certificate = authority.issue_cert("127.0.0.1", "localhost")
        self.ca_file = str(self.folder / "ca.pem")
        authority.cert_pem.write_to_path(self.ca_file)
        cert, key = self.folder / "cert.pem", self.folder / "key.pem"
        certificate.private_key_pem.write_to_path(str(key))
        for index, blob in enumerate(certificate.cert_chain_pems):
            blob.write_to_path(str(cert), append=index > 0)
        self._silent = _Silent()
        down = _free_port()
        folder = self.folder
        proxied = (
            "proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; "
            "proxy_set_header Connection $connection_upgrade; proxy_set_header Host $host;"
        )
        config = f"""
daemon off;
master_process off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{self.port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        location {PREFIX}/ {{
            proxy_pass http://127.0.0.1:{self.upstream_port}/socket.io/; {proxied}
        }}
        location = /rt/truth {{ proxy_pass http://127.0.0.1:{self.upstream_port}/truth; }}
        location /down/socket.io/ {{ proxy_pass http://127.0.0.1:{down}/socket.io/; {proxied} }}
        location /maintenance/socket.io/ {{ return 503; }}
        location /slow/socket.io/ {{
            proxy_pass http://127.0.0.1:{self._silent.port}/socket.io/; {proxied}
            proxy_read_timeout 1s;
        }}
        location /locked/socket.io/ {{
            auth_basic "staging";
            auth_basic_user_file {folder}/htpasswd;
        }}
        location /page/socket.io/ {{
            default_type text/html;
            return 200 "<!DOCTYPE html><html><body><h1>Welcome</h1></body></html>";
        }}
    }}
}}
"""
        (folder / "htpasswd").write_text("someone:{PLAIN}not-you\n")
        path = folder / "nginx.conf"
        path.write_text(config)
        return path

    def start(self) -> Nginx:
        self.port = _free_port()
        config = self._write_config()
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process = subprocess.Popen(
            [
                nginx,
                "-p",
                str(self.folder),
                "-e",
                str(self.folder / "error.log"),
                "-c",
                str(config),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:  # nginx says nothing when ready: its port accepting is the sign
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"nginx exited with {self.process.returncode}: {error}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("nginx did not listen within 15 s") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()
        if self._silent is not None:
            self._silent.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
