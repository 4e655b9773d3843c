import pytest

from dj_learning.registry import Registry


def test_entries_come_back_in_registration_order_and_by_order():
    registry = Registry("things")
    registry.register("b", 2)
    registry.register("a", 1)
    registry.register("first", 0, order=-10)
    assert registry.names() == ["first", "b", "a"]
    assert list(registry) == [0, 2, 1]
    assert registry["a"] == 1
    assert "a" in registry and "z" not in registry
    assert registry.get("z", "none") == "none"
    assert len(registry) == 3


def test_registering_a_name_again_replaces_it_in_place():
    registry = Registry("things")
    registry.register("a", 1)
    registry.register("b", 2)
    registry.register("a", 10)
    assert registry.items() == [("a", 10), ("b", 2)]


def test_decorator_and_unregister():
    registry = Registry("callables")

    @registry.register("double")
    def double(x):
        return 2 * x

    assert registry["double"](2) == 4
    registry.unregister("double")
    registry.unregister("double")  # absent: nothing happens
    with pytest.raises(KeyError):
        registry["double"]


def test_registered_restores_what_was_there():
    registry = Registry("things")
    registry.register("a", 1)
    with registry.registered("a", 2), registry.registered("b", 3):
        assert registry.items() == [("a", 2), ("b", 3)]
    assert registry.items() == [("a", 1)]
