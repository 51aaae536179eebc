"""The remote backend's servers (tests/engine/backends/remote_servers.py), as fixtures for
every test module here."""

from remote_servers import (  # noqa: F401 (fixtures pytest finds by name)
    app_api_server,
    llama_cpp_server,
    llama_server,
    llama_server_binary,
    llama_server_thinking_template,
    scripted_server,
)
