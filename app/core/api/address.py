"""Where the local API listens and the address a client uses: one place for the window's
LocalApi (app/api_bridge.py) and the Local API page (app/settings/api_page.py)."""

from __future__ import annotations

import socket

LOCAL_HOST = "127.0.0.1"
LAN_HOST = "0.0.0.0"  # every interface: other computers on the network can connect


def listen_host(lan: bool) -> str:
    return LAN_HOST if lan else LOCAL_HOST


def api_url(port: int, lan: bool = False) -> str:
    """The base URL a client uses (the `openai` package's base_url): 127.0.0.1 on this
    computer; with the network allowed, this computer's name, which the others need (it
    works here too)."""
    host = socket.gethostname() if lan else LOCAL_HOST
    return f"http://{host or LOCAL_HOST}:{port}/v1"
