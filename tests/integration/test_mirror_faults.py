"""`kernels serve`: process behaviour and the fault injection switches (testing aids)."""

import http.client
import signal
import time

import pytest
from mirror_fixtures import VARIANT, mirror, request, serve  # noqa: F401 (fixtures)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_stops_cleanly_on_a_signal(mirror, serve, sig):
    served = serve(mirror["dir"], "-v")
    assert request(f"{served.url}/api/kernels/org/relu/refs").status == 200
    assert served.stop(sig) == 0
    assert "GET /api/kernels/org/relu/refs 200" in served.process.stderr.read()


def test_serve_refuses_a_folder_that_is_not_a_mirror(kernels, tmp_path):
    result = kernels("serve", str(tmp_path))
    assert result.returncode == 6
    assert "mirror.json" in result.stderr


def test_error_rate_one_fails_every_request(mirror, serve):
    served = serve(mirror["dir"], "--error-rate", "1")
    for path in ("/api/kernels/org/relu/refs", "/kernels/org/relu/resolve/main/README.md"):
        assert request(served.url + path).status == 500


def test_rate_limit_answers_429_with_retry_after(mirror, serve):
    served = serve(mirror["dir"], "--rate-limit-rate", "1")
    reply = request(f"{served.url}/api/kernels/org/relu/refs")
    assert reply.status == 429 and reply.headers["Retry-After"] == "1"


def test_truncate_announces_the_full_length_and_sends_less(mirror, serve):
    served = serve(mirror["dir"], "--truncate-rate", "1")
    with pytest.raises(http.client.IncompleteRead) as error:
        request(f"{served.url}/kernels/org/relu/resolve/main/build/{VARIANT}/metadata.json")
    assert len(error.value.partial) < len(mirror["files"][f"build/{VARIANT}/metadata.json"])


def test_drop_closes_the_connection_without_a_response(mirror, serve):
    served = serve(mirror["dir"], "--drop-rate", "1")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        request(f"{served.url}/api/kernels/org/relu/refs")


def test_faults_are_deterministic_for_a_seed(mirror, serve):
    runs = []
    for _ in range(2):
        served = serve(mirror["dir"], "--error-rate", "0.3", "--rate-limit-rate", "0.2", "--seed", "42")
        runs.append([request(f"{served.url}/api/kernels/org/relu/refs").status for _ in range(30)])
        served.stop()
    assert runs[0] == runs[1]
    assert {200, 429, 500} <= set(runs[0])


def test_latency_delays_every_request(mirror, serve):
    served = serve(mirror["dir"], "--latency-ms", "300")
    start = time.monotonic()
    assert request(f"{served.url}/api/kernels/org/relu/refs").status == 200
    assert time.monotonic() - start >= 0.3


def test_fault_rates_above_one_are_a_usage_error(kernels, mirror):
    result = kernels("serve", str(mirror["dir"]), "--error-rate", "0.6", "--drop-rate", "0.6")
    assert result.returncode == 2
    assert "add up to more than 1" in result.stderr




def test_trickle_sends_a_body_a_few_bytes_a_second(mirror, serve):
    server = serve(mirror["dir"], "--trickle-bytes-per-second", "40")
    started = time.monotonic()
    reply = request(f"{server.url}/api/kernels/org/relu/refs")
    assert reply.status == 200
    assert time.monotonic() - started >= (len(reply.body) - 1) // 40
