"""Ray on CML workers, tested against a stand-in for ``cml.workers_v1`` that records calls."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("ray")  # the tune extra

from prod2vec.tune.cml_cluster import (  # noqa: E402
    CMLWorkersError,
    cml_workers_module,
    ray_on_cml_workers,
)


class StandIn(SimpleNamespace):
    """Records every call; ``fail`` names launches whose workers do not start."""

    def __init__(self, fail: str = "") -> None:
        super().__init__(calls=[], launched=[], fail=fail)

    def launch_workers(self, n, cpu, memory, code):
        self.calls.append(("launch", n, cpu, memory, code))
        first = len(self.launched)
        batch = [{"id": f"w{first + i}", "ip_address": f"10.0.0.{first + i}"} for i in range(n)]
        self.launched += batch
        return batch

    def await_workers(self, workers, wait_for_completion, timeout_seconds):
        self.calls.append(("await", len(workers), wait_for_completion, timeout_seconds))
        head = "--head" in self.calls[-2][4]
        if self.fail == ("head" if head else "nodes"):
            return {"workers": workers[1:], "failures": workers[:1]}
        if self.fail == "timeout" and not head:
            return {"workers": [], "failures": []}
        return {"workers": workers, "failures": []}

    def list_workers(self):
        return list(self.launched)

    def stop_workers(self, *ids):
        self.calls.append(("stop", *ids))


def test_head_then_nodes_then_everything_stopped() -> None:
    stand_in = StandIn()
    with ray_on_cml_workers(n_workers=2, cpu=4, memory=8, timeout=30, workers=stand_in) as address:
        assert address == "ray://10.0.0.0:10001"  # Ray Client: the session is not a node
        assert stand_in.calls[0] == (
            "launch", 1, 4, 8, "!ray start --head --port=6379 --ray-client-server-port=10001 "
            "--num-cpus=4 --disable-usage-stats --block"
        )  # fmt: skip
        assert stand_in.calls[2] == (
            "launch", 2, 4, 8, "!ray start --address=10.0.0.0:6379 --num-cpus=4 "
            "--disable-usage-stats --block"
        )  # fmt: skip
        assert stand_in.calls[1] == ("await", 1, False, 30)
        assert not any(call[0] == "stop" for call in stand_in.calls)
    assert stand_in.calls[-1] == ("stop", "w0", "w1", "w2")


@pytest.mark.parametrize("fail", ["head", "nodes", "timeout"])
def test_workers_that_do_not_start_are_reported_and_stopped(fail: str) -> None:
    stand_in = StandIn(fail=fail)
    with (
        pytest.raises(CMLWorkersError, match="did not start within 30 s"),
        ray_on_cml_workers(n_workers=2, timeout=30, workers=stand_in),
    ):
        pytest.fail("must not yield")
    stopped = stand_in.calls[-1]
    assert stopped[0] == "stop" and set(stopped[1:]) == {w["id"] for w in stand_in.launched}


def test_workers_are_stopped_when_the_sweep_fails() -> None:
    stand_in = StandIn()
    with pytest.raises(KeyError), ray_on_cml_workers(n_workers=1, workers=stand_in):
        raise KeyError("the sweep broke")
    assert stand_in.calls[-1] == ("stop", "w0", "w1")


def test_outside_cml_the_error_names_the_way_out() -> None:
    with pytest.raises(CMLWorkersError, match="--address"):
        cml_workers_module()
