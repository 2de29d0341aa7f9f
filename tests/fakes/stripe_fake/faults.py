"""Fault injection: make the next N matching requests fail, lose their response or stall."""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass
from typing import Literal

FaultMode = Literal["error", "drop_before", "drop_after", "delay"]
MODES: tuple[FaultMode, ...] = ("error", "drop_before", "drop_after", "delay")


@dataclass
class Fault:
    """One armed fault.

    Modes: `error` answers `status` with an `api_error` and does nothing; `drop_before` closes
    the connection without doing anything; `drop_after` performs the request (and stores its
    idempotent result) and then closes the connection, so the client never sees the answer;
    `delay` performs the request and then waits `delay` seconds before answering (longer than a
    client's timeout, the client gives up and retries while the work is already done).
    """

    path: str
    mode: FaultMode = "drop_after"
    method: str | None = None
    times: int = 1
    delay: float = 1.0
    status: int = 500
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a request (path is an fnmatch pattern)."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return fnmatch.fnmatchcase(path, self.path)


class FaultInjector:
    """Thread-safe registry of armed faults, consumed first-armed first."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.stopping = threading.Event()

    def add(self, path: str, *, mode: FaultMode = "drop_after", times: int = 1,
            method: str | None = None, delay: float = 1.0, status: int = 500) -> Fault:
        """Arm a fault for the next `times` requests whose path matches `path`."""
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r}; use one of {', '.join(MODES)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        fault = Fault(path=path, mode=mode, method=method, times=times, delay=delay,
                      status=status)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one use of the first fault matching this request, if any."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.hits += 1
                    if fault.hits >= fault.times:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[Fault]:
        """The faults still armed."""
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._faults.clear()

    def sleep(self, seconds: float) -> None:
        """Wait, but wake at once when the server is stopping."""
        self.stopping.wait(seconds)
