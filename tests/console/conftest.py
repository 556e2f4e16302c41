from tests.api.conftest import api_as, make_token, oauth_app, people  # noqa: F401  (shared fixtures)
