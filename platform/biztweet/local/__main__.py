"""``python -m biztweet.local run|test`` (see ``biztweet.local.cli``)."""

import sys

from biztweet.local.cli import main

sys.exit(main())
