"""The manifest's counters: a counter bumped in several steps reports its total, not one step's value."""

from types import SimpleNamespace

from wirestrip.pipeline.run import _counters


def _result(counters):
    class Metrics:
        def query(self, _filter):
            return {"counters": counters}

    return SimpleNamespace(metrics=lambda: Metrics())


def _counter(step: str, name: str, value: int):
    return SimpleNamespace(key=SimpleNamespace(step=step, metric=SimpleNamespace(name=name)), committed=value)


def test_a_counter_bumped_in_two_steps_is_summed():
    got = _counters(
        _result([_counter("Clean", "removed.rule", 3), _counter("CleanLearned", "removed.rule", 2), _counter("Read", "read.records", 7)])
    )
    assert got == {"read.records": 7, "removed.rule": 5}
