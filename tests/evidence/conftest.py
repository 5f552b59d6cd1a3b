from tests.net.servers import _recording_server, server  # noqa: F401 - fixtures
