"""TLS: verification on by default, a private CA with --scim-ca-bundle, or off with
--scim-insecure and a warning in every report."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from scim_conformance.reference import ReferenceApp

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, as a private CA would issue."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[tuple[str, ReferenceApp]]:
    app = ReferenceApp("tok-tls-secret")
    server = make_server("127.0.0.1", 0, app, server_class=_ThreadingServer, handler_class=_Quiet)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_port}{app.base_path}", app
    server.shutdown()
    server.server_close()


def test_untrusted_certificate_is_a_usage_error(
    pytester: pytest.Pytester, tls_server: tuple[str, ReferenceApp]
) -> None:
    url, app = tls_server
    result = pytester.runpytest_subprocess(f"--scim-url={url}", f"--token={app.token}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "CERTIFICATE_VERIFY_FAILED" in result.stderr.str()
    assert app.token not in result.stderr.str() + result.stdout.str()


def test_private_ca_bundle_is_trusted(
    pytester: pytest.Pytester,
    tls_server: tuple[str, ReferenceApp],
    certificate: tuple[Path, Path],
) -> None:
    url, app = tls_server
    result = pytester.runpytest_subprocess(
        f"--scim-url={url}",
        f"--token={app.token}",
        f"--scim-ca-bundle={certificate[0]}",
        "-k",
        "test_probe_for_unknown_user or test_get_user_by_id",
    )
    result.assert_outcomes(passed=2)


def test_insecure_runs_with_a_warning_everywhere(
    pytester: pytest.Pytester, tls_server: tuple[str, ReferenceApp]
) -> None:
    url, app = tls_server
    result = pytester.runpytest_subprocess(
        f"--scim-url={url}",
        f"--token={app.token}",
        "--scim-insecure",
        "--html=report.html",
        "-k",
        "test_probe_for_unknown_user",
    )
    result.assert_outcomes(passed=1)
    assert "WARNING: TLS certificate verification is OFF (--scim-insecure)" in result.stdout.str()
    assert "NOT VERIFIED (--scim-insecure)" in (pytester.path / "report.html").read_text()


def test_ca_bundle_must_exist(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        "--scim-url=https://scim.example.invalid/v2",
        "--token=t",
        "--scim-ca-bundle=/nonexistent/ca.pem",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        "ERROR: --scim-ca-bundle must name an existing file (got '/nonexistent/ca.pem')"
        in result.stderr.str()
    )
