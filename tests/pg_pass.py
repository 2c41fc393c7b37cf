"""Run test files with their "sqlite" stores on PostgreSQL: ``python -m tests.pg_pass [pytest args]``.

Starts a throwaway PostgreSQL (tests/postgres.py; or uses ``STEWARD_TEST_PG_URL``), sets
``STEWARD_TEST_STORE=postgres`` so that ``tests.harness.open_test_store`` opens a fresh database on it
for each test, and runs pytest. CI (``.ci/run``) uses it for the end-to-end suites.
"""

from __future__ import annotations

import os
import sys

import pytest

from tests.postgres import postgres_server

END_TO_END = (
    "tests/test_telegram_e2e.py",
    "tests/test_discord_e2e.py",
    "tests/test_scenarios.py",
    "tests/test_service.py",
    "tests/test_review.py",
    "tests/test_commands.py",
)


def main(args: list[str]) -> int:
    """Run pytest on ``args`` (default: the end-to-end files) against PostgreSQL; return its exit code."""
    with postgres_server() as url:
        os.environ["STEWARD_TEST_PG_URL"] = url
        os.environ["STEWARD_TEST_STORE"] = "postgres"
        return int(pytest.main(["-q", "-m", "not slow", "-p", "no:cacheprovider", *(args or END_TO_END)]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
