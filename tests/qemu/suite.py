"""Run every real-QEMU scenario, one QEMU at a time, and print TAP.

usage: suite.py CPRDUMP OUTROOT [SCENARIO-NAME...]
Needs QEMU11_* from scripts/provision-qemu.sh --env in the environment."""
import os
import signal
import sys
import time

import checks
import diff_pairs
import pairs
import scenarios

SCENARIO_LIMIT = 60  # seconds, hard limit for one scenario (QEMU is killed after it)


class ScenarioTimeout(Exception):
    pass


def on_alarm(_sig, _frame):
    raise ScenarioTimeout("scenario exceeded %d s" % SCENARIO_LIMIT)


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def line(self, ok, desc, directive=None):
        self.n += 1
        if not ok and directive is None:
            self.failed += 1
        suffix = " # " + directive if directive else ""
        print("%s %d - %s%s" % ("ok" if ok else "not ok", self.n, desc, suffix), flush=True)


def run_one(s, outroot, cprdump, tap):
    signal.alarm(SCENARIO_LIMIT)
    is_pair = s["kind"] == "pair"
    try:
        out, truth, err, secs = (diff_pairs.run_pair if is_pair else scenarios.run_scenario)(
            s, outroot)
    finally:
        signal.alarm(0)
    print("# %s: %.1f s, files in %s%s" % (s["name"], secs, out,
                                           "" if err is None else ", harness error: " + err),
          flush=True)
    results = (diff_pairs.check_pair if is_pair else checks.check_run)(s, out, truth, cprdump)
    for ok, desc, directive in results:
        tap.line(ok, desc, directive)


def run_pair(p, outroot, cprdump, tap):
    signal.alarm(SCENARIO_LIMIT)
    try:
        out, truth = pairs.run_pair(p, outroot)
    finally:
        signal.alarm(0)
    print("# %s: %.1f s, files in %s" % (p["name"], truth["seconds"], out), flush=True)
    for ok, desc, directive in pairs.check_pair(p, out, truth, cprdump):
        tap.line(ok, desc, directive)


def main(argv):
    cprdump, outroot, names = argv[1], argv[2], argv[3:]
    os.environ["CPRDUMP_BIN"] = cprdump  # for wrap.sh and cprdump-exec-wrapper
    signal.signal(signal.SIGALRM, on_alarm)
    todo = [s for s in scenarios.SCENARIOS + diff_pairs.PAIRS if not names or s["name"] in names]
    print("# accel %s; QEMU 11.1 through %s" % (scenarios.ACCEL,
                                                scenarios.qemu_prefix("11.1")[0]), flush=True)
    tap, t0 = Tap(), time.monotonic()
    for s in todo:
        try:
            run_one(s, outroot, cprdump, tap)
        except ScenarioTimeout as e:
            tap.line(False, "%s: %s" % (s["name"], e))
    for p in [p for p in pairs.PAIRS if not names or p["name"] in names]:
        todo.append(p)
        try:
            run_pair(p, outroot, cprdump, tap)
        except ScenarioTimeout as e:
            tap.line(False, "%s: %s" % (p["name"], e))
    print("1..%d" % tap.n)
    print("# %d scenarios in %.1f s, %d failed checks" % (len(todo), time.monotonic() - t0,
                                                           tap.failed), flush=True)
    return 1 if tap.failed or tap.n == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
