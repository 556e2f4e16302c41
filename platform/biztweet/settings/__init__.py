"""Settings: ``base`` for Django itself, then one module per integration."""

from .api import *  # noqa: F403
from .base import *  # noqa: F403
from .billing import *  # noqa: F403
from .observability import *  # noqa: F403
from .services import *  # noqa: F403
from .tasks import *  # noqa: F403
from .tenancy import *  # noqa: F403
