"""The ``demo-server`` sub-command: run the demo server in the foreground until stopped."""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import sys

from sio_monitor.net.demo import DemoServer
from sio_monitor.net.signals import install_stop_signals


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _rate(text: str) -> float:
    value = float(text)
    if not value >= 0:  # also rejects NaN
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the demo-server flags on ``parser`` (the CLI owns the parser itself)."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    parser.add_argument(
        "--port", type=_count, default=0, help="port to listen on; 0 picks a free one (default)"
    )
    parser.add_argument("--clients", type=_count, default=40, help="simulated users (%(default)s)")
    parser.add_argument(
        "--rate", type=_rate, default=20.0, help="simulated events per second (%(default)s)"
    )
    parser.add_argument("--admin-user", default="admin", help="admin username (%(default)s)")
    parser.add_argument(
        "--admin-password", default=None, help="admin password (default: a random one, printed)"
    )
    parser.add_argument(
        "--no-auth", action="store_true", help="let anyone into the admin namespace"
    )
    parser.add_argument(
        "--production",
        action="store_true",
        help="production mode: only server stats, no per-socket events",
    )
    parser.add_argument(
        "--read-only", action="store_true", help="refuse admin actions (join, leave, ...)"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for repeatable traffic")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the address and credentials as one JSON line first (for scripts)",
    )


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; 0 on a clean stop, 1 when the server cannot start."""
    try:
        return asyncio.run(_serve(args))
    except KeyboardInterrupt:  # only before the signal handlers are in place
        return 130


async def _serve(args: argparse.Namespace) -> int:
    stop = asyncio.Event()
    restore = install_stop_signals(stop.set)
    try:
        server = DemoServer(
            host=args.host,
            port=args.port,
            clients=args.clients,
            rate=args.rate,
            admin_user=args.admin_user,
            admin_password=args.admin_password,
            auth=not args.no_auth,
            mode="production" if args.production else "development",
            read_only=args.read_only,
            seed=getattr(args, "seed", None),
        )
        try:
            await server.start()
        except OSError as exc:
            print(f"demo-server: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
            await server.stop()
            return 1
        try:
            _announce(server, as_json=args.json)
            await stop.wait()
        finally:
            await server.stop()
        return 0
    finally:
        restore()


def _announce(server: DemoServer, *, as_json: bool) -> None:
    """Tell the user (or the script that launched us) where to connect, and flush at once."""
    if as_json:
        print(json.dumps(server.info()), flush=True)
        return
    lines = [
        f"Socket.IO demo server listening on {server.url}",
        f"  admin namespace: {server.admin_namespace}",
    ]
    command = f"sio-monitor {shlex.quote(server.url)}"
    if server.username is not None and server.password is not None:
        lines += [f"  username:        {server.username}", f"  password:        {server.password}"]
        command = (
            f"SIO_MONITOR_PASSWORD={shlex.quote(server.password)} "
            f"{command} --user {shlex.quote(server.username)}"
        )
    else:
        lines.append("  authentication:  off")
    lines += [
        f"  traffic:         {server.clients} virtual users, about {server.rate:g} events/s, "
        f"{server.mode} mode{', read-only' if server.read_only else ''}",
        "Connect with:",
        f"  {command}",
        "Press Ctrl+C to stop.",
    ]
    print("\n".join(lines), flush=True)
