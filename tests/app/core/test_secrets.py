"""The HF token lives only in the keyring: a real Secret Service round trip, the no-keyring case,
and never in settings.json."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest
from keyring.backends import SecretService, chainer, fail

from app.core import secrets
from app.core.paths import data_dir, settings_path
from app.core.secrets import (
    NO_KEYRING_MESSAGE,
    KeyringUnavailableError,
    delete_token,
    keyring_status,
    load_token,
    save_token,
    token_for_hub,
)
from app.core.settings import Settings, load_settings, save_settings

TOKEN = "hf_TestTokenThatMustNeverLeak0123456789"
NEEDS_PACKAGES = (
    "needs the Debian packages gnome-keyring and dbus-x11 "
    "(run installers/test_system_deps.sh as root)"
)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An in-process keyring, for tests that are about where the token goes, not the OS."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("no such password")


@pytest.fixture
def use_keyring() -> Iterator[object]:
    """Sets a keyring backend for one test and puts the previous one back."""
    previous = keyring.get_keyring()

    def use(backend: keyring.backend.KeyringBackend) -> None:
        keyring.set_keyring(backend)

    yield use
    keyring.set_keyring(previous)


SESSION_BUS_CONFIG = (
    (
        '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"\n'
        ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
    )
    + """<busconfig>
  <type>session</type>
  <listen>unix:tmpdir={runtime}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""
)


