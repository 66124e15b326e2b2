"""Read the platform state from the supervisor's control socket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec

from .state import PlatformState, decode_state

_LIMIT = 4 * 1024 * 1024


async def fetch_state(control_socket: Path, timeout: float = 2.0) -> PlatformState:
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_unix_connection(str(control_socket), limit=_LIMIT)
        try:
            writer.write(b'{"op":"state"}\n')
            await writer.drain()
            return decode_state(await reader.readline())
        finally:
            writer.close()


async def request(control_socket: Path, message: dict[str, object], timeout: float = 5.0) -> object:
    """Send one op and return its decoded reply."""
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_unix_connection(str(control_socket), limit=_LIMIT)
        try:
            writer.write(msgspec.json.encode(message) + b"\n")
            await writer.drain()
            return msgspec.json.decode(await reader.readline())
        finally:
            writer.close()


async def subscribe(control_socket: Path) -> AsyncIterator[PlatformState]:
    """Every state the supervisor publishes, from now on, until the socket closes."""
    reader, writer = await asyncio.open_unix_connection(str(control_socket), limit=_LIMIT)
    try:
        writer.write(b'{"op":"subscribe"}\n')
        await writer.drain()
        while line := await reader.readline():
            yield decode_state(line)
    finally:
        writer.close()
