"""Settings for a stream server whose periodic re-checks come too late to matter within a test
(tests/streaming/test_directory_changes.py): whatever it applies on time, a control message did."""

from biztweet.settings import *  # noqa: F403

STREAMING_RECHECK_SECONDS = 300.0
STREAMING_VIEWER_REFRESH_SECONDS = 3600.0
