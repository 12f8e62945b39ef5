"""Tearing a Socket.IO client down without letting a dead host hold up exit.

Shared by the admin client and the probe: python-socketio's ``disconnect()``
does not stop a reconnect in progress on some versions, ``shutdown()`` does,
and a half-open connection or the aiohttp session can each hang a close.
"""

from __future__ import annotations

import asyncio
import contextlib

import socketio

#: Upper bound on every step of an orderly shutdown.
SHUTDOWN_STEP_TIMEOUT = 1.0


async def abandon(sio: socketio.AsyncClient) -> None:
    """Stop ``sio`` for good: each step bounded, every failure of a step ignored."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(sio.shutdown(), SHUTDOWN_STEP_TIMEOUT)
    eio = sio.eio
    with contextlib.suppress(Exception):
        await asyncio.wait_for(eio.disconnect(abort=True), SHUTDOWN_STEP_TIMEOUT)
    http = getattr(eio, "http", None)
    if http is not None and not getattr(eio, "external_http", False) and not http.closed:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(http.close(), SHUTDOWN_STEP_TIMEOUT)
