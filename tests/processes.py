"""Running novalite commands as real OS processes in tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def write_config(path: Path, sections: dict[str, dict[str, object]]) -> Path:
    """Write a nova.conf-style file from ``{section: {option: value}}``."""
    lines: list[str] = []
    for section, options in sections.items():
        lines.append(f"[{section}]")
        lines += [f"{name} = {value}" for name, value in options.items()]
        lines.append("")
    path.write_text("\n".join(lines))
    return path


def run(command: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``novalite`` or ``novalite-manage`` to completion."""
    return subprocess.run(
        [str(BIN / command), *args], capture_output=True, text=True, timeout=timeout, check=False
    )


class Service:
    """A novalite service process whose log goes to a file."""

    def __init__(self, name: str, config_files: list[Path], log_path: Path) -> None:
        self.log_path = log_path
        args = [str(BIN / "novalite"), name]
        for path in config_files:
            args += ["--config-file", str(path)]
        self._log = log_path.open("w")
        self.process = subprocess.Popen(
            args, stdout=self._log, stderr=subprocess.STDOUT, env={**os.environ}
        )

    def log(self) -> str:
        """Everything the process logged so far."""
        return self.log_path.read_text()

    def wait_for_log(self, text: str, timeout: float = 60) -> None:
        """Wait until ``text`` appears in the log (fail if the process exits first)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return
            if self.process.poll() is not None:
                raise AssertionError(
                    f"process exited ({self.process.returncode}) before logging {text!r}:\n"
                    + self.log()
                )
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not logged within {timeout}s:\n{self.log()}")

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM the process and return its exit code (kill it if it does not exit)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"no exit within {timeout}s of SIGTERM:\n{self.log()}") from None
        finally:
            self._log.close()
