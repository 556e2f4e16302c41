"""Feed-touching tests: Redis feeds are wiped around each test (tests/support/feeds.py)."""

from tests.support.feeds import _clean_feeds, assert_max_queries  # noqa: F401
