"""Fixtures for the nodenet-exporter end-to-end tests.

The binary under test comes from $NODENET_EXPORTER_BIN (scripts/test.sh sets it to the release
build). Without it, .build/release or .build/debug of the repo is used if present, else the
tests fail (never skip): run them through scripts/test.sh.

Every process a test starts goes through a ProcessManager and is stopped by pid in the
fixture teardown, also when the test fails.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

# helpers puts scripts/ on sys.path too: harness, offsets_records and stack are imported from there.
from helpers import (  # noqa: E402
    REPO, Exporter, ProcessManager, start_exporter,
)

TEST_TIMEOUT = int(os.environ.get("NODENET_TEST_TIMEOUT", "240"))


# --------------------------------------------------------------------------------- timeouts


@pytest.fixture(autouse=True)
def _per_test_timeout():
    """No test may hang: SIGALRM turns a hang into a failure (fixture teardowns still run)."""
    def on_alarm(_sig, _frm):
        raise TimeoutError(f"test exceeded {TEST_TIMEOUT}s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(TEST_TIMEOUT)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


# --------------------------------------------------------------------------------- binaries


def built_binary(product: str) -> Path:
    """$<PRODUCT>_BIN (scripts/test.sh sets it), else .build/release or .build/debug; never a skip."""
    var = product.upper().replace("-", "_") + "_BIN"
    env = os.environ.get(var)
    if env:
        p = Path(env)
        if not (p.is_file() and os.access(p, os.X_OK)):
            pytest.fail(f"{var}={env} is not an executable file")
        return p
    for cfg in ("release", "debug"):
        p = REPO / ".build" / cfg / product
        if p.is_file() and os.access(p, os.X_OK):
            return p
    pytest.fail(f"{product} not built (set {var} or run scripts/test.sh)")


@pytest.fixture(scope="session")
def exporter_bin() -> Path:
    return built_binary("nodenet-exporter")


@pytest.fixture(scope="session")
def lag_bin() -> Path:
    return built_binary("lag-exporter")


@pytest.fixture(scope="session")
def cluster_bin() -> Path:
    return built_binary("cluster-exporter")


@pytest.fixture(scope="session")
def node_exporter_bin() -> str:
    p = shutil.which("prometheus-node-exporter")
    if not p:
        pytest.fail("prometheus-node-exporter not installed (run scripts/setup.sh)")
    return p


@pytest.fixture(scope="session")
def promtool_bin() -> str:
    p = shutil.which("promtool")
    if not p:
        pytest.fail("promtool not installed (run scripts/setup.sh)")
    return p


# --------------------------------------------------------------------------------- processes


@pytest.fixture
def procs(tmp_path):
    pm = ProcessManager(tmp_path / "procs")
    yield pm
    pm.stop_all()


@pytest.fixture(scope="module")
def module_procs(tmp_path_factory):
    pm = ProcessManager(tmp_path_factory.mktemp("procs"))
    yield pm
    pm.stop_all()


@pytest.fixture
def exporter(procs, exporter_bin) -> Exporter:
    """A plain-HTTP exporter with default flags."""
    return start_exporter(procs, exporter_bin)


@pytest.fixture(scope="module")
def module_exporter(module_procs, exporter_bin) -> Exporter:
    return start_exporter(module_procs, exporter_bin)


def pytest_report_header(config):
    b = os.environ.get("NODENET_EXPORTER_BIN", "(unset: auto-detect)")
    return [f"nodenet-exporter: {b}", f"per-test timeout: {TEST_TIMEOUT}s"]

