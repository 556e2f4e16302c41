"""Settings for a stream server whose periodic safety net runs within a test
(tests/streaming/test_periodic_checks.py): re-checks twice a second, viewer refresh every second."""

from biztweet.settings import *  # noqa: F403

STREAMING_RECHECK_SECONDS = 0.5
STREAMING_VIEWER_REFRESH_SECONDS = 1.0
