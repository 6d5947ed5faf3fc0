"""The learner's file running in a process of its own, asked one question at a time.

:class:`Learner` starts ``python -m micrograd_mlp.exercises.runner`` on the learner's file and
sends it requests (JSON lines on its stdin); the answers come back as JSON lines on a pipe of
their own, so nothing the learner's code prints can pass for one. The checker's process keeps
every decision: an answer is only the numbers the learner's code returned, and no file, exit
status or message of that process means "passed". The process is bounded:

* **time**: the time spent waiting for its answers adds up, per exercise, to at most
  ``timeout`` seconds;
* **output**: what it prints (stdout and stderr) is read as it comes, at most
  :data:`OUTPUT_LIMIT` bytes, and an answer may be at most :data:`ANSWER_LIMIT` bytes;
* **memory**: its address space is limited to :data:`MEMORY_LIMIT` bytes (``RLIMIT_AS``);
* **children**: it leads a process group of its own (a new session), and the whole group is
  killed when the check ends, on time or not, so nothing the learner's file started lives on.

A process that overruns a bound, or stops answering, raises :class:`Stopped`. This relies on
POSIX (process groups, ``select`` on pipes, resource limits).
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["ANSWER_LIMIT", "MEMORY_LIMIT", "OUTPUT_LIMIT", "Learner", "Stopped"]

#: Bytes the learner's process may print before it is stopped.
OUTPUT_LIMIT = 1024 * 1024
#: Bytes of one answer (a JSON line) before the process is stopped.
ANSWER_LIMIT = 16 * 1024 * 1024
#: Bytes of address space the learner's process may use.
MEMORY_LIMIT = 1024**3


class Stopped(Exception):
    """The learner's process was stopped, or stopped by itself, before it answered.

    Attributes:
        reason: ``"timeout"``, ``"output"`` (printed too much), ``"crashed"`` (exited without
            answering) or ``"garbled"`` (answered something that is no answer).
        code: the exit status (negative: killed by that signal), for ``"crashed"``.
        output: the last lines the process printed (for ``"crashed"``: its traceback).
    """

    def __init__(self, reason: str, code: int | None = None, output: str = "") -> None:
        super().__init__(reason)
        self.reason, self.code, self.output = reason, code, output


def _package_root() -> str:
    """The folder holding the ``micrograd_mlp`` package (for the child's import path)."""
    import micrograd_mlp

    return str(Path(micrograd_mlp.__file__).parent.parent)


class Learner:
    """The learner's ``file``, imported in a fresh Python process (``sys.executable``).

    Use as a context manager: ``with Learner(path, timeout=30) as learner:``, then
    ``learner.imported`` (how the import went) and ``learner.request(task, **fields)``.
    """

    def __init__(
        self,
        file: Path,
        timeout: float,
        memory: int = MEMORY_LIMIT,
        output_limit: int = OUTPUT_LIMIT,
    ) -> None:
        self.file, self.timeout, self.memory = file, timeout, memory
        self.output_limit = output_limit
        self.used = 0.0  # seconds spent waiting for answers
        self.imported: dict = {}
        self._printed = 0
        self._tail = b""
        self._buffer = b""
        self._proc: subprocess.Popen | None = None

    def __enter__(self) -> Learner:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (_package_root(), env.get("PYTHONPATH")) if p
        )
        env["MPLBACKEND"] = "Agg"
        for threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[threads] = "1"  # one thread: a BLAS pool per core would eat the address space
        read, write = os.pipe()
        try:
            self._proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "micrograd_mlp.exercises.runner",
                    str(self.file),
                    str(write),
                    str(self.memory),
                ],
                cwd=self.file.parent,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(write,),
                start_new_session=True,
            )
        finally:
            os.close(write)
        self._answers = os.fdopen(read, "rb", buffering=0)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._answers, selectors.EVENT_READ, "answer")
        self._selector.register(self._proc.stdout, selectors.EVENT_READ, "output")
        try:
            self.imported = self._answer()
            if "import" not in self.imported:
                self._stop("garbled")
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, task: str, **fields: object) -> dict:
        """Send one request and wait for its answer: ``{"ok": ...}``, ``{"raised": {...}}`` or
        ``{"missing": name}``.

        Raises:
            Stopped: the process overran a bound or exited (it is killed then).
        """
        assert self._proc is not None and self._proc.stdin is not None
        line = json.dumps({"task": task, **fields}).encode("utf-8") + b"\n"
        try:
            self._proc.stdin.write(line)
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # it exited: the answer's end of file says so
        answer = self._answer()
        if len(answer.keys() & {"ok", "raised", "missing"}) != 1:
            self._stop("garbled")
        return answer

    def _answer(self) -> dict:
        while b"\n" not in self._buffer:
            left = self.timeout - self.used
            if left <= 0:
                self._stop("timeout")
            started = time.monotonic()
            events = self._selector.select(timeout=left)
            self.used += time.monotonic() - started
            for key, _ in events:
                data = os.read(key.fileobj.fileno(), 65536)
                if key.data == "output":
                    self._printed_more(key.fileobj, data)
                elif not data:
                    self._stop("crashed")
                else:
                    self._buffer += data
                    if len(self._buffer) > ANSWER_LIMIT:
                        self._stop("garbled")
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            answer = json.loads(line)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            self._stop("garbled")
        return answer

    def _printed_more(self, stream: object, data: bytes) -> None:
        if not data:
            self._selector.unregister(stream)
            return
        self._printed += len(data)
        self._tail = (self._tail + data)[-4096:]
        if self._printed > self.output_limit:
            self._stop("output")

    def _stop(self, reason: str) -> None:
        if reason == "crashed":
            self._wait_exit(1.0)  # its own exit status, not the kill's
        code = self.close()
        raise Stopped(reason, code, self.printed_tail())

    def _wait_exit(self, seconds: float) -> None:
        """Wait up to ``seconds`` for the process to exit, without reaping it."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if os.waitid(os.P_PID, self._proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
                    return
            except ChildProcessError:
                return
            time.sleep(0.01)

    def printed_tail(self, lines: int = 3) -> str:
        """The last ``lines`` lines the process printed, joined with " / "."""
        text = self._tail.decode("utf-8", "replace").strip().splitlines()
        return " / ".join(text[-lines:])

    def close(self) -> int | None:
        """Kill the process and everything it started (its process group); returns its exit
        status (None if it was never started)."""
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return None if proc is None else proc.returncode
        # Its group, while it is still unreaped (so that its id cannot be reused yet).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        try:
            self._drain()  # what it printed before it died (a crash's traceback)
        finally:
            code = proc.wait()
            for stream in (proc.stdin, proc.stdout, self._answers):
                with contextlib.suppress(OSError):
                    stream.close()
            self._selector.close()
        return code

    def _drain(self) -> None:
        """Read what the killed group printed last, until the end of its output (at most a
        second, and within the output bound)."""
        deadline = time.monotonic() + 1.0
        outputs = [k for k in self._selector.get_map().values() if k.data == "output"]
        if not outputs:
            return
        self._selector.unregister(self._answers)
        while self._printed <= self.output_limit:
            left = deadline - time.monotonic()
            if left <= 0 or not self._selector.select(timeout=left):
                return
            data = os.read(outputs[0].fileobj.fileno(), 65536)
            if not data:
                return
            self._printed += len(data)
            self._tail = (self._tail + data)[-4096:]
