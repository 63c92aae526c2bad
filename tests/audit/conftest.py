# The world of tests/security (a dossier with every role and a drafted report), built once
# per module and rolled back per test.
from tests.security.conftest import world, world_media  # noqa: F401
