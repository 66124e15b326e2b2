"""WebSocket upgrades pass through the router, and sign-in is checked at the upgrade."""

from __future__ import annotations

import socket

from wsproto import WSConnection
from wsproto.connection import ConnectionType
from wsproto.events import AcceptConnection, CloseConnection, Message, RejectConnection, Request, TextMessage

from tests.support.platform import RunningPlatform


def open_websocket(port: int, session: str | None) -> tuple[socket.socket, WSConnection, object]:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    connection = WSConnection(ConnectionType.CLIENT)
    extra = [(b"cookie", f"ganger_session={session}".encode())] if session else []
    sock.sendall(connection.send(Request(host="localhost", target="/echo/socket", extra_headers=extra)))
    connection.receive_data(sock.recv(65536))
    return sock, connection, next(connection.events())


def test_websocket_messages_pass_both_ways(echo_platform: RunningPlatform, echo_session: str) -> None:
    sock, connection, answer = open_websocket(echo_platform.port, echo_session)
    with sock:
        assert isinstance(answer, AcceptConnection)
        sock.sendall(connection.send(Message(data="hello")))
        connection.receive_data(sock.recv(65536))
        reply = next(connection.events())
        assert isinstance(reply, TextMessage) and reply.data == "echo: hello"
        sock.sendall(connection.send(CloseConnection(code=1000)))


def test_websocket_upgrade_without_session_is_refused(echo_platform: RunningPlatform) -> None:
    sock, _, answer = open_websocket(echo_platform.port, None)
    with sock:
        assert isinstance(answer, RejectConnection)
        assert answer.status_code == 401
