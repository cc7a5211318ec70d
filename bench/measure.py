#!/usr/bin/env python3
"""Times several commands fairly on a noisy machine: runs them in alternating rounds and prints, per
command, its best wall time in seconds and its peak RSS in KiB, as `SECONDS KIB` lines in command order.

Usage: measure.py ROUNDS COMMAND [ARG...] [:: COMMAND [ARG...]]...
Standard output of the commands is discarded; a failing command aborts the measurement.
"""
import os
import sys
import time


def run_once(command: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execvp(command[0], command)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"measure.py: {' '.join(command)} failed")
    return elapsed, usage.ru_maxrss


def main() -> None:
    rounds = int(sys.argv[1])
    commands: list[list[str]] = [[]]
    for argument in sys.argv[2:]:
        if argument == "::":
            commands.append([])
        else:
            commands[-1].append(argument)
    best = [float("inf")] * len(commands)
    peak = [0] * len(commands)
    for _ in range(rounds):
        for index, command in enumerate(commands):
            seconds, rss = run_once(command)
            best[index] = min(best[index], seconds)
            peak[index] = max(peak[index], rss)
    for seconds, rss in zip(best, peak):
        print(f"{seconds:.3f} {rss}")


if __name__ == "__main__":
    main()