def _start_bus(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> subprocess.Popen[str]:
    if not (shutil.which("gnome-keyring-daemon") and shutil.which("dbus-launch")):
        pytest.skip(f"A real Secret Service {NEEDS_PACKAGES}")
    daemon = shutil.which("dbus-daemon")
    assert daemon, "dbus-x11 depends on dbus, which ships dbus-daemon"
    home, runtime = tmp / "home", tmp / "run"
    home.mkdir()
    runtime.mkdir(mode=0o700)
    # The daemon keeps keyrings under $HOME: never the real user's.
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    # No <servicedir>: asking for the Secret Service before our daemon owns its name must not
    # auto-start a second, password-less gnome-keyring on this bus.
    config = tmp / "session.conf"
    config.write_text(SESSION_BUS_CONFIG.format(runtime=runtime))
    bus = subprocess.Popen(
        [daemon, f"--config-file={config}", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert bus.stdout is not None
    address = bus.stdout.readline().strip()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    return bus


def _start_keyring_daemon(password: str) -> subprocess.Popen[str]:
    daemon = subprocess.Popen(
        ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert daemon.stdin is not None
    daemon.stdin.write(password)
    daemon.stdin.close()
    return daemon


def _wait_for_secret_service(*, with_login: bool = True, timeout_s: float = 10.0) -> None:
    """Until the daemon is on the bus *and* has created and unlocked its login collection from
    the piped password: the bus name appears first, and asking before the collection exists
    makes the daemon try to prompt (which fails without a display)."""
    import secretstorage

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with secretstorage.dbus_init() as connection:
            available = secretstorage.check_service_availability(connection)
            if available and (not with_login or _login_ready(connection)):
                return
        time.sleep(0.02)
    pytest.fail("gnome-keyring-daemon did not come up on the private bus")


def _login_ready(connection: object) -> bool:
    import secretstorage
    from secretstorage.exceptions import SecretStorageException

    try:
        collection = secretstorage.Collection(connection)  # type: ignore[arg-type]
        return not collection.is_locked()
    except SecretStorageException:
        return False


def _stop(*processes: subprocess.Popen[str]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def secret_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_keyring: object
) -> Iterator[None]:
    """A private session bus with an unlocked gnome-keyring, used through keyring's real
    SecretService backend. (An empty password creates no login collection, so the throwaway
    keyring gets one.)"""
    bus = _start_bus(tmp_path, monkeypatch)
    daemon = _start_keyring_daemon("test-only-password")
    try:
        _wait_for_secret_service()
        keyring.set_keyring(SecretService.Keyring())
        yield
    finally:
        _stop(daemon, bus)


def test_real_secret_service_round_trip(secret_service: None) -> None:
    available, message = keyring_status()
    assert available, message
    assert load_token() is None
    save_token(f"  {TOKEN}\n")
    assert load_token() == TOKEN
    # Another backend instance (a fresh D-Bus connection) sees it: it really is stored.
    assert SecretService.Keyring().get_password(secrets.SERVICE, secrets.USERNAME) == TOKEN
    delete_token()
    assert load_token() is None
    delete_token()  # nothing stored is fine


def test_secret_service_without_a_collection_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_keyring: object
) -> None:
    # gnome-keyring unlocked with an empty password has no login collection and no prompter
    # to create one: keyring's backend raises while the daemon itself is running.
    bus = _start_bus(tmp_path, monkeypatch)
    daemon = _start_keyring_daemon("")
    try:
        _wait_for_secret_service(with_login=False)
        keyring.set_keyring(SecretService.Keyring())
        assert keyring_status() == (False, NO_KEYRING_MESSAGE)
        with pytest.raises(KeyringUnavailableError, match="set HF_TOKEN"):
            save_token(TOKEN)
        assert load_token() is None
    finally:
        _stop(daemon, bus)


@pytest.mark.parametrize(
    "backend",
    [fail.Keyring(), chainer.ChainerBackend()],
    ids=["fail-backend", "empty-chainer"],
)
def test_no_backend_gives_a_clear_message_and_a_typed_error(
    backend: keyring.backend.KeyringBackend,
    use_keyring: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if isinstance(backend, chainer.ChainerBackend):
        monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    keyring.set_keyring(backend)
    available, message = keyring_status()
    assert not available
    assert message == NO_KEYRING_MESSAGE
    assert "HF_TOKEN" in message
    with pytest.raises(KeyringUnavailableError) as caught:
        save_token(TOKEN)
    assert str(caught.value) == NO_KEYRING_MESSAGE
    assert load_token() is None
    with pytest.raises(KeyringUnavailableError):
        delete_token()


def test_hf_token_environment_wins_then_the_keyring(
    use_keyring: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16: one lookup for the GUI and the CLI; HF_TOKEN overrides the saved token (as in
    huggingface_hub), and the saved token is used when HF_TOKEN is not set."""
    monkeypatch.delenv("HF_TOKEN", raising=False)
    keyring.set_keyring(fail.Keyring())
    assert token_for_hub() is None
    monkeypatch.setenv("HF_TOKEN", "hf_from_env")
    assert token_for_hub() == "hf_from_env"
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    save_token(TOKEN)
    assert token_for_hub() == "hf_from_env"
    monkeypatch.setenv("HF_TOKEN", "")  # set but empty counts as not set
    assert token_for_hub() == TOKEN
    monkeypatch.delenv("HF_TOKEN")
    assert token_for_hub() == TOKEN


def test_a_keyring_that_cannot_even_be_chosen_gives_no_token(
    use_keyring: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> keyring.backend.KeyringBackend:
        raise RuntimeError("bad keyringrc.cfg")

    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(keyring, "get_keyring", broken)
    assert load_token() is None
    assert token_for_hub() is None


def test_empty_token_is_refused(use_keyring: object) -> None:
    keyring.set_keyring(MemoryKeyring())
    with pytest.raises(ValueError):
        save_token("   ")


def test_token_never_reaches_settings_or_logs(
    use_keyring: object, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    save_token(TOKEN)
    path = settings_path()
    save_settings(Settings(model="starter"), path)
    save_settings(load_settings(path), path)
    assert memory.store == {(secrets.SERVICE, secrets.USERNAME): TOKEN}
    assert TOKEN not in path.read_text(encoding="utf-8")
    for file in data_dir().rglob("*"):
        if file.is_file():
            assert TOKEN.encode() not in file.read_bytes(), file
    # A keyring that fails while saving must not echo the token either.
    keyring.set_keyring(_Exploding())
    with pytest.raises(KeyringUnavailableError):
        save_token(TOKEN)
    assert TOKEN not in caplog.text


class _Exploding(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError(f"could not store {password}")


# -- any secret: servers' API keys and the local API's key (issue 20) ----------------------

API_KEY = "sk-ServerKeyThatMustNeverLeak0123456789"


def test_a_servers_key_round_trips_under_its_own_name(use_keyring: object) -> None:
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    name = secrets.server_key_name("gpu box")
    assert name == "server-key:gpu box"
    assert secrets.secret_state(name) == (True, False)
    assert secrets.load_secret(name) is None
    secrets.save_secret(name, f" {API_KEY}\n")
    assert secrets.load_secret(name) == API_KEY
    assert secrets.secret_state(name) == (True, True)
    secrets.save_secret(secrets.LOCAL_API_KEY, "local-key")
    # The token, each server's key and the local API's key live side by side.
    save_token(TOKEN)
    assert memory.store == {
        (secrets.SERVICE, "server-key:gpu box"): API_KEY,
        (secrets.SERVICE, "local-api-key"): "local-key",
        (secrets.SERVICE, secrets.USERNAME): TOKEN,
    }
    secrets.delete_secret(name)
    secrets.delete_secret(name)  # nothing stored is fine
    assert secrets.load_secret(name) is None
    assert load_token() == TOKEN
    with pytest.raises(ValueError):
        secrets.save_secret(name, "  ")


def test_without_a_keyring_a_key_is_refused_with_its_own_message(use_keyring: object) -> None:
    keyring.set_keyring(fail.Keyring())
    name = secrets.server_key_name("gpu")
    assert secrets.secret_state(name) == (False, False)
    with pytest.raises(KeyringUnavailableError) as caught:
        secrets.save_secret(name, API_KEY)
    assert str(caught.value) == secrets.NO_KEYRING_KEY_MESSAGE
    assert "HF_TOKEN" not in str(caught.value)
    assert secrets.load_secret(name) is None
    with pytest.raises(KeyringUnavailableError):
        secrets.delete_secret(name)


def test_renamed_servers_take_their_keys_and_removed_ones_lose_them(use_keyring: object) -> None:
    from app.core.remote_servers import move_keys

    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    for name in ("a", "b", "gone"):
        secrets.save_secret(secrets.server_key_name(name), f"key-{name}")
    # a and b swap names; "gone" was removed; "plain" never had a key.
    move_keys([("a", "b"), ("b", "a"), ("plain", "plainer")], ["gone"])
    assert secrets.load_secret(secrets.server_key_name("a")) == "key-b"
    assert secrets.load_secret(secrets.server_key_name("b")) == "key-a"
    assert secrets.load_secret(secrets.server_key_name("gone")) is None
    assert secrets.load_secret(secrets.server_key_name("plainer")) is None
    assert len(memory.store) == 2  # nothing left under a temporary name


def test_a_servers_key_never_reaches_settings_or_logs(
    use_keyring: object, caplog: pytest.LogCaptureFixture
) -> None:
    from app.core.settings import ServerSettings

    caplog.set_level("DEBUG")
    keyring.set_keyring(MemoryKeyring())
    secrets.save_secret(secrets.server_key_name("gpu"), API_KEY)
    path = settings_path()
    settings = Settings(servers=(ServerSettings("gpu", "http://gpu:8000/v1"),))
    save_settings(settings, path)
    assert load_settings(path).servers == settings.servers
    request = settings.remote_load_request(settings.servers[0], "m", API_KEY)
    assert API_KEY not in repr(request)  # a logged request does not show it either
    for file in data_dir().rglob("*"):
        if file.is_file():
            assert API_KEY.encode() not in file.read_bytes(), file
    keyring.set_keyring(_Exploding())
    with pytest.raises(KeyringUnavailableError):
        secrets.save_secret(secrets.server_key_name("gpu"), API_KEY)
    assert API_KEY not in caplog.text
