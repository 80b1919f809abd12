"""web.provide/dependency: views get the service's objects by type (pure logic, a bare Flask app)."""

import pytest
from flask import Flask

from casework_common.web import dependency, provide


class Store:
    pass


class CaseStore(Store):
    pass


def test_a_view_gets_the_object_of_its_type_or_a_subclass_and_a_missing_one_is_named() -> None:
    app = Flask(__name__)
    cases, settings = CaseStore(), {"a": 1}
    provide(app, cases, settings)
    with app.app_context():
        assert dependency(CaseStore) is cases and dependency(Store) is cases and dependency(dict) is settings
        with pytest.raises(LookupError, match="not given a list"):
            dependency(list)


def test_two_objects_of_one_type_are_refused() -> None:
    app = Flask(__name__)
    provide(app, CaseStore())
    with pytest.raises(ValueError, match="already given a CaseStore"):
        provide(app, CaseStore())
