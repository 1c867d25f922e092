pytest_plugins = ["pytester"]

import pytest

from checks import load_spec


@pytest.fixture(scope="session")
def spec():
    return load_spec()
